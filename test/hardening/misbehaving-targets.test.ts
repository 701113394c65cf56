/**
 * Hardening (issue 7): the harness against a misbehaving target. For every mock fault and for
 * tiny bad servers (bad-servers.ts: never answers the upgrade, upgrades then stays silent, closes
 * during the handshake, sends garbage, sends 20 MB frames) a run with short timeouts ends, its
 * summary.json says what happened (session outcomes, turn statuses, error codes, conformance) and
 * its exit code says it. The runs go concurrently (they mostly wait on real-time audio); `rth run`
 * itself is checked as a child process for the exit code and for exiting promptly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunSummaryWithRunner } from '../../harness/runner/outputs.ts';
import { runScenario, type RunResult } from '../../harness/runner/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import { DEFAULT_LATENCY_PROFILE, scaleLatencyProfile } from '../../mock-server/latency-profile.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/server.ts';
import { startBadServer, type BadBehaviour, type BadServer } from './bad-servers.ts';

const RTH = fileURLToPath(new URL('../../bin/rth.mjs', import.meta.url));
/** Short timeouts (not too short: sixteen runs share two cores here); pacing budgets wide so a loaded machine does not make the run invalid. */
const TIMEOUTS = { connect_ms: 5000, turn_ms: 15_000, drain_ms: 1000 };
/** No run here may take longer than this (connect + clip + turn + drain + slack). */
const RUN_DEADLINE_MS = 60_000;

let dir: string;
const servers: { close(): Promise<void> }[] = [];

function scenarioFields(target: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target,
    headers: { Authorization: 'Bearer sk-hardening' },
    sessions: 2,
    turns_per_session: 1,
    think_time_ms: 100,
    duration_s: 45,
    clips: ['uk-weather-kyiv'],
    efforts: ['low'],
    timeouts: TIMEOUTS,
    // Validity is not under test here: a loaded CI machine must not turn these runs invalid.
    pacing: { send_lag_p99_budget_ms: 30_000, stall_budget_ms: 30_000 },
    // The exit code reflects failed turns only through an SLO (issue 3: SLOs set the exit code).
    slo: { max_error_rate: 0 },
    ...extra,
  };
}

function writeScenario(name: string, fields: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({ name, ...fields, out: path.join(dir, `out-${name}`) }));
  return file;
}

/** Runs in-process with an upper bound; rejects naming the run if it hangs. */
async function runBounded(name: string, fields: Record<string, unknown>): Promise<RunResult> {
  const scenario = await loadScenario(writeScenario(name, fields), {}, { cwd: dir });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`run ${name} still running after ${RUN_DEADLINE_MS} ms`)), RUN_DEADLINE_MS)));
  try {
    return await Promise.race([runScenario(scenario, {}), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function summaryOf(r: RunResult): RunSummaryWithRunner {
  // What is on disk is what a user reads; it must match what the run returned.
  const onDisk = JSON.parse(readFileSync(r.files.summary!, 'utf8')) as RunSummaryWithRunner;
  expect(onDisk.turns).toEqual(r.summary!.turns);
  return onDisk;
}

const FAULTS: Record<string, string | null> = {
  none: null,
  drop: 'drop:p=1,after_events=4',
  stall: 'stall:ms=40000,at_event=2',
  rate_limit: 'rate_limit:p=1',
  server_error: 'server_error:p=1',
  slow_audio: 'slow_audio:factor=2',
  expire: 'expire:after_s=1',
  malformed: 'malformed:p=0.3',
  disorder: 'disorder:p=1',
};
const BAD: Record<BadBehaviour, { outcome: string; turnCode?: string }> = {
  silent_http: { outcome: 'connect_timeout' },
  silent_ws: { outcome: 'connect_timeout' },
  close_in_handshake: { outcome: 'connect_failed' },
  garbage: { outcome: 'completed', turnCode: 'turn_timeout' },
  huge_frames: { outcome: 'completed', turnCode: 'turn_timeout' },
};
const faultRuns = new Map<string, RunResult>();
const badRuns = new Map<BadBehaviour, RunResult>();
const bad = new Map<BadBehaviour, BadServer>();
let cliSilent: CliRun;
let cliMockFault: CliRun;

/** What `rth run` did: exit code, output, wall time. */
interface CliRun {
  code: number | null;
  out: string;
  ms: number;
}

/** Runs `rth run FILE --no-progress` as a child process, killed (and failed) after the deadline. */
function rthRun(file: string): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RTH, 'run', file, '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const kill = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rth run did not exit within ${RUN_DEADLINE_MS} ms:\n${out}`));
    }, RUN_DEADLINE_MS);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, ms: Date.now() - t0 });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rth-hardening-targets-'));
  const fastProfile = scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, 0.3);
  const profileFile = path.join(dir, 'fast-latency.json');
  writeFileSync(profileFile, JSON.stringify({ ...fastProfile, name: 'fast' }));
  // Everything at once: the runs mostly wait on real-time audio and timeouts.
  const faults = Object.entries(FAULTS).map(async ([name, fault]) => {
    const mock: MockServerHandle = await startMockServer({ latency: fastProfile, faults: fault ? [fault] : [], seed: 3 });
    servers.push(mock);
    faultRuns.set(name, await runBounded(`fault-${name}`, scenarioFields(`${mock.url}/v1/realtime`)));
  });
  const bads = (Object.keys(BAD) as BadBehaviour[]).map(async (b) => {
    const server = await startBadServer(b);
    servers.push(server);
    bad.set(b, server);
    badRuns.set(b, await runBounded(`bad-${b}`, scenarioFields(server.url)));
  });
  const cli = async (): Promise<void> => {
    const silent = await startBadServer('silent_ws');
    servers.push(silent);
    const mockFields = scenarioFields('mock', { mock: { latency_profile: profileFile, faults: ['server_error:p=1'] } });
    delete mockFields['headers'];
    [cliSilent, cliMockFault] = await Promise.all([rthRun(writeScenario('cli-silent', scenarioFields(silent.url))), rthRun(writeScenario('cli-mock-fault', mockFields))]);
  };
  await Promise.all([...faults, ...bads]);
  // The child processes after: each starts tsx (and the embedded mock) on the same two cores.
  await cli();
}, RUN_DEADLINE_MS + 30_000);
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('every mock fault', () => {
  it('without a fault: every turn completes, exit 0 (the control)', () => {
    const r = faultRuns.get('none')!;
    const s = summaryOf(r);
    expect(s.turns).toMatchObject({ completed: 2, failed: 0 });
    expect(s.conformance.errors).toBe(0);
    expect(r.exitCode).toBe(0);
  });

  it.each([
    ['drop', 'abnormal_close'],
    ['stall', 'turn_timeout'],
    ['rate_limit', 'rate_limit_exceeded'],
    ['server_error', 'server_error'],
    ['expire', 'session_expired'],
  ])('%s: the turns fail with %s in summary.json, and the exit code is 1', (name, code) => {
    const r = faultRuns.get(name)!;
    const s = summaryOf(r);
    // Counts vary a little with timing (a session that expires before its turn starts has no turn
    // to fail; a VAD may split a clip); what must hold: nothing completed, and every failure is named.
    expect(s.turns.completed).toBe(0);
    expect(s.turns.failed).toBeGreaterThan(0);
    expect(Object.keys(s.turns.by_error_code)).toEqual([code]);
    if (name === 'expire') expect(s.errors['session_expired']).toBeGreaterThanOrEqual(2);
    expect(s.slo.passed).toBe(false);
    expect(r.exitCode).toBe(1);
  });

  it('slow_audio: turns still complete (slower), exit 0', () => {
    const r = faultRuns.get('slow_audio')!;
    expect(summaryOf(r).turns).toMatchObject({ completed: 2, failed: 0 });
    expect(r.exitCode).toBe(0);
  });

  it.each(['malformed', 'disorder'])('%s: conformance errors are reported and set the exit code', (name) => {
    const r = faultRuns.get(name)!;
    const s = summaryOf(r);
    expect(s.conformance.errors).toBeGreaterThan(0);
    expect(readFileSync(r.files.conformance!, 'utf8')).toContain('RT-');
    expect(r.exitCode).toBe(1);
  });
});

describe('bad servers', () => {
  it.each(Object.entries(BAD))('%s: the run ends, summary.json says what happened, exit 1', (name, want) => {
    const r = badRuns.get(name as BadBehaviour)!;
    const s = summaryOf(r);
    expect(bad.get(name as BadBehaviour)!.connections()).toBe(2);
    expect(s.sessions.by_outcome).toEqual({ [want.outcome]: 2 });
    if (want.turnCode) expect(s.turns.by_error_code).toEqual({ [want.turnCode]: 2 });
    else expect(s.turns.completed + s.turns.failed).toBe(0);
    expect(s.slo.passed).toBe(false);
    expect(r.exitCode).toBe(1);
  });

  it('garbage frames are findings (malformed/unknown events), not crashes', () => {
    const s = summaryOf(badRuns.get('garbage')!);
    expect(s.conformance.errors).toBeGreaterThan(0);
    expect(Object.keys(s.conformance.by_rule)).toContain('RT-EVENT-003');
  });
});

describe('rth run as a process', () => {
  it('exits promptly with 1 against a server that upgrades and then ignores everything, close frames included', () => {
    expect(cliSilent.code).toBe(1);
    expect(cliSilent.out).toContain('FAIL');
    const s = JSON.parse(readFileSync(path.join(dir, 'out-cli-silent', 'summary.json'), 'utf8')) as RunSummaryWithRunner;
    expect(s.sessions.by_outcome).toEqual({ connect_timeout: 2 });
    // ws alone waits 30 s for a close reply; the run's own timeouts are 5 s + 1 s here. 25 s tells
    // the two apart with ~19 s to spare for process start-up and a loaded machine.
    expect(cliSilent.ms).toBeLessThan(25_000);
  });

  it('exits 1 with the embedded mock and a fault, and says why in summary.json', () => {
    expect(cliMockFault.code).toBe(1);
    const s = JSON.parse(readFileSync(path.join(dir, 'out-cli-mock-fault', 'summary.json'), 'utf8')) as RunSummaryWithRunner;
    expect(Object.keys(s.turns.by_error_code)).toEqual(['server_error']);
    expect(s.turns.completed).toBe(0);
  });
});
