/**
 * Token accounting for `response.done.response.usage` (docs/realtime-protocol.md §6): audio at the
 * official rates (user 10 tokens/s, assistant 20 tokens/s, §6.2), text estimated from characters, a
 * few special tokens per message, the whole conversation billed as input on every response, and a
 * prompt-cache model that reports `cached_tokens` for the prefix shared with the previous response.
 */
import type { RealtimeResponseUsage } from '../common/protocol/types.ts';

/** User (input) audio: 1 token per 100 ms (§6.2, realtime-costs guide). */
export const USER_AUDIO_TOKENS_PER_S = 10;
/** Assistant (output) audio: 1 token per 50 ms (§6.2, realtime-costs guide). */
export const ASSISTANT_AUDIO_TOKENS_PER_S = 20;
/** Special tokens added to every conversation item ("a 10-token text message counts ~12", §6.2). */
export const MESSAGE_OVERHEAD_TOKENS = 2;
/** Cached tokens are reported only once the shared prefix reaches this many tokens (assumption, see {@link ConversationLedger}). */
export const CACHE_MIN_PREFIX_TOKENS = 1024;
/** Cached tokens are reported in multiples of this (the realtime-costs example shows `cached_tokens: 64`). */
export const CACHE_GRANULARITY_TOKENS = 64;

function audioTokens(ms: number, perS: number): number {
  return ms > 0 && Number.isFinite(ms) ? Math.ceil((ms * perS) / 1000) : 0;
}

/** Tokens of `ms` of user audio: 10 per second, a started 100 ms counting whole; 0 for ≤ 0. */
export function userAudioTokens(ms: number): number {
  return audioTokens(ms, USER_AUDIO_TOKENS_PER_S);
}

/** Tokens of `ms` of assistant audio: 20 per second, a started 50 ms counting whole; 0 for ≤ 0. */
export function assistantAudioTokens(ms: number): number {
  return audioTokens(ms, ASSISTANT_AUDIO_TOKENS_PER_S);
}

/**
 * Estimated text tokens: ~4 ASCII characters per token (the usual English BPE ratio) plus ~2
 * non-ASCII code points per token (accented, Cyrillic and CJK text tokenizes denser); 0 for "".
 * An estimate, not a tokenizer: the mock needs plausible, stable counts, not OpenAI's exact ones.
 */
export function textTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) ascii++;
    else if (c < 0xdc00 || c > 0xdfff) other++; // count a surrogate pair once
  }
  return Math.ceil(ascii / 4 + other / 2);
}

/** Tokens of one conversation item (or the instructions), by class. */
export interface TokenCounts {
  text: number;
  audio: number;
  image: number;
}

interface Segment {
  /** Item id, or a key for the instructions. */
  key: string;
  tokens: TokenCounts;
}

const INSTRUCTIONS_KEY = '\u0000instructions';
const CLASSES = ['text', 'audio', 'image'] as const;

function sameSegment(a: Segment, b: Segment): boolean {
  return a.key === b.key && a.tokens.text === b.tokens.text && a.tokens.audio === b.tokens.audio && a.tokens.image === b.tokens.image;
}

function clean(n: number): number {
  return n > 0 && Number.isFinite(n) ? Math.round(n) : 0;
}

/**
 * The token view of one realtime session's conversation, in order, for usage reporting.
 *
 * Billing (§6.1): every response is billed the instructions plus every item of its context as input;
 * each item carries {@link MESSAGE_OVERHEAD_TOKENS} extra text tokens (the instructions carry none).
 *
 * Caching (assumption; OpenAI documents caching but not its granularity for realtime): the longest
 * prefix of this response's input (instructions, then items, compared whole item by whole item) that
 * equals the start of the previous default-conversation response's input counts as cached, rounded
 * down to a multiple of {@link CACHE_GRANULARITY_TOKENS} (64) and only once that prefix is at least
 * {@link CACHE_MIN_PREFIX_TOKENS} (1024) tokens, the rule of OpenAI's prompt caching for text models.
 * Cached tokens are split across classes in prefix order (instructions first; within an item text,
 * then audio, then image). Out-of-band responses are billed the same way and are matched against the
 * cache state (a shared prefix is cached for them too), but they never update it.
 */
export class ConversationLedger {
  private instructionsTokens: number;
  private readonly order: string[] = [];
  private readonly items = new Map<string, TokenCounts>();
  /** Input of the last default-conversation response, for the cache. */
  private previousInput: Segment[] = [];

  /** @param opts.instructionsTokens text tokens of the session instructions (default 0). */
  constructor(opts: { instructionsTokens?: number } = {}) {
    this.instructionsTokens = clean(opts.instructionsTokens ?? 0);
  }

  /** Sets the instructions, counted with {@link textTokens}. */
  setInstructions(text: string): void {
    this.instructionsTokens = textTokens(text);
  }

  /** Adds an item at the end of the conversation, or updates its tokens in place if it exists. */
  upsertItem(itemId: string, tokens: TokenCounts): void {
    if (!this.items.has(itemId)) this.order.push(itemId);
    this.items.set(itemId, this.withOverhead(tokens));
  }

  /**
   * Inserts an item after `previousItemId` (null: at the start; an id not in the conversation: at
   * the end). An item that exists already is moved there with the new tokens.
   */
  insertItem(itemId: string, previousItemId: string | null, tokens: TokenCounts): void {
    this.removeItem(itemId);
    const at = previousItemId === null ? 0 : this.order.indexOf(previousItemId) + 1 || this.order.length;
    this.order.splice(at, 0, itemId);
    this.items.set(itemId, this.withOverhead(tokens));
  }

  /** Removes an item (unknown ids are ignored). */
  removeItem(itemId: string): void {
    if (!this.items.delete(itemId)) return;
    this.order.splice(this.order.indexOf(itemId), 1);
  }

  /** Item ids in conversation order. */
  itemIds(): readonly string[] {
    return [...this.order];
  }

  /**
   * Usage of one response: `context` `'conversation'` bills the whole conversation and becomes the
   * cache state for the next response; an array of item ids (out-of-band, `conversation: "none"`)
   * bills the instructions plus those items (ids not in the ledger are skipped) and leaves the cache
   * state alone. `output` is what the response generated.
   */
  usageForResponse(context: 'conversation' | readonly string[], output: { textTokens: number; audioTokens: number }): RealtimeResponseUsage {
    const ids = context === 'conversation' ? this.order : context.filter((id) => this.items.has(id));
    const input: Segment[] = [];
    if (this.instructionsTokens > 0) input.push({ key: INSTRUCTIONS_KEY, tokens: { text: this.instructionsTokens, audio: 0, image: 0 } });
    for (const id of ids) input.push({ key: id, tokens: this.items.get(id)! });

    const totals: TokenCounts = { text: 0, audio: 0, image: 0 };
    for (const s of input) for (const k of CLASSES) totals[k] += s.tokens[k];

    let prefix = 0;
    let shared = 0;
    while (shared < input.length && shared < this.previousInput.length && sameSegment(input[shared]!, this.previousInput[shared]!)) {
      const t = input[shared]!.tokens;
      prefix += t.text + t.audio + t.image;
      shared++;
    }
    let cached = prefix >= CACHE_MIN_PREFIX_TOKENS ? prefix - (prefix % CACHE_GRANULARITY_TOKENS) : 0;
    const cachedBy: TokenCounts = { text: 0, audio: 0, image: 0 };
    const cachedTotal = cached;
    for (let i = 0; i < shared && cached > 0; i++) {
      for (const k of CLASSES) {
        const take = Math.min(cached, input[i]!.tokens[k]);
        cachedBy[k] += take;
        cached -= take;
      }
    }
    if (context === 'conversation') this.previousInput = input.map((s) => ({ key: s.key, tokens: { ...s.tokens } }));

    const outText = clean(output.textTokens);
    const outAudio = clean(output.audioTokens);
    const inputTokens = totals.text + totals.audio + totals.image;
    return {
      total_tokens: inputTokens + outText + outAudio,
      input_tokens: inputTokens,
      output_tokens: outText + outAudio,
      input_token_details: {
        text_tokens: totals.text,
        audio_tokens: totals.audio,
        image_tokens: totals.image,
        cached_tokens: cachedTotal,
        cached_tokens_details: { text_tokens: cachedBy.text, audio_tokens: cachedBy.audio, image_tokens: cachedBy.image },
      },
      output_token_details: { text_tokens: outText, audio_tokens: outAudio },
    };
  }

  private withOverhead(tokens: TokenCounts): TokenCounts {
    return { text: clean(tokens.text) + MESSAGE_OVERHEAD_TOKENS, audio: clean(tokens.audio), image: clean(tokens.image) };
  }
}

/**
 * The §6.1 invariants of a usage block, as problems (empty when it holds): every count present and a
 * non-negative integer, `total = input + output`, `input = text + audio + image`,
 * `cached = Σ cached details`, each cached class ≤ its input class, `output = text + audio`.
 */
export function checkUsageInvariants(u: RealtimeResponseUsage): string[] {
  const problems: string[] = [];
  const num = (v: unknown, path: string): number => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    problems.push(`usage.${path}: expected a non-negative integer, got ${JSON.stringify(v) ?? 'undefined'}`);
    return NaN;
  };
  const inp = u.input_token_details;
  const cd = inp?.cached_tokens_details;
  const out = u.output_token_details;
  const total = num(u.total_tokens, 'total_tokens');
  const input = num(u.input_tokens, 'input_tokens');
  const output = num(u.output_tokens, 'output_tokens');
  const inText = num(inp?.text_tokens, 'input_token_details.text_tokens');
  const inAudio = num(inp?.audio_tokens, 'input_token_details.audio_tokens');
  const inImage = num(inp?.image_tokens, 'input_token_details.image_tokens');
  const cached = num(inp?.cached_tokens, 'input_token_details.cached_tokens');
  const cText = num(cd?.text_tokens, 'input_token_details.cached_tokens_details.text_tokens');
  const cAudio = num(cd?.audio_tokens, 'input_token_details.cached_tokens_details.audio_tokens');
  const cImage = num(cd?.image_tokens, 'input_token_details.cached_tokens_details.image_tokens');
  const outText = num(out?.text_tokens, 'output_token_details.text_tokens');
  const outAudio = num(out?.audio_tokens, 'output_token_details.audio_tokens');
  const rule = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  // NaN compares unequal, so a missing field above is not reported a second time here.
  const known = (...xs: number[]): boolean => xs.every((x) => !Number.isNaN(x));
  if (known(total, input, output)) rule(total === input + output, `usage.total_tokens ${total} ≠ input_tokens ${input} + output_tokens ${output}`);
  if (known(input, inText, inAudio, inImage)) rule(input === inText + inAudio + inImage, `usage.input_tokens ${input} ≠ text ${inText} + audio ${inAudio} + image ${inImage}`);
  if (known(cached, cText, cAudio, cImage)) rule(cached === cText + cAudio + cImage, `usage.input_token_details.cached_tokens ${cached} ≠ cached text ${cText} + audio ${cAudio} + image ${cImage}`);
  if (known(cText, inText)) rule(cText <= inText, `usage: cached text tokens ${cText} > input text tokens ${inText}`);
  if (known(cAudio, inAudio)) rule(cAudio <= inAudio, `usage: cached audio tokens ${cAudio} > input audio tokens ${inAudio}`);
  if (known(cImage, inImage)) rule(cImage <= inImage, `usage: cached image tokens ${cImage} > input image tokens ${inImage}`);
  if (known(output, outText, outAudio)) rule(output === outText + outAudio, `usage.output_tokens ${output} ≠ text ${outText} + audio ${outAudio}`);
  return problems;
}
