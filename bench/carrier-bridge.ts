/**
 * Carrier benchmark (prints figures; not a test): concurrent phone calls through a bridge with the
 * bundled mock upstream, all three processes on this machine, and which one limits.
 *
 * - `--bridge agents` (default): test/fixtures/bridges/agents-twilio-bridge.mjs
 *   (@openai/agents-extensions' TwilioRealtimeTransportLayer), started by the run like
 *   `rth run --bridge-cmd`, the mock as its upstream.
 * - `--bridge null`: bench/carrier-null-bridge.mjs, a bridge with no upstream that answers every 3 s:
 *   the carrier side alone (the mock still starts but sees no traffic).
 *
 * Per run, one JSON line: calls (valid, failed, bad input), send lag p50/p99 and the self-check,
 * TTFA and bridge_out p50/p99, and the CPU of each process (% of one core over the run: carrier =
 * this process, bridge = every process of the command's group, mock = its process). A Node process
 * near 100 % of one core is saturated; that one limits.
 *
 *   node --import tsx bench/carrier-bridge.ts [--calls 100] [--duration 40] [--ramp 10] [--bridge agents|null] [--think-ms 1000] [--mock-priority low|idle|normal]
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCarrierScenario } from '../harness/carrier/run-carrier.ts';
import { applyLatencyGcFlags } from '../harness/gc-tuning.ts';
import { resolveScenario } from '../harness/scenario/resolve.ts';
import { arg } from './bench-util.ts';

applyLatencyGcFlags();
const CALLS = Number(arg('calls', '100'));
const DURATION_S = Number(arg('duration', '40'));
const RAMP_S = Number(arg('ramp', '10'));
const THINK_MS = Number(arg('think-ms', '1000'));
const BRIDGE = arg('bridge', 'agents');
/** The embedded mock's priority (`low`, `idle`, `normal`; default: the scenario default). */
const MOCK_PRIORITY = arg('mock-priority', '');
const here = path.dirname(fileURLToPath(import.meta.url));
const command = BRIDGE === 'null' ? `node ${path.join(here, 'carrier-null-bridge.mjs')}` : `node ${path.join(here, '../test/fixtures/bridges/agents-twilio-bridge.mjs')}`;
const TICK_S = 100; // clock ticks per second (Linux USER_HZ)

/** utime + stime of a process, s. */
function cpuOfPid(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICK_S;
  } catch {
    return 0;
  }
}
/** Time the main thread waited for a CPU while ready to run, s (Linux schedstat). */
function waitOfPid(pid: number | 'self'): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}
/** Pids of a process group. */
function groupPids(pgid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(f.slice(f.lastIndexOf(')') + 2).split(' ')[2]) === pgid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
/** CPU of every process in a process group, s. */
function cpuOfGroup(pgid: number): number {
  let sum = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid) sum += (Number(rest[11]) + Number(rest[12])) / TICK_S;
    } catch {
      /* gone */
    }
  }
  return sum;
}

const out = mkdtempSync(path.join(tmpdir(), 'rth-bench-carrier-'));
const scenario = resolveScenario(
  {
    name: 'bench-carrier',
    transport: 'twilio',
    target: 'ws://127.0.0.1:0/media-stream',
    bridge_cmd: command,
    sessions: CALLS,
    arrival: { type: 'ramp', ramp_up_s: RAMP_S },
    duration_s: DURATION_S,
    think_time_ms: THINK_MS,
    timeouts: { turn_ms: 20_000, connect_ms: 20_000 },
    carrier: { bridge_ready_timeout_ms: 30_000 },
    ...(MOCK_PRIORITY ? { mock: { priority: MOCK_PRIORITY } } : {}),
    seed: 11,
  },
  { label: '<bench>', path: null, dir: out, cwd: out },
);
let pids: { mockPid: number; bridgePid: number | null } | null = null;
let startCpu = { carrier: 0, bridge: 0, mock: 0 };
let startWallMs = 0;
let peak = { carrier: 0, bridge: 0, mock: 0 };
let sampler: NodeJS.Timeout | null = null;
/** The last sample taken while every process ran (the run stops the bridge and the mock before it returns). */
let last = { carrier: 0, bridge: 0, mock: 0 };
let lastMs = 0;
const sample = () => ({ carrier: (process.cpuUsage().user + process.cpuUsage().system) / 1e6, bridge: pids?.bridgePid ? cpuOfGroup(pids.bridgePid) : 0, mock: pids ? cpuOfPid(pids.mockPid) : 0 });
const waits = () => ({ carrier: waitOfPid('self'), bridge: pids?.bridgePid ? groupPids(pids.bridgePid).reduce((a, p) => a + waitOfPid(p), 0) : 0, mock: pids ? waitOfPid(pids.mockPid) : 0 });
let startWait = { carrier: 0, bridge: 0, mock: 0 };
let lastWait = { carrier: 0, bridge: 0, mock: 0 };
const result = await runCarrierScenario(scenario, {
  outDir: out,
  onProcesses: (p) => {
    pids = p;
    startCpu = sample();
    startWait = waits();
    startWallMs = performance.now();
    // Busiest 5 s window of each process, once every call has arrived (the steady state).
    let prev = startCpu;
    let prevMs = startWallMs;
    sampler = setInterval(() => {
      const now = sample();
      const ms = performance.now();
      if (ms - startWallMs > RAMP_S * 1000) {
        for (const k of ['carrier', 'bridge', 'mock'] as const) peak[k] = Math.max(peak[k], (100 * (now[k] - prev[k]) * 1000) / (ms - prevMs));
      }
      prev = now;
      prevMs = ms;
      last = now;
      lastMs = ms;
      lastWait = waits();
    }, 5000);
  },
});
if (sampler) clearInterval(sampler);
const s = result.summary;
const wallS = (lastMs - startWallMs) / 1000;
const pct = (k: 'carrier' | 'bridge' | 'mock'): number => Math.round((100 * (last[k] - startCpu[k])) / wallS);
const cpu = { carrier: pct('carrier'), bridge: pct('bridge'), mock: pct('mock') };
const round = (x: number): number => Math.round(x);
const limit = (Object.entries(peak) as [string, number][]).sort((a, b) => b[1] - a[1])[0]!;
console.log(
  JSON.stringify({
    bridge: BRIDGE,
    calls: s.calls.total,
    valid_calls: s.calls.valid,
    failed_calls: s.calls.failed,
    bad_input: s.bad_input.total,
    turns: s.turns,
    valid_run: s.valid,
    invalid_reasons: s.invalid_reasons,
    send_lag_ms: { p50: s.send_lag_ms.p50, p99: s.send_lag_ms.p99, max: s.send_lag_ms.max },
    ttfa_ms: { p50: s.metrics.ttfa_ms.p50, p99: s.metrics.ttfa_ms.p99 },
    bridge_out_ms: { p50: s.metrics.bridge_out_ms.p50, p99: s.metrics.bridge_out_ms.p99 },
    model_ms: { p50: s.metrics.model_ms.p50, p99: s.metrics.model_ms.p99 },
    cpu_pct_of_one_core_mean: cpu,
    cpu_pct_of_one_core_peak_5s: { carrier: round(peak.carrier), bridge: round(peak.bridge), mock: round(peak.mock) },
    // Share of the run each process's main thread was ready but waited for a CPU: how contended the machine was.
    runqueue_wait_pct: { carrier: Math.round((100 * (lastWait.carrier - startWait.carrier)) / wallS), bridge: Math.round((100 * (lastWait.bridge - startWait.bridge)) / wallS), mock: Math.round((100 * (lastWait.mock - startWait.mock)) / wallS) },
    busiest: `${limit[0]} (${round(limit[1])} % of one core at peak)`,
    out,
  }),
);
