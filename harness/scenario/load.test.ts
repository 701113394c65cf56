import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { listScenarios, loadScenario } from './load.ts';
import { resolveScenario } from './resolve.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rth-scenario-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('E_SCENARIO');
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

async function loadText(name: string, text: string, overrides = {}) {
  await writeFile(path.join(dir, name), text);
  return loadScenario(path.join(dir, name), overrides, { cwd: dir });
}

describe('shipped scenarios', () => {
  const names = listScenarios();
  it('ships the seven required scenarios', () => {
    for (const n of ['smoke', 'latency-vs-effort', 'tool-calls', 'barge-in', 'long-session', 'transcription', 'translation']) expect(names).toContain(n);
  });
  it.each(names)('%s loads and names itself after its file', async (name) => {
    const s = await loadScenario(name);
    expect(s.name).toBe(name);
    expect(s.sourcePath).toMatch(new RegExp(`scenarios/${name}\\.yaml$`));
  });
  it('smoke: ~30 s against the mock, a few VAD sessions, two efforts', async () => {
    const s = await loadScenario('smoke');
    expect(s.target).toBe('mock');
    expect(s.durationS).toBe(30);
    expect(s.sessions).toBeGreaterThan(1);
    expect(s.efforts).toHaveLength(2);
    expect(s.turnMode).toBe('server_vad');
    expect(s.chunkMs).toBe(20);
    expect(s.pacing.sendLagP99BudgetMs).toBe(5);
  });
  it('latency-vs-effort has all five efforts', async () => {
    expect((await loadScenario('latency-vs-effort')).efforts).toEqual(['minimal', 'low', 'medium', 'high', 'xhigh']);
  });
});

describe('defaults', () => {
  it('an empty mapping gets every documented default', async () => {
    const s = await loadText('empty.yaml', '{}\n');
    expect(s).toMatchObject({
      name: 'empty',
      target: 'mock',
      model: 'gpt-realtime-2',
      kind: 'realtime',
      sessions: 1,
      arrival: { type: 'ramp', rampUpS: 0 },
      durationS: 30,
      turnsPerSession: null,
      thinkTimeMs: { minMs: 1000, maxMs: 1000 },
      turnDetection: { type: 'server_vad', threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 },
      chunkMs: 20,
      audioFormat: 'pcm16',
      wireFormat: { type: 'audio/pcm', rate: 24000 },
      efforts: ['low'],
      voice: 'marin',
      instructions: null,
      outputModalities: ['audio'],
      outputLanguage: null,
      tools: [],
      clips: { type: 'random', seed: 1 },
      bargeIn: null,
      timeouts: { connectMs: 10000, turnMs: 30000, drainMs: 5000 },
      pacing: { sendLagP99BudgetMs: 5, stallBudgetMs: 50, busyPoll: false },
      seed: 1,
      workers: 1,
      outDir: null,
      mock: { seed: 1, latencyProfilePath: null, faults: [], maxSessionS: 3600, priority: 'low' },
    });
  });
  it('defaults that depend on other fields: model and efforts per kind, budget per chunk, language', async () => {
    const t = await loadText('tr.json', JSON.stringify({ kind: 'translation', chunk_ms: 200 }));
    expect(t).toMatchObject({ model: 'gpt-realtime-translate', efforts: ['none'], outputLanguage: 'es', pacing: { sendLagP99BudgetMs: 50 } });
    const old = await loadText('old.yaml', 'model: gpt-realtime\n');
    expect(old.efforts).toEqual(['none']);
    const turns = await loadText('turns.yaml', 'turns_per_session: 3\n');
    expect(turns).toMatchObject({ durationS: null, turnsPerSession: 3 });
  });
  it('shorthand turn_detection string and manual mode', async () => {
    const s = await loadText('m.yaml', 'turn_detection: manual\n');
    expect(s.turnDetection).toEqual({ type: 'manual' });
    expect(s.turnMode).toBe('manual');
  });
});

describe('errors name the file, the field and what was expected', () => {
  it('unknown top-level and nested fields, with a suggestion', async () => {
    const p = await problemsOf(loadText('typo.yaml', 'sesions: 3\nturn_detection: { type: server_vad, treshold: 0.4 }\n'));
    expect(p).toContain("typo.yaml: sesions: unknown field; did you mean 'sessions'?");
    expect(p).toContain("typo.yaml: turn_detection.treshold: unknown field; did you mean 'threshold'?");
  });
  it('wrong types and ranges, every problem listed at once', async () => {
    const p = await problemsOf(loadText('bad.yaml', 'sessions: 0\nchunk_ms: fast\nefforts: [low, turbo]\nturn_detection: { type: vad }\n'));
    expect(p).toHaveLength(4);
    expect(p.find((x) => x.startsWith('bad.yaml: sessions: '))).toMatch(/>=\s*1, got 0/);
    expect(p).toContain("bad.yaml: chunk_ms: expected number, got 'fast'");
    expect(p.find((x) => x.startsWith('bad.yaml: efforts[1]: '))).toMatch(/minimal.*got 'turbo'/);
    expect(p.find((x) => x.startsWith('bad.yaml: turn_detection.type: '))).toMatch(/expected one of .*server_vad.*got 'vad'/);
  });
  it('a union narrows to the alternative that matched', async () => {
    const p = await problemsOf(loadText('think.yaml', 'think_time_ms: { min: 100, max: nope }\n'));
    expect(p).toEqual(["think.yaml: think_time_ms.max: expected number, got 'nope'"]);
  });
  it('field-level checks: target URL, think time order, duplicates', async () => {
    const p = await problemsOf(
      loadText('d.yaml', 'target: http://example.com\nthink_time_ms: { min: 900, max: 100 }\nefforts: [low, low]\ntools: [{name: t}, {name: t}]\n'),
    );
    expect(p).toContain("d.yaml: target: expected mock, openai or a ws:// or wss:// URL (a sip: URI with transport sip), got 'http://example.com'");
    expect(p).toContain('d.yaml: think_time_ms.max: expected max >= min (900), got 100');
    expect(p).toContain("d.yaml: efforts[1]: duplicate effort 'low'");
    expect(p).toContain("d.yaml: tools[1].name: duplicate tool name 't'");
    expect(p).toHaveLength(4);
  });
  it('cross-field checks once the fields themselves are valid', async () => {
    const p = await problemsOf(
      loadText('x.yaml', 'kind: transcription\nefforts: [low]\ntools: [{ name: a }]\noutput_language: de\nmock: { latency_profile: nope.json }\n'),
    );
    expect(p).toContain("x.yaml: efforts[0]: expected 'none' for kind transcription (reasoning applies to realtime sessions), got 'low'");
    expect(p).toContain('x.yaml: tools: tools apply to kind realtime (function calls) and live (delegation results) only, got kind transcription');
    expect(p).toContain('x.yaml: output_language: applies to kind translation only, got kind transcription');
    expect(p.some((x) => x.startsWith('x.yaml: mock.latency_profile: no such file') && x.includes('nope.json'))).toBe(true);
    expect(p).toHaveLength(4);
  });
  it('SLOs: unknown metric, stat and effort keys are errors', async () => {
    const p = await problemsOf(loadText('slo.yaml', 'slo: { ttfa: {p95: 1}, turn_ms: { p42: 3 }, ttfa_ms: { p95: { lwo: 3 } } }\n'));
    expect(p).toContain("slo.yaml: slo.ttfa: unknown field; did you mean 'ttfa_ms'?");
    expect(p.some((x) => x.startsWith('slo.yaml: slo.turn_ms.p42: unknown field'))).toBe(true);
    expect(p.some((x) => x.startsWith('slo.yaml: slo.ttfa_ms.p95'))).toBe(true);
  });
  it('YAML syntax errors carry line and column; JSON errors name the file', async () => {
    const y = await problemsOf(loadText('syntax.yaml', 'sessions: 2\nsessions: 3\n'));
    expect(y[0]).toMatch(/^syntax\.yaml:2:\d+: invalid YAML: /);
    const j = await problemsOf(loadText('broken.json', '{"sessions": }'));
    expect(j[0]).toMatch(/^broken\.json: invalid JSON: /);
  });
  it('a top level that is not a mapping', async () => {
    const p = await problemsOf(loadText('list.yaml', '- a\n- b\n'));
    expect(p[0]).toMatch(/^list\.yaml: \(top level\): expected a mapping/);
  });
  it('a bare file name falls back to the shipped scenarios', async () => {
    expect((await loadScenario('barge-in.yaml', {}, { cwd: dir })).name).toBe('barge-in');
  });
  it('an unknown scenario name lists the shipped ones', async () => {
    const p = await problemsOf(loadScenario('no-such-scenario'));
    expect(p[0]).toMatch(/^scenario 'no-such-scenario': no such file .*shipped scenarios: .*smoke/);
  });
});

describe('CLI overrides go through the same resolver', () => {
  it('apply over the file, strings parsed', async () => {
    const s = await loadScenario('smoke', {
      target: 'wss://relay.example/v1/realtime',
      sessions: '12',
      duration: '5',
      efforts: 'minimal, xhigh',
      seed: '42',
      chunkMs: '40',
      workers: 2,
      out: 'out/here',
      mockPriority: 'idle',
      header: ['X-Team: audio', 'Authorization: Bearer abc'],
    }, { cwd: dir });
    expect(s).toMatchObject({
      target: 'wss://relay.example/v1/realtime',
      sessions: 12,
      durationS: 5,
      efforts: ['minimal', 'xhigh'],
      seed: 42,
      chunkMs: 40,
      workers: 2,
      outDir: path.join(dir, 'out/here'),
      headers: { 'X-Team': 'audio', Authorization: 'Bearer abc' },
      pacing: { sendLagP99BudgetMs: 10 },
    });
    // Seeds not pinned in the file follow --seed.
    expect(s.clips).toEqual({ type: 'random', seed: 42 });
    expect(s.mock.seed).toBe(42);
    expect(s.mock.priority).toBe('idle');
  });
  it('--busy-poll merges into the file\'s pacing mapping; the field is a boolean', async () => {
    const s = await loadText('pacing.yaml', 'pacing:\n  stall_budget_ms: 80\n', { busyPoll: true });
    expect(s.pacing).toMatchObject({ stallBudgetMs: 80, busyPoll: true });
    expect((await loadText('busy.yaml', 'pacing:\n  busy_poll: true\n')).pacing.busyPoll).toBe(true);
    const p = await problemsOf(loadText('busy-bad.yaml', 'pacing:\n  busy_poll: always\n'));
    expect(p).toEqual(["busy-bad.yaml: pacing.busy_poll: expected boolean, got 'always'"]);
  });
  it('--mock-priority merges into the file\'s mock mapping and names the flag when wrong', async () => {
    const s = await loadText('mock-fields.yaml', 'mock:\n  max_session_s: 60\n  priority: normal\n', { mockPriority: 'idle' });
    expect(s.mock).toMatchObject({ maxSessionS: 60, priority: 'idle' });
    expect((await loadText('mock-file.yaml', 'mock:\n  priority: normal\n')).mock.priority).toBe('normal');
    const flag = await problemsOf(loadScenario('smoke', { mockPriority: 'lowest' }));
    expect(flag).toHaveLength(1);
    expect(flag[0]).toMatch(/^--mock-priority: mock\.priority: expected one of "low"\|"idle"\|"normal", got 'lowest'$/);
    const file = await problemsOf(loadText('bad-priority.yaml', 'mock:\n  priority: realtime\n'));
    expect(file[0]).toMatch(/bad-priority\.yaml: mock\.priority: expected one of/);
    // A `mock` that is not a mapping keeps the file's own error.
    const notMapping = await problemsOf(loadText('mock-list.yaml', 'mock: [1]\n', { mockPriority: 'idle' }));
    expect(notMapping[0]).toMatch(/mock-list\.yaml: mock: expected/);
  });
  it('flag errors read like file errors, naming the flag', async () => {
    const p = await problemsOf(loadScenario('smoke', { sessions: 'abc', efforts: 'low,fast', target: 'ftp://x', chunkMs: '2' }));
    expect(p).toContain("--sessions: sessions: expected number, got 'abc'");
    expect(p.some((x) => x.startsWith('--efforts: efforts[1]: ') && x.includes("got 'fast'"))).toBe(true);
    expect(p.some((x) => x.startsWith('--chunk-ms: chunk_ms: '))).toBe(true);
    expect(p.some((x) => x.startsWith('--target: target: expected mock, openai or a ws://'))).toBe(true);
  });
  it('a malformed --header is reported without echoing its text', async () => {
    const p = await problemsOf(loadScenario('smoke', { header: ['sk-secret-value'] }));
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(/^--header: header 1: expected 'Name: value'/);
    expect(p[0]).not.toContain('sk-secret');
  });
  it('--turns sets turns_per_session, drops the default duration and is validated like the field', async () => {
    const t = await loadText('no-duration.yaml', 'sessions: 2\n', { turns: '4' });
    expect(t).toMatchObject({ turnsPerSession: 4, durationS: null });
    const both = await loadText('with-duration.yaml', 'duration_s: 12\n', { turns: 2 });
    expect(both).toMatchObject({ turnsPerSession: 2, durationS: 12 });
    const inline = resolveScenario({ sessions: 1 }, { label: '<inline>', path: null, dir }, { turns: '3' });
    expect(inline).toMatchObject({ turnsPerSession: 3, durationS: null });
    const p = await problemsOf(loadScenario('smoke', { turns: '0', sessions: '0' }));
    expect(p).toHaveLength(2);
    expect(p.find((x) => x.startsWith('--turns: turns_per_session: '))).toMatch(/>=\s*1, got 0/);
    expect(await problemsOf(loadScenario('smoke', { turns: '2.5' }))).toEqual([expect.stringMatching(/^--turns: turns_per_session: .*int/)]);
    expect(await problemsOf(loadScenario('smoke', { turns: 'many' }))).toEqual(["--turns: turns_per_session: expected number, got 'many'"]);
  });
  it('resolveScenario works on an in-memory object', () => {
    const s = resolveScenario({ sessions: 3 }, { label: '<inline>', path: null, dir }, { efforts: ['high'] });
    expect(s).toMatchObject({ name: 'inline', sessions: 3, efforts: ['high'], sourceLabel: '<inline>' });
  });
});
