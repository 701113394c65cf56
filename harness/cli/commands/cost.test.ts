import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../testing.ts';
import { BUNDLED_PRICE_CARD_PATH } from '../../cost/price-card.ts';
import { smallRun } from '../../cost/test-fixtures.ts';

const rth = (...args: string[]) => runCli(args);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rth-cli-cost-'));
  dirs.push(d);
  return d;
}

/** A run dir with smallRun()'s records; turns.jsonl ends in a torn line as after a kill -9. */
function fixtureRun(): string {
  const dir = tempDir();
  const { turns, sessions } = smallRun();
  writeFileSync(join(dir, 'turns.jsonl'), turns.map((t) => JSON.stringify(t) + '\n').join('') + '{"sessionIndex":3,"tu');
  writeFileSync(join(dir, 'sessions.jsonl'), sessions.map((s) => JSON.stringify(s) + '\n').join(''));
  return dir;
}

const lineOf = (out: string, start: string): string => out.split('\n').find((l) => l.startsWith(start)) ?? '';

describe('rth cost RUN_DIR', () => {
  it('prints the per-minute table by model × effort with the card date beside every figure, and writes cost.csv', async () => {
    const dir = fixtureRun();
    const csv = join(dir, 'cost.csv');
    const { code, out, err } = await rth('cost', dir, '--csv', csv);
    expect(code).toBe(0);
    expect(out).toMatch(/price card as of 2026-11-24 \(USD\)/);
    const total = lineOf(out, 'TOTAL');
    // total $0.0881848 over 3.5 connected minutes = $0.02519565…/min
    expect(total).toContain('$0.08818 @2026-11-24');
    expect(total).toContain('$0.02520 @2026-11-24');
    expect(lineOf(out, 'gpt-realtime-2          low')).toContain('$0.01602 @2026-11-24');
    const money = out.split('\n').filter((l) => /^gpt|^TOTAL/.test(l)).flatMap((l) => l.match(/\$[\d.,]+( @\S+)?/g) ?? []);
    expect(money.length).toBeGreaterThan(10);
    for (const m of money) expect(m).toMatch(/ @2026-11-24$/);
    expect(out).toMatch(/Cost per response by turn index/);
    expect(out).toMatch(/2 response\(s\) had no usage: estimated from audio durations/);
    expect(out).toMatch(/turns\.jsonl:7: incomplete last line \(torn write\), ignored/);
    expect(err).toContain('wrote');
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[4]).toMatch(/^total,,,2026-11-24,USD,3,4,2,1,3\.5,/);
  });

  it('uses a price card passed with --price-card, and rejects an invalid one naming file and field', async () => {
    const dir = fixtureRun();
    const card = JSON.parse(readFileSync(BUNDLED_PRICE_CARD_PATH, 'utf8')) as Record<string, any>;
    card['as_of'] = '2027-01-01';
    card['models']['gpt-realtime-translate']['usd_per_minute'] = 0.05;
    const file = join(dir, 'card.json');
    writeFileSync(file, JSON.stringify(card));
    const ok = await rth('cost', dir, '--price-card', file);
    expect(ok.code).toBe(0);
    expect(lineOf(ok.out, 'gpt-realtime-translate')).toContain('$0.1000 @2027-01-01'); // 2 min × $0.05
    card['models']['gpt-realtime-translate']['usd_per_minute'] = 'cheap';
    writeFileSync(file, JSON.stringify(card));
    const bad = await rth('cost', dir, '--price-card', file);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/E_PRICE_CARD: .*card\.json: models\.gpt-realtime-translate\.usd_per_minute: expected number, got 'cheap'/);
  });

  it('fails with E_RUN_DIR for a directory without turns.jsonl and refuses projection flags with RUN_DIR', async () => {
    const empty = tempDir();
    const r = await rth('cost', empty);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_RUN_DIR: .*turns\.jsonl: not found/);
    const mixed = await rth('cost', empty, '--model', 'gpt-realtime-2', '--turns-per-min', '3');
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/--model: applies to projections only/);
    expect(mixed.err).toMatch(/--turns-per-min: applies to projections only/);
  });
});

describe('rth cost --minutes-per-month', () => {
  it('prints per-minute and monthly figures across models × efforts with the card date, and a CSV', async () => {
    const dir = tempDir();
    const csv = join(dir, 'projection.csv');
    const { code, out } = await rth('cost', '--model', 'gpt-realtime-2,gpt-realtime-mini', '--effort', 'low,high', '--minutes-per-month', '10000', '--csv', csv);
    expect(code).toBe(0);
    const rows = out.split('\n').filter((l) => l.startsWith('gpt-'));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 2).join('/'))).toEqual(['gpt-realtime-2/low', 'gpt-realtime-2/high', 'gpt-realtime-mini/none']);
    for (const l of rows) {
      const money = l.match(/\$[\d.,]+ @\S+/g) ?? [];
      expect(money).toHaveLength(6);
      for (const m of money) expect(m).toMatch(/@2026-11-24$/);
    }
    const perMonth = (l: string): number => Number(l.match(/\$([\d.,]+) @2026-11-24$/)![1]!.replace(/,/g, ''));
    expect(perMonth(rows[1]!)).toBeGreaterThan(perMonth(rows[0]!));
    expect(perMonth(rows[2]!)).toBeLessThan(perMonth(rows[0]!));
    expect(out).toMatch(/10000 connected min\/month, sessions of 5 min/);
    expect(out).toMatch(/reasoning tokens per response .*low 30/);
    expect(out).toMatch(/gpt-realtime-mini: audio_in, cached_audio_in, audio_out not seen on the model's own page/);
    const csvRows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(csvRows).toHaveLength(4);
    expect(csvRows[1]).toMatch(/^gpt-realtime-2,low,2026-11-24,USD,primary,10000,5,0\.4,0\.4,4,500,auto,30,20,/);
  });

  it('projects gpt-realtime-2.1 and gpt-realtime-2.1-mini at every effort asked, 2.1-mini the cheaper', async () => {
    const { code, out } = await rth('cost', '--model', 'gpt-realtime-2.1,gpt-realtime-2.1-mini', '--effort', 'minimal,xhigh', '--minutes-per-month', '1000');
    expect(code).toBe(0);
    const rows = out.split('\n').filter((l) => l.startsWith('gpt-'));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 2).join('/'))).toEqual([
      'gpt-realtime-2.1/minimal',
      'gpt-realtime-2.1/xhigh',
      'gpt-realtime-2.1-mini/minimal',
      'gpt-realtime-2.1-mini/xhigh',
    ]);
    const perMonth = (l: string): number => Number(l.match(/\$([\d.,]+) @2026-11-24$/)![1]!.replace(/,/g, ''));
    for (const l of rows) expect((l.match(/\$[\d.,]+ @2026-11-24/g) ?? []).length, l).toBe(6);
    expect(perMonth(rows[1]!)).toBeGreaterThan(perMonth(rows[0]!));
    expect(perMonth(rows[3]!)).toBeGreaterThan(perMonth(rows[2]!));
    expect(perMonth(rows[2]!)).toBeLessThan(perMonth(rows[0]!));
  });

  it('honours the assumption flags (a per-minute model is independent of them)', async () => {
    const { code, out } = await rth('cost', '--model', 'gpt-realtime-translate', '--minutes-per-month', '1000', '--avg-session-min', '10', '--cached-share', '0.5', '--reasoning-tokens', 'low=10');
    expect(code).toBe(0);
    expect(lineOf(out, 'gpt-realtime-translate')).toMatch(/\$0\.03400 @2026-11-24.*\$34\.00 @2026-11-24$/);
    expect(out).toMatch(/cached share 50\.0%/);
  });

  it('validates every flag, naming it and what was expected', async () => {
    const r = await rth(
      'cost',
      '--minutes-per-month', '-5',
      '--model', 'gpt-realtime-2,gpt-realtim',
      '--effort', 'low,extreme',
      '--avg-session-min', 'five',
      '--user-talk-share', '0.7',
      '--assistant-talk-share', '0.6',
      '--turns-per-min', '0',
      '--instructions-tokens', '1.5',
      '--cached-share', 'most',
      '--reasoning-tokens', 'low=many',
    );
    expect(r.code).toBe(2);
    for (const re of [
      /--minutes-per-month: expected a number of minutes > 0, got '-5'/,
      /--model: 'gpt-realtim' is not on the price card of 2026-11-24 \(known: gpt-realtime-2/,
      /--effort: expected one of minimal, low, medium, high, xhigh, none, got 'extreme'/,
      /--avg-session-min: expected a number of minutes > 0, got 'five'/,
      /--user-talk-share \+ --assistant-talk-share: expected a sum ≤ 1/,
      /--turns-per-min: expected a number of turns per minute > 0, got '0'/,
      /--instructions-tokens: expected a whole number of tokens ≥ 0, got '1\.5'/,
      /--cached-share: expected 'auto' or a share from 0 to 1, got 'most'/,
      /--reasoning-tokens: expected effort=tokens pairs .*got 'low=many'/,
    ])
      expect(r.err).toMatch(re);
    expect(r.err).toMatch(/^rth: E_FLAG: 9 problems/);
  });

  it('asks for RUN_DIR or --minutes-per-month when given neither', async () => {
    const r = await rth('cost', '--model', 'gpt-realtime-2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_FLAG: rth cost: expected RUN_DIR, or --minutes-per-month N/);
  });
});
