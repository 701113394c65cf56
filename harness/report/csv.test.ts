import { describe, expect, it } from 'vitest';
import { computeRunCost } from '../cost/run-cost.ts';
import { loadPriceCard } from '../cost/price-card.ts';
import { deriveTurnMetrics } from '../metrics/turn-metrics.ts';
import { SESSIONS_CSV_COLUMNS, sessionsCsvRows, toCsv, TURNS_CSV_COLUMNS, turnsCsvRows } from './csv.ts';
import { syntheticRun } from './test-fixtures.ts';

/** A small RFC 4180 reader for checking what csv-stringify wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

function records(text: string): Record<string, string>[] {
  const [head, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

describe('turns.csv', () => {
  const r = syntheticRun({ sessions: 4, turnsPerSession: 3 });
  const cost = computeRunCost(r.turns, r.sessions, loadPriceCard());
  const base = Math.min(...r.turns.map((t) => t.milestones.turnStartUs!));
  const rows = records(toCsv(turnsCsvRows(r.turns, base, cost)));

  it('has one row per turn and every column', () => {
    expect(rows).toHaveLength(r.turns.length);
    expect(Object.keys(rows[0]!)).toEqual([...TURNS_CSV_COLUMNS]);
  });

  it('gives milestones in ms since the run start and the exact derived metrics', () => {
    for (const t of r.turns) {
      const row = rows.find((x) => x.session_index === String(t.sessionIndex) && x.turn_index === String(t.turnIndex))!;
      const m = deriveTurnMetrics(t);
      expect(Number(row.t_speech_end_sent_ms)).toBeCloseTo((t.milestones.speechEndSentUs! - base) / 1000, 3);
      expect(row.t_commit_sent_ms).toBe('');
      if (m.ttfaMs === null) expect(row.ttfa_ms).toBe('');
      else expect(Number(row.ttfa_ms)).toBeCloseTo(m.ttfaMs, 3);
      expect(Number(row.vad_delay_ms)).toBeCloseTo(m.vadDelayMs!, 3);
      expect(row.effort).toBe(t.effort ?? 'none');
      expect(row.audio_deltas).toBe(String(t.audioDeltas.length));
    }
    expect(rows.filter((x) => x.status === 'completed').every((x) => Number(x.t_response_done_ms) > Number(x.t_first_audio_ms))).toBe(true);
  });

  it('carries usage fields and the cost of each turn', () => {
    const t = r.turns.find((x) => x.usage !== null)!;
    const row = rows.find((x) => x.session_index === String(t.sessionIndex) && x.turn_index === String(t.turnIndex))!;
    expect(Number(row.usage_total_tokens)).toBe((t.usage as { total_tokens: number }).total_tokens);
    expect(Number(row.usage_input_cached_tokens)).toBe((t.usage as { input_token_details: { cached_tokens: number } }).input_token_details.cached_tokens);
    const c = cost.responses.find((x) => x.sessionIndex === t.sessionIndex && x.turnIndex === t.turnIndex)!;
    expect(Number(row.cost_usd)).toBeCloseTo(c.usd!, 10);
    expect(row.cost_estimated).toBe('false');
  });

  it('leaves milestone and cost cells empty without a time base or cost', () => {
    const plain = records(toCsv(turnsCsvRows(r.turns.slice(0, 1), null)));
    expect(plain[0]!.t_turn_start_ms).toBe('');
    expect(plain[0]!.cost_usd).toBe('');
  });

  it('quotes cells with commas, quotes and newlines', () => {
    const odd = { ...r.turns[0]!, clipId: 'a,"b"\nc' };
    const back = records(toCsv(turnsCsvRows([odd], null)));
    expect(back[0]!.clip_id).toBe('a,"b"\nc');
  });
});

describe('sessions.csv', () => {
  it('has one row per session with errors, recoveries and cost', () => {
    const r = syntheticRun({ sessions: 4, turnsPerSession: 3, seed: 3 });
    const cost = computeRunCost(r.turns, r.sessions, loadPriceCard());
    const rows = records(toCsv(sessionsCsvRows(r.sessions, null, cost)));
    expect(rows).toHaveLength(4);
    expect(Object.keys(rows[0]!)).toEqual([...SESSIONS_CSV_COLUMNS]);
    const s2 = rows.find((x) => x.session_index === '2')!;
    expect(s2).toMatchObject({ recoveries: '1', recoveries_succeeded: '1', recovery_ms_total: '850', faults: 'rate_limit_exceeded' });
    const s3 = rows.find((x) => x.session_index === '3')!;
    expect(s3.outcome).toBe('closed_by_server');
    expect(Number(s3.cost_usd)).toBeCloseTo(cost.sessions.find((c) => c.sessionIndex === 3)!.usd!, 10);
    for (const s of r.sessions) {
      const row = rows.find((x) => x.session_index === String(s.sessionIndex))!;
      const n = Object.values(s.errors).reduce((a, b) => a + b, 0);
      expect(row.error_events).toBe(String(n));
    }
  });

  it('a failed session: its reason in `failure`, not mixed into `errors` (the reason may hold ; and =)', () => {
    const r = syntheticRun({ sessions: 1, turnsPerSession: 1, seed: 3 });
    const reason = 'HTTP 404 Not Found: not_found: No WebSocket endpoint at /x; use /v1/realtime';
    const failed = { ...r.sessions[0]!, outcome: 'connect_failed', errors: { invalid_api_key: 1, [`connect_failed: ${reason}`]: 1 }, failure: { kind: 'connect_failed', code: 'http_404', reason } };
    const [row] = records(toCsv(sessionsCsvRows([failed], null)));
    expect(row).toMatchObject({ failure: reason, errors: 'invalid_api_key=1', error_events: '1' });
  });
});
