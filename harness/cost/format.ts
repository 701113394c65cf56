/**
 * Plain-text tables of `rth cost`: pure functions of a {@link RunCost} or {@link Projection}, so a
 * test can compare them. Every money figure carries the price card's date (`$0.1234 @2026-11-24`).
 */
import { isLiveModel } from '../../common/protocol/models.ts';
import { isLiveArmLabel } from '../scenario/arms.ts';
import { lookupModel, type PriceCard } from './price-card.ts';
import { DEFAULT_REASONING_TOKENS, ITEM_OVERHEAD_TOKENS, TRANSCRIPT_TEXT_TOKENS_PER_S, type Projection } from './projection.ts';
import type { CostSummary, RunCost } from './run-cost.ts';
import { ASSISTANT_AUDIO_TOKENS_PER_S, USER_AUDIO_TOKENS_PER_S } from './usage-cost.ts';

/** USD with enough digits for sub-cent figures: ≥ $100 as `$1,234.56`, else 4 significant digits; null as `n/a`. */
export function formatUsd(usd: number | null): string {
  if (usd === null || !Number.isFinite(usd)) return 'n/a';
  if (usd === 0) return '$0.00';
  if (Math.abs(usd) >= 100) return '$' + usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const digits = Math.max(2, 3 - Math.floor(Math.log10(Math.abs(usd))));
  return '$' + usd.toFixed(Math.min(digits, 10));
}

/** A money figure with the card's date beside it; `n/a` for null. */
export function usdAt(usd: number | null, asOf: string): string {
  return usd === null || !Number.isFinite(usd) ? 'n/a' : `${formatUsd(usd)} @${asOf}`;
}

const pct = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** Left-aligned text columns; the numeric columns given are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function summaryRow(label: [string, string], s: CostSummary, asOf: string): string[] {
  return [
    label[0],
    label[1],
    String(s.sessions),
    String(s.responses),
    String(s.estimatedResponses + s.estimatedMinuteSessions),
    (s.connectedMs / 60_000).toFixed(2),
    usdAt(s.usd, asOf),
    usdAt(s.usdPerConnectedMinute, asOf),
    usdAt(s.usdPerUserSpeechMinute, asOf),
    usdAt(s.usdPerResponse, asOf),
    pct(s.cachedShare),
  ];
}

/** The `rth cost RUN_DIR` report: per model × effort and total, cost by turn index, notes. */
export function formatRunCost(cost: RunCost, source: string, warnings: readonly string[] = []): string[] {
  const asOf = cost.card.asOf;
  const out = [`Run cost of ${source} — prices from the price card as of ${asOf} (${cost.card.currency}); @date beside each figure is that card's date`, ''];
  out.push(
    ...table(
      ['model', 'effort', 'sessions', 'responses', 'estimated', 'connected min', 'total', 'per connected min', 'per user-speech min', 'per response', 'cached share'],
      [...cost.groups.map((g) => summaryRow([g.model, g.effort], g, asOf)), summaryRow(['TOTAL', ''], cost.total, asOf)],
      new Set([2, 3, 4, 5, 10]),
    ),
  );
  if (cost.total.byTurnIndex.length) {
    out.push('', 'Cost per response by turn index (the whole conversation is billed as input on every response):');
    out.push(
      ...table(
        ['turn', 'responses', 'mean cost', 'mean input tokens', 'cached share'],
        cost.total.byTurnIndex.map((t) => [String(t.turnIndex), String(t.responses), usdAt(t.meanUsd, asOf), t.meanInputTokens === null ? 'n/a' : t.meanInputTokens.toFixed(0), pct(t.cachedShare)]),
        new Set([0, 1, 3, 4]),
      ).map((l) => '  ' + l),
    );
  }
  const notes: string[] = [];
  const live = cost.groups.filter((g) => isLiveArmLabel(g.effort));
  if (live.length) {
    notes.push(`${live.map((g) => g.effort).join(', ')}: GPT-Live sessions (no reasoning effort), priced per active minute from the usage.seconds they reported (WebSocket: no standby), beside the per-token cost of the realtime rows`);
  }
  if (cost.estimated.responses)
    notes.push(`${cost.estimated.responses} response(s) had no usage: estimated from audio durations (user ${USER_AUDIO_TOKENS_PER_S} tok/s, assistant ${ASSISTANT_AUDIO_TOKENS_PER_S} tok/s, earlier turns' audio as input context; text and caching not modelled)`);
  if (cost.estimated.minuteSessions) notes.push(`${cost.estimated.minuteSessions} per-minute-model session(s) priced by connected minutes (no duration usage reported): estimated`);
  if (cost.total.estimatedUsd > 0) notes.push(`estimated part of the total: ${usdAt(cost.total.estimatedUsd, asOf)}`);
  for (const r of cost.total.reasons) notes.push(`n/a: ${r}; priced part ${usdAt(cost.total.knownUsd, asOf)}`);
  notes.push(...warnings);
  if (notes.length) out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  return out;
}

/** Which card values behind the projection's models are secondary (not seen on the model's own page). */
function secondaryNotes(p: Projection, card: PriceCard): string[] {
  const out: string[] = [];
  for (const m of new Set(p.rows.map((r) => r.model))) {
    const found = lookupModel(card, m);
    if (found.ok && found.price.confidence === 'secondary') out.push(`${m}: ${found.price.secondary_fields.join(', ') || 'some values'} not seen on the model's own page (secondary source)`);
  }
  return out;
}

/** The `rth cost --minutes-per-month` report: per-minute table, monthly projection, assumptions. */
export function formatProjection(p: Projection, card: PriceCard): string[] {
  const a = p.assumptions;
  const asOf = p.asOf;
  const out = [
    `Cost projection — prices from the price card as of ${asOf} (${p.currency}); @date beside each figure is that card's date`,
    `Assumptions: ${a.minutesPerMonth} connected min/month, sessions of ${a.avgSessionMin} min, user talks ${pct(a.userTalkShare)} and assistant ${pct(a.assistantTalkShare)} of the time, ${a.turnsPerMin} turns/min, ${a.instructionsTokens} instruction tokens, cached share ${a.cachedShare === 'auto' ? 'auto (previous response input, ≥1024 tokens, multiples of 64)' : pct(a.cachedShare)}`,
    '',
  ];
  out.push(
    ...table(
      ['model', 'effort', 'turns/session', 'cached share', 'per min', 'per user-speech min', 'per session', 'first turn', 'last turn', 'per month'],
      p.rows.map((r) => [
        r.model,
        isLiveModel(r.model) ? 'n/a (Live)' : r.effort,
        r.kind === 'tokens' ? String(r.turnsPerSession) : '-',
        r.kind === 'tokens' ? pct(r.cachedShare) : '-',
        usdAt(r.usdPerMinute, asOf),
        usdAt(r.usdPerUserSpeechMinute, asOf),
        usdAt(r.usdPerSession, asOf),
        r.kind === 'tokens' ? usdAt(r.usdFirstTurn, asOf) : '-',
        r.kind === 'tokens' ? usdAt(r.usdLastTurn, asOf) : '-',
        usdAt(r.usdPerMonth, asOf),
      ]),
      new Set([2, 3]),
    ),
  );
  const reasoning = Object.entries(a.reasoningTokensPerTurn)
    .filter(([e]) => e !== 'none')
    .map(([e, n]) => `${e} ${n}`)
    .join(', ');
  const notes = [
    `audio ${USER_AUDIO_TOKENS_PER_S} tok/s user, ${ASSISTANT_AUDIO_TOKENS_PER_S} tok/s assistant; assistant transcript ${TRANSCRIPT_TEXT_TOKENS_PER_S} text tok/s of its audio; ${ITEM_OVERHEAD_TOKENS} overhead tokens per item; the whole conversation re-billed as input each turn`,
    `reasoning tokens per response (text output, not kept in context${a.reasoningTokensPerTurn === DEFAULT_REASONING_TOKENS ? ', assumed' : ''}): ${reasoning}; models without reasoning use none`,
    'per-minute models (translation, streaming transcription) billed for every connected minute; input transcription in realtime sessions not included',
    ...(p.rows.some((r) => isLiveModel(r.model))
      ? ['GPT-Live models: no reasoning effort; every connected minute at the active rate (a WebSocket session streams input all the time, docs/live-protocol.md §6); standby (WebRTC only) and backend delegation tokens not included']
      : []),
    ...secondaryNotes(p, card),
    ...p.rows.filter((r) => r.reason).map((r) => `n/a for ${r.model} ${r.effort}: ${r.reason}`),
  ];
  out.push('', 'Notes:', ...notes.map((n) => `  - ${n}`));
  return out;
}
