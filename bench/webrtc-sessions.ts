/**
 * Concurrent WebRTC sessions end to end: the harness (runScenario with `transport: webrtc`: werift
 * peers, Opus RTP paced by the pacer, the unchanged driver, recorder and conformance checks)
 * against the bundled mock in its own process (its WebRTC door: a werift peer per call, Opus in and
 * out, real-time output pacing), at rising session counts. Prints one JSON line per level:
 * - validity (the self-check: send lag p99 ≤ 5 ms, no event-loop stall over budget), send lag
 *   p50/p99/max, the longest stall;
 * - turns completed/failed, sessions failed (with their reasons), setup time p50/p99 (key → offer →
 *   answer → ICE → channel → session.created) and TTFA p50;
 * - received-track jitter p50/p99 and packets lost;
 * - CPU of the harness (all its threads) and of the mock, % of one core, and how long each main
 *   thread waited for a CPU (Linux schedstat), which says what limits the level.
 * Then a last line: the largest valid level with no failed session.
 *
 * WebRTC in Node is CPU-bound (DTLS/SRTP encryption and SCTP in JavaScript, Opus in a native
 * addon), and here both sides share the machine's 2 cores.
 *
 *   node --import tsx bench/webrtc-sessions.ts [--at 20,40,60,80] [--duration 30] [--ramp 10] [--workers 1] [--busy-poll] [--mock-priority low|normal] [--out DIR]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SessionResult, TurnResult } from '../harness/contract.ts';
import { applyLatencyGcFlags } from '../harness/gc-tuning.ts';
import { MOCK_PRIORITIES, startMockProcess, type MockPriority } from '../harness/runner/mock-process.ts';
import { runScenario } from '../harness/runner/run-scenario.ts';
import { resolveScenario } from '../harness/scenario/resolve.ts';
import { projectRoot } from '../harness/version.ts';
import { processCpuS, arg } from './bench-util.ts';

applyLatencyGcFlags();

const LEVELS = arg('at', '20,40,60,80').split(',').map(Number);
const DURATION_S = Number(arg('duration', '30'));
const RAMP_S = Number(arg('ramp', '10'));
const WORKERS = Number(arg('workers', '1'));
const MOCK_PRIORITY = arg('mock-priority', 'low') as MockPriority;
/** `rth run --busy-poll`: the harness's loop never sleeps (a full core per thread). */
const BUSY_POLL = process.argv.includes('--busy-poll');
if (!MOCK_PRIORITIES.includes(MOCK_PRIORITY)) throw new Error(`--mock-priority: expected one of ${MOCK_PRIORITIES.join(', ')}, got ${MOCK_PRIORITY}`);
const OUT = path.resolve(arg('out', mkdtempSync(path.join(tmpdir(), 'rth-bench-webrtc-'))));


/** Run-queue wait of a process's main thread, ms (Linux schedstat; null elsewhere). */
function waitMs(pid: number): number | null {
  try {
    const wait = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ')[1]);
    return Number.isFinite(wait) ? wait / 1e6 : null;
  } catch {
    return null;
  }
}

function pct(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! * 10) / 10;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

async function level(sessions: number): Promise<Record<string, unknown>> {
  const dir = path.join(OUT, `n${sessions}`);
  const mock = await startMockProcess({ seed: 1, priority: MOCK_PRIORITY });
  const scenario = resolveScenario(
    {
      name: `bench-webrtc-${sessions}`,
      target: `${mock.url}/v1/realtime`,
      headers: { Authorization: 'Bearer bench' },
      transport: 'webrtc',
      sessions,
      arrival: { type: 'ramp', ramp_up_s: RAMP_S },
      duration_s: DURATION_S,
      think_time_ms: { min: 500, max: 1500 },
      turn_detection: { type: 'server_vad' },
      efforts: ['low'],
      // Clips without internal pauses: en-set-timer's comma pause reads as the end of the turn
      // once Opus has coded it (its quiet edges fall under the VAD threshold), which would count
      // VAD splits as failed turns here; test/webrtc/harness-webrtc.test.ts says more.
      clips: ['en-weather-paris', 'en-flight-status', 'en-cancel-order', 'en-book-table', 'uk-weather-kyiv', 'de-next-train'],
      workers: WORKERS,
      timeouts: { drain_ms: 15_000 },
      pacing: { busy_poll: BUSY_POLL },
      out: path.join(dir, 'run'),
    },
    { label: '<bench>', path: null, dir: projectRoot, cwd: projectRoot },
  );
  const mockCpu0 = processCpuS(mock.pid);
  const mockWait0 = waitMs(mock.pid);
  const wait0 = waitMs(process.pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runScenario(scenario, { conformance: true });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const mockCpu1 = processCpuS(mock.pid);
  const mockWait1 = waitMs(mock.pid);
  const wait1 = waitMs(process.pid);
  await mock.stop();
  const s = result.summary!;
  const turns = readJsonl<TurnResult>(result.files.turns);
  const sess = readJsonl<SessionResult>(result.files.sessions);
  const setup = sess.map((x) => x.setup?.sessionCreatedMs).filter((v): v is number => typeof v === 'number');
  const jitter = turns.map((t) => t.media?.jitterMs).filter((v): v is number => typeof v === 'number');
  const failedSessions = sess.filter((x) => x.outcome !== 'completed' && x.outcome !== 'stopped');
  const reasons: Record<string, number> = {};
  for (const f of failedSessions) {
    const key = `${f.outcome}: ${f.failure?.reason.slice(0, 80) ?? ''}`;
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  const ttfa = s.metrics.ttfa_ms['low'];
  return {
    sessions,
    workers: WORKERS,
    busy_poll: BUSY_POLL,
    mock_priority: MOCK_PRIORITY,
    duration_s: DURATION_S,
    ramp_s: RAMP_S,
    wall_s: Math.round(wallS * 10) / 10,
    valid: s.valid,
    invalid_reasons: s.invalid_reasons,
    send_lag_ms: s.pacing.send_lag_ms,
    event_loop_max_stall_ms: s.event_loop.max_stall_ms,
    turns_completed: s.turns.completed,
    turns_failed: s.turns.failed,
    sessions_failed: failedSessions.length,
    failure_reasons: reasons,
    setup_ms: { p50: pct(setup, 0.5), p99: pct(setup, 0.99) },
    ttfa_p50_ms: ttfa?.p50 ?? null,
    jitter_ms: { p50: pct(jitter, 0.5), p99: pct(jitter, 0.99) },
    packets_lost: turns.reduce((n, t) => n + (t.media?.lost ?? 0), 0),
    harness_cpu_pct_of_core: Math.round(((cpu.user + cpu.system) / 1e6 / wallS) * 1000) / 10,
    mock_cpu_pct_of_core: mockCpu0 !== null && mockCpu1 !== null ? Math.round(((mockCpu1 - mockCpu0) / wallS) * 1000) / 10 : null,
    runqueue_wait_pct: {
      harness: wait0 !== null && wait1 !== null ? Math.round(((wait1 - wait0) / (wallS * 1000)) * 1000) / 10 : null,
      mock: mockWait0 !== null && mockWait1 !== null ? Math.round(((mockWait1 - mockWait0) / (wallS * 1000)) * 1000) / 10 : null,
    },
    out: dir,
  };
}

let best: number | null = null;
for (const n of LEVELS) {
  const r = await level(n);
  console.log(JSON.stringify(r));
  if (r['valid'] === true && r['sessions_failed'] === 0) best = Math.max(best ?? 0, n);
}
console.log(JSON.stringify({ largest_valid_level: best, levels: LEVELS, target: 60 }));
