import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadCorpus, readManifest } from '../../harness/corpus/load-corpus.ts';
import { ConfigError } from '../../common/errors.ts';
import {
  arrivalRate,
  buildK6Options,
  buildScriptConfig,
  exportK6,
  k6Duration,
  planRowCount,
  thresholdsFor,
  type K6ExportResult,
} from '../../harness/k6/index.ts';
import { clipWireBytes } from '../../harness/k6/script-config.ts';
import { bytesPerMs } from '../../common/audio/formats.ts';
import { buildSessionPlan, sessionEfforts } from '../../harness/runner/plans.ts';
import { loadScenario, resolveScenario } from '../../harness/scenario/index.ts';
import type { ResolvedScenario } from '../../harness/scenario/types.ts';
import { FIXTURES_DIR, removeTemp, shortCorpus, tempUnderProject } from './helpers.ts';

const dirs: string[] = [];
let corpusDir: string;
beforeAll(async () => {
  corpusDir = await shortCorpus();
});
afterAll(() => {
  removeTemp(dirs);
  rmSync(corpusDir, { recursive: true, force: true });
});

const TARGET = 'ws://127.0.0.1:9/v1/realtime';

function inline(fields: Record<string, unknown>): ResolvedScenario {
  return resolveScenario(fields, { label: '<inline>', path: null, dir: process.cwd(), cwd: process.cwd() }, {});
}

describe('exportK6 files', () => {
  let scenario: ResolvedScenario;
  let result: K6ExportResult;
  let out: string;
  beforeAll(async () => {
    scenario = await loadScenario(join(FIXTURES_DIR, 'k6-vad.yaml'));
    out = tempUnderProject('k6-export-');
    dirs.push(out);
    result = await exportK6({ ...scenario, headers: { 'X-Relay-Token': 'do-not-export' } }, { outDir: out, corpusDir, target: TARGET, parallelism: 3 });
  });

  it('writes the script, the used clips, scenario.json, testrun.yaml and README.md', () => {
    expect(result.files).toEqual(['README.md', ...result.clipIds.map((id) => `clips/${id}.pcm`).sort(), 'scenario.json', 'script.js', 'testrun.yaml'].sort());
    for (const f of result.files) expect(existsSync(join(out, f))).toBe(true);
    expect(readdirSync(join(out, 'clips')).sort()).toEqual(result.clipIds.map((id) => `${id}.pcm`).sort());
    expect(result.executor).toBe('per-vu-iterations');
    expect(result.defaultUrl).toBe('ws://127.0.0.1:9/v1/realtime?model=gpt-realtime-2');
  });

  it('writes each clip as the exact wire bytes a harness session sends (24 kHz PCM16 mono)', async () => {
    const clips = await loadCorpus(corpusDir, { format: scenario.wireFormat, chunkMs: scenario.chunkMs, ids: result.clipIds });
    for (const id of result.clipIds) {
      const written = readFileSync(join(out, 'clips', `${id}.pcm`));
      const clip = clips.get(id)!;
      expect(written.equals(clipWireBytes(clip))).toBe(true);
      expect(written.length).toBe(Math.round(clip.durationMs * bytesPerMs(scenario.wireFormat)));
    }
    expect(result.clipBytes).toBe(result.clipIds.reduce((n, id) => n + readFileSync(join(out, 'clips', `${id}.pcm`)).length, 0));
  });

  it('writes the resolved scenario without its headers, and no header value anywhere', () => {
    const written = JSON.parse(readFileSync(join(out, 'scenario.json'), 'utf8')) as Record<string, unknown>;
    expect(written.name).toBe('k6-vad');
    expect(written.efforts).toEqual(['low', 'high']);
    expect('headers' in written).toBe(false);
    for (const f of result.files) expect(readFileSync(join(out, f)).includes('do-not-export')).toBe(false);
    expect(result.notes.join('\n')).toContain('RTH_HEADERS');
  });

  it('says which rth run options a k6 run cannot honour: busy polling, an idle-priority mock', async () => {
    const out2 = tempUnderProject('k6-export-');
    dirs.push(out2);
    const tuned = { ...scenario, pacing: { ...scenario.pacing, busyPoll: true }, mock: { ...scenario.mock, priority: 'idle' as const } };
    const notes = (await exportK6(tuned, { outDir: out2, corpusDir, target: 'mock', parallelism: 1 })).notes.join('\n');
    expect(notes).toContain('pacing.busy_poll applies to rth run only');
    expect(notes).toContain('chrt --idle 0 npx rth mock');
    expect(result.notes.join('\n')).not.toMatch(/busy_poll|chrt/);
  });

  it('writes a k6-operator TestRun with parallelism, the archive from a ConfigMap and the key from a Secret', () => {
    const doc = parseYaml(readFileSync(join(out, 'testrun.yaml'), 'utf8')) as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { parallelism: number; script: { configMap: { name: string; file: string } }; runner: { env: { name: string; value?: string; valueFrom?: unknown }[] } };
    };
    expect(doc.apiVersion).toBe('k6.io/v1alpha1');
    expect(doc.kind).toBe('TestRun');
    expect(doc.metadata.name).toBe('rth-k6-vad');
    expect(doc.spec.parallelism).toBe(3);
    expect(doc.spec.script.configMap).toEqual({ name: 'rth-k6-vad', file: 'archive.tar' });
    const key = doc.spec.runner.env.find((e) => e.name === 'OPENAI_API_KEY');
    expect(key).toEqual({ name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'rth-openai', key: 'api-key' } } });
    expect(doc.spec.runner.env.find((e) => e.name === 'RTH_TARGET_URL')?.value).toBe(result.defaultUrl);
  });

  it('reads credentials and the target only from __ENV in the script', () => {
    const script = readFileSync(join(out, 'script.js'), 'utf8');
    expect(script).toContain("from 'k6/websockets'");
    expect(script).not.toContain("'k6/ws'");
    expect(script).toContain('__ENV.OPENAI_API_KEY');
    expect(script).toContain('__ENV.RTH_TARGET_URL');
    expect(script).toContain(`"fallbackKey":null`);
  });

  it('reports the memory per VU and per instance of both audio modes', async () => {
    const frame = `{"type":"input_audio_buffer.append","audio":""}`.length + (48 * 20 * 4) / 3;
    expect(result.audioMode).toBe('shared');
    expect(result.audioBytesPerVu).toBe(frame);
    expect(result.audioBytesPerInstance).toBeGreaterThanOrEqual((result.clipBytes * 4) / 3);
    const perVuDir = tempUnderProject('k6-export-pervu-');
    dirs.push(perVuDir);
    const perVu = await exportK6(scenario, { outDir: perVuDir, corpusDir, target: TARGET, audioMode: 'per-vu' });
    expect(perVu.audioBytesPerVu).toBe(perVu.clipBytes + frame);
    expect(perVu.audioBytesPerInstance).toBe(0);
    expect(readFileSync(join(perVuDir, 'README.md'), 'utf8')).toContain(`${perVu.audioBytesPerVu} bytes`);
  });
});

describe('script configuration from the harness plans', () => {
  it("uses the harness's interleaved efforts, clip picks, think times and session.update", async () => {
    const scenario = inline({ name: 'cfg', sessions: 6, turns_per_session: 3, think_time_ms: { min: 100, max: 900 }, efforts: ['low', 'high', 'minimal'], seed: 4 });
    const { manifest } = await readManifest(corpusDir);
    const ids = manifest.clips.map((c) => c.id);
    const clips = await loadCorpus(corpusDir, { format: scenario.wireFormat, chunkMs: scenario.chunkMs, ids });
    const { config } = buildScriptConfig(scenario, { clips, corpusIds: ids, defaultUrl: TARGET, fallbackKey: null, audioMode: 'shared', startSpacingMs: 0 });
    const efforts = sessionEfforts(scenario);
    expect(config.sessions.map((r) => r.effort)).toEqual(efforts);
    for (const [i, row] of config.sessions.entries()) {
      const plan = buildSessionPlan(scenario, i, efforts, { url: TARGET, headers: {}, clips, corpusIds: ids });
      expect(row.turns.map(([c, think]) => [config.clips[c]!.id, think])).toEqual(plan.turns.map((t) => [t.clip.id, t.thinkTimeMs]));
    }
    for (const e of ['low', 'high', 'minimal']) {
      const update = JSON.parse(config.sessionUpdates[e]!) as { event_id: string; session: { reasoning?: { effort: string }; audio: { input: { turn_detection: { type: string } } } } };
      expect(update.event_id).toBe('rth_session_update_1');
      expect(update.session.reasoning).toEqual({ effort: e });
      expect(update.session.audio.input.turn_detection.type).toBe('server_vad');
    }
    expect(config.frameBytes).toBe(960);
  });

  it('bounds the plan table and keeps it balanced over efforts', () => {
    expect(planRowCount(10, 3)).toBe(10);
    expect(planRowCount(1000, 5)).toBe(125);
    expect(planRowCount(200, 3)).toBe(126);
  });
});

describe('k6 options', () => {
  it('maps a ramp with a duration to ramping-vus', async () => {
    const { options, plan } = buildK6Options(await loadScenario('smoke'), { meanMs: 3000, maxMs: 4000 });
    expect(plan.executor).toBe('ramping-vus');
    expect((options.scenarios as Record<string, unknown>).rth).toEqual({
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: '2s', target: 4 },
        { duration: '28s', target: 4 },
      ],
      gracefulRampDown: '35s',
      gracefulStop: '35s',
    });
  });

  it('maps a turn-bounded ramp to per-vu-iterations with the harness offsets as start delays', () => {
    const s = inline({ sessions: 4, turns_per_session: 2, arrival: { type: 'ramp', ramp_up_s: 2 } });
    const { plan } = buildK6Options(s, { meanMs: 1000, maxMs: 1000 });
    expect(plan.executor).toBe('per-vu-iterations');
    expect(plan.scenario).toMatchObject({ vus: 4, iterations: 1 });
    expect(plan.startSpacingMs).toBe(500);
  });

  it('maps an open-loop rate to constant-arrival-rate with `sessions` arrivals', () => {
    const s = inline({ sessions: 30, turns_per_session: 2, arrival: { type: 'rate', per_s: 2 } });
    const { plan } = buildK6Options(s, { meanMs: 1000, maxMs: 1000 });
    expect(plan.scenario).toMatchObject({ executor: 'constant-arrival-rate', rate: 2, timeUnit: '1s', duration: '15s', maxVUs: 30 });
    expect(plan.notes).toEqual([]);
    const poisson = buildK6Options(inline({ sessions: 5, turns_per_session: 1, arrival: { type: 'rate', per_s: 0.5, poisson: true } }), { meanMs: 1000, maxMs: 1000 });
    expect(poisson.plan.scenario).toMatchObject({ rate: 5, timeUnit: '10s', duration: '10s' });
    expect(poisson.plan.notes.join(' ')).toContain('Poisson');
    expect(arrivalRate(1 / 3)).toEqual({ rate: 20, timeUnit: '60s', exact: true });
    expect(arrivalRate(1 / 7)).toEqual({ rate: 143, timeUnit: '1000s', exact: false });
    expect(k6Duration(1500)).toBe('1500ms');
  });

  it("turns the scenario's SLOs into thresholds (<=, per effort) and names every effort's sub-metric", async () => {
    const th = thresholdsFor(await loadScenario('latency-vs-effort'));
    expect(th['ttfa_ms{effort:minimal}']).toEqual(['p(95)<=2700']);
    expect(th['ttfa_ms{effort:xhigh}']).toEqual(['p(95)<=8100']);
    expect(th.turn_success).toEqual(['rate>=0.98']);
    expect(th['vad_delay_ms{effort:low}']).toEqual(['max>=0']);
    expect(th['turns_failed{effort:high}']).toEqual(['count>=0']);
    expect(th.send_lag_p99_ms).toEqual(['p(95)<=5']);
    const one = thresholdsFor(inline({ efforts: ['low', 'high'], slo: { turn_ms: { p50: 900, mean: 800 } } }));
    expect(one['turn_ms{effort:high}']).toEqual(['med<=900', 'avg<=800']);
  });
});

describe('refusals', () => {
  it('refuses a target URL that carries credentials', async () => {
    const s = await loadScenario(join(FIXTURES_DIR, 'k6-vad.yaml'));
    const out = tempUnderProject('k6-export-refuse-');
    dirs.push(out);
    for (const target of ['wss://relay.example/v1/realtime?api-key=abc', 'wss://user:pw@relay.example/v1/realtime', 'https://relay.example/']) {
      await expect(exportK6(s, { outDir: out, corpusDir, target })).rejects.toBeInstanceOf(ConfigError);
    }
    expect(existsSync(join(out, 'script.js'))).toBe(false);
  });

  it('refuses clip ids the corpus does not have, naming the field', async () => {
    const s = inline({ clips: ['short-a', 'nope'] });
    const out = tempUnderProject('k6-export-ids-');
    dirs.push(out);
    const err = await exportK6(s, { outDir: out, corpusDir, target: TARGET }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain("clips[1]: unknown clip id 'nope'");
  });
});
