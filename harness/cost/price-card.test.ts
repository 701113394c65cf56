import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { isReasoningModel, REASONING_REALTIME_MODELS } from '../../common/protocol/models.ts';
import { BUNDLED_PRICE_CARD_PATH, loadPriceCard, lookupModel, parsePriceCard } from './price-card.ts';

const bundled = loadPriceCard();

function problemsOf(json: unknown, label = 'card.json'): string[] {
  try {
    parsePriceCard(JSON.stringify(json), label);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_PRICE_CARD');
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the card to be rejected');
}

const clone = (): Record<string, any> => JSON.parse(JSON.stringify(bundled)) as Record<string, any>;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the bundled price card', () => {
  it('is dated, in USD, and has every model the issue names with a source URL', () => {
    expect(bundled.as_of).toBe('2026-11-24');
    expect(bundled.currency).toBe('USD');
    expect(BUNDLED_PRICE_CARD_PATH).toMatch(/openai-2026-11-24\.json$/);
    for (const m of ['gpt-realtime-2', 'gpt-realtime-2.1', 'gpt-realtime-2.1-mini', 'gpt-realtime-1.5', 'gpt-realtime', 'gpt-realtime-mini'])
      expect(bundled.models[m]?.kind, m).toBe('tokens');
    for (const m of ['gpt-realtime-translate', 'gpt-realtime-whisper', 'gpt-live-transcribe']) expect(bundled.models[m]?.kind, m).toBe('per_minute');
    for (const [name, m] of Object.entries(bundled.models)) expect(m.source_url, name).toMatch(/^https:\/\//);
  });

  it("marks as reasoning exactly the realtime models the mock and the scenarios treat as reasoning (gpt-realtime-2, -2.1, -2.1-mini)", () => {
    const reasoning = Object.entries(bundled.models).filter(([, m]) => m.kind === 'tokens' && m.reasoning).map(([name]) => name);
    expect(reasoning.sort()).toEqual([...REASONING_REALTIME_MODELS].sort());
    for (const [name, m] of Object.entries(bundled.models)) if (m.kind === 'tokens') expect(m.reasoning, name).toBe(isReasoningModel(name));
  });

  it('carries the §7 values, marks the secondary ones, and leaves unknown prices null', () => {
    const r2 = bundled.models['gpt-realtime-2'];
    expect(r2?.kind === 'tokens' && r2.usd_per_1m).toEqual({ audio_in: 32, cached_audio_in: 0.4, text_in: 4, cached_text_in: 0.4, image_in: 5, cached_image_in: 0.5, audio_out: 64, text_out: 24 });
    const mini = bundled.models['gpt-realtime-mini'];
    expect(mini?.confidence).toBe('secondary');
    expect(mini?.secondary_fields).toEqual(['audio_in', 'cached_audio_in', 'audio_out']);
    expect(mini?.kind === 'tokens' && mini.usd_per_1m.image_in).toBeNull();
    expect(bundled.models['gpt-realtime']?.secondary_fields).toEqual(['audio_out', 'text_in']);
    expect(bundled.models['gpt-realtime-2']?.confidence).toBe('primary');
    const t = bundled.models['gpt-4o-transcribe'];
    expect(t?.kind === 'tokens' && t.usd_per_1m.cached_audio_in).toBeNull();
    const tr = bundled.models['gpt-realtime-translate'];
    expect(tr?.kind === 'per_minute' && tr.usd_per_minute).toBe(0.034);
  });

  it('resolves aliases and says why an unknown model has no price', () => {
    const a = lookupModel(bundled, 'gpt-realtime-2025-08-28');
    expect(a.ok && a.name).toBe('gpt-realtime');
    const u = lookupModel(bundled, 'gpt-9-realtime');
    expect(u.ok).toBe(false);
    expect(!u.ok && u.reason).toContain("'gpt-9-realtime' is not on the price card of 2026-11-24");
  });
});

describe('price card validation', () => {
  it('names the file and the field path of a wrong price, an unknown class and a missing class', () => {
    const c = clone();
    c['models']['gpt-realtime-2']['usd_per_1m']['audio_in'] = -1;
    c['models']['gpt-realtime-2']['usd_per_1m']['audio_inn'] = 3;
    delete c['models']['gpt-realtime-1.5']['usd_per_1m']['text_out'];
    const problems = problemsOf(c, 'my-card.json');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^my-card\.json: models\.gpt-realtime-2\.usd_per_1m\.audio_in: .*>=0/),
        expect.stringMatching(/^my-card\.json: models\.gpt-realtime-2\.usd_per_1m\.audio_inn: unknown field; did you mean 'audio_in'\?/),
        expect.stringMatching(/^my-card\.json: models\.gpt-realtime-1\.5\.usd_per_1m\.text_out: missing/),
      ]),
    );
  });

  it('rejects a bad kind, date, currency, schema version, source URL and a dangling alias', () => {
    const c = clone();
    c['models']['gpt-realtime-whisper']['kind'] = 'per_second';
    c['as_of'] = '24.11.2026';
    c['currency'] = 'EUR';
    c['schema_version'] = 2;
    c['models']['gpt-realtime-2']['source_url'] = 'not a url';
    c['aliases']['old'] = 'gpt-nothing';
    const p = problemsOf(c).join('\n');
    expect(p).toMatch(/card\.json: models\.gpt-realtime-whisper(\.kind)?: .*'per_second'/);
    expect(p).toMatch(/card\.json: as_of: expected a date YYYY-MM-DD/);
    expect(p).toMatch(/card\.json: currency: .*USD/);
    expect(p).toMatch(/card\.json: schema_version: /);
    expect(p).toMatch(/card\.json: models\.gpt-realtime-2\.source_url: /);
    expect(p).toMatch(/card\.json: aliases\.old: names no model of 'models' \(got 'gpt-nothing'\)/);
  });

  it('requires confidence secondary when secondary fields are listed', () => {
    const c = clone();
    c['models']['gpt-realtime-2']['secondary_fields'] = ['audio_out'];
    expect(problemsOf(c).join('\n')).toMatch(/models\.gpt-realtime-2\.confidence: expected 'secondary'/);
  });

  it('reports invalid JSON and an unreadable file with the path', () => {
    expect(() => parsePriceCard('{"as_of":', 'x.json')).toThrow(/^x\.json: not valid JSON/);
    const dir = mkdtempSync(join(tmpdir(), 'rth-card-'));
    dirs.push(dir);
    expect(() => loadPriceCard(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the price card \(ENOENT\)/);
    const file = join(dir, 'card.json');
    const c = clone();
    c['models']['gpt-realtime-2']['usd_per_1m']['text_out'] = 25;
    writeFileSync(file, JSON.stringify(c));
    const card = loadPriceCard(file);
    const m = card.models['gpt-realtime-2'];
    expect(m?.kind === 'tokens' && m.usd_per_1m.text_out).toBe(25);
  });
});
