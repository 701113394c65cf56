/**
 * A `--workers N` thread: takes the prepared clips, runs its shard of sessions with its own pacer and
 * recorder on the real monotonic clock (CLOCK_MONOTONIC is shared with the main thread, so the
 * run's start time means the same instant here), and streams turns and sessions to the main thread,
 * which writes the files. Started through worker-entry.mjs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { monotonicClock } from '../../common/clock.ts';
import { startShard } from './shard.ts';
import { adoptOpusClip } from '../audio/opus-clip.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.ts';

// @evan/opus's native addon crashed the process (SIGSEGV) when `--workers` threads that had used
// it ended (`rth run --transport webrtc --workers 2`, Node 22, x64 Linux); its WASM build, chosen
// by this variable when the module is first loaded (lazily, by common/audio/opus.ts), does not.
// Worker threads have their own copy of the environment: the main thread keeps the native addon.
process.env['OPUS_FORCE_WASM'] ??= '1';

const port = parentPort;
if (!port) throw new Error('harness/runner/worker.ts must run in a worker thread');
const post = (m: FromWorker): void => port.postMessage(m);

async function main(init: WorkerInit): Promise<void> {
  const { spec } = init;
  const clips = new Map(init.clips.map((c) => [c.id, c]));
  // The main thread's Opus encoding of each clip, adopted for this thread's copy of the clip.
  for (const c of init.clips) {
    const packets = init.opusClips?.[c.id];
    if (packets) adoptOpusClip(c, packets);
  }
  let early: ToWorker | null = null;
  const runStartUs = await new Promise<number>((resolve) => {
    const onStart = (m: ToWorker): void => {
      if (m.type !== 'start') {
        if (early?.type !== 'abort') early = m;
        return;
      }
      port!.off('message', onStart);
      resolve(m.runStartUs);
    };
    port!.on('message', onStart);
    post({ type: 'ready' });
  });
  const shard = startShard(
    { ...spec, runStartUs },
    {
      onSessionStart: (index, lateUs) => post({ type: 'session-start', index, lateUs }),
      onTurn: (turn, metrics) => post({ type: 'turn', turn, metrics }),
      onSession: (session, findings) => post({ type: 'session', session, findings }),
    },
    { clock: monotonicClock, clips },
  );
  port!.on('message', (m: ToWorker) => {
    if (m.type === 'stop') shard.stop();
    else if (m.type === 'abort') shard.abort(m.reason);
  });
  // A stop that came before the start message (it still follows).
  const pending = early as ToWorker | null;
  if (pending?.type === 'abort') shard.abort(pending.reason);
  else if (pending?.type === 'stop') shard.stop();
  const result = await shard.done;
  post({ type: 'done', recorder: result.recorder.encode(), pacer: result.pacer, eventLoop: result.eventLoop });
  port!.close();
}

main(workerData as WorkerInit).catch((err: unknown) => {
  post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  port.close();
});
