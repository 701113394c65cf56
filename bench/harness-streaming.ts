/**
 * Streaming-only capacity of the harness, as a ratio to the machine's floor (docs/measurement.md,
 * "The floor"). The harness's own pacer and WebSocket transport stream prebuilt 20 ms
 * `input_audio_buffer.append` frames into the counting sink of bench/ws-floor.ts (the same sink,
 * in its own process) at rising session counts; the largest count whose p99 send lag stays within
 * the budget is the harness's capacity (ws-floor's search). Then bench/ws-floor.ts itself runs in
 * the same invocation, in its own process, and the ratio is printed (target ≥ 0.8).
 *
 * Prints one JSON line per level tried, then {"harness_sessions", "floor_sessions", "ratio", …}.
 * Short by default; the machine is shared, so compare only figures of one run.
 *
 *   node --import tsx bench/harness-streaming.ts [--chunk-ms 20] [--seconds 4] [--p99-budget-ms 5] [--max 4000] [--no-floor] [--at N,N,…] [--max-busy-ms MS] [--busy-poll] [--rounds N]
 *
 * `--at 500,500,500` runs just those levels (no search, no floor) for back-to-back comparisons.
 * `--rounds N` repeats the search and the floor run N times (the harness's sink stays up) and ends with
 * a line of medians (an odd N gives a true middle value).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { silenceFrame } from '../harness/audio/prepare-clip.ts';
import { monotonicClock } from '../common/clock.ts';
import { applyLatencyGcFlags } from '../harness/gc-tuning.ts';
import { createPacer } from '../harness/pacer/pacer.ts';
import { startBusyPoll } from '../harness/runner/busy-poll.ts';
import { WsTransport } from '../harness/transport/ws-transport.ts';
import { projectRoot } from '../harness/version.ts';
import { arg, medianOf } from './bench-util.ts';
import { forkCountingSink, searchCapacity } from './ws-floor.ts';

// The sender runs with `rth run`'s GC settings (bin/rth.mjs); RTH_DEFAULT_GC=1 for V8's defaults.
applyLatencyGcFlags();

const CHUNK_MS = Number(arg('chunk-ms', '20'));
const SECONDS = Number(arg('seconds', '4'));
const BUDGET_MS = Number(arg('p99-budget-ms', '5'));
const MAX = Number(arg('max', '4000'));
/** Search + floor pairs to run; more than one ends with a line of medians. */
const ROUNDS = Number(arg('rounds', '1'));
const FLOOR = fileURLToPath(new URL('./ws-floor.ts', import.meta.url));
/** The pacer's `maxBusyMs` (default: the pacer's own, DEFAULT_MAX_BUSY_MS), for paired comparisons. */
const MAX_BUSY_MS = process.argv.includes('--max-busy-ms') ? Number(arg('max-busy-ms', '')) : null;
/** `--busy-poll`: the pacer is polled on every turn of a loop that never sleeps (`rth run --busy-poll`). */
const BUSY_POLL = process.argv.includes('--busy-poll');
const clock = monotonicClock;

/** The same frame size as ws-floor (48 bytes of PCM16 per ms), built by the harness's own code. */
const frame = silenceFrame({ type: 'audio/pcm', rate: 24000 }, CHUNK_MS).frame;

interface Level {
  ok: boolean;
  sessions: number;
  chunk_ms: number;
  sent: number;
  lag_ms_p50: number | null;
  lag_ms_p99: number | null;
  lag_ms_max: number | null;
  client_cpu_pct: number;
}

async function level(port: number, n: number, seconds = SECONDS): Promise<Level> {
  const transports: WsTransport[] = [];
  for (let i = 0; i < n; i += 200) {
    const batch = Array.from({ length: Math.min(200, n - i) }, () => new WsTransport({ url: `ws://127.0.0.1:${port}/v1/realtime`, clock }));
    await Promise.all(batch.map((t) => t.connect()));
    transports.push(...batch);
  }
  const pacer = createPacer({ clock, polled: BUSY_POLL, ...(MAX_BUSY_MS !== null ? { maxBusyMs: MAX_BUSY_MS } : {}) });
  const poller = BUSY_POLL ? startBusyPoll(() => pacer.poll()) : null;
  const t0 = clock.nowUs() + 50_000;
  const endUs = t0 + seconds * 1e6;
  transports.forEach((t, k) => {
    // Sessions start at arbitrary moments: spread over the chunk period, like ws-floor's slots.
    const startUs = t0 + ((k * 7919) % n) * ((CHUNK_MS * 1000) / n);
    pacer.start({ nextFrame: () => (clock.nowUs() < endUs ? frame : null) }, (f) => t.send(f), { startUs, chunkMs: CHUNK_MS });
  });
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve) => {
    const poll = (): void => (pacer.stats().activeStreams === 0 ? resolve() : void setTimeout(poll, 50));
    poll();
  });
  const cpu = process.cpuUsage(cpu0);
  poller?.stop();
  const st = pacer.stats();
  pacer.close();
  for (const t of transports) t.close();
  return {
    ok: st.sendLagMs.p99 !== null && st.sendLagMs.p99 <= BUDGET_MS,
    sessions: n,
    chunk_ms: CHUNK_MS,
    sent: st.framesSent,
    lag_ms_p50: st.sendLagMs.p50,
    lag_ms_p99: st.sendLagMs.p99,
    lag_ms_max: st.sendLagMs.max,
    client_cpu_pct: Math.round((cpu.user + cpu.system) / 10 / (seconds * 1000)),
  };
}

/** ws-floor's search (bench/ws-floor.ts `searchCapacity`) over the harness's levels. */
function search(port: number): Promise<number> {
  return searchCapacity(
    async (n) => {
      const r = await level(port, n);
      console.log(JSON.stringify({ harness: true, ...r }));
      return r;
    },
    { maxSessions: MAX },
  );
}

/** Runs bench/ws-floor.ts in its own process (its own sink too); echoes its lines wrapped in {"floor": …}. */
async function floor(): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', FLOOR, '--chunk-ms', String(CHUNK_MS), '--seconds', String(SECONDS), '--p99-budget-ms', String(BUDGET_MS), '--max', String(MAX)], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => (out += s));
  await new Promise((r) => child.once('exit', r));
  const lines = out.trim().split('\n');
  for (const line of lines) console.log(`{"floor":${line}}`);
  const last = lines.at(-1);
  try {
    return (JSON.parse(last ?? '') as { floor_sessions: number }).floor_sessions;
  } catch {
    return null;
  }
}

/** One search of the harness's capacity and one ws-floor run, back to back; prints and returns the ratio line. */
async function oneRound(port: number, round: number | null): Promise<{ harness_sessions: number; floor_sessions: number | null; ratio: number | null }> {
  const harnessSessions = await search(port);
  const floorSessions = process.argv.includes('--no-floor') ? null : await floor();
  const result = {
    harness_sessions: harnessSessions,
    floor_sessions: floorSessions,
    ratio: floorSessions ? Math.round((harnessSessions / floorSessions) * 100) / 100 : null,
  };
  console.log(JSON.stringify({ ...(round === null ? {} : { round }), ...result, target_ratio: 0.8, chunk_ms: CHUNK_MS, p99_budget_ms: BUDGET_MS, seconds: SECONDS, busy_poll: BUSY_POLL }));
  return result;
}

async function main(): Promise<void> {
  // ws-floor's own sink (same code, its own process), so both senders meet the same receiver.
  const sink = await forkCountingSink();
  const { port } = sink;
  try {
    // Warm-up (not reported): the harness's code is compiled by the JIT before the first level.
    await level(port, 50, 1);
    const at = arg('at', '');
    if (at) {
      // Fixed levels (paired comparisons): each once, in order, no search and no floor.
      for (const n of at.split(',').map(Number)) console.log(JSON.stringify({ harness: true, ...(await level(port, n)) }));
      return;
    }
    if (ROUNDS === 1) {
      await oneRound(port, null);
      return;
    }
    // docs/measurement.md: medians of several runs, each a ratio taken in the same run.
    const rounds = [];
    for (let r = 1; r <= ROUNDS; r++) rounds.push(await oneRound(port, r));
    console.log(
      JSON.stringify({
        rounds: ROUNDS,
        median: { ratio: medianOf(rounds.map((r) => r.ratio)), harness_sessions: medianOf(rounds.map((r) => r.harness_sessions)), floor_sessions: medianOf(rounds.map((r) => r.floor_sessions)) },
        each: { ratio: rounds.map((r) => r.ratio), harness_sessions: rounds.map((r) => r.harness_sessions), floor_sessions: rounds.map((r) => r.floor_sessions) },
        target_ratio: 0.8,
      }),
    );
  } finally {
    await sink.close();
  }
}

await main();
