/**
 * One thread's share of a run: its sessions, its pacer and its recorder. The main thread runs the
 * only shard when `workers` is 1; with `--workers N` each worker thread runs one (worker.ts) and
 * the main thread adds their recorder snapshots. A shard rebuilds its session plans from the
 * scenario and the session indices it was given, so no plan crosses a thread boundary.
 */
import type { RateLimitNotice } from '../session/rate-limit-log.ts';
import type { Clock } from '../../common/clock.ts';
import type { PreparedClip, SessionResult, TurnResult } from '../contract.ts';
import { silenceFrame } from '../audio/prepare-clip.ts';
import { opusClipOf } from '../audio/opus-clip.ts';
import { Recorder } from '../metrics/recorder.ts';
import { failureErrorKey } from '../metrics/summary-failures.ts';
import { startEventLoopMonitor, type EventLoopReport } from '../metrics/self-check.ts';
import type { TurnMetrics } from '../metrics/turn-metrics.ts';
import { createPacer, type PacerStats } from '../pacer/pacer.ts';
import { startBusyPoll } from './busy-poll.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import type { Transport } from '../transport/transport.ts';
import type { SessionPlan } from '../contract.ts';
import type { RunFinding } from './conformance-tap.ts';
import { buildSessionPlan, type PlanContext } from './plans.ts';
import { NOT_STARTED, SessionPool, type ScheduledSession } from './session-pool.ts';
import type { SessionArm } from '../scenario/arms.ts';

/** Why connections were closed by the harness: the drain timeout passed, or a second stop request. */
export type AbortReason = 'drain_timeout' | 'interrupted';

/** What a shard is given (structured-cloneable, except the clips, which a worker loads itself). */
export interface ShardSpec {
  readonly scenario: ResolvedScenario;
  /** Sessions of this shard (0-based run indices). */
  readonly sessionIndices: readonly number[];
  /** Every session's effort (the run's interleaved assignment). */
  readonly efforts: readonly SessionArm[];
  /** Every session's intended start offset from `runStartUs`, ms. */
  readonly offsetsMs: readonly number[];
  /** Run start on the monotonic clock (CLOCK_MONOTONIC is shared by threads and processes), µs. */
  readonly runStartUs: number;
  readonly url: string;
  /** Never logged. */
  readonly headers: Readonly<Record<string, string>>;
  readonly corpusIds: readonly string[];
  /** Check conformance of every connection. Default true. */
  readonly conformance?: boolean;
}

/** Where a shard reports, as things happen. */
export interface ShardSink {
  onSessionStart(index: number, lateUs: number): void;
  onTurn(turn: TurnResult, metrics: TurnMetrics): void;
  onSession(session: SessionResult, findings: readonly RunFinding[]): void;
  /**
   * A rate limit met, as it happens (the capacity search judges steps live with it). Optional:
   * worker threads do not forward it; the session's `rateLimits` record still carries every hit.
   */
  onRateLimit?(notice: RateLimitNotice): void;
}

/** A shard's totals once its sessions ended. */
export interface ShardResult {
  readonly recorder: Recorder;
  readonly pacer: PacerStats;
  /** This thread's event loop during the shard. */
  readonly eventLoop: EventLoopReport;
}

/** A running shard. */
export interface ShardHandle {
  /** Stop new turns (sessions not yet arrived never start). */
  stop(): void;
  /**
   * Closes every connection now. Turns and sessions cut short by it are reported `aborted` with
   * `reason` as their error code (the driver alone would see a server close).
   */
  abort(reason: AbortReason): void;
  /** Sessions connected or connecting. */
  readonly activeSessions: number;
  readonly done: Promise<ShardResult>;
}

/** Test seams of {@link startShard}. */
export interface ShardDeps {
  readonly clock: Clock;
  readonly clips: ReadonlyMap<string, PreparedClip>;
  /** Default: WebSocket transports. */
  readonly transportFactory?: (plan: SessionPlan) => Transport;
}

/**
 * A session the harness's own close cut short: outcome `aborted`, without the failure the driver
 * recorded for that close (it was ours, not the target's).
 */
function asAborted(s: SessionResult): SessionResult {
  const { failure, ...rest } = s;
  const errors = { ...s.errors };
  if (failure) delete errors[failureErrorKey(s.outcome, failure.reason)];
  return { ...rest, outcome: 'aborted', errors };
}

/** Starts a shard's sessions at their arrival times. */
export function startShard(spec: ShardSpec, sink: ShardSink, deps: ShardDeps): ShardHandle {
  const { scenario } = spec;
  const recorder = new Recorder();
  const busyPoll = scenario.pacing.busyPoll;
  const pacer = createPacer({ clock: deps.clock, onLagUs: (us) => recorder.recordSendLagUs(us), polled: busyPoll });
  // Busy polling: this thread's loop never sleeps, and the pacer is served on every turn.
  const poller = busyPoll ? startBusyPoll(() => pacer.poll()) : null;
  const ctx: PlanContext = { url: spec.url, headers: spec.headers, clips: deps.clips, corpusIds: spec.corpusIds };
  const sessions: ScheduledSession[] = spec.sessionIndices.map((i) => ({
    plan: buildSessionPlan(scenario, i, spec.efforts, ctx),
    startAtUs: spec.runStartUs + (spec.offsetsMs[i] ?? 0) * 1000,
  }));
  let aborted: AbortReason | null = null;
  /** Sessions with a turn the harness's own close cut short. */
  const cutShort = new Set<number>();
  const silence = silenceFrame(scenario.wireFormat, scenario.chunkMs);
  // WebRTC: every clip's Opus packets are ready before any session streams (encoding inside a
  // running session would hold up every other session's frames). runScenario and the worker pool
  // have encoded them already; this only covers other callers of startShard.
  if (scenario.transport === 'webrtc') for (const clip of deps.clips.values()) opusClipOf(clip);
  const monitor = startEventLoopMonitor({ clock: deps.clock, stallThresholdMs: scenario.pacing.stallBudgetMs });
  const pool = new SessionPool({
    sessions,
    clock: deps.clock,
    pacer,
    silence,
    ...(deps.transportFactory ? { transportFactory: deps.transportFactory } : {}),
    conformance: spec.conformance ?? true,
    onSessionStart: (index, lateUs) => sink.onSessionStart(index, lateUs),
    ...(sink.onRateLimit ? { onRateLimit: (n: RateLimitNotice) => sink.onRateLimit!(n) } : {}),
    onTurn: (t) => {
      let turn = t;
      if (aborted && t.status !== 'completed' && !(t.status === 'cancelled' && t.bargedIn)) {
        turn = { ...t, status: 'aborted', errorCode: aborted };
        cutShort.add(t.sessionIndex);
      }
      sink.onTurn(turn, recorder.recordTurn(turn));
    },
    onSession: (s, findings) => {
      const session = cutShort.has(s.sessionIndex) ? asAborted(s) : s;
      // Not-started sessions never ran: they are counted by the runner, not as failed sessions.
      if (session.outcome !== NOT_STARTED) recorder.recordSession(session);
      sink.onSession(session, findings);
    },
  });
  pool.start();
  const done = pool.done.finally(() => poller?.stop()).then(() => {
    const eventLoop = monitor.stop();
    const stats = pacer.stats();
    pacer.close();
    return { recorder, pacer: stats, eventLoop };
  });
  return {
    stop: () => pool.stop(),
    abort: (reason) => {
      aborted ??= reason;
      pool.abort();
    },
    get activeSessions() {
      return pool.activeSessions;
    },
    done,
  };
}
