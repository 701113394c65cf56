/**
 * End-to-end benchmark: the harness (runScenario, its pacer, drivers, recorder, conformance checks)
 * against the bundled mock in its own process, 200 concurrent server-VAD sessions at 20 ms chunks
 * by default. Prints one JSON line with:
 * - send lag p50/p99/max (target p99 ≤ 5 ms) and the run's self-check verdict;
 * - measurement error: harness first-audio stamp minus the mock's trace stamp of the same delta,
 *   p50/p99/max (target p99 ≤ 2 ms);
 * - harness memory per active session (target ≤ 200 KiB): the growth of heap + external memory
 *   from the moment sessions start arriving to the steady state with every session active, divided
 *   by the active sessions. `sampled` and `rss` are medians of once-a-second samples without GC
 *   (upper bounds that include garbage not yet collected). `live` is measured only with
 *   `--live-memory`: once, after a forced full GC one second before the run's end. That pause
 *   (`gc_pause_ms`, 20-40 ms at 200 sessions) stalls every session at once and lands in the send-lag
 *   and measurement-error figures of the same run, which a real run never pays, so it is opt-in;
 * - CPU of the harness and of the mock, % of one core, and how long each one's main thread was
 *   ready to run but waited for a CPU (`runqueue_wait_pct`, Linux schedstat): how contended the
 *   machine was during the run, which the error tail follows.
 *
 * `--no-conformance` turns the passive conformance checks off, to show what they cost.
 * `--rounds N` repeats the whole run (a fresh mock each time) and ends with a line of medians.
 * The GC settings of `rth` (harness/gc-tuning.ts) apply unless `RTH_DEFAULT_GC=1`.
 *
 *   node --import tsx bench/harness-e2e.ts [--sessions 200] [--duration 20] [--ramp 5] [--chunk-ms 20] [--workers 1] [--out DIR] [--no-conformance] [--busy-poll] [--mock-priority low|idle|normal] [--mock-nice 10] [--live-memory] [--rounds 1]
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import path from 'node:path';
import type { TurnResult } from '../harness/contract.ts';
import { applyLatencyGcFlags } from '../harness/gc-tuning.ts';
import { computeMeasurementError, readTraceFirstAudio } from '../harness/runner/measurement-error.ts';
import { DEFAULT_MOCK_NICENESS, MOCK_PRIORITIES, startMockProcess, type MockPriority } from '../harness/runner/mock-process.ts';
import { runScenario } from '../harness/runner/run-scenario.ts';
import { resolveScenario } from '../harness/scenario/resolve.ts';
import { projectRoot } from '../harness/version.ts';
import { processCpuS, arg, medianOf } from './bench-util.ts';

// What `rth run` does first (bin/rth.mjs); RTH_DEFAULT_GC=1 measures without it.
const GC_TUNED = applyLatencyGcFlags();

const SESSIONS = Number(arg('sessions', '200'));
const DURATION_S = Number(arg('duration', '20'));
const RAMP_S = Number(arg('ramp', '5'));
const CHUNK_MS = Number(arg('chunk-ms', '20'));
/** Scheduling of the mock (`rth run --mock-priority`; default `low`, like `rth run`). */
const MOCK_PRIORITY = arg('mock-priority', 'low') as MockPriority;
/** `rth run --busy-poll`: the harness's loop never sleeps. */
const BUSY_POLL = process.argv.includes('--busy-poll');
if (!MOCK_PRIORITIES.includes(MOCK_PRIORITY)) throw new Error(`--mock-priority: expected one of ${MOCK_PRIORITIES.join(', ')}, got ${MOCK_PRIORITY}`);
/** Niceness of the mock at `--mock-priority low` (the runner's default). */
const MOCK_NICENESS = Number(arg('mock-nice', String(DEFAULT_MOCK_NICENESS)));
const WORKERS = Number(arg('workers', '1'));
const ROUNDS = Number(arg('rounds', '1'));
const CONFORMANCE = !process.argv.includes('--no-conformance');
/** Force one full GC near the end to measure live memory (perturbs that run's latency figures). */
const LIVE_MEMORY = process.argv.includes('--live-memory');
const OUT = path.resolve(arg('out', mkdtempSync(path.join(tmpdir(), 'rth-bench-e2e-'))));


/**
 * Run time and run-queue wait of a process's main thread, ms (Linux /proc/PID/task/TID/schedstat; null
 * elsewhere). The wait is time the thread was ready to run but had no CPU: on this 2-core VM the
 * stretches in which the harness's thread does not run are the largest remaining cause of late
 * first-audio stamps, and this says how much of that a run had.
 */
function threadSchedMs(pid: number): { runMs: number; waitMs: number } | null {
  try {
    // The main thread's task id is the process id.
    const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? { runMs: run! / 1e6, waitMs: wait! / 1e6 } : null;
  } catch {
    return null;
  }
}

/** Share of `wallS` a thread spent waiting for a CPU, %, between two {@link threadSchedMs} readings. */
function waitPct(a: { waitMs: number } | null, b: { waitMs: number } | null, wallS: number): number | null {
  return a && b ? Math.round(((b.waitMs - a.waitMs) / (wallS * 1000)) * 1000) / 10 : null;
}

function kib(bytes: number): number {
  return Math.round(bytes / 1024);
}

/** Errors above this are "the tail" whose causes are counted (the p99 target). */
const TAIL_THRESHOLD_US = 2000;

interface GcPause {
  startUs: number;
  endUs: number;
  kind: string;
}

/**
 * How many first-audio stamps were later than the threshold, and how many of those had a GC pause
 * of this process between the mock's send and the harness's stamp (a stamp cannot be taken while
 * the isolate is paused, so such a turn waited for the collector).
 */
function attributeErrorTail(turns: TurnResult[], firstAudioSentUs: Map<string, number>, pauses: GcPause[], thresholdUs: number): { over_ms: number; turns: number; during_gc: Record<string, number> } {
  let over = 0;
  const duringGc: Record<string, number> = {};
  for (const t of turns) {
    const harnessUs = t.milestones.firstAudioUs;
    const mockUs = t.responseId === null ? undefined : firstAudioSentUs.get(t.responseId);
    if (harnessUs === null || mockUs === undefined || harnessUs - mockUs <= thresholdUs) continue;
    over++;
    const hit = pauses.find((p) => p.startUs < harnessUs && p.endUs > mockUs);
    if (hit) duringGc[hit.kind] = (duringGc[hit.kind] ?? 0) + 1;
  }
  return { over_ms: thresholdUs / 1000, turns: over, during_gc: duringGc };
}

/** Count, total and longest GC pause per kind, ms. */
function summarizeGc(pauses: GcPause[]): Record<string, { count: number; total_ms: number; max_ms: number }> {
  const out: Record<string, { count: number; total_ms: number; max_ms: number }> = {};
  for (const p of pauses) {
    const o = (out[p.kind] ??= { count: 0, total_ms: 0, max_ms: 0 });
    const ms = (p.endUs - p.startUs) / 1000;
    o.count++;
    o.total_ms = Math.round((o.total_ms + ms) * 10) / 10;
    o.max_ms = Math.max(o.max_ms, Math.round(ms * 100) / 100);
  }
  return out;
}

async function oneRound(round: number): Promise<Record<string, unknown>> {
  const dir = ROUNDS > 1 ? path.join(OUT, `round-${round}`) : OUT;
  const tracePath = path.join(dir, 'mock-trace.jsonl');
  const mock = await startMockProcess({ seed: 1, tracePath, priority: MOCK_PRIORITY, niceness: MOCK_NICENESS });
  const scenario = resolveScenario(
    {
      name: 'bench-e2e',
      // The mock is started here (not embedded by the runner) to read its CPU; the harness side is the same.
      target: `${mock.url}/v1/realtime`,
      headers: { Authorization: 'Bearer bench' },
      sessions: SESSIONS,
      arrival: { type: 'ramp', ramp_up_s: RAMP_S },
      duration_s: DURATION_S,
      think_time_ms: { min: 500, max: 1500 },
      turn_detection: { type: 'server_vad' },
      chunk_ms: CHUNK_MS,
      efforts: ['low'],
      clips: { random: true },
      workers: WORKERS,
      timeouts: { drain_ms: 10_000 },
      pacing: { busy_poll: BUSY_POLL },
      out: path.join(dir, 'run'),
    },
    { label: '<bench>', path: null, dir: projectRoot, cwd: projectRoot },
  );

  let active = 0;
  let base: { heap: number; rss: number } | null = null;
  const perSession: { heap: number; rss: number }[] = [];
  const sample = (): void => {
    const m = process.memoryUsage();
    const heap = m.heapUsed + m.external;
    if (!base) return;
    if (active >= SESSIONS * 0.95) perSession.push({ heap: (heap - base.heap) / active, rss: (m.rss - base.rss) / active });
  };
  const sampler = setInterval(sample, 1000);
  // One live-memory measurement near the end of the steady state.
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  let live: { perSessionBytes: number; pauseMs: number; active: number } | null = null;
  let liveTimer: NodeJS.Timeout | undefined;
  const measureLive = (): void => {
    if (!base || active < SESSIONS * 0.95) return;
    const t = performance.now();
    gc();
    const pauseMs = performance.now() - t;
    const m = process.memoryUsage();
    live = { perSessionBytes: (m.heapUsed + m.external - base.heap) / active, pauseMs, active };
  };
  // Every GC pause of this process, on the harness clock (hrtime µs), to attribute the error tail.
  const hrtimeOffsetUs = Number(process.hrtime.bigint()) / 1000 - performance.now() * 1000;
  const gcPauses: GcPause[] = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } | null }).detail?.kind;
      const name = kind === perfConstants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : 'other';
      gcPauses.push({ startUs: hrtimeOffsetUs + e.startTime * 1000, endUs: hrtimeOffsetUs + (e.startTime + e.duration) * 1000, kind: name });
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const mockCpu0 = processCpuS(mock.pid);
  const mockSched0 = threadSchedMs(mock.pid);
  const sched0 = threadSchedMs(process.pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runScenario(scenario, {
    conformance: CONFORMANCE,
    onEvent: (e) => {
      if (e.type === 'started') {
        gc();
        const m = process.memoryUsage();
        base = { heap: m.heapUsed + m.external, rss: m.rss };
        if (LIVE_MEMORY) liveTimer = setTimeout(measureLive, Math.max(0, DURATION_S - 1) * 1000);
      } else if (e.type === 'session-start') active++;
      else if (e.type === 'session-end' && e.session.outcome !== 'not_started') active--;
    },
  });
  clearInterval(sampler);
  clearTimeout(liveTimer);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const mockCpu1 = processCpuS(mock.pid);
  const mockSched1 = threadSchedMs(mock.pid);
  const sched1 = threadSchedMs(process.pid);
  await mock.stop();

  const turns = readFileSync(result.files.turns, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as TurnResult);
  gcObserver.disconnect();
  const traceFirstAudio = readTraceFirstAudio(tracePath);
  const me = computeMeasurementError(turns, traceFirstAudio);
  const tail = attributeErrorTail(turns, traceFirstAudio, gcPauses, TAIL_THRESHOLD_US);
  const s = result.summary!;
  const heapPer = medianOf(perSession.map((p) => p.heap));
  const rssPer = medianOf(perSession.map((p) => p.rss));
  return {
    sessions: SESSIONS,
    workers: WORKERS,
    busy_poll: BUSY_POLL,
    mock_priority: mock.priority,
    mock_niceness: mock.priority === 'low' ? MOCK_NICENESS : null,
    gc_tuned: GC_TUNED,
    conformance: CONFORMANCE,
    chunk_ms: CHUNK_MS,
    duration_s: DURATION_S,
    wall_s: Math.round(wallS * 10) / 10,
    valid: s.valid,
    invalid_reasons: s.invalid_reasons,
    turns_completed: s.turns.completed,
    turns_failed: s.turns.failed,
    send_lag_ms: s.pacing.send_lag_ms,
    send_lag_p99_target_ms: 5,
    event_loop_max_stall_ms: s.event_loop.max_stall_ms,
    measurement_error_ms: { matched: me.matched, p50: me.p50Ms, p99: me.p99Ms, max: me.maxMs, min: me.minMs, negative: me.negative },
    measurement_error_p99_target_ms: 2,
    error_tail: tail,
    gc_pauses: summarizeGc(gcPauses),
    memory_per_active_session_kib: {
      live: live === null ? null : kib((live as { perSessionBytes: number }).perSessionBytes),
      sampled: heapPer === null ? null : kib(heapPer),
      rss: rssPer === null ? null : kib(rssPer),
      samples: perSession.length,
    },
    gc_pause_ms: live === null ? null : Math.round((live as { pauseMs: number }).pauseMs * 10) / 10,
    memory_target_kib: 200,
    harness_cpu_pct_of_core: Math.round(((cpu.user + cpu.system) / 1e6 / wallS) * 1000) / 10,
    mock_cpu_pct_of_core: mockCpu0 !== null && mockCpu1 !== null ? Math.round(((mockCpu1 - mockCpu0) / wallS) * 1000) / 10 : null,
    // Main threads' time ready to run without a CPU, % of the run's wall time.
    runqueue_wait_pct: { harness: waitPct(sched0, sched1, wallS), mock: waitPct(mockSched0, mockSched1, wallS) },
    out: dir,
  };
}

const results: Record<string, unknown>[] = [];
for (let r = 0; r < ROUNDS; r++) {
  const res = await oneRound(r + 1);
  results.push(res);
  console.log(JSON.stringify({ round: r + 1, ...res }));
}
if (ROUNDS > 1) {
  // docs/measurement.md: quote medians of several runs on a shared machine.
  type Row = {
    send_lag_ms: { p99: number };
    measurement_error_ms: { p99: number | null };
    event_loop_max_stall_ms: number;
    harness_cpu_pct_of_core: number;
    mock_cpu_pct_of_core: number | null;
    error_tail: { turns: number };
    runqueue_wait_pct: { harness: number | null };
  };
  const rows = results as unknown as Row[];
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      sessions: SESSIONS,
      gc_tuned: GC_TUNED,
      busy_poll: BUSY_POLL,
      mock_priority: MOCK_PRIORITY,
      median: {
        send_lag_p99_ms: medianOf(rows.map((x) => x.send_lag_ms.p99)),
        measurement_error_p99_ms: medianOf(rows.map((x) => x.measurement_error_ms.p99)),
        error_tail_turns: medianOf(rows.map((x) => x.error_tail.turns)),
        event_loop_max_stall_ms: medianOf(rows.map((x) => x.event_loop_max_stall_ms)),
        harness_cpu_pct_of_core: medianOf(rows.map((x) => x.harness_cpu_pct_of_core)),
        mock_cpu_pct_of_core: medianOf(rows.map((x) => x.mock_cpu_pct_of_core)),
        harness_runqueue_wait_pct: medianOf(rows.map((x) => x.runqueue_wait_pct.harness)),
      },
      each: {
        send_lag_p99_ms: rows.map((x) => x.send_lag_ms.p99),
        measurement_error_p99_ms: rows.map((x) => x.measurement_error_ms.p99),
        harness_runqueue_wait_pct: rows.map((x) => x.runqueue_wait_pct.harness),
      },
      targets_ms: { send_lag_p99: 5, measurement_error_p99: 2 },
    }),
  );
}
