import { describe, expect, it } from 'vitest';
import { loadPriceCard } from './price-card.ts';
import { GUIDE_USAGE } from './test-fixtures.ts';
import { costOfMinutes, costOfTranscriptionUsage, costOfUsage, estimateFromAudio, parseResponseUsage } from './usage-cost.ts';

const card = loadPriceCard();

describe('costOfUsage', () => {
  it('prices the §6.1 guide example at gpt-realtime-2 rates, cached text at the cached rate and out of text_in', () => {
    const f = costOfUsage(GUIDE_USAGE, 'gpt-realtime-2', card);
    // text in 119 - 64 cached = 55 × $4/1M; cached text 64 × $0.40/1M; audio in 13 × $32/1M; text out 30 × $24/1M; audio out 91 × $64/1M
    expect(f.tokens).toEqual({ text_in: 55, cached_text_in: 64, audio_in: 13, cached_audio_in: 0, image_in: 0, cached_image_in: 0, text_out: 30, audio_out: 91 });
    expect(f.byClass.text_in).toBeCloseTo(0.00022, 12);
    expect(f.byClass.cached_text_in).toBeCloseTo(0.0000256, 12);
    expect(f.byClass.audio_in).toBeCloseTo(0.000416, 12);
    expect(f.byClass.text_out).toBeCloseTo(0.00072, 12);
    expect(f.byClass.audio_out).toBeCloseTo(0.005824, 12);
    expect(f.usd).toBeCloseTo(0.0072056, 12);
    expect(f.estimated).toBe(false);
    expect(f.reason).toBeNull();
  });

  it('is cheaper at gpt-realtime-2.1-mini rates by the hand-computed amount', () => {
    // 55×0.6 + 64×0.06 + 13×10 + 30×2.4 + 91×20 = 33 + 3.84 + 130 + 72 + 1820 = 2058.84 per 1M
    expect(costOfUsage(GUIDE_USAGE, 'gpt-realtime-2.1-mini', card).usd).toBeCloseTo(0.00205884, 12);
  });

  it('subtracts cached audio from audio_in and follows aliases', () => {
    const usage = {
      input_tokens: 1000,
      output_tokens: 0,
      input_token_details: { text_tokens: 0, audio_tokens: 1000, image_tokens: 0, cached_tokens: 640, cached_tokens_details: { text_tokens: 0, audio_tokens: 640, image_tokens: 0 } },
      output_token_details: { text_tokens: 0, audio_tokens: 0 },
    };
    const f = costOfUsage(usage, 'gpt-realtime-2025-08-28', card);
    // 360 × $32/1M + 640 × $0.40/1M = 0.01152 + 0.000256
    expect(f.tokens.audio_in).toBe(360);
    expect(f.tokens.cached_audio_in).toBe(640);
    expect(f.usd).toBeCloseTo(0.011776, 12);
  });

  it('splits a cached total without details in prompt order and notes it', () => {
    const { cached_tokens_details: _, ...details } = GUIDE_USAGE.input_token_details;
    const p = parseResponseUsage({ ...GUIDE_USAGE, input_token_details: { ...details, cached_tokens: 125 } });
    expect(p.ok && p.tokens.cached_text_in).toBe(119);
    expect(p.ok && p.tokens.cached_audio_in).toBe(6);
    expect(p.ok && p.notes[0]).toMatch(/without cached_tokens_details/);
  });

  it('gives null with a reason for a missing class price, an unknown model, a per-minute model and unreadable usage', () => {
    const withImage = { ...GUIDE_USAGE, input_token_details: { ...GUIDE_USAGE.input_token_details, image_tokens: 10 } };
    const noImagePrice = costOfUsage(withImage, 'gpt-realtime-mini', card);
    expect(noImagePrice.usd).toBeNull();
    expect(noImagePrice.reason).toBe('no price for image_in of gpt-realtime-mini on the price card');
    expect(costOfUsage(GUIDE_USAGE, 'gpt-realtime-mini', card).usd).not.toBeNull(); // 0 image tokens need no image price
    expect(costOfUsage(GUIDE_USAGE, 'nope', card).reason).toMatch(/'nope' is not on the price card/);
    expect(costOfUsage(GUIDE_USAGE, 'gpt-realtime-translate', card).reason).toMatch(/priced per minute/);
    expect(costOfUsage({ input_tokens: 5, output_tokens: 0 }, 'gpt-realtime-2', card).reason).toMatch(/input_token_details is missing/);
    expect(costOfUsage(null, 'gpt-realtime-2', card).usd).toBeNull();
  });
});

describe('estimateFromAudio', () => {
  it('uses 10 tok/s user audio and 20 tok/s assistant audio and is labelled an estimate', () => {
    const f = estimateFromAudio({ userSpeechMs: 3000, assistantAudioMs: 5000, model: 'gpt-realtime-2', card });
    // 30 × $32/1M + 100 × $64/1M
    expect(f.tokens.audio_in).toBe(30);
    expect(f.tokens.audio_out).toBe(100);
    expect(f.usd).toBeCloseTo(0.00736, 12);
    expect(f.estimated).toBe(true);
    expect(f.reason).toMatch(/estimated from audio durations/);
  });

  it('adds earlier conversation audio as input and rounds a started token up', () => {
    const f = estimateFromAudio({ userSpeechMs: 1050, assistantAudioMs: 1010, model: 'gpt-realtime-2', card, contextAudioTokens: 40 });
    expect(f.tokens.audio_in).toBe(11 + 40);
    expect(f.tokens.audio_out).toBe(21);
  });
});

describe('transcription usage and per-minute models', () => {
  it('prices token usage of gpt-4o-transcribe: audio in and text out', () => {
    const u = { type: 'tokens', total_tokens: 26, input_tokens: 17, input_token_details: { text_tokens: 0, audio_tokens: 17 }, output_tokens: 9 };
    // 17 × $6/1M + 9 × $10/1M
    expect(costOfTranscriptionUsage(u, 'gpt-4o-transcribe', card).usd).toBeCloseTo(0.000192, 12);
  });

  it('prices duration usage by the minute and refuses it for a token-priced model', () => {
    expect(costOfTranscriptionUsage({ type: 'duration', seconds: 30 }, 'gpt-realtime-whisper', card).usd).toBeCloseTo(0.0085, 12);
    expect(costOfTranscriptionUsage({ type: 'duration', seconds: 30 }, 'gpt-4o-transcribe', card).reason).toMatch(/priced by tokens/);
    expect(costOfTranscriptionUsage({ type: 'words' }, 'gpt-4o-transcribe', card).reason).toMatch(/unknown transcription usage type/);
  });

  it('prices audio minutes of translation', () => {
    const f = costOfMinutes(2.5, 'gpt-realtime-translate', card, true, 'connected time');
    expect(f.usd).toBeCloseTo(0.085, 12);
    expect(f.minutes).toBe(2.5);
    expect(f.estimated).toBe(true);
  });
});
