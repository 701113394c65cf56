/**
 * Cost projections from assumptions (`rth cost --minutes-per-month …`): one session of
 * `avgSessionMin` minutes is modelled turn by turn with a growing context (the whole conversation
 * re-billed as input on every response, §6.1), priced with the card, and scaled to a month.
 * Every assumption is a named constant or an option, listed in docs/readme/cost.md.
 */
import { REASONING_EFFORTS, type ReasoningEffort } from '../../common/protocol/types.ts';
import { lookupModel, type PriceCard } from './price-card.ts';
import { ASSISTANT_AUDIO_TOKENS_PER_S, priceTokens, USER_AUDIO_TOKENS_PER_S, zeroClasses, type ClassAmounts } from './usage-cost.ts';

/** An effort of a projection: a reasoning effort, or `none` (no reasoning tokens). */
export type ProjectionEffort = ReasoningEffort | 'none';
/** Every effort a projection accepts. */
export const PROJECTION_EFFORTS: readonly ProjectionEffort[] = [...REASONING_EFFORTS, 'none'];

/**
 * Reasoning tokens per response by effort (billed as text output, §6.1 [R]; not kept in context).
 * Assumption: OpenAI publishes no counts. Derived from the mock's default time-to-first-audio
 * medians (minimal 1120 ms, low ≈1430, medium ≈1830, high 2330, xhigh ≈2980; the high/minimal
 * figures are The Batch's, §3.9) as the extra time over `minimal` at an assumed 100 reasoning
 * tokens/s, rounded. Override with `reasoningTokensPerTurn`.
 */
export const DEFAULT_REASONING_TOKENS: Readonly<Record<ProjectionEffort, number>> = { none: 0, minimal: 0, low: 30, medium: 70, high: 120, xhigh: 190 };

/**
 * Text tokens of the assistant's spoken transcript per second of its audio (assumption: ~150 words
 * per minute × ~1.3 tokens per word ≈ 3.25/s, rounded down). Audio responses carry their transcript
 * as text output tokens (§6.1 example: 91 audio + 30 text) and it is re-billed as input context.
 */
export const TRANSCRIPT_TEXT_TOKENS_PER_S = 3;
/** Special tokens added to every conversation item ("a 10-token text message counts ~12", §6.2). */
export const ITEM_OVERHEAD_TOKENS = 2;
/** `auto` caching: a prefix shared with the previous response is cached only from this many tokens (as the mock assumes, OpenAI's text-model rule). */
export const CACHE_MIN_PREFIX_TOKENS = 1024;
/** `auto` caching: cached tokens come in multiples of this (the realtime-costs example shows 64). */
export const CACHE_GRANULARITY_TOKENS = 64;

/** The assumptions of a projection. */
export interface ProjectionAssumptions {
  /** Connected session minutes per month (> 0). */
  minutesPerMonth: number;
  /** Mean session length, minutes. Default 5. */
  avgSessionMin: number;
  /** Share of session time the user speaks (0–1). Default 0.4. */
  userTalkShare: number;
  /** Share of session time the assistant speaks (0–1). Default 0.4. */
  assistantTalkShare: number;
  /** User turns per minute (> 0). Default 4. */
  turnsPerMin: number;
  /** Text tokens of the session instructions. Default 500. */
  instructionsTokens: number;
  /** `auto` (previous response's input cached once ≥ 1024 tokens, in multiples of 64) or a fixed share 0–1 of every response's input. Default `auto`. */
  cachedShare: 'auto' | number;
  /** Reasoning tokens per response by effort. Default {@link DEFAULT_REASONING_TOKENS}. */
  reasoningTokensPerTurn: Readonly<Record<ProjectionEffort, number>>;
}

/** The defaults of every assumption but `minutesPerMonth`. */
export const DEFAULT_ASSUMPTIONS: Omit<ProjectionAssumptions, 'minutesPerMonth'> = {
  avgSessionMin: 5,
  userTalkShare: 0.4,
  assistantTalkShare: 0.4,
  turnsPerMin: 4,
  instructionsTokens: 500,
  cachedShare: 'auto',
  reasoningTokensPerTurn: DEFAULT_REASONING_TOKENS,
};

/** One model × effort of a projection. */
export interface ProjectionRow {
  model: string;
  /** The effort modelled (`none` for models without reasoning and per-minute models). */
  effort: ProjectionEffort;
  /** `tokens` or `per_minute`. */
  kind: 'tokens' | 'per_minute';
  /** Whether a value of this model on the card is marked secondary. */
  secondary: boolean;
  turnsPerSession: number;
  reasoningTokensPerTurn: number;
  /** Tokens of one session by class. */
  tokensPerSession: ClassAmounts;
  /** Cached input / input over the session. */
  cachedShare: number;
  usdPerSession: number | null;
  usdFirstTurn: number | null;
  usdLastTurn: number | null;
  usdPerMinute: number | null;
  usdPerUserSpeechMinute: number | null;
  usdPerMonth: number | null;
  /** Why a figure is null. */
  reason: string | null;
}

/** A projection across models and efforts. */
export interface Projection {
  asOf: string;
  currency: 'USD';
  assumptions: ProjectionAssumptions;
  rows: ProjectionRow[];
}

interface Segment {
  text: number;
  audio: number;
}

/** Cached tokens of `total` taken from the front of `segments` (text before audio within each). */
function cachedPrefix(segments: readonly Segment[], total: number): Segment {
  const out = { text: 0, audio: 0 };
  let left = total;
  for (const s of segments) {
    const t = Math.min(left, s.text);
    out.text += t;
    left -= t;
    const a = Math.min(left, s.audio);
    out.audio += a;
    left -= a;
    if (left <= 0) break;
  }
  return out;
}

const sizeOf = (segs: readonly Segment[]): number => segs.reduce((s, x) => s + x.text + x.audio, 0);

/** Token classes of every response of one modelled session (fractional tokens: these are means). */
export function sessionTurnTokens(a: ProjectionAssumptions, reasoningTokens: number): ClassAmounts[] {
  const turns = Math.max(1, Math.round(a.turnsPerMin * a.avgSessionMin));
  const userS = (a.userTalkShare * 60) / a.turnsPerMin;
  const assistantS = (a.assistantTalkShare * 60) / a.turnsPerMin;
  const user: Segment = { text: ITEM_OVERHEAD_TOKENS, audio: userS * USER_AUDIO_TOKENS_PER_S };
  const transcript = assistantS * TRANSCRIPT_TEXT_TOKENS_PER_S;
  const assistant: Segment = { text: transcript + ITEM_OVERHEAD_TOKENS, audio: assistantS * ASSISTANT_AUDIO_TOKENS_PER_S };
  const context: Segment[] = [{ text: a.instructionsTokens, audio: 0 }];
  const out: ClassAmounts[] = [];
  let previousInput = 0;
  for (let k = 0; k < turns; k++) {
    const input = [...context, user];
    const inText = input.reduce((s, x) => s + x.text, 0);
    const inAudio = input.reduce((s, x) => s + x.audio, 0);
    let cached: Segment;
    if (a.cachedShare === 'auto') {
      // The previous response's whole input is a prefix of this one (§6.1: the conversation is re-sent).
      const n = previousInput >= CACHE_MIN_PREFIX_TOKENS ? Math.floor(previousInput / CACHE_GRANULARITY_TOKENS) * CACHE_GRANULARITY_TOKENS : 0;
      cached = cachedPrefix(input, n);
    } else {
      cached = { text: inText * a.cachedShare, audio: inAudio * a.cachedShare };
    }
    const t = zeroClasses();
    t.text_in = inText - cached.text;
    t.cached_text_in = cached.text;
    t.audio_in = inAudio - cached.audio;
    t.cached_audio_in = cached.audio;
    t.audio_out = assistant.audio;
    t.text_out = transcript + reasoningTokens;
    out.push(t);
    previousInput = sizeOf(input);
    context.push(user, assistant);
  }
  return out;
}

function row(model: string, effort: ProjectionEffort, a: ProjectionAssumptions, card: PriceCard): ProjectionRow {
  const found = lookupModel(card, model);
  const base = { model, effort, turnsPerSession: 0, reasoningTokensPerTurn: 0, tokensPerSession: zeroClasses(), cachedShare: 0 };
  const nulls = { usdPerSession: null, usdFirstTurn: null, usdLastTurn: null, usdPerMinute: null, usdPerUserSpeechMinute: null, usdPerMonth: null };
  if (!found.ok) return { ...base, kind: 'tokens', secondary: false, ...nulls, reason: found.reason };
  const price = found.price;
  const secondary = price.confidence === 'secondary';
  const scale = (perMinute: number | null): Pick<ProjectionRow, 'usdPerMinute' | 'usdPerUserSpeechMinute' | 'usdPerMonth' | 'usdPerSession'> => ({
    usdPerMinute: perMinute,
    usdPerUserSpeechMinute: perMinute === null || a.userTalkShare === 0 ? null : perMinute / a.userTalkShare,
    usdPerMonth: perMinute === null ? null : perMinute * a.minutesPerMonth,
    usdPerSession: perMinute === null ? null : perMinute * a.avgSessionMin,
  });
  if (price.kind === 'per_minute') {
    // Translation and streaming transcription bill the audio streamed, which runs for the whole connection (§3.11).
    const reason = price.usd_per_minute === null ? `no per-minute price for ${model} on the price card` : null;
    return { ...base, effort: 'none', kind: 'per_minute', secondary, usdFirstTurn: null, usdLastTurn: null, ...scale(price.usd_per_minute), reason };
  }
  const eff: ProjectionEffort = price.reasoning ? effort : 'none';
  const reasoning = a.reasoningTokensPerTurn[eff];
  const turns = sessionTurnTokens(a, reasoning);
  const tokensPerSession = zeroClasses();
  let sessionUsd: number | null = 0;
  const turnUsd: (number | null)[] = [];
  let reason: string | null = null;
  for (const t of turns) {
    for (const c of Object.keys(t) as (keyof ClassAmounts)[]) tokensPerSession[c] += t[c];
    const p = priceTokens(t, price, model, found.name);
    turnUsd.push(p.usd);
    reason ??= p.reason;
    sessionUsd = sessionUsd === null || p.usd === null ? null : sessionUsd + p.usd;
  }
  const ts = tokensPerSession;
  const input = ts.text_in + ts.cached_text_in + ts.audio_in + ts.cached_audio_in;
  return {
    ...base,
    effort: eff,
    kind: 'tokens',
    secondary,
    turnsPerSession: turns.length,
    reasoningTokensPerTurn: reasoning,
    tokensPerSession,
    cachedShare: input > 0 ? (ts.cached_text_in + ts.cached_audio_in) / input : 0,
    ...scale(sessionUsd === null ? null : sessionUsd / a.avgSessionMin),
    usdFirstTurn: turnUsd[0] ?? null,
    usdLastTurn: turnUsd.at(-1) ?? null,
    reason,
  };
}

/**
 * Projects cost for every model × effort asked (efforts collapse to `none` for models without
 * reasoning and for per-minute models; duplicate rows are dropped). Pure.
 */
export function projectCost(models: readonly string[], efforts: readonly ProjectionEffort[], a: ProjectionAssumptions, card: PriceCard): Projection {
  const rows: ProjectionRow[] = [];
  const seen = new Set<string>();
  for (const m of models) {
    for (const e of efforts) {
      const r = row(m, e, a, card);
      const key = `${r.model}\u0000${r.effort}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(r);
    }
  }
  return { asOf: card.as_of, currency: card.currency, assumptions: a, rows };
}
