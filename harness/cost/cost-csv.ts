/**
 * `cost.csv` (run cost: one row per model × effort and a total row) and the projection CSV of
 * `rth cost --minutes-per-month`, written with `csv-stringify`. Every row carries the price card's
 * `as_of` date. Empty cells are figures that are null (a missing price; see `null_reason`).
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import { TOKEN_CLASSES } from './price-card.ts';
import type { Projection } from './projection.ts';
import type { CostSummary, RunCost } from './run-cost.ts';

type Cell = string | number | null;

/** Column names of `cost.csv`, in order. */
export const COST_CSV_COLUMNS = [
  'scope',
  'model',
  'effort',
  'price_card_as_of',
  'currency',
  'sessions',
  'responses',
  'estimated_responses',
  'estimated_minute_sessions',
  'connected_min',
  'user_speech_min',
  'usd',
  'known_usd',
  'estimated_usd',
  'usd_per_response',
  'usd_per_connected_min',
  'usd_per_user_speech_min',
  'input_tokens',
  'cached_input_tokens',
  'cached_share',
  'usd_first_turn',
  'usd_last_turn',
  'last_turn_index',
  ...TOKEN_CLASSES.map((c) => `usd_${c}`),
  ...TOKEN_CLASSES.map((c) => `tokens_${c}`),
  'audio_minutes',
  'null_reason',
] as const;

function summaryCells(s: CostSummary): Cell[] {
  const first = s.byTurnIndex[0];
  const last = s.byTurnIndex.at(-1);
  return [
    s.sessions,
    s.responses,
    s.estimatedResponses,
    s.estimatedMinuteSessions,
    s.connectedMs / 60_000,
    s.userSpeechMs / 60_000,
    s.usd,
    s.knownUsd,
    s.estimatedUsd,
    s.usdPerResponse,
    s.usdPerConnectedMinute,
    s.usdPerUserSpeechMinute,
    s.inputTokens,
    s.cachedInputTokens,
    s.cachedShare,
    first?.meanUsd ?? null,
    last?.meanUsd ?? null,
    last?.turnIndex ?? null,
    ...TOKEN_CLASSES.map((c) => s.byClass[c]),
    ...TOKEN_CLASSES.map((c) => s.tokens[c]),
    s.minutes,
    s.reasons.join('; ') || null,
  ];
}

/** `cost.csv` rows (header first): one per model × effort, then `total`. */
export function costCsvRows(cost: RunCost): Cell[][] {
  const head = (scope: string, model: string, effort: string): Cell[] => [scope, model, effort, cost.card.asOf, cost.card.currency];
  return [
    [...COST_CSV_COLUMNS],
    ...cost.groups.map((g) => [...head('model_effort', g.model, g.effort), ...summaryCells(g)]),
    [...head('total', '', ''), ...summaryCells(cost.total)],
  ];
}

/** Null → empty cell; numbers to 10 significant digits (drops float noise such as 0.0072056000000001). */
function cell(c: Cell): string {
  if (c === null) return '';
  if (typeof c === 'number') return Number.isFinite(c) ? String(Number(c.toPrecision(10))) : '';
  return c;
}

const toCsv = (rows: Cell[][]): string => stringify(rows.map((r) => r.map(cell)));

/** The CSV text of {@link costCsvRows}. */
export function costCsv(cost: RunCost): string {
  return toCsv(costCsvRows(cost));
}

/** Writes `cost.csv` for a run to `path` (overwriting). */
export async function writeCostCsv(cost: RunCost, path: string): Promise<void> {
  await writeFile(path, costCsv(cost));
}

/** Column names of the projection CSV, in order. */
export const PROJECTION_CSV_COLUMNS = [
  'model',
  'effort',
  'price_card_as_of',
  'currency',
  'price_confidence',
  'minutes_per_month',
  'avg_session_min',
  'user_talk_share',
  'assistant_talk_share',
  'turns_per_min',
  'instructions_tokens',
  'cached_share_rule',
  'reasoning_tokens_per_turn',
  'turns_per_session',
  'cached_share',
  'usd_per_min',
  'usd_per_user_speech_min',
  'usd_per_session',
  'usd_first_turn',
  'usd_last_turn',
  'usd_per_month',
  ...TOKEN_CLASSES.map((c) => `tokens_per_session_${c}`),
  'null_reason',
] as const;

/** Projection CSV rows (header first), one per model × effort. */
export function projectionCsvRows(p: Projection): Cell[][] {
  const a = p.assumptions;
  return [
    [...PROJECTION_CSV_COLUMNS],
    ...p.rows.map((r): Cell[] => [
      r.model,
      r.effort,
      p.asOf,
      p.currency,
      r.secondary ? 'secondary' : 'primary',
      a.minutesPerMonth,
      a.avgSessionMin,
      a.userTalkShare,
      a.assistantTalkShare,
      a.turnsPerMin,
      a.instructionsTokens,
      String(a.cachedShare),
      r.kind === 'tokens' ? r.reasoningTokensPerTurn : null,
      r.kind === 'tokens' ? r.turnsPerSession : null,
      r.kind === 'tokens' ? r.cachedShare : null,
      r.usdPerMinute,
      r.usdPerUserSpeechMinute,
      r.usdPerSession,
      r.usdFirstTurn,
      r.usdLastTurn,
      r.usdPerMonth,
      ...TOKEN_CLASSES.map((c) => (r.kind === 'tokens' ? r.tokensPerSession[c] : null)),
      r.reason,
    ]),
  ];
}

/** The CSV text of {@link projectionCsvRows}. */
export function projectionCsv(p: Projection): string {
  return toCsv(projectionCsvRows(p));
}

/** Writes the projection CSV to `path` (overwriting). */
export async function writeProjectionCsv(p: Projection, path: string): Promise<void> {
  await writeFile(path, projectionCsv(p));
}
