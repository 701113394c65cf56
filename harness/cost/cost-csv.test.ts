import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COST_CSV_COLUMNS, costCsv, PROJECTION_CSV_COLUMNS, projectionCsv, writeCostCsv } from './cost-csv.ts';
import { loadPriceCard } from './price-card.ts';
import { DEFAULT_ASSUMPTIONS, projectCost } from './projection.ts';
import { computeRunCost } from './run-cost.ts';
import { GUIDE_USAGE, session, smallRun, turn } from './test-fixtures.ts';

const card = loadPriceCard();

/** Minimal CSV reader for these tests: quoted cells may hold commas and doubled quotes. */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cells: string[] = [];
      let cur = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted) {
          if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
          else if (ch === '"') quoted = false;
          else cur += ch;
        } else if (ch === '"') quoted = true;
        else if (ch === ',') cells.push(cur), (cur = '');
        else cur += ch;
      }
      cells.push(cur);
      return cells;
    });
}

const asRecords = (text: string): Record<string, string>[] => {
  const [head, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
};

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('cost.csv', () => {
  const { turns, sessions } = smallRun();
  const cost = computeRunCost(turns, sessions, card);

  it('has one row per model × effort and a total row, each with the card date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rth-cost-csv-'));
    dirs.push(dir);
    const file = join(dir, 'cost.csv');
    await writeCostCsv(cost, file);
    const text = readFileSync(file, 'utf8');
    expect(parseCsv(text)[0]).toEqual([...COST_CSV_COLUMNS]);
    const rows = asRecords(text);
    expect(rows.map((r) => [r['scope'], r['model'], r['effort']])).toEqual([
      ['model_effort', 'gpt-realtime-2', 'high'],
      ['model_effort', 'gpt-realtime-2', 'low'],
      ['model_effort', 'gpt-realtime-translate', 'none'],
      ['total', '', ''],
    ]);
    for (const r of rows) expect(r['price_card_as_of']).toBe('2026-11-24');
    const low = rows[1]!;
    expect(Number(low['usd'])).toBeCloseTo(0.0160248, 10);
    expect(low['usd']).toBe('0.0160248'); // no float noise
    expect(Number(low['usd_per_connected_min'])).toBeCloseTo(0.0160248, 10);
    expect(Number(low['cached_share'])).toBeCloseTo(192 / 382, 9);
    expect(low['tokens_cached_text_in']).toBe('192');
    expect(low['usd_first_turn']).toBe('0.0072056');
    expect(low['usd_last_turn']).toBe('0.0088192');
    expect(low['last_turn_index']).toBe('2');
    expect(rows[0]!['estimated_responses']).toBe('2');
    const total = rows[3]!;
    expect(Number(total['usd'])).toBeCloseTo(0.0881848, 10);
    expect(Number(total['connected_min'])).toBe(3.5);
    expect(total['estimated_minute_sessions']).toBe('1');
  });

  it('leaves null figures empty and says why', () => {
    const c = computeRunCost([turn({ model: 'x-model', usage: GUIDE_USAGE, milestones: { responseCreatedUs: 1 } })], [session({ model: 'x-model' })], card);
    const [group, total] = asRecords(costCsv(c));
    expect(group!['usd']).toBe('');
    expect(group!['usd_per_connected_min']).toBe('');
    expect(group!['known_usd']).toBe('0');
    expect(total!['null_reason']).toMatch(/'x-model' is not on the price card/);
  });
});

describe('projection CSV', () => {
  it('has one row per model × effort with the assumptions and the card date', () => {
    const p = projectCost(['gpt-realtime-2', 'gpt-realtime-whisper'], ['low', 'high'], { ...DEFAULT_ASSUMPTIONS, minutesPerMonth: 5000 }, card);
    const text = projectionCsv(p);
    expect(parseCsv(text)[0]).toEqual([...PROJECTION_CSV_COLUMNS]);
    const rows = asRecords(text);
    expect(rows.map((r) => `${r['model']}/${r['effort']}`)).toEqual(['gpt-realtime-2/low', 'gpt-realtime-2/high', 'gpt-realtime-whisper/none']);
    for (const r of rows) {
      expect(r['price_card_as_of']).toBe('2026-11-24');
      expect(r['minutes_per_month']).toBe('5000');
      expect(r['cached_share_rule']).toBe('auto');
    }
    expect(Number(rows[0]!['usd_per_month'])).toBeCloseTo(p.rows[0]!.usdPerMonth!, 6);
    expect(Number(rows[1]!['usd_per_month'])).toBeGreaterThan(Number(rows[0]!['usd_per_month']));
    expect(rows[2]!['usd_per_min']).toBe('0.017');
    expect(rows[2]!['turns_per_session']).toBe('');
  });
});
