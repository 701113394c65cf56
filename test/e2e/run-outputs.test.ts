/**
 * End to end: `runScenario` against the real embedded mock (its own process, fast latency profile):
 * the files a run writes and their schema, the measurement error against the mock's trace, the
 * run's events, and `--workers`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult, TurnResult } from '../../harness/contract.ts';
import type { RunEvent } from '../../harness/runner/events.ts';
import type { RunSummaryWithRunner } from '../../harness/runner/outputs.ts';
import { runScenario, type RunResult } from '../../harness/runner/run-scenario.ts';
import { e2eDir, type E2eDir } from './e2e-helpers.ts';

const SMOKE = {
  sessions: 2,
  arrival: { type: 'ramp', ramp_up_s: 0.5 },
  duration_s: 4,
  think_time_ms: 200,
  // 500 ms (the API's default): shorter silences split clips with pauses into two turns.
  turn_detection: { type: 'server_vad', silence_duration_ms: 500 },
  efforts: ['low', 'high'],
  clips: { random: true },
};

describe('rth run against the embedded mock: outputs', () => {
  let e: E2eDir;
  let result: RunResult;
  const events: RunEvent[] = [];

  beforeAll(async () => {
    e = e2eDir();
    const scenario = await e.scenario('smoke-fast', SMOKE);
    result = await runScenario(scenario, { onEvent: (ev) => events.push(ev) });
  });
  afterAll(() => e.cleanup());

  it('writes every file', () => {
    const files = readdirSync(result.outDir).sort();
    expect(files).toEqual([
      'conformance.json',
      'cost.csv',
      'histograms',
      'mock-trace.jsonl',
      'recorder.json',
      'report.html',
      'run.json',
      'sessions.csv',
      'sessions.jsonl',
      'summary.json',
      'turns.csv',
      'turns.jsonl',
    ]);
    expect(readdirSync(path.join(result.outDir, 'histograms'))).toContain('latency.hlog');
    const sessionLine = JSON.parse(readFileSync(path.join(result.outDir, 'sessions.jsonl'), 'utf8').split('\n')[0]!);
    expect(sessionLine.endedUs).toBeGreaterThan(sessionLine.startedUs);
    expect(JSON.parse(readFileSync(path.join(result.outDir, 'run.json'), 'utf8')).run_start_us).toBeGreaterThan(0);
    const hgrm = readdirSync(path.join(result.outDir, 'histograms'));
    expect(hgrm).toContain('ttfa.low.hgrm');
    expect(hgrm).toContain('send_lag.hgrm');
    expect(readFileSync(path.join(result.outDir, 'histograms', 'ttfa.low.hgrm'), 'utf8')).toMatch(/^\s+Value\s+Percentile\s+TotalCount/);
  });

  it('streams one turns.jsonl line per finished turn, with milestones and derived metrics', () => {
    const turns = e.jsonl<TurnResult & { metrics: { ttfaMs: number | null } }>(result.files.turns);
    const summary = result.summary!;
    expect(turns.length).toBe(summary.turns.completed + summary.turns.failed + summary.turns.aborted);
    const done = turns.filter((t) => t.status === 'completed');
    expect(done.length).toBeGreaterThan(0);
    for (const t of done) {
      expect(t.mode).toBe('server_vad');
      expect(['low', 'high']).toContain(t.effort);
      expect(t.milestones.speechEndSentUs).not.toBeNull();
      expect(t.milestones.firstAudioUs).toBeGreaterThan(t.milestones.speechEndSentUs!);
      expect(t.metrics.ttfaMs).toBeCloseTo((t.milestones.firstAudioUs! - t.milestones.speechEndSentUs!) / 1000, 6);
      expect(t.responseId).toMatch(/^resp_/);
    }
  });

  it('writes one sessions.jsonl line per session', () => {
    const sessions = e.jsonl<SessionResult>(result.files.sessions);
    expect(sessions.map((s) => s.sessionIndex).sort()).toEqual([0, 1]);
    for (const s of sessions) expect(s.connectMs).toBeGreaterThan(0);
  });

  it('summary.json has the documented fields', () => {
    const s = JSON.parse(readFileSync(result.files.summary!, 'utf8')) as RunSummaryWithRunner;
    expect(typeof s.valid).toBe('boolean');
    expect(s.schema_version).toBe(1);
    expect(s.scenario.name).toBe('smoke-fast');
    expect(s.target).toBe('mock');
    expect(s.turns.completed).toBeGreaterThan(0);
    expect(typeof s.turns.failed).toBe('number');
    for (const effort of ['low', 'high']) {
      expect(Object.keys(s.metrics.ttfa_ms[effort]!)).toEqual(expect.arrayContaining(['count', 'p50', 'p90', 'p95', 'p99', 'max']));
    }
    expect(s.metrics.ttfa_ms.low!.count + s.metrics.ttfa_ms.high!.count).toBeGreaterThan(0);
    expect(s.pacing.send_lag_ms.count).toBeGreaterThan(0);
    expect(s.pacing.send_lag_ms.p99).toBeGreaterThanOrEqual(s.pacing.send_lag_ms.p50!);
    expect(s.errors).toEqual({});
    expect(s.provenance.seed).toBe(3);
    expect(s.provenance.tool_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.values(s.provenance.corpus).every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
    expect(s.conformance.errors).toBe(0);
    expect(s.sessions_not_started).toBe(0);
  });

  it('computes the measurement error against the mock trace and shows it', () => {
    const m = result.summary!.measurement_error_ms!;
    expect(m.matched).toBeGreaterThan(0);
    // The mock stamps first audio immediately before its socket write, the harness when the frame
    // arrived: on one CLOCK_MONOTONIC, the harness can never be earlier.
    expect(m.min).toBeGreaterThanOrEqual(0);
    expect(m.negative).toBe(0);
    expect(m.p99).toBeGreaterThanOrEqual(0);
    expect(result.table).toMatch(/Measurement error vs mock trace: p50 [\d.]+ ms, p99 [\d.]+ ms/);
  });

  it('prints the verdict first and never writes the mock key', () => {
    expect(result.table!.split('\n')[0]).toMatch(/^(PASS|FAIL|INVALID RUN)/);
    expect(result.exitCode).toBe(result.summary!.valid && result.summary!.slo.passed ? 0 : 1);
    for (const f of ['run.json', 'summary.json', 'turns.jsonl', 'sessions.jsonl']) {
      expect(readFileSync(path.join(result.outDir, f), 'utf8')).not.toMatch(/Bearer|rth-embedded-mock/);
    }
    const run = JSON.parse(readFileSync(result.files.run, 'utf8')) as { header_names: string[]; scenario: Record<string, unknown>; mock_priority: string };
    expect(run.header_names).toEqual(['Authorization']);
    expect(run.scenario).not.toHaveProperty('headers');
    // The embedded mock's scheduling as applied (the default).
    expect(run.mock_priority).toBe('low');
  });

  it('emits started first, then sessions and turns, then stopping and finishing', () => {
    const types = events.map((ev) => ev.type);
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('finishing');
    expect(types.filter((t) => t === 'session-start')).toHaveLength(2);
    expect(types.filter((t) => t === 'session-end')).toHaveLength(2);
    expect(types).toContain('stopping');
    expect(types.filter((t) => t === 'turn')).toHaveLength(e.jsonl(result.files.turns).length);
  });
});

describe('rth run --workers 2', () => {
  let e: E2eDir;
  afterAll(() => e.cleanup());

  it('spreads sessions round-robin over worker threads and merges their histograms', async () => {
    e = e2eDir();
    const scenario = await e.scenario('workers', { ...SMOKE, sessions: 4, duration_s: undefined, turns_per_session: 1, workers: 2, turn_detection: 'manual' });
    const result = await runScenario(scenario);
    const s = result.summary!;
    const turns = e.jsonl<TurnResult>(result.files.turns);
    expect(s.provenance.workers).toBe(2);
    expect(new Set(turns.map((t) => t.sessionIndex))).toEqual(new Set([0, 1, 2, 3]));
    expect(s.turns.completed).toBe(4);
    expect(s.metrics.ttfa_ms.low!.count + s.metrics.ttfa_ms.high!.count).toBe(4);
    expect(s.sessions.completed).toBe(4);
    expect(existsSync(path.join(result.outDir, 'histograms', 'send_lag.hgrm'))).toBe(true);
    expect(s.measurement_error_ms!.matched).toBe(4);
  });
});

describe('rth run --busy-poll', () => {
  let e: E2eDir;
  afterAll(() => e.cleanup());

  it('runs sessions to completion with a never-sleeping loop, then lets the loop rest', async () => {
    e = e2eDir();
    // Short on purpose: the loop takes a whole core while it runs, next to the suite's other files.
    // The mock keeps its default priority (low): under SCHED_IDLE (`idle`, tested on its own in
    // mock-process.test.ts) it gets almost no CPU while this loop spins on one core and another
    // test file keeps the other busy, and the run timed out once that way.
    const scenario = await e.scenario('busy', { ...SMOKE, sessions: 2, duration_s: undefined, turns_per_session: 1, turn_detection: 'manual', clips: ['uk-weather-kyiv'], pacing: { busy_poll: true } });
    expect(scenario.pacing.busyPoll).toBe(true);
    // Event-loop utilization from the first session's start to the last session's end.
    let elu0: EventLoopUtilization | null = null;
    let elu: EventLoopUtilization | null = null;
    let ended = 0;
    const result = await runScenario(scenario, {
      onEvent: (ev) => {
        if (ev.type === 'session-start' && elu0 === null) elu0 = performance.eventLoopUtilization();
        if (ev.type === 'session-end' && ++ended === 2) elu = performance.eventLoopUtilization(elu0!);
      },
    });
    const s = result.summary!;
    expect(s.turns.completed).toBe(2);
    expect(s.measurement_error_ms!.matched).toBe(2);
    // The loop spun during the run: it was almost never idle waiting for events (a sleeping loop
    // with two sessions is idle most of the time). Event-loop utilization counts time outside
    // the wait for events, so unlike CPU time it does not depend on how busy the machine is.
    expect(elu!.utilization).toBeGreaterThan(0.8);
    const run = JSON.parse(readFileSync(result.files.run, 'utf8')) as { mock_priority: string; scenario: { pacing: { busyPoll: boolean } } };
    expect(run.scenario.pacing.busyPoll).toBe(true);
    expect(run.mock_priority).toBe('low');
    // After the run the loop sleeps again: idle for most of 300 ms of waiting.
    const rest0 = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, 300));
    expect(performance.eventLoopUtilization(rest0).utilization).toBeLessThan(0.3);
  });
});
