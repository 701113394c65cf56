/**
 * `--workers N`: sessions spread round-robin over N worker threads, each with its own pacer and
 * recorder (so no thread's event loop paces more than its share). The main thread writes the files
 * from the workers' messages and adds their recorder snapshots (histograms are added, never
 * percentiles averaged).
 */
import { opusClipOf } from '../audio/opus-clip.ts';
import { Worker } from 'node:worker_threads';
import type { PreparedClip } from '../contract.ts';
import { Recorder, type RecorderSnapshot } from '../metrics/recorder.ts';
import type { PacerStats } from '../pacer/pacer.ts';
import type { EventLoopReport } from '../metrics/self-check.ts';
import type { AbortReason, ShardResult, ShardSink, ShardSpec } from './shard.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.ts';

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);

/** Session indices of worker `w` of `n`: round-robin, so every worker gets early and late arrivals. */
export function roundRobin(sessionIndices: readonly number[], n: number, w: number): number[] {
  return sessionIndices.filter((_, k) => k % n === w);
}

/** Workers that are ready and wait for `start`. */
export interface WorkerShards {
  /** Starts every worker's sessions relative to `runStartUs`. */
  start(runStartUs: number): void;
  stop(): void;
  abort(reason: AbortReason): void;
  /** Terminates the threads at once (a second SIGINT). */
  terminate(): Promise<void>;
  /** Every worker's totals, merged. Rejects when a worker failed. */
  readonly done: Promise<ShardResult>;
}

/** Sums pacer counters; the send-lag distribution comes from the merged recorder instead. */
function addPacerStats(a: PacerStats, b: PacerStats): PacerStats {
  return {
    activeStreams: a.activeStreams + b.activeStreams,
    streamsStarted: a.streamsStarted + b.streamsStarted,
    framesSent: a.framesSent + b.framesSent,
    wakeUps: a.wakeUps + b.wakeUps,
    idleWakeUps: a.idleWakeUps + b.idleWakeUps,
    yields: a.yields + b.yields,
    errors: a.errors + b.errors,
    sendLagMs: a.sendLagMs.count >= b.sendLagMs.count ? a.sendLagMs : b.sendLagMs,
  };
}

/** The worst of two threads' event loops (a stall in any thread delays its sessions' stamps). */
export function worstEventLoop(a: EventLoopReport, b: EventLoopReport): EventLoopReport {
  return {
    maxStallMs: Math.max(a.maxStallMs, b.maxStallMs),
    p99DelayMs: Math.max(a.p99DelayMs, b.p99DelayMs),
    meanDelayMs: Math.max(a.meanDelayMs, b.meanDelayMs),
    stalls: a.stalls + b.stalls,
  };
}

/**
 * Spawns `n` workers for the spec's sessions and resolves once each is ready to start.
 * @param spec the whole run's shard spec (its `sessionIndices` are split round-robin)
 */
export async function spawnWorkerShards(
  spec: Omit<ShardSpec, 'runStartUs'>,
  n: number,
  clips: readonly PreparedClip[],
  sink: ShardSink,
): Promise<WorkerShards> {
  const workers: Worker[] = [];
  const results: Promise<{ snapshot: RecorderSnapshot; pacer: PacerStats; eventLoop: EventLoopReport }>[] = [];
  const ready: Promise<void>[] = [];
  // WebRTC: the clips' Opus packets are encoded here, once for the run, and copied to every worker
  // (encoding them again per worker would cost seconds of CPU before any session starts).
  const opusClips = spec.scenario.transport === 'webrtc' ? Object.fromEntries(clips.map((c) => [c.id, opusClipOf(c)])) : null;
  for (let w = 0; w < n; w++) {
    const init: WorkerInit = { spec: { ...spec, sessionIndices: roundRobin(spec.sessionIndices, n, w) }, clips, ...(opusClips ? { opusClips } : {}) };
    const worker = new Worker(ENTRY, { workerData: init });
    workers.push(worker);
    let markReady!: () => void;
    let failReady!: (e: Error) => void;
    ready.push(new Promise<void>((res, rej) => ((markReady = res), (failReady = rej))));
    results.push(
      new Promise((resolve, reject) => {
        let finished = false;
        worker.on('message', (m: FromWorker) => {
          switch (m.type) {
            case 'ready':
              return markReady();
            case 'session-start':
              return sink.onSessionStart(m.index, m.lateUs);
            case 'turn':
              return sink.onTurn(m.turn, m.metrics);
            case 'session':
              return sink.onSession(m.session, m.findings);
            case 'done':
              finished = true;
              return resolve({ snapshot: m.recorder, pacer: m.pacer, eventLoop: m.eventLoop });
            case 'failed': {
              const err = new Error(`worker ${w + 1}/${n}: ${m.message}`);
              failReady(err);
              return reject(err);
            }
          }
        });
        worker.on('error', (e) => {
          const err = new Error(`worker ${w + 1}/${n} crashed: ${e.message}`);
          failReady(err);
          reject(err);
        });
        worker.on('exit', (code) => {
          if (finished) return;
          const err = new Error(`worker ${w + 1}/${n} exited (code ${code}) before finishing`);
          failReady(err);
          reject(err);
        });
      }),
    );
  }
  const send = (m: ToWorker): void => {
    for (const w of workers) w.postMessage(m);
  };
  try {
    await Promise.all(ready);
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  const done = Promise.all(results).then((parts) => {
    return {
      recorder: Recorder.merge(parts.map((p) => p.snapshot)),
      pacer: parts.map((p) => p.pacer).reduce(addPacerStats),
      eventLoop: parts.map((p) => p.eventLoop).reduce(worstEventLoop),
    };
  });
  return {
    start: (runStartUs) => send({ type: 'start', runStartUs }),
    stop: () => send({ type: 'stop' }),
    abort: (reason) => send({ type: 'abort', reason }),
    terminate: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
    done,
  };
}
