/**
 * Capacity search (`arrival.type: steps`, `stop_when`): which step each turn, failure and rate
 * limit belongs to, when a step can be judged, and the stop rule.
 *
 * - A turn belongs to the step during which the user's turn ended (the moment TTFA counts from:
 *   commit sent for manual turns, speech end sent for VAD turns; the turn's start when neither
 *   exists). A session that failed to open belongs to the step in which it ended; a rate-limit hit
 *   to the step in which it was received.
 * - Step k is judged once it is over and every session open at its end has reported a turn that
 *   belongs to a later step (or has ended): every turn of step k is then known, the slow ones
 *   included (judging at the step boundary would drop exactly the slow turns still open). With
 *   `rate_limited`, a step with a rate-limit hit is judged (broken) at once, once the steps before
 *   it are judged: more turns cannot undo it, and a rate-limited turn may be retried for long.
 *   The final evidence per step is what arrived by the end of the run.
 * - A step breaks when any set condition fails: TTFA p95 above `ttfa_p95_ms`; error rate (failed
 *   turns plus failed session opens, over turns plus failed opens; turns cut short by the harness's
 *   own stop are left out) above `error_rate`; with `rate_limited`, any handshake 429 or in-session
 *   `rate_limit_exceeded`. The p95 is judged only when the step has enough TTFA values for the
 *   order-statistic interval (harness/stats/quantile-ci.ts; 72 at 95 %); with fewer the condition
 *   is not judged at that step (noted, the search continues on the other conditions), because
 *   stopping would end every short step on the first step and passing would claim a p95 nobody
 *   measured.
 * - The capacity is the concurrency of the last step that held before the first that broke (0 when
 *   the first broke); when none broke, that of the last step judged (`max` when it was reached).
 */
import type { SessionResult, TurnResult } from '../contract.ts';
import { levelText, sampleCi, type MetricCi } from '../metrics/summary-uncertainty.ts';
import { referenceUs } from '../metrics/turn-metrics.ts';
import type { StopWhen } from '../scenario/types.ts';
import { DEFAULT_CONFIDENCE, minSampleForQuantile } from '../stats/index.ts';
import type { CapacityStep } from './arrivals.ts';

/** What stopped a search, in the order a step's broken conditions are named. */
export type CapacityStopKind = 'handshake 429' | 'in-session rate limit' | 'error rate' | 'ttfa p95';

/** Raw facts of one step. */
export interface StepFacts {
  /** TTFA of the step's completed turns, ms. */
  ttfaMs: number[];
  /** Turns that belong to the step (harness-aborted turns excluded). */
  turns: number;
  turnsFailed: number;
  /** Sessions that failed to open (connect or configure) in the step. */
  sessionsFailed: number;
  handshake429: number;
  inSession: number;
}

/** One step of `summary.json` `capacity.steps`. */
export interface CapacityStepBlock {
  index: number;
  concurrency: number;
  /** Step start and end, ms after the run started. */
  start_ms: number;
  end_ms: number;
  turns: number;
  turns_failed: number;
  sessions_failed: number;
  /** TTFA of the step's turns, ms: nearest-rank p50 and p95 (null when not supported) with their intervals. */
  ttfa_ms: { count: number; p50: number | null; p95: number | null; ci: MetricCi };
  /** (turns failed + sessions failed) / (turns + sessions failed); null when nothing was attempted. */
  error_rate: number | null;
  rate_limits: { handshake_429: number; in_session: number };
  /** `held`, `broke`, or `not judged` (the search had already stopped, or the run ended first). */
  verdict: 'held' | 'broke' | 'not judged';
  /** Conditions broken, in words (empty when held). */
  broken: string[];
  /** Conditions set but not judged at this step, e.g. `p95 not supported at this step (n=40, needs 72 at 95%)`. */
  notes: string[];
}

/** `summary.json` `capacity`. */
export interface CapacityBlock {
  /** The capacity: concurrency of the last step that held before the search stopped. */
  sessions: number;
  /** What stopped the search (the first broken condition of the step that broke), or null. */
  stopped_by: CapacityStopKind | null;
  /** Concurrency of the step that broke, or null. */
  stopped_at: number | null;
  /** True when the step at `max` was judged and held. */
  max_reached: boolean;
  /** The conditions as resolved; null when `stop_when` was not set (every step runs). */
  stop_when: { ttfa_p95_ms: number | null; error_rate: number | null; rate_limited: boolean } | null;
  /** Confidence level of the intervals and TTFA values a step needs for its p95 to be judged. */
  level: number;
  p95_min_turns: number;
  steps: CapacityStepBlock[];
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** TTFA values a step needs before its p95 is judged, at `level` (72 at 95 %). */
export function p95MinTurns(level = DEFAULT_CONFIDENCE): number {
  return minSampleForQuantile(0.95, level);
}

/** The block of one step from its facts (pure). `judge` false marks it `not judged`. */
export function judgeStep(step: CapacityStep, facts: StepFacts, stopWhen: StopWhen | null, judge: boolean, level = DEFAULT_CONFIDENCE): CapacityStepBlock {
  const values = [...facts.ttfaMs].sort((a, b) => a - b);
  const ci = sampleCi({ values, counts: values.map(() => 1) }, level);
  const attempts = facts.turns + facts.sessionsFailed;
  const errorRate = attempts === 0 ? null : round4((facts.turnsFailed + facts.sessionsFailed) / attempts);
  const broken: { kind: CapacityStopKind; text: string }[] = [];
  const notes: string[] = [];
  if (judge && stopWhen) {
    if (stopWhen.rateLimited && facts.handshake429 > 0) broken.push({ kind: 'handshake 429', text: `handshake 429 ×${facts.handshake429}` });
    if (stopWhen.rateLimited && facts.inSession > 0) broken.push({ kind: 'in-session rate limit', text: `in-session rate_limit_exceeded ×${facts.inSession}` });
    if (stopWhen.errorRate !== null) {
      if (errorRate === null) notes.push('error rate not judged: no turns or failed sessions in this step');
      else if (errorRate > stopWhen.errorRate) broken.push({ kind: 'error rate', text: `error rate ${pct(errorRate)} > ${pct(stopWhen.errorRate)}` });
    }
    if (stopWhen.ttfaP95Ms !== null) {
      const p95 = ci.p95.estimate;
      if (p95 === null) notes.push(`p95 not supported at this step (n=${values.length}, needs ${ci.p95.min_count} at ${levelText(level)}): TTFA not judged`);
      else if (p95 > stopWhen.ttfaP95Ms) broken.push({ kind: 'ttfa p95', text: `TTFA p95 ${p95} ms > ${stopWhen.ttfaP95Ms} ms` });
    }
  }
  return {
    index: step.index,
    concurrency: step.concurrency,
    start_ms: step.startMs,
    end_ms: step.endMs,
    turns: facts.turns,
    turns_failed: facts.turnsFailed,
    sessions_failed: facts.sessionsFailed,
    ttfa_ms: { count: values.length, p50: ci.p50.estimate, p95: ci.p95.estimate, ci },
    error_rate: errorRate,
    rate_limits: { handshake_429: facts.handshake429, in_session: facts.inSession },
    verdict: !judge ? 'not judged' : broken.length > 0 ? 'broke' : 'held',
    broken: broken.map((b) => b.text),
    notes,
  };
}

/** The kind of a broken-condition text (the order of {@link judgeStep}'s checks). */
function kindOf(text: string): CapacityStopKind {
  if (text.startsWith('handshake 429')) return 'handshake 429';
  if (text.startsWith('in-session')) return 'in-session rate limit';
  if (text.startsWith('error rate')) return 'error rate';
  return 'ttfa p95';
}

/** The capacity from judged steps, in order (pure). */
export function capacityOf(steps: readonly CapacityStepBlock[], maxSessions: number, stopWhen: StopWhen | null, level = DEFAULT_CONFIDENCE): CapacityBlock {
  let sessions = 0;
  let stoppedBy: CapacityStopKind | null = null;
  let stoppedAt: number | null = null;
  let maxReached = false;
  for (const s of steps) {
    if (s.verdict === 'not judged') break;
    if (s.verdict === 'broke') {
      stoppedBy = kindOf(s.broken[0]!);
      stoppedAt = s.concurrency;
      break;
    }
    sessions = s.concurrency;
    if (s.concurrency >= maxSessions) maxReached = true;
  }
  return {
    sessions,
    stopped_by: stoppedBy,
    stopped_at: stoppedAt,
    max_reached: maxReached,
    stop_when: stopWhen === null ? null : { ttfa_p95_ms: stopWhen.ttfaP95Ms, error_rate: stopWhen.errorRate, rate_limited: stopWhen.rateLimited },
    level,
    p95_min_turns: p95MinTurns(level),
    steps: [...steps],
  };
}

function pct(x: number): string {
  return `${Number((x * 100).toFixed(2))}%`;
}

/** The console's capacity lines: the result, then one row per step. */
export function formatCapacityLines(c: CapacityBlock | undefined): string[] {
  if (!c) return [];
  const head = c.stopped_by
    ? `Capacity: ${c.sessions} sessions (stopped at ${c.stopped_at} by ${c.stopped_by})`
    : c.max_reached
      ? `Capacity: ${c.sessions} sessions (max reached, no condition broken)`
      : `Capacity: ${c.sessions} sessions (search ended before max; no condition broken)`;
  const lines = [head, `  TTFA p95 judged only on steps with >= ${c.p95_min_turns} turns (${levelText(c.level)} order-statistic interval)`];
  lines.push('  conc  turns  ttfa p50  ttfa p95   errors  429s  in-sess  verdict');
  for (const s of c.steps) {
    const ms = (v: number | null): string => (v === null ? '-' : `${Math.round(v)}`).padStart(8);
    const note = s.broken.length > 0 ? `: ${s.broken.join('; ')}` : s.notes.length > 0 ? ` (${s.notes.join('; ')})` : '';
    lines.push(
      `  ${String(s.concurrency).padStart(4)}  ${String(s.turns).padStart(5)}  ${ms(s.ttfa_ms.p50)}  ${ms(s.ttfa_ms.p95)}  ${(s.error_rate === null ? '-' : pct(s.error_rate)).padStart(7)}  ${String(s.rate_limits.handshake_429).padStart(4)}  ${String(s.rate_limits.in_session).padStart(7)}  ${s.verdict}${note}`,
    );
  }
  return lines;
}

/** Is `code` an HTTP 429 failure code or reason (fallback when a session has no `rateLimits`)? */
function failed429(s: SessionResult): boolean {
  return s.failure !== undefined && (s.failure.code === 'http_429' || /\bHTTP 429\b|\b429\b/.test(s.failure.reason));
}

/** Turn statuses caused by the harness (its stop or drain), not by the target. */
const HARNESS_STATUSES = new Set<TurnResult['status']>(['aborted']);
/** Turn statuses that are not errors. */
const OK_STATUSES = new Set<TurnResult['status']>(['completed', 'cancelled']);

/** Options of {@link CapacityMonitor}. */
export interface CapacityMonitorOptions {
  steps: readonly CapacityStep[];
  /** Run start, µs on the run's clock (the clock of turn milestones). */
  runStartUs: number;
  stopWhen: StopWhen | null;
  /** `arrival.max`. */
  maxSessions: number;
  /** Confidence level. Default 95 %. */
  level?: number;
  /** Called once, when a step breaks: stop new turns. */
  onBreak: (step: CapacityStepBlock) => void;
}

/**
 * Live step accounting for a run: fed the run's sessions, turns and rate-limit hits as they happen
 * (main thread), told when a step's time is over ({@link stepOver}), judges steps in order as soon
 * as each is complete (see the module comment) and calls `onBreak` at the first that breaks.
 */
export class CapacityMonitor {
  private readonly facts: StepFacts[];
  /** Per step judged so far, in order: whether it was judged (false: `not judged`). */
  private readonly judged: boolean[] = [];
  /** Sessions running now → the latest step any of their turns belonged to (-1: none yet). */
  private readonly running = new Map<number, number>();
  /** Per step that is over: sessions that were running at its end. */
  private readonly waitingOn = new Map<number, Set<number>>();
  private over = -1;
  private broke = false;
  /** Rate-limit hits already counted, per session: (kind, atUs) keys; avoids counting a hit told live and again in the session's record. */
  private readonly seenHits = new Map<number, Set<string>>();
  /** In-session hits counted from turn error codes per session (when no live notice or record told them). */
  private readonly turnHits = new Map<number, { step: number }[]>();

  constructor(private readonly opts: CapacityMonitorOptions) {
    this.facts = opts.steps.map(() => ({ ttfaMs: [], turns: 0, turnsFailed: 0, sessionsFailed: 0, handshake429: 0, inSession: 0 }));
  }

  /** Steps judged so far (in order, from the first). */
  get judgedSteps(): number {
    return this.judged.length;
  }

  /** The step a time belongs to (the last step holds everything after the run's planned end). */
  stepAt(atUs: number): number {
    const ms = (atUs - this.opts.runStartUs) / 1000;
    const i = this.opts.steps.findIndex((s) => ms < s.endMs);
    return i < 0 ? this.opts.steps.length - 1 : i;
  }

  sessionStarted(index: number): void {
    this.running.set(index, -1);
  }

  /** A finished turn, with its TTFA (ms, null when none). */
  turn(t: TurnResult, ttfaMs: number | null, nowUs: number): void {
    const step = this.stepAt(referenceUs(t) ?? t.milestones.turnStartUs ?? nowUs);
    const f = this.facts[step]!;
    if (!HARNESS_STATUSES.has(t.status)) {
      f.turns++;
      if (!OK_STATUSES.has(t.status)) f.turnsFailed++;
      if (t.status === 'completed' && ttfaMs !== null) f.ttfaMs.push(ttfaMs);
      if (t.errorCode === 'rate_limit_exceeded' && !this.seenHits.has(t.sessionIndex)) {
        // No live notice for this session (yet): count it from the turn, replaced by the record later.
        const list = this.turnHits.get(t.sessionIndex) ?? [];
        list.push({ step });
        this.turnHits.set(t.sessionIndex, list);
        f.inSession++;
      }
    }
    if (this.running.has(t.sessionIndex)) this.running.set(t.sessionIndex, Math.max(this.running.get(t.sessionIndex)!, step));
    for (const [k, waiting] of this.waitingOn) if (step > k) waiting.delete(t.sessionIndex);
    this.advance();
  }

  /** A rate-limit hit told live (or from a session's record). Counted once per (session, kind, time). */
  rateLimit(sessionIndex: number, kind: 'handshake_429' | 'in_session', atUs: number): void {
    const seen = this.seenHits.get(sessionIndex) ?? new Set<string>();
    this.seenHits.set(sessionIndex, seen);
    // Hits counted from turn error codes are replaced by the told ones.
    const fromTurns = kind === 'in_session' ? this.turnHits.get(sessionIndex) : undefined;
    if (fromTurns) {
      for (const h of fromTurns) this.facts[h.step]!.inSession--;
      this.turnHits.delete(sessionIndex);
    }
    const key = `${kind}:${atUs}`;
    if (seen.has(key)) return;
    seen.add(key);
    const step = this.stepAt(atUs);
    const f = this.facts[step]!;
    if (kind === 'handshake_429') f.handshake429++;
    else f.inSession++;
    // An in-session limit answers the request of the turn just committed: that turn belongs to this
    // step, so the session has no open turn in an earlier one (a retried turn may take a while).
    if (this.running.has(sessionIndex)) this.running.set(sessionIndex, Math.max(this.running.get(sessionIndex)!, step));
    for (const [k, waiting] of this.waitingOn) if (step > k) waiting.delete(sessionIndex);
    this.advance();
  }

  /** A session ended (`not_started` sessions are ignored). */
  session(s: SessionResult, nowUs: number): void {
    if (s.outcome === 'not_started') return;
    // A connection the server closed later already counts through the turns it cut short.
    if (s.failure !== undefined && s.failure.kind !== 'closed') this.facts[this.stepAt(nowUs)]!.sessionsFailed++;
    const r = s.rateLimits;
    if (r) {
      for (const h of r.handshake429) this.rateLimit(s.sessionIndex, 'handshake_429', h.atUs);
      for (const h of r.inSession) this.rateLimit(s.sessionIndex, 'in_session', h.atUs);
    } else if (failed429(s) && !this.seenHits.has(s.sessionIndex)) {
      this.rateLimit(s.sessionIndex, 'handshake_429', nowUs);
    }
    this.running.delete(s.sessionIndex);
    for (const waiting of this.waitingOn.values()) waiting.delete(s.sessionIndex);
    this.advance();
  }

  /** Step `index`'s time is over (the runner's timer at its end). */
  stepOver(index: number): void {
    for (let k = this.over + 1; k <= index && k < this.opts.steps.length; k++) {
      this.waitingOn.set(k, new Set([...this.running].filter(([, last]) => last <= k).map(([i]) => i)));
      this.over = k;
    }
    this.advance();
  }

  /**
   * The capacity block once every session ended. Steps not yet judged are judged when their time
   * was over or the run ended on its own (its duration, or every session done); a step cut short
   * by a stop (signal, budget) is marked `not judged`, as is every step after the one that broke.
   */
  finish(endUs: number, ranToEnd: boolean): CapacityBlock {
    const lastStarted = this.stepAt(endUs);
    for (let k = this.judged.length; k <= lastStarted && k < this.opts.steps.length; k++) {
      // After the drain every turn is known: steps whose time was over are complete.
      const complete = ranToEnd || k <= this.over;
      this.push(k, !this.broke && complete);
    }
    // The evidence as it stands at the end: a step judged early (below) may have gained turns
    // since; counts of a complete step do not change, and rate limits only grow, so no verdict flips.
    const blocks = this.judged.map((judge, k) => judgeStep(this.opts.steps[k]!, this.facts[k]!, this.opts.stopWhen, judge, this.opts.level));
    return capacityOf(blocks, this.opts.maxSessions, this.opts.stopWhen, this.opts.level);
  }

  /**
   * Judges the next steps while they can be: a step that is over and complete; or, with
   * `rate_limited`, a step with a rate-limit hit at once (more turns cannot undo it), so a search
   * against a real account stops without waiting out the step or a retried turn.
   */
  private advance(): void {
    while (this.judged.length < this.opts.steps.length) {
      const k = this.judged.length;
      const f = this.facts[k]!;
      const limited = this.opts.stopWhen?.rateLimited === true && f.handshake429 + f.inSession > 0;
      const complete = k <= this.over && (this.waitingOn.get(k)?.size ?? 0) === 0;
      if (!complete && !(limited && !this.broke)) return;
      this.push(k, !this.broke);
    }
  }

  private push(k: number, judge: boolean): void {
    const block = judgeStep(this.opts.steps[k]!, this.facts[k]!, this.opts.stopWhen, judge, this.opts.level);
    this.judged.push(judge);
    this.waitingOn.delete(k);
    if (block.verdict === 'broke' && !this.broke) {
      this.broke = true;
      this.opts.onBreak(block);
    }
  }
}
