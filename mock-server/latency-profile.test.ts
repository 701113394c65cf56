import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.ts';
import { REASONING_EFFORTS } from '../common/protocol/types.ts';
import {
  DEFAULT_LATENCY_PROFILE,
  drawDelayMs,
  drawFirstAudioDelayMs,
  drawLeadingSilenceMs,
  latencyForModel,
  MAX_LEADING_SILENCE_MS,
  loadLatencyProfile,
  parseLatencyProfile,
  scaleLatencyProfile,
  type LatencyProfile,
} from './latency-profile.ts';
import { SeededRng } from './rng.ts';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('DEFAULT_LATENCY_PROFILE', () => {
  it('is the JSON file, with the published figures and strictly increasing efforts', () => {
    const json = JSON.parse(readFileSync(new URL('./profiles/default-latency.json', import.meta.url), 'utf8')) as LatencyProfile;
    expect(DEFAULT_LATENCY_PROFILE).toEqual(json);
    expect(DEFAULT_LATENCY_PROFILE.firstAudio.efforts.minimal.medianMs).toBe(1120);
    expect(DEFAULT_LATENCY_PROFILE.firstAudio.efforts.high.medianMs).toBe(2330);
    const medians = REASONING_EFFORTS.map((e) => DEFAULT_LATENCY_PROFILE.firstAudio.efforts[e].medianMs);
    for (let i = 1; i < medians.length; i++) expect(medians[i]).toBeGreaterThan(medians[i - 1]!);
    expect(DEFAULT_LATENCY_PROFILE.firstAudio.default.medianMs).toBeLessThan(medians[0]!);
    expect(DEFAULT_LATENCY_PROFILE.sources.join(' ')).toMatch(/deeplearning\.ai/);
    expect(DEFAULT_LATENCY_PROFILE.sources.join(' ')).toMatch(/interpolat/);
  });
});

describe('drawDelayMs', () => {
  it('draws a log-normal whose median and p95 match the distribution', () => {
    const rng = new SeededRng(1);
    const xs = Array.from({ length: 6000 }, () => drawDelayMs({ medianMs: 1000, p95Ms: 2000 }, rng));
    expect(quantile(xs, 0.5)).toBeGreaterThan(950);
    expect(quantile(xs, 0.5)).toBeLessThan(1050);
    expect(quantile(xs, 0.95)).toBeGreaterThan(1850);
    expect(quantile(xs, 0.95)).toBeLessThan(2150);
    expect(Math.min(...xs)).toBeGreaterThan(0);
    // ±4σ clamp: σ = ln 2 / 1.645, so nothing beyond 1000 × 2^(4/1.645) ≈ 5400 ms.
    expect(Math.max(...xs)).toBeLessThan(5400);
  });

  it('is deterministic for a seed, constant without spread, and 0 for a zero median', () => {
    const a = new SeededRng(9);
    const b = new SeededRng(9);
    const d = { medianMs: 300, p95Ms: 900 };
    for (let i = 0; i < 20; i++) expect(drawDelayMs(d, a)).toBe(drawDelayMs(d, b));
    expect(drawDelayMs({ medianMs: 250, p95Ms: 250 }, a)).toBe(250);
    expect(drawDelayMs({ medianMs: 0, p95Ms: 0 }, a)).toBe(0);
  });
});

describe('drawFirstAudioDelayMs', () => {
  it('orders efforts by their medians, uses the default without effort, and shortens later turns', () => {
    const p = DEFAULT_LATENCY_PROFILE;
    const med = (effort: (typeof REASONING_EFFORTS)[number] | null): number => {
      const rng = new SeededRng(`e${effort}`);
      return quantile(Array.from({ length: 1500 }, () => drawFirstAudioDelayMs(p, effort, 1, rng)), 0.5);
    };
    const medians = [null, ...REASONING_EFFORTS].map(med);
    for (let i = 1; i < medians.length; i++) expect(medians[i]).toBeGreaterThan(medians[i - 1]!);
    expect(medians[0]).toBeGreaterThan(p.firstAudio.default.medianMs * 0.9);
    expect(medians[0]).toBeLessThan(p.firstAudio.default.medianMs * 1.1);
    const first = drawFirstAudioDelayMs(p, 'low', 1, new SeededRng(5));
    expect(drawFirstAudioDelayMs(p, 'low', 2, new SeededRng(5))).toBeCloseTo(first * p.laterTurnFactor, 9);
    expect(drawFirstAudioDelayMs(p, 'low', 7, new SeededRng(5))).toBeCloseTo(first * p.laterTurnFactor, 9);
  });
});

describe('parseLatencyProfile', () => {
  it('merges a partial profile over the default and names it after the file', () => {
    const p = parseLatencyProfile({ firstAudio: { efforts: { low: { medianMs: 1500, p95Ms: 2500 } } }, $comment: 'mine' }, 'calib/my-lab.json');
    expect(p.name).toBe('my-lab');
    expect(p.firstAudio.efforts.low).toEqual({ medianMs: 1500, p95Ms: 2500 });
    expect(p.firstAudio.efforts.high).toEqual(DEFAULT_LATENCY_PROFILE.firstAudio.efforts.high);
    expect(p.audio).toEqual(DEFAULT_LATENCY_PROFILE.audio);
    expect(p.sources).toEqual(DEFAULT_LATENCY_PROFILE.sources);
    expect(parseLatencyProfile({ name: 'x', sources: ['me'] }, 'a.json')).toMatchObject({ name: 'x', sources: ['me'] });
  });

  it('lists every problem with the file and the field path', () => {
    const err = configError(() =>
      parseLatencyProfile(
        {
          laterTurnFactor: 'fast',
          firstAudio: { efforts: { high: { medianMs: 1000, p95Ms: 500 }, hihg: {} } },
          commentaryProbability: { low: 1.5 },
          audio: { deltaMs: 0 },
          bogus: 1,
        },
        'lab.json',
      ),
    );
    expect(err.code).toBe('E_LATENCY_PROFILE');
    const text = err.problems.join('\n');
    expect(text).toMatch(/^lab\.json: laterTurnFactor: expected a number/m);
    expect(text).toMatch(/^lab\.json: firstAudio\.efforts\.high\.p95Ms: expected a number ≥ medianMs/m);
    expect(text).toMatch(/^lab\.json: firstAudio\.efforts\.high\.medianMs: expected a median above medium's 1825 ms/m);
    expect(text).toMatch(/^lab\.json: firstAudio\.efforts\.hihg: unknown field/m);
    expect(text).toMatch(/^lab\.json: commentaryProbability\.low: expected a probability/m);
    expect(text).toMatch(/^lab\.json: audio\.deltaMs: expected/m);
    expect(text).toMatch(/^lab\.json: bogus: unknown field/m);
    expect(err.problems).toHaveLength(7);
  });

  it('rejects a root that is not an object', () => {
    expect(configError(() => parseLatencyProfile([1, 2], 'x.json')).message).toMatch(/^x\.json: \(root\): expected a JSON object/);
    expect(configError(() => parseLatencyProfile(null, 'x.json')).code).toBe('E_LATENCY_PROFILE');
  });
});

describe('loadLatencyProfile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rth-latency-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file, and reports unreadable files and bad JSON as ConfigErrors naming the file', async () => {
    const good = join(dir, 'fast.json');
    await writeFile(good, JSON.stringify({ firstAudio: { default: { medianMs: 200, p95Ms: 300 } } }));
    const p = await loadLatencyProfile(good);
    expect(p.name).toBe('fast');
    expect(p.firstAudio.default.medianMs).toBe(200);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"laterTurnFactor": ');
    await expect(loadLatencyProfile(bad)).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(loadLatencyProfile(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'E_LATENCY_PROFILE', message: expect.stringMatching(/missing\.json: cannot read/) });
  });
});

describe('scaleLatencyProfile', () => {
  it('multiplies every delay, including the audio and text delta spacing, without touching the input', () => {
    const p = DEFAULT_LATENCY_PROFILE;
    const s = scaleLatencyProfile(p, 0.01);
    expect(s.firstAudio.efforts.high.medianMs).toBeCloseTo(23.3, 9);
    expect(s.firstAudio.efforts.xhigh.p95Ms).toBeCloseTo(p.firstAudio.efforts.xhigh.p95Ms * 0.01, 9);
    expect(s.firstAudio.default.medianMs).toBeCloseTo(5, 9);
    expect(s.responseCreatedMs.p95Ms).toBeCloseTo(1.2, 9);
    expect(s.textDeltaIntervalMs).toBeCloseTo(0.75, 9);
    expect(s.audio.deltaMs).toBe(p.audio.deltaMs);
    expect(s.audio.deltaMs / s.audio.realtimeFactor).toBeCloseTo((p.audio.deltaMs / p.audio.realtimeFactor) * 0.01, 9);
    expect(s.laterTurnFactor).toBe(p.laterTurnFactor);
    expect(p.firstAudio.efforts.high.medianMs).toBe(2330);
    const zero = scaleLatencyProfile(p, 0);
    expect(drawFirstAudioDelayMs(zero, 'xhigh', 1, new SeededRng(1))).toBe(0);
    expect(zero.audio.deltaMs / zero.audio.realtimeFactor).toBe(0);
    expect(() => scaleLatencyProfile(p, -1)).toThrow(RangeError);
  });
});

describe('per-model sections', () => {
  const MINI = 'gpt-realtime-2.1-mini';

  it('the default profile documents a section for each gpt-realtime-2.1 model, each timed like gpt-realtime-2 (an assumption)', () => {
    const p = DEFAULT_LATENCY_PROFILE;
    expect(Object.keys(p.models ?? {}).sort()).toEqual(['gpt-realtime-2.1', MINI]);
    for (const model of ['gpt-realtime-2.1', MINI]) {
      const view = latencyForModel(p, model);
      expect(view.name).toBe(`default/${model}`);
      expect(view.firstAudio).toEqual(p.firstAudio);
      expect(view.models).toBeUndefined();
      // Every section is explained, and marked as an assumption, in the file's sources.
      expect(p.sources.find((s) => s.startsWith(`models.${model}:`))).toMatch(/Assumption: no time to first audio has been published/);
    }
    // gpt-realtime-2 itself and unknown models get the top level, unchanged.
    expect(latencyForModel(p, 'gpt-realtime-2')).toBe(p);
    expect(latencyForModel(p, 'my-azure-deployment')).toBe(p);
  });

  it('applies a section to its model and its dated snapshots only, merged over the top level', () => {
    const p = parseLatencyProfile(
      {
        firstAudio: { efforts: { low: { medianMs: 1500, p95Ms: 2500 } } },
        models: { [MINI]: { $comment: 'measured', firstAudio: { efforts: { minimal: { medianMs: 700 } } }, commentaryProbability: { low: 1 } } },
      },
      'lab.json',
    );
    const mini = latencyForModel(p, MINI);
    expect(mini.name).toBe(`lab/${MINI}`);
    expect(mini.firstAudio.efforts.minimal).toEqual({ medianMs: 700, p95Ms: 1680 });
    // What the section does not set comes from the file's top level, which came from the default.
    expect(mini.firstAudio.efforts.low).toEqual({ medianMs: 1500, p95Ms: 2500 });
    expect(mini.commentaryProbability).toEqual({ ...p.commentaryProbability, low: 1 });
    expect(latencyForModel(p, `${MINI}-2026-12-01`)).toBe(mini);
    expect(latencyForModel(p, 'gpt-realtime-2.1').firstAudio.efforts.minimal).toEqual(p.firstAudio.efforts.minimal);
    expect(latencyForModel(p, 'gpt-realtime-2')).toBe(p);
    // The default's sections survive the merge; comments do not reach the stored section.
    expect(Object.keys(p.models ?? {}).sort()).toEqual(['gpt-realtime-2.1', MINI]);
    expect(p.models?.[MINI]).toEqual({ firstAudio: { efforts: { minimal: { medianMs: 700 } } }, commentaryProbability: { low: 1 } });
  });

  it('reports a bad section under models.<name>, including problems that only its merged view has', () => {
    const err = configError(() =>
      parseLatencyProfile(
        {
          models: {
            [MINI]: { firstAudio: { efforts: { high: { medianMs: 1000 } } } },
            'gpt-realtime-2.1': { name: 'x', laterTurnFactor: -1 },
            other: 3,
          },
        },
        'lab.json',
      ),
    );
    const text = err.problems.join('\n');
    expect(text).toMatch(/^lab\.json: models\.gpt-realtime-2\.1-mini\.firstAudio\.efforts\.high\.medianMs: expected a median above medium's 1825 ms/m);
    expect(text).toMatch(/^lab\.json: models\.gpt-realtime-2\.1\.name: unknown field/m);
    expect(text).toMatch(/^lab\.json: models\.other: expected an object, got 3/m);
    expect(configError(() => parseLatencyProfile({ models: [] }, 'l.json')).message).toMatch(/^l\.json: models: expected an object/);
  });

  it('scaleLatencyProfile scales what a section sets', () => {
    const p = parseLatencyProfile({ models: { [MINI]: { firstAudio: { efforts: { minimal: { medianMs: 700 } } }, textDeltaIntervalMs: 50, audio: { realtimeFactor: 2 } } } }, 'lab.json');
    const s = latencyForModel(scaleLatencyProfile(p, 0.01), MINI);
    expect(s.firstAudio.efforts.minimal.medianMs).toBeCloseTo(7, 9);
    expect(s.firstAudio.efforts.minimal.p95Ms).toBeCloseTo(16.8, 9);
    expect(s.textDeltaIntervalMs).toBeCloseTo(0.5, 9);
    expect(s.audio.realtimeFactor).toBeCloseTo(200, 9);
    expect(latencyForModel(p, MINI).firstAudio.efforts.minimal.medianMs).toBe(700);
  });
});

describe('leadingSilenceMs', () => {
  it('defaults to 0 and never draws then, so existing profiles keep their random sequence', () => {
    expect(DEFAULT_LATENCY_PROFILE.leadingSilenceMs).toEqual({ medianMs: 0, p95Ms: 0 });
    const rng = new SeededRng(5);
    const untouched = new SeededRng(5);
    expect(drawLeadingSilenceMs(DEFAULT_LATENCY_PROFILE, rng)).toBe(0);
    expect(rng.next()).toBe(untouched.next());
  });

  it('is exact without spread, log-normal with it, capped, and not scaled by scaleLatencyProfile', () => {
    const fixed = parseLatencyProfile({ leadingSilenceMs: { medianMs: 300, p95Ms: 300 } }, 'lead.json');
    expect(drawLeadingSilenceMs(fixed, new SeededRng(1))).toBe(300);
    const spread = parseLatencyProfile({ leadingSilenceMs: { medianMs: 200, p95Ms: 9000 } }, 'lead.json');
    const rng = new SeededRng(2);
    const xs = Array.from({ length: 4000 }, () => drawLeadingSilenceMs(spread, rng));
    expect(quantile(xs, 0.5)).toBeGreaterThan(180);
    expect(quantile(xs, 0.5)).toBeLessThan(220);
    expect(Math.max(...xs)).toBe(MAX_LEADING_SILENCE_MS); // the ±4σ tail reaches past the cap, which holds
    // Audio content, not a delay: scaling a profile for fast tests keeps it.
    expect(scaleLatencyProfile(fixed, 0.01).leadingSilenceMs).toEqual({ medianMs: 300, p95Ms: 300 });
    // A per-model section may set it.
    const sectioned = parseLatencyProfile({ models: { 'gpt-realtime-2': { leadingSilenceMs: { medianMs: 120, p95Ms: 120 } } } }, 'lead.json');
    expect(latencyForModel(sectioned, 'gpt-realtime-2').leadingSilenceMs).toEqual({ medianMs: 120, p95Ms: 120 });
    expect(sectioned.leadingSilenceMs.medianMs).toBe(0);
  });

  it('rejects bad values naming the file and field', () => {
    const err = configError(() => parseLatencyProfile({ leadingSilenceMs: { medianMs: -5, p95Ms: 20_000, mean: 1 } }, 'lead.json'));
    const text = err.problems.join('\n');
    expect(text).toMatch(/^lead\.json: leadingSilenceMs\.mean: unknown field/m);
    expect(text).toMatch(/^lead\.json: leadingSilenceMs\.medianMs: expected a number of ms in \[0, 10000\], got -5$/m);
    expect(text).toMatch(/^lead\.json: leadingSilenceMs\.p95Ms: expected a number of ms in \[0, 10000\], got 20000$/m);
    const low = configError(() => parseLatencyProfile({ leadingSilenceMs: { medianMs: 300, p95Ms: 100 } }, 'lead.json'));
    expect(low.problems.join('\n')).toMatch(/leadingSilenceMs\.p95Ms: expected a number ≥ medianMs \(300\), got 100/);
    const notObject = configError(() => parseLatencyProfile({ leadingSilenceMs: 300 }, 'lead.json'));
    expect(notObject.problems.join('\n')).toMatch(/leadingSilenceMs: expected an object, got 300/);
  });
});
