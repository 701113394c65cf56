/**
 * Messages between the main thread and `--workers N` threads. Everything here is structured-
 * cloneable; recorder histograms travel as compressed HDR (base64) and are ADDED on arrival.
 */
import type { PreparedClip, SessionResult, TurnResult } from '../contract.ts';
import type { OpusClip } from '../audio/opus-clip.ts';
import type { RecorderSnapshot } from '../metrics/recorder.ts';
import type { EventLoopReport } from '../metrics/self-check.ts';
import type { TurnMetrics } from '../metrics/turn-metrics.ts';
import type { PacerStats } from '../pacer/pacer.ts';
import type { RunFinding } from './conformance-tap.ts';
import type { AbortReason, ShardSpec } from './shard.ts';

/** `workerData` of a worker thread. */
export interface WorkerInit {
  /** The shard, without its start time (sent with `start` once every worker is ready). */
  readonly spec: Omit<ShardSpec, 'runStartUs'>;
  /**
   * The prepared clips, copied from the main thread (a few MB of strings clone in milliseconds;
   * decoding and resampling them again in every worker would take seconds of CPU).
   */
  readonly clips: readonly PreparedClip[];
  /** WebRTC runs: each clip's Opus packets by clip id, encoded once by the main thread. */
  readonly opusClips?: Readonly<Record<string, OpusClip>>;
}

/** Main → worker. */
export type ToWorker = { type: 'start'; runStartUs: number } | { type: 'stop' } | { type: 'abort'; reason: AbortReason };

/** Worker → main. */
export type FromWorker =
  /** Modules loaded; waiting for `start`. */
  | { type: 'ready' }
  | { type: 'session-start'; index: number; lateUs: number }
  | { type: 'turn'; turn: TurnResult; metrics: TurnMetrics }
  | { type: 'session'; session: SessionResult; findings: readonly RunFinding[] }
  | { type: 'done'; recorder: RecorderSnapshot; pacer: PacerStats; eventLoop: EventLoopReport }
  | { type: 'failed'; message: string };
