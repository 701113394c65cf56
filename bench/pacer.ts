/**
 * Pacer micro-benchmark: N streams × 20 ms frames against a null sender, on the real clock.
 * Prints one JSON line per stream count: frames/s, timer wake-ups/s, CPU share of one core, send
 * lag p50/p99/max; then the same streams through ws-floor's slot loop (`runSlotLoop` of
 * bench/ws-floor.ts, its scheduling without sockets) measured right after, as the reference. Short by
 * default; a figure from a shared 2-core machine is only comparable with figures of the same run.
 *
 *   node --import tsx bench/pacer.ts [--streams 100,500,2000] [--seconds 3] [--chunk-ms 20]
 */
import { monotonicClock } from '../common/clock.ts';
import { histogramStats } from '../harness/metrics/histogram.ts';
import { createPacer } from '../harness/pacer/pacer.ts';
import { runSlotLoop } from './ws-floor.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const streamCounts = arg('streams', '100,500,2000').split(',').map(Number);
const seconds = Number(arg('seconds', '3'));
const chunkMs = Number(arg('chunk-ms', '20'));
const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio: 'A'.repeat(1280) });

async function runOnce(streams: number): Promise<Record<string, number | null>> {
  const clock = monotonicClock;
  const pacer = createPacer({ clock });
  let bytes = 0;
  const send = (f: string): void => {
    bytes += f.length;
  };
  const t0 = clock.nowUs() + 50_000;
  const endUs = t0 + seconds * 1_000_000;
  for (let k = 0; k < streams; k++) {
    // Sessions start at arbitrary moments: spread the starts over one chunk period.
    const startUs = t0 + ((k * 7919) % streams) * ((chunkMs * 1000) / streams);
    pacer.start({ nextFrame: () => (clock.nowUs() < endUs ? frame : null) }, send, { startUs, chunkMs });
  }
  const cpu0 = process.cpuUsage();
  const wall0 = clock.nowUs();
  await new Promise<void>((resolve) => {
    const poll = (): void => (pacer.stats().activeStreams === 0 ? resolve() : void setTimeout(poll, 50));
    poll();
  });
  const wallS = (clock.nowUs() - wall0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const st = pacer.stats();
  pacer.close();
  return {
    streams,
    chunk_ms: chunkMs,
    seconds: Math.round(wallS * 100) / 100,
    frames_per_s: Math.round(st.framesSent / wallS),
    wakeups_per_s: Math.round(st.wakeUps / wallS),
    idle_wakeups_per_s: Math.round(st.idleWakeUps / wallS),
    cpu_pct_of_core: Math.round(((cpu.user + cpu.system) / 1e6 / wallS) * 1000) / 10,
    send_lag_p50_ms: st.sendLagMs.p50,
    send_lag_p99_ms: st.sendLagMs.p99,
    send_lag_max_ms: st.sendLagMs.max,
    bytes_sent: bytes,
  };
}

/** The reference: ws-floor's slot loop (sessions on 1 ms slots, one timer), null sender, same lag measure. */
async function bareLoop(streams: number): Promise<Record<string, number | null>> {
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const wall0 = monotonicClock.nowUs();
  const r = await runSlotLoop({
    clock: monotonicClock,
    sessions: streams,
    chunkMs,
    durationMs: seconds * 1000,
    send: () => {
      bytes += frame.length;
    },
  });
  const wallS = (monotonicClock.nowUs() - wall0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const lag = histogramStats(r.lagUs);
  return {
    streams,
    reference: 1,
    wakeups_per_s: Math.round(r.wakeUps / wallS),
    cpu_pct_of_core: Math.round(((cpu.user + cpu.system) / 1e6 / wallS) * 1000) / 10,
    send_lag_p50_ms: lag.p50,
    send_lag_p99_ms: lag.p99,
    send_lag_max_ms: lag.max,
    bytes_sent: bytes,
  };
}

for (const n of streamCounts) {
  console.log(JSON.stringify(await runOnce(n)));
  console.log(JSON.stringify(await bareLoop(n)));
}
