/**
 * Usage of one response (§6.1) from the conversation ledger: the input side is fixed when the
 * response starts (the whole conversation, or its explicit `input`), the output side is what the
 * response generated. Failed responses report all zeros (§4.2).
 */
import type { RealtimeResponseUsage } from 'openai/resources/realtime/realtime';
import { MESSAGE_OVERHEAD_TOKENS, assistantAudioTokens, textTokens, userAudioTokens, type TokenCounts } from '../usage.ts';
import type { Conversation, StoredItem } from './conversation.ts';
import { assistantAudioMs } from './conversation.ts';
import { itemImageCount, itemText, type ParsedItem } from './items.ts';

/** Token counts of a stored item (before the ledger's per-item overhead). */
export function storedItemTokens(s: StoredItem): TokenCounts {
  const audio = s.assistant ? assistantAudioTokens(assistantAudioMs(s.assistant)) : userAudioTokens(s.userAudioMs);
  return { text: textTokens(itemText(s.item)), audio, image: itemImageCount(s.item) };
}

/** Token counts of an inline `response.create` input item, overhead included. */
export function inlineItemTokens(p: ParsedItem): TokenCounts {
  return { text: textTokens(itemText(p.item)) + MESSAGE_OVERHEAD_TOKENS, audio: userAudioTokens(p.audioMs), image: itemImageCount(p.item) };
}

/**
 * The input side of a response's usage, computed at its start. `context` `'conversation'` bills the
 * whole default conversation (and updates the ledger's cache state); an id list bills those items;
 * `inline` adds inline input items.
 */
export function inputUsage(conversation: Conversation, context: 'conversation' | readonly string[], inline: TokenCounts): RealtimeResponseUsage {
  const u = conversation.ledger.usageForResponse(context, { textTokens: 0, audioTokens: 0 });
  const d = u.input_token_details!;
  d.text_tokens = (d.text_tokens ?? 0) + inline.text;
  d.audio_tokens = (d.audio_tokens ?? 0) + inline.audio;
  d.image_tokens = (d.image_tokens ?? 0) + inline.image;
  u.input_tokens = (u.input_tokens ?? 0) + inline.text + inline.audio + inline.image;
  u.total_tokens = u.input_tokens;
  return u;
}

/** `input` completed with the generated output. */
export function withOutput(input: RealtimeResponseUsage, out: { text: number; audio: number }): RealtimeResponseUsage {
  const u = structuredClone(input);
  u.output_tokens = out.text + out.audio;
  u.output_token_details = { text_tokens: out.text, audio_tokens: out.audio };
  u.total_tokens = (u.input_tokens ?? 0) + u.output_tokens;
  return u;
}

/** All-zero usage (failed responses, §4.2), with every field present. */
export function zeroUsage(): RealtimeResponseUsage {
  return {
    total_tokens: 0,
    input_tokens: 0,
    output_tokens: 0,
    input_token_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0, cached_tokens: 0, cached_tokens_details: { text_tokens: 0, audio_tokens: 0, image_tokens: 0 } },
    output_token_details: { text_tokens: 0, audio_tokens: 0 },
  };
}
