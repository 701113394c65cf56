/**
 * The generated script run under Node through the k6 API test double (test/k6/k6-adapter, NOT
 * k6) against the real mock on port 0 with a fixed-latency profile. Checks that turns complete,
 * that the metrics are recorded with their tags, and that TTFA agrees with the harness's own
 * measurement (startShard) of the same scenario against a mock with the same seed and profile.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monotonicClock } from '../../common/clock.ts';
import { loadCorpus, readManifest } from '../../harness/corpus/load-corpus.ts';
import { exportK6, k6MetricByEffort, parseK6Summary, type K6AudioMode, type K6ExportResult } from '../../harness/k6/index.ts';
import { arrivalOffsetsMs } from '../../harness/runner/arrivals.ts';
import { sessionEfforts } from '../../harness/runner/plans.ts';
import { startShard } from '../../harness/runner/shard.ts';
import { sessionUrl } from '../../harness/runner/target.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import type { ResolvedScenario } from '../../harness/scenario/types.ts';
import { startMockServer } from '../../mock-server/server.ts';
import { FIXED_FIRST_AUDIO_MS, FIXED_LATENCY_PROFILE, FIXTURES_DIR, median, removeTemp, shortCorpus, tempUnderProject } from './helpers.ts';
import { runK6Script, type DoubleRun } from './k6-adapter/runner.ts';
import type { MetricSample } from './k6-adapter/runtime.ts';
import { summarize } from './k6-adapter/summary.ts';

const KEY = 'sk-test-double-key';
const dirs: string[] = [];
let corpusDir: string;
beforeAll(async () => {
  corpusDir = await shortCorpus();
});
afterAll(() => {
  removeTemp(dirs);
  rmSync(corpusDir, { recursive: true, force: true });
});

function values(run: DoubleRun, metric: string, tags: Record<string, string> = {}): number[] {
  return run.samples.filter((s) => s.metric === metric && Object.entries(tags).every(([k, v]) => s.tags[k] === v)).map((s) => s.value);
}
function total(run: DoubleRun, metric: string, tags: Record<string, string> = {}): number {
  return values(run, metric, tags).reduce((a, b) => a + b, 0);
}
function samplesOf(run: DoubleRun, metric: string): MetricSample[] {
  return run.samples.filter((s) => s.metric === metric);
}

/** Exports a fixture scenario against a fresh mock and runs it under the double. */
async function runFixture(name: string, opts: { vus: number; iterations: number; audioMode?: K6AudioMode }): Promise<{ run: DoubleRun; exported: K6ExportResult; scenario: ResolvedScenario }> {
  const scenario = await loadScenario(join(FIXTURES_DIR, `${name}.yaml`));
  const mock = await startMockServer({ port: 0, seed: scenario.seed, latency: FIXED_LATENCY_PROFILE });
  try {
    const out = tempUnderProject(`k6-double-${name}-`);
    dirs.push(out);
    const path = scenario.kind === 'translation' ? '/v1/realtime/translations' : '/v1/realtime';
    const exported = await exportK6(scenario, { outDir: out, corpusDir, target: mock.url + path, audioMode: opts.audioMode ?? 'shared' });
    const run = await runK6Script({ script: join(out, 'script.js'), workDir: join(out, '.double'), vus: opts.vus, iterations: opts.iterations, env: { OPENAI_API_KEY: KEY }, iterationTimeoutMs: 30_000 });
    expect(run.exceptions).toEqual([]);
    expect(run.timedOut).toBe(0);
    return { run, exported, scenario };
  } finally {
    await mock.close();
  }
}

/** The harness's own TTFA per effort for `sessions` sessions of the scenario (same mock seed and profile). */
async function harnessTtfa(scenario: ResolvedScenario, sessions: number): Promise<Record<string, number[]>> {
  const s = { ...scenario, sessions };
  const mock = await startMockServer({ port: 0, seed: scenario.seed, latency: FIXED_LATENCY_PROFILE });
  try {
    const { manifest } = await readManifest(corpusDir);
    const ids = manifest.clips.map((c) => c.id);
    const clips = await loadCorpus(corpusDir, { format: s.wireFormat, chunkMs: s.chunkMs, ids });
    const out: Record<string, number[]> = {};
    const shard = startShard(
      {
        scenario: s,
        sessionIndices: [...Array(sessions).keys()],
        efforts: sessionEfforts(s),
        offsetsMs: arrivalOffsetsMs(s.arrival, sessions, s.seed),
        runStartUs: monotonicClock.nowUs(),
        url: sessionUrl(mock.url, s.kind, s.model, false),
        headers: { Authorization: `Bearer ${KEY}` },
        corpusIds: ids,
        conformance: false,
      },
      {
        onSessionStart: () => {},
        onTurn: (t, m) => {
          if (m.ttfaMs !== null) (out[t.effort ?? 'none'] ??= []).push(m.ttfaMs);
        },
        onSession: () => {},
      },
      { clock: monotonicClock, clips },
    );
    await shard.done;
    return out;
  } finally {
    await mock.close();
  }
}

describe('generated script under the k6 test double, against the mock', () => {
  it('server VAD, two efforts: turns complete, metrics are recorded per effort, TTFA matches the harness', { timeout: 90_000 }, async () => {
    const { run, exported, scenario } = await runFixture('k6-vad', { vus: 4, iterations: 1 });
    // 4 VUs × 1 iteration = 4 sessions of 2 turns (plan rows 0, 1, 0, 1: efforts interleaved).
    expect(total(run, 'sessions', { outcome: 'completed' })).toBe(4);
    expect(total(run, 'turns_completed')).toBe(8);
    expect(total(run, 'turns_failed')).toBe(0);
    expect(values(run, 'turn_success')).toEqual(Array(8).fill(1));
    expect(total(run, 'errors')).toBe(0);
    for (const effort of ['low', 'high'] as const) {
      for (const metric of ['ttfa_ms', 'vad_delay_ms', 'response_start_ms', 'first_text_ms', 'turn_ms']) expect(values(run, metric, { effort })).toHaveLength(4);
      for (const metric of ['connect_ms', 'configure_ms', 'send_lag_p99_ms']) expect(values(run, metric, { effort })).toHaveLength(2);
      // The mock cannot send first audio before its fixed delay after the end of the turn. No slack:
      // the mock's timers never fire early (common/clock.ts), the delay runs from after the turn's
      // end reached it, and the script's stamps cannot shrink a gap (performance.now(), or whole-ms
      // Date.now() where that is missing: a difference of floored stamps is at least the floored gap).
      for (const v of values(run, 'ttfa_ms', { effort })) expect(v).toBeGreaterThanOrEqual(FIXED_FIRST_AUDIO_MS[effort]);
    }
    expect(new Set(samplesOf(run, 'ttfa_ms').map((s) => s.tags.turn))).toEqual(new Set(['1', '2']));
    // SharedArray: the clips were opened once for the whole run, by the first VU's init context.
    expect([...run.openedBytesByVu.entries()]).toEqual([[1, exported.clipBytes]]);

    // The same scenario measured by the harness: medians per effort agree within max(150 ms, 50 %).
    // Wide on purpose: the double runs in the test's thread next to the mock (which loads code on
    // its first responses), so its receive stamps can lag by tens to a hundred ms on a loaded
    // machine; the check is that both measure the same thing, not that the double is precise.
    const harness = await harnessTtfa(scenario, 4);
    for (const effort of ['low', 'high']) {
      const k6 = median(values(run, 'ttfa_ms', { effort }));
      const own = median(harness[effort] ?? []);
      expect(harness[effort]).toHaveLength(4);
      expect(Math.abs(k6 - own)).toBeLessThanOrEqual(Math.max(150, own * 0.5));
    }
    // Efforts reached the mock: high waits 300 ms longer than low (150: half of it, so lag that
    // hits one effort's four turns more than the other's cannot hide the difference or fake it).
    expect(median(values(run, 'ttfa_ms', { effort: 'high' })) - median(values(run, 'ttfa_ms', { effort: 'low' }))).toBeGreaterThan(150);

    // The double's end-of-test summary reads back through the importer, thresholds all held.
    const imported = parseK6Summary(summarize(run), 'double');
    const ttfa = k6MetricByEffort(imported, 'ttfa_ms');
    expect(ttfa.low?.count).toBe(4);
    expect(ttfa.low?.p50).toBeCloseTo(median(values(run, 'ttfa_ms', { effort: 'low' })), 6);
    expect(imported.thresholds.length).toBeGreaterThan(10);
    // The send-lag self-check is left out: the double shares one thread with the mock (and the
    // mock's first responses load code), so this load generator may well be the bottleneck here.
    expect(imported.thresholds.filter((t) => !t.ok && t.metric !== 'send_lag_p99_ms')).toEqual([]);
    expect(imported.thresholds.some((t) => t.metric === 'send_lag_p99_ms')).toBe(true);
  });

  it('manual turns with a tool: commit + response.create, function_call_output answered, per-VU audio', { timeout: 60_000 }, async () => {
    // 2 VUs × 2 iterations: each VU runs two sessions one after the other.
    const { run, exported } = await runFixture('k6-tools', { vus: 2, iterations: 2, audioMode: 'per-vu' });
    expect(total(run, 'sessions', { outcome: 'completed' })).toBe(4);
    expect(total(run, 'turns_completed')).toBe(4);
    expect(total(run, 'turns_failed')).toBe(0);
    expect(total(run, 'tool_calls')).toBe(4);
    expect(total(run, 'errors')).toBe(0);
    expect(values(run, 'vad_delay_ms')).toEqual([]); // manual turns have no VAD
    expect(values(run, 'ttfa_ms', { effort: 'low' })).toHaveLength(4);
    for (const v of values(run, 'ttfa_ms')) expect(v).toBeGreaterThanOrEqual(FIXED_FIRST_AUDIO_MS.low); // no slack: see above
    // per-vu: every VU opened every clip.
    expect([...run.openedBytesByVu.values()]).toEqual([exported.clipBytes, exported.clipBytes]);
  });

  it('barge-in: speaks over the answer, truncates, and the turns still count as completed', { timeout: 60_000 }, async () => {
    const { run } = await runFixture('k6-barge', { vus: 1, iterations: 1 });
    expect(total(run, 'barge_ins')).toBeGreaterThanOrEqual(1);
    expect(total(run, 'turns_completed')).toBe(3);
    expect(total(run, 'turns_failed')).toBe(0);
    expect(total(run, 'errors')).toBe(0); // a bad truncate would come back as an error event
  });

  it('a time-bounded run: new turns stop at duration_s and the session closes cleanly', { timeout: 60_000 }, async () => {
    const { run, exported } = await runFixture('k6-duration', { vus: 1, iterations: 1 });
    expect(exported.executor).toBe('ramping-vus');
    expect(total(run, 'sessions', { outcome: 'completed' })).toBe(1);
    expect(total(run, 'turns_completed', { effort: 'medium' })).toBeGreaterThanOrEqual(1);
    expect(total(run, 'turns_failed')).toBe(0);
    // Every turn that started finished: a clip due after the deadline is withdrawn unspoken.
    expect(values(run, 'turn_success')).toEqual(Array(total(run, 'turns_completed')).fill(1));
  });

  it('an unreachable target: the session fails to connect, errors are counted, the iteration ends', { timeout: 30_000 }, async () => {
    const out = tempUnderProject('k6-double-refused-');
    dirs.push(out);
    await exportK6(await loadScenario(join(FIXTURES_DIR, 'k6-vad.yaml')), { outDir: out, corpusDir, target: 'ws://127.0.0.1:1/v1/realtime' });
    const run = await runK6Script({ script: join(out, 'script.js'), workDir: join(out, '.double'), vus: 1, iterations: 1, env: { OPENAI_API_KEY: KEY }, iterationTimeoutMs: 20_000 });
    expect(run.exceptions).toEqual([]);
    expect(run.timedOut).toBe(0);
    expect(total(run, 'sessions', { outcome: 'connect_failed' })).toBe(1);
    expect(total(run, 'errors', { code: 'ws_error' })).toBe(1);
    expect(values(run, 'turn_success')).toEqual([]);
  });

  it('transcription: a turn ends at transcription.completed; no audio metrics', { timeout: 60_000 }, async () => {
    const { run } = await runFixture('k6-transcription', { vus: 1, iterations: 1 });
    expect(total(run, 'turns_completed', { effort: 'none' })).toBe(2);
    expect(values(run, 'first_text_ms')).toHaveLength(2);
    expect(values(run, 'vad_delay_ms')).toHaveLength(2);
    expect(values(run, 'ttfa_ms')).toEqual([]);
  });

  it('translation: continuous audio, output attributed per clip, session.close → session.closed', { timeout: 60_000 }, async () => {
    const { run } = await runFixture('k6-translation', { vus: 1, iterations: 1 });
    expect(total(run, 'sessions', { outcome: 'completed' })).toBe(1);
    expect(total(run, 'turns_completed')).toBe(2);
    expect(values(run, 'ttfa_ms')).toHaveLength(2);
  });
});
