/**
 * Prices one usage record: a response's `response.done.response.usage` (§6.1), an input
 * transcription's usage (`type: "tokens"` or `type: "duration"`), audio minutes of a per-minute
 * model, or — where no usage was received — an estimate from audio durations (§6.2).
 */
import { lookupModel, TOKEN_CLASSES, type PriceCard, type TokenClass, type TokenModelPrice } from './price-card.ts';

/** User (input) audio: 1 token per 100 ms (§6.2, official realtime-costs guide). */
export const USER_AUDIO_TOKENS_PER_S = 10;
/** Assistant (output) audio: 1 token per 50 ms (§6.2, official realtime-costs guide). */
export const ASSISTANT_AUDIO_TOKENS_PER_S = 20;

/** An amount (tokens or USD) per token class. */
export type ClassAmounts = Record<TokenClass, number>;

/** All-zero {@link ClassAmounts}. */
export function zeroClasses(): ClassAmounts {
  return Object.fromEntries(TOKEN_CLASSES.map((c) => [c, 0])) as ClassAmounts;
}

/** The price of one usage record. */
export interface CostFigure {
  /** The model as reported (before alias resolution). */
  model: string;
  /** USD, or null when a needed price is missing or the usage cannot be read (see `reason`). */
  usd: number | null;
  /** USD per token class; classes with no tokens are 0 (also when their price is unknown). */
  byClass: ClassAmounts;
  /** Tokens per class; the cached classes are already taken out of their uncached class. */
  tokens: ClassAmounts;
  /** Audio minutes billed (per-minute models), else 0. */
  minutes: number;
  /** True when computed from audio durations instead of reported usage. */
  estimated: boolean;
  /** Why `usd` is null, or what an estimate rests on; null for a plain measured figure. */
  reason: string | null;
  /** Remarks about how the usage was read (e.g. a missing cached split). */
  notes: string[];
}

function figure(model: string, partial: Partial<CostFigure>): CostFigure {
  return { model, usd: null, byClass: zeroClasses(), tokens: zeroClasses(), minutes: 0, estimated: false, reason: null, notes: [], ...partial };
}

function count(o: unknown, key: string): number | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function child(o: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Token counts of a response usage by class, or why they cannot be read. */
export type ParsedUsage = { ok: true; tokens: ClassAmounts; inputTokens: number; cachedTokens: number; notes: string[] } | { ok: false; reason: string };

/**
 * Reads `response.done.response.usage` into token classes. Cached tokens are a subset of input
 * (§6.1), so each cached class is subtracted from its uncached class. A cached total without its
 * per-class split is assigned in prompt order (text, then audio, then image; instructions come first).
 */
export function parseResponseUsage(usage: unknown): ParsedUsage {
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return { ok: false, reason: 'no usage object' };
  const notes: string[] = [];
  const inputTokens = count(usage, 'input_tokens');
  const outputTokens = count(usage, 'output_tokens');
  if (inputTokens === undefined && outputTokens === undefined) return { ok: false, reason: 'usage has neither input_tokens nor output_tokens' };
  const inD = child(usage, 'input_token_details');
  const outD = child(usage, 'output_token_details');
  if ((inputTokens ?? 0) > 0 && !inD) return { ok: false, reason: 'usage.input_token_details is missing (input cannot be split into text/audio/image)' };
  if ((outputTokens ?? 0) > 0 && !outD) return { ok: false, reason: 'usage.output_token_details is missing (output cannot be split into text/audio)' };
  const input = { text: count(inD, 'text_tokens') ?? 0, audio: count(inD, 'audio_tokens') ?? 0, image: count(inD, 'image_tokens') ?? 0 };
  const cachedTotal = count(inD, 'cached_tokens') ?? 0;
  const cd = child(inD, 'cached_tokens_details');
  const cached = { text: 0, audio: 0, image: 0 };
  if (cd) {
    for (const k of ['text', 'audio', 'image'] as const) {
      const c = count(cd, `${k}_tokens`) ?? 0;
      if (c > input[k]) notes.push(`cached ${k} tokens ${c} exceed input ${k} tokens ${input[k]}; clamped`);
      cached[k] = Math.min(c, input[k]);
    }
  } else if (cachedTotal > 0) {
    notes.push(`cached_tokens ${cachedTotal} without cached_tokens_details: split in prompt order (text, audio, image)`);
    let left = cachedTotal;
    for (const k of ['text', 'audio', 'image'] as const) {
      cached[k] = Math.min(left, input[k]);
      left -= cached[k];
    }
  }
  const tokens: ClassAmounts = {
    text_in: input.text - cached.text,
    cached_text_in: cached.text,
    audio_in: input.audio - cached.audio,
    cached_audio_in: cached.audio,
    image_in: input.image - cached.image,
    cached_image_in: cached.image,
    text_out: count(outD, 'text_tokens') ?? 0,
    audio_out: count(outD, 'audio_tokens') ?? 0,
  };
  const split = input.text + input.audio + input.image;
  return { ok: true, tokens, inputTokens: split, cachedTokens: cached.text + cached.audio + cached.image, notes };
}

/**
 * Prices token counts at a token-priced model's rates (USD per 1M tokens). A class with tokens and
 * a null price makes the total null, with the classes named in `reason`.
 */
export function priceTokens(tokens: ClassAmounts, price: TokenModelPrice, model: string, modelOnCard: string): Pick<CostFigure, 'usd' | 'byClass' | 'reason'> {
  const byClass = zeroClasses();
  const missing: TokenClass[] = [];
  let usd = 0;
  for (const c of TOKEN_CLASSES) {
    const n = tokens[c];
    if (n === 0) continue;
    const rate = price.usd_per_1m[c];
    if (rate === null) {
      missing.push(c);
      continue;
    }
    byClass[c] = (n * rate) / 1e6;
    usd += byClass[c];
  }
  if (missing.length) {
    const alias = model === modelOnCard ? '' : ` (alias of ${modelOnCard})`;
    return { usd: null, byClass, reason: `no price for ${missing.join(', ')} of ${model}${alias} on the price card` };
  }
  return { usd, byClass, reason: null };
}

function tokenPrice(model: string, card: PriceCard, what: string): { ok: true; price: TokenModelPrice; name: string } | { ok: false; reason: string } {
  const found = lookupModel(card, model);
  if (!found.ok) return found;
  if (found.price.kind !== 'tokens') return { ok: false, reason: `${model} is priced per minute of audio, not by ${what}` };
  return { ok: true, price: found.price, name: found.name };
}

/**
 * Cost of one response from `response.done.response.usage`.
 * @returns `estimated: false`; `usd` null (with `reason`) when the usage is unreadable or a price is missing
 */
export function costOfUsage(usage: unknown, model: string, card: PriceCard): CostFigure {
  const parsed = parseResponseUsage(usage);
  if (!parsed.ok) return figure(model, { reason: parsed.reason });
  const p = tokenPrice(model, card, 'tokens');
  if (!p.ok) return figure(model, { tokens: parsed.tokens, reason: p.reason, notes: parsed.notes });
  return figure(model, { tokens: parsed.tokens, notes: parsed.notes, ...priceTokens(parsed.tokens, p.price, model, p.name) });
}

/** Audio tokens of `ms` at `perS` tokens per second, a started token counting whole (as the mock bills). */
export function audioTokensOf(ms: number, perS: number): number {
  return ms > 0 && Number.isFinite(ms) ? Math.ceil((ms * perS) / 1000) : 0;
}

/** What {@link estimateFromAudio} needs. */
export interface AudioEstimateInput {
  /** User speech of the turn, ms (10 tokens/s). */
  userSpeechMs: number;
  /** Assistant audio generated by the response, ms (20 tokens/s). */
  assistantAudioMs: number;
  model: string;
  card: PriceCard;
  /**
   * Audio tokens of the earlier conversation re-billed as input on this response (§6.1), priced
   * uncached. Default 0.
   */
  contextAudioTokens?: number;
}

/**
 * Estimated cost of a response whose usage was not received: user audio at 10 tokens/s and
 * assistant audio at 20 tokens/s (§6.2), plus `contextAudioTokens` of earlier conversation. Text
 * tokens (instructions, transcripts, reasoning) and caching are not modelled, so this is a floor
 * for text-heavy sessions. Labelled `estimated: true`.
 */
export function estimateFromAudio(input: AudioEstimateInput): CostFigure {
  const { model, card } = input;
  const tokens = zeroClasses();
  tokens.audio_in = audioTokensOf(input.userSpeechMs, USER_AUDIO_TOKENS_PER_S) + Math.max(0, Math.round(input.contextAudioTokens ?? 0));
  tokens.audio_out = audioTokensOf(input.assistantAudioMs, ASSISTANT_AUDIO_TOKENS_PER_S);
  const basis = `estimated from audio durations (user ${USER_AUDIO_TOKENS_PER_S} tok/s, assistant ${ASSISTANT_AUDIO_TOKENS_PER_S} tok/s; text and caching not modelled)`;
  const p = tokenPrice(model, card, 'tokens');
  if (!p.ok) return figure(model, { tokens, estimated: true, reason: p.reason });
  const priced = priceTokens(tokens, p.price, model, p.name);
  return figure(model, { tokens, estimated: true, ...priced, reason: priced.reason ?? basis });
}

/**
 * Cost of audio minutes of a per-minute model (translation, streaming transcription).
 * @param estimated whether the minutes are a proxy (e.g. connected time) rather than billed duration; default false
 */
export function costOfMinutes(minutes: number, model: string, card: PriceCard, estimated = false, basis: string | null = null): CostFigure {
  const found = lookupModel(card, model);
  if (!found.ok) return figure(model, { minutes, estimated, reason: found.reason });
  if (found.price.kind !== 'per_minute') return figure(model, { minutes, estimated, reason: `${model} is priced by tokens, not per minute of audio` });
  if (found.price.usd_per_minute === null) return figure(model, { minutes, estimated, reason: `no per-minute price for ${model} on the price card` });
  return figure(model, { minutes, estimated, usd: minutes * found.price.usd_per_minute, reason: basis });
}

/**
 * Cost of a GPT-Live session from the usage it reported (docs/live-protocol.md §6): `activeS`
 * seconds at the card's per-active-minute price plus `standbyS` at its standby price (billed per
 * second, never rounded up). Over WebSocket the whole `usage.seconds` is active time (standby is a
 * WebRTC mode the SDK types do not report separately), so callers pass `standbyS` 0 for those.
 * Backend Responses/Decisions tokens are not included (the harness delegates to the client).
 */
export function costOfLiveUsage(activeS: number, standbyS: number, model: string, card: PriceCard): CostFigure {
  const minutes = (activeS + standbyS) / 60;
  const active = costOfMinutes(activeS / 60, model, card, false, `${(activeS / 60).toFixed(2)} active min from usage.seconds${standbyS > 0 ? ` + ${(standbyS / 60).toFixed(2)} standby min` : ', no standby (WebSocket)'}`);
  if (active.usd === null || standbyS <= 0) return { ...active, minutes };
  const found = lookupModel(card, model);
  const standbyRate = found.ok && found.price.kind === 'per_minute' ? found.price.usd_per_standby_minute : undefined;
  if (standbyRate === undefined || standbyRate === null) return { ...active, minutes, usd: null, reason: `no standby price for ${model} on the price card` };
  return { ...active, minutes, usd: active.usd + (standbyS / 60) * standbyRate };
}

/**
 * Cost of an input transcription from `conversation.item.input_audio_transcription.completed.usage`
 * (§6.1): `{type:"duration", seconds}` at the model's per-minute price, or `{type:"tokens", …}` with
 * `input_token_details.audio_tokens` / `text_tokens` as input and `output_tokens` as text output
 * (input without details is taken as audio: transcription input is audio).
 */
export function costOfTranscriptionUsage(usage: unknown, model: string, card: PriceCard): CostFigure {
  if (typeof usage !== 'object' || usage === null) return figure(model, { reason: 'no transcription usage object' });
  const type = (usage as Record<string, unknown>)['type'];
  if (type === 'duration') {
    const seconds = count(usage, 'seconds');
    if (seconds === undefined) return figure(model, { reason: 'transcription usage of type duration without seconds' });
    return costOfMinutes(seconds / 60, model, card);
  }
  if (type !== undefined && type !== 'tokens') return figure(model, { reason: `unknown transcription usage type ${JSON.stringify(type)}` });
  const input = count(usage, 'input_tokens') ?? 0;
  const d = child(usage, 'input_token_details');
  const notes: string[] = [];
  const tokens = zeroClasses();
  if (d) {
    tokens.audio_in = count(d, 'audio_tokens') ?? 0;
    tokens.text_in = count(d, 'text_tokens') ?? 0;
  } else {
    tokens.audio_in = input;
    if (input > 0) notes.push('transcription input_token_details missing: all input taken as audio');
  }
  tokens.text_out = count(usage, 'output_tokens') ?? 0;
  const p = tokenPrice(model, card, 'tokens');
  if (!p.ok) return figure(model, { tokens, notes, reason: p.reason });
  return figure(model, { tokens, notes, ...priceTokens(tokens, p.price, model, p.name) });
}
