/**
 * The harness's honesty check (docs/measurement.md, "Self-check"): if frames went out late or the event
 * loop stalled, the load generator was the bottleneck and its numbers are not the target's. Such a
 * run is marked invalid and the report says so first.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { monotonicClock, type Clock, type TimerHandle } from '../../common/clock.ts';

/** Default stall budget, ms. Not scaled with chunk size: a stall delays receive stamps (TTFA) by its full length whatever the chunk. */
export const DEFAULT_STALL_BUDGET_MS = 50;

/**
 * Default send-lag p99 budget for a chunk size: a quarter of a chunk, i.e. 5 ms at 20 ms chunks
 * (docs/measurement.md), 2.5 ms at 10 ms, 50 ms at the 200 ms chunks translation sessions use. A frame
 * late by a quarter of its own duration is a visible gap in the stream at any chunk size.
 */
export function defaultSendLagBudgetMs(chunkMs: number): number {
  return chunkMs / 4;
}

/**
 * Longest stall seen by a timer that should fire every `intervalMs`: each observation compares
 * the gap since the previous one with the interval. Pure; {@link startEventLoopMonitor} feeds it.
 */
export class StallDetector {
  private lastUs: number | null = null;
  private maxStallUs = 0;
  private stallCount = 0;

  /** @param intervalMs expected gap between observations, ms; @param thresholdMs gaps beyond the interval by more than this count as stalls (default 50). */
  constructor(
    private readonly intervalMs: number,
    private readonly thresholdMs = DEFAULT_STALL_BUDGET_MS,
  ) {}

  /** One tick at `nowUs`. */
  observe(nowUs: number): void {
    if (this.lastUs !== null) {
      const stallUs = nowUs - this.lastUs - this.intervalMs * 1000;
      if (stallUs > this.maxStallUs) this.maxStallUs = stallUs;
      if (stallUs > this.thresholdMs * 1000) this.stallCount++;
    }
    this.lastUs = nowUs;
  }

  /** Longest stall beyond the interval, ms. */
  get maxStallMs(): number {
    return this.maxStallUs / 1000;
  }

  /** Ticks late by more than the threshold. */
  get stalls(): number {
    return this.stallCount;
  }
}

/** What the event loop monitor saw. */
export interface EventLoopReport {
  /** Longest time the loop was blocked, ms (max of the stall detector and the delay histogram). */
  maxStallMs: number;
  /** p99 of the loop delay beyond the sampling interval, ms. */
  p99DelayMs: number;
  /** Mean loop delay beyond the sampling interval, ms. */
  meanDelayMs: number;
  /** Stalls longer than the threshold. */
  stalls: number;
}

/** A running monitor. */
export interface EventLoopMonitor {
  /** What was seen so far. */
  report(): EventLoopReport;
  /** Stops sampling and returns the final report. Idempotent. */
  stop(): EventLoopReport;
}

/** Options of {@link startEventLoopMonitor}. */
export interface EventLoopMonitorOptions {
  /** Clock of the stall detector's timer. Default the monotonic clock. */
  clock?: Clock;
  /** Tick of the stall detector, ms. Default 10. */
  intervalMs?: number;
  /** Sampling resolution of `perf_hooks.monitorEventLoopDelay`, ms. Default 10. */
  resolutionMs?: number;
  /** Stalls beyond this count in `stalls`, ms. Default {@link DEFAULT_STALL_BUDGET_MS}. */
  stallThresholdMs?: number;
}

/** Starts `perf_hooks.monitorEventLoopDelay` plus a timer-gap stall detector. Call `stop()` at the end of the run. */
export function startEventLoopMonitor(opts: EventLoopMonitorOptions = {}): EventLoopMonitor {
  const clock = opts.clock ?? monotonicClock;
  const intervalMs = opts.intervalMs ?? 10;
  const resolutionMs = opts.resolutionMs ?? 10;
  const detector = new StallDetector(intervalMs, opts.stallThresholdMs);
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  delay.enable();
  let timer: TimerHandle | null = null;
  let final: EventLoopReport | null = null;

  const tick = (): void => {
    detector.observe(clock.nowUs());
    timer = clock.setTimeout(tick, intervalMs);
    // The monitor must never keep the process alive on its own.
    (timer as unknown as { unref?: () => void }).unref?.();
  };
  tick();

  // The histogram's samples include the sampling interval itself; subtract it.
  const beyond = (ns: number): number => (delay.count > 0 ? Math.max(0, ns / 1e6 - resolutionMs) : 0);
  const report = (): EventLoopReport =>
    final ?? {
      maxStallMs: Math.max(detector.maxStallMs, beyond(delay.max)),
      p99DelayMs: beyond(delay.percentile(99)),
      meanDelayMs: beyond(delay.mean),
      stalls: detector.stalls,
    };

  return {
    report,
    stop(): EventLoopReport {
      if (final) return final;
      detector.observe(clock.nowUs());
      final = report();
      if (timer !== null) clock.clearTimeout(timer);
      delay.disable();
      return final;
    },
  };
}

/** Inputs of {@link judgeRun}. */
export interface RunJudgementInput {
  /** p99 of the send lag, ms; null when nothing was paced. */
  sendLagP99Ms: number | null;
  /** Send-lag budget, ms (default {@link defaultSendLagBudgetMs} of the chunk size). */
  budgetMs: number;
  /** Longest event-loop stall, ms; null when not monitored. */
  maxStallMs: number | null;
  /** Stall budget, ms (default {@link DEFAULT_STALL_BUDGET_MS}). */
  stallBudgetMs: number;
}

/** Whether the run's numbers can be trusted, and if not, why (each reason a full sentence). */
export function judgeRun(input: RunJudgementInput): { valid: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (input.sendLagP99Ms !== null && input.sendLagP99Ms > input.budgetMs) {
    reasons.push(
      `send lag p99 ${fmt(input.sendLagP99Ms)} ms exceeded the ${fmt(input.budgetMs)} ms budget: the load generator could not stream in real time (run fewer sessions or more --workers)`,
    );
  }
  if (input.maxStallMs !== null && input.maxStallMs > input.stallBudgetMs) {
    reasons.push(
      `event loop stalled for ${fmt(input.maxStallMs)} ms (budget ${fmt(input.stallBudgetMs)} ms): frames and receive stamps were delayed by as much`,
    );
  }
  return { valid: reasons.length === 0, reasons };
}

function fmt(ms: number): string {
  return String(Math.round(ms * 100) / 100);
}
