import { describe, expect, it } from 'vitest';
import type { RealtimeResponseUsage } from '../common/protocol/types.ts';
import {
  ASSISTANT_AUDIO_TOKENS_PER_S,
  ConversationLedger,
  MESSAGE_OVERHEAD_TOKENS,
  USER_AUDIO_TOKENS_PER_S,
  assistantAudioTokens,
  checkUsageInvariants,
  textTokens,
  userAudioTokens,
} from './usage.ts';

const NO_OUTPUT = { textTokens: 0, audioTokens: 0 };
const audio = (n: number) => ({ text: 0, audio: n, image: 0 });
const text = (n: number) => ({ text: n, audio: 0, image: 0 });

/** The usage example of the realtime-costs guide (docs/realtime-protocol.md §6.1). */
const GUIDE_EXAMPLE: RealtimeResponseUsage = {
  total_tokens: 253,
  input_tokens: 132,
  output_tokens: 121,
  input_token_details: {
    text_tokens: 119,
    audio_tokens: 13,
    image_tokens: 0,
    cached_tokens: 64,
    cached_tokens_details: { text_tokens: 64, audio_tokens: 0, image_tokens: 0 },
  },
  output_token_details: { text_tokens: 30, audio_tokens: 91 },
};

describe('token rates', () => {
  it('bills user audio at 10 tokens/s and assistant audio at 20 tokens/s, a started slice counting whole', () => {
    expect(USER_AUDIO_TOKENS_PER_S).toBe(10);
    expect(ASSISTANT_AUDIO_TOKENS_PER_S).toBe(20);
    expect(userAudioTokens(2000)).toBe(20);
    expect(assistantAudioTokens(2000)).toBe(40);
    expect(userAudioTokens(150)).toBe(2);
    expect(assistantAudioTokens(1)).toBe(1);
    for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(userAudioTokens(bad)).toBe(0);
      expect(assistantAudioTokens(bad)).toBe(0);
    }
  });

  it('estimates ~4 ASCII characters or ~2 other characters per text token', () => {
    expect(textTokens('')).toBe(0);
    expect(textTokens('abcd')).toBe(1);
    expect(textTokens('hello world')).toBe(3);
    expect(textTokens('Привет')).toBe(3);
    expect(textTokens('😀')).toBe(1);
    expect(textTokens('x'.repeat(400))).toBe(100);
  });
});

describe('ConversationLedger billing', () => {
  it('bills instructions plus every item, with special tokens per item ("10 tokens count ~12")', () => {
    const l = new ConversationLedger({ instructionsTokens: 100 });
    l.upsertItem('u1', audio(20));
    const u = l.usageForResponse('conversation', { textTokens: 10, audioTokens: 20 });
    expect(u.input_token_details).toMatchObject({ text_tokens: 100 + MESSAGE_OVERHEAD_TOKENS, audio_tokens: 20, image_tokens: 0 });
    expect(u).toMatchObject({ input_tokens: 122, output_tokens: 30, total_tokens: 152, output_token_details: { text_tokens: 10, audio_tokens: 20 } });
    const m = new ConversationLedger();
    m.upsertItem('msg', text(10));
    expect(m.usageForResponse('conversation', NO_OUTPUT).input_tokens).toBe(12);
    expect(checkUsageInvariants(u)).toEqual([]);
  });

  it('grows the input every turn, since the whole conversation is re-sent', () => {
    const l = new ConversationLedger();
    l.setInstructions('You are a helpful assistant. '.repeat(10));
    const inputs: number[] = [];
    for (let turn = 1; turn <= 4; turn++) {
      l.upsertItem(`u${turn}`, audio(userAudioTokens(1500)));
      inputs.push(l.usageForResponse('conversation', { textTokens: 8, audioTokens: 40 }).input_tokens!);
      l.upsertItem(`a${turn}`, { text: 8, audio: 40, image: 0 });
    }
    for (let i = 1; i < inputs.length; i++) expect(inputs[i]! - inputs[i - 1]!).toBe(15 + 2 + 48 + 2);
  });

  it('keeps conversation order through insert, upsert, move and remove', () => {
    const l = new ConversationLedger();
    l.upsertItem('a', text(1));
    l.upsertItem('c', text(1));
    l.insertItem('b', 'a', text(1));
    l.insertItem('root', null, text(1));
    l.insertItem('end', 'nope', text(1));
    expect(l.itemIds()).toEqual(['root', 'a', 'b', 'c', 'end']);
    l.upsertItem('a', text(5)); // update in place
    l.insertItem('c', 'root', text(1)); // move
    l.removeItem('b');
    l.removeItem('unknown');
    expect(l.itemIds()).toEqual(['root', 'c', 'a', 'end']);
    expect(l.usageForResponse('conversation', NO_OUTPUT).input_tokens).toBe(1 + 1 + 5 + 1 + 4 * MESSAGE_OVERHEAD_TOKENS);
  });
});

describe('ConversationLedger caching', () => {
  function twoTurns(instructionsTokens: number): ConversationLedger {
    const l = new ConversationLedger({ instructionsTokens });
    l.upsertItem('u1', audio(30));
    l.usageForResponse('conversation', { textTokens: 5, audioTokens: 60 });
    l.upsertItem('a1', { text: 5, audio: 60, image: 0 });
    l.upsertItem('u2', audio(25));
    return l;
  }

  it('caches the prefix shared with the previous response, in 64-token steps, from 1024 tokens, split in prefix order', () => {
    const l = new ConversationLedger({ instructionsTokens: 1000 });
    l.upsertItem('u1', audio(30));
    const first = l.usageForResponse('conversation', NO_OUTPUT);
    expect(first.input_token_details?.cached_tokens).toBe(0);
    l.upsertItem('a1', { text: 5, audio: 60, image: 0 });
    l.upsertItem('u2', audio(25));
    const second = l.usageForResponse('conversation', NO_OUTPUT);
    // Shared prefix: instructions 1000 + u1 (2 + 30) = 1032 → 1024 cached: 1000 + 2 text, then 22 audio.
    expect(second.input_token_details).toMatchObject({
      cached_tokens: 1024,
      cached_tokens_details: { text_tokens: 1002, audio_tokens: 22, image_tokens: 0 },
    });
    expect(checkUsageInvariants(second)).toEqual([]);
    // Third response shares everything up to u2: 1000 + 32 + 67 + 27 = 1126 → 1088.
    expect(l.usageForResponse('conversation', NO_OUTPUT).input_token_details?.cached_tokens).toBe(1088);
  });

  it('caches nothing below 1024 shared tokens, or when the prefix changes at its start', () => {
    expect(twoTurns(900).usageForResponse('conversation', NO_OUTPUT).input_token_details?.cached_tokens).toBe(0);
    const l = twoTurns(1200);
    l.setInstructions('changed');
    expect(l.usageForResponse('conversation', NO_OUTPUT).input_token_details?.cached_tokens).toBe(0);
  });

  it('stops the shared prefix at an item whose tokens changed, or one inserted earlier', () => {
    // Unchanged: instructions 1000 + u1 (2 + 30) = 1032 shared → 1024 cached.
    expect(twoTurns(1000).usageForResponse('conversation', NO_OUTPUT).input_token_details?.cached_tokens).toBe(1024);
    const changed = twoTurns(1000);
    changed.upsertItem('u1', audio(31)); // e.g. the item was edited: only the 1000 instruction tokens are shared
    expect(changed.usageForResponse('conversation', NO_OUTPUT).input_token_details?.cached_tokens).toBe(0);
    const inserted = twoTurns(1000);
    inserted.insertItem('early', null, text(3));
    expect(inserted.usageForResponse('conversation', NO_OUTPUT).input_token_details?.cached_tokens).toBe(0);
  });

  it('bills out-of-band responses only their items and never moves the cache state', () => {
    const withOob = twoTurns(1100);
    const oob = withOob.usageForResponse(['u2', 'missing'], { textTokens: 3, audioTokens: 0 });
    expect(oob.input_tokens).toBe(1100 + 25 + MESSAGE_OVERHEAD_TOKENS);
    expect(oob.input_token_details?.cached_tokens).toBe(1088); // the instructions prefix is shared
    expect(withOob.usageForResponse([], NO_OUTPUT).input_tokens).toBe(1100);
    const without = twoTurns(1100);
    expect(withOob.usageForResponse('conversation', NO_OUTPUT)).toEqual(without.usageForResponse('conversation', NO_OUTPUT));
  });
});

describe('checkUsageInvariants', () => {
  it('accepts the realtime-costs guide example', () => {
    expect(checkUsageInvariants(GUIDE_EXAMPLE)).toEqual([]);
  });

  it('names each broken invariant', () => {
    const broken: RealtimeResponseUsage = {
      ...GUIDE_EXAMPLE,
      total_tokens: 250,
      input_token_details: { ...GUIDE_EXAMPLE.input_token_details, audio_tokens: 14, cached_tokens: 70, cached_tokens_details: { text_tokens: 64, audio_tokens: 20, image_tokens: 0 } },
      output_token_details: { text_tokens: 31, audio_tokens: 91 },
    };
    const problems = checkUsageInvariants(broken);
    expect(problems).toEqual([
      'usage.total_tokens 250 ≠ input_tokens 132 + output_tokens 121',
      'usage.input_tokens 132 ≠ text 119 + audio 14 + image 0',
      'usage.input_token_details.cached_tokens 70 ≠ cached text 64 + audio 20 + image 0',
      'usage: cached audio tokens 20 > input audio tokens 14',
      'usage.output_tokens 121 ≠ text 31 + audio 91',
    ]);
  });

  it('reports missing and non-integer counts once each', () => {
    const problems = checkUsageInvariants({ total_tokens: 10, input_tokens: 4.5, output_tokens: 5 });
    expect(problems).toContain('usage.input_tokens: expected a non-negative integer, got 4.5');
    expect(problems).toContain('usage.input_token_details.cached_tokens_details.audio_tokens: expected a non-negative integer, got undefined');
    expect(problems.filter((p) => p.includes('≠'))).toEqual([]);
    expect(problems).toHaveLength(1 + 9); // input_tokens, then the 9 detail counts that are absent
  });
});
