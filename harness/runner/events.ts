/**
 * What a run tells its listeners as it goes (the run emits events, presentation
 * subscribes). Listeners are called synchronously on the main thread and must be
 * cheap: a turn event arrives for every finished turn.
 */
import type { SessionResult, TurnResult } from '../contract.ts';
import type { TurnMetrics } from '../metrics/turn-metrics.ts';

/** Why new turns stopped: the run's duration passed, a stop was requested (SIGINT), one more turn would cross `--max-cost-usd`, or a capacity search step broke its `stop_when`. */
export type StopReason = 'duration' | 'signal' | 'budget' | 'capacity';

/** One event of a run. */
export type RunEvent =
  /** Everything resolved and the target is up; sessions are about to arrive. */
  | {
      type: 'started';
      scenario: string;
      /** `mock`, `openai` or the URL without query and credentials. */
      target: string;
      sessions: number;
      efforts: readonly string[];
      workers: number;
      outDir: string;
      /** Run length, s, or null when bounded by turns only. */
      durationS: number | null;
      /** Run start on the run's clock, µs. */
      runStartUs: number;
    }
  /** A session began connecting, `lateUs` after its intended arrival. */
  | { type: 'session-start'; index: number; lateUs: number }
  /** A turn finished (any status), with its derived metrics. */
  | { type: 'turn'; turn: TurnResult; metrics: TurnMetrics }
  /** A session ended; `findings` conformance findings were recorded for it. */
  | { type: 'session-end'; session: SessionResult; findings: number }
  /** New turns stopped; open turns are finishing (bounded by `drainMs`). */
  | { type: 'stopping'; reason: StopReason; drainMs: number }
  /** The drain timeout passed: open connections were closed. */
  | { type: 'drain-timeout' }
  /** A second stop request: connections closed at once; no summary is written. */
  | { type: 'hard-stop' }
  /** Output is being written. */
  | { type: 'finishing' }
  /** Spend so far (after a priced turn), the projection to the end of the run and the cap, USD; only when cost is tracked. */
  | { type: 'cost'; spentUsd: number; projectedUsd: number | null; capUsd: number | null };

/** A run listener. */
export type RunListener = (event: RunEvent) => void;
