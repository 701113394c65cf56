import { describe, expect, it } from 'vitest';
import { loadPriceCard } from './price-card.ts';
import { DEFAULT_ASSUMPTIONS, DEFAULT_REASONING_TOKENS, projectCost, sessionTurnTokens, type ProjectionAssumptions } from './projection.ts';

const card = loadPriceCard();

// Two turns of one minute each; user 30 s/turn (300 audio tokens), assistant 15 s/turn (300 audio
// tokens, 45 transcript text tokens), 2 overhead tokens per item.
const small: ProjectionAssumptions = {
  ...DEFAULT_ASSUMPTIONS,
  minutesPerMonth: 1000,
  avgSessionMin: 2,
  turnsPerMin: 1,
  userTalkShare: 0.5,
  assistantTalkShare: 0.25,
  instructionsTokens: 100,
  cachedShare: 0,
};

describe('sessionTurnTokens', () => {
  it('re-bills the whole conversation as input on every turn', () => {
    const [t1, t2] = sessionTurnTokens(small, 30);
    expect(t1).toMatchObject({ text_in: 102, audio_in: 300, audio_out: 300, text_out: 75, cached_text_in: 0 });
    // instructions 100 + user 2 + assistant (45 + 2) + user 2 = 151 text; 3 × 300 audio
    expect(t2).toMatchObject({ text_in: 151, audio_in: 900, audio_out: 300, text_out: 75 });
  });

  it('auto caching: the previous input, once ≥ 1024 tokens, in multiples of 64, text before audio', () => {
    const [t1, t2] = sessionTurnTokens({ ...small, instructionsTokens: 1000, cachedShare: 'auto' }, 0);
    expect(t1!.cached_text_in + t1!.cached_audio_in).toBe(0);
    // previous input 1002 text + 300 audio = 1302 → 1280 cached: 1002 text, 278 audio
    expect(t2).toMatchObject({ cached_text_in: 1002, text_in: 49, cached_audio_in: 278, audio_in: 622 });
    const [, short] = sessionTurnTokens({ ...small, cachedShare: 'auto' }, 0);
    expect(short!.cached_text_in + short!.cached_audio_in).toBe(0); // 402 < 1024
  });

  it('a fixed cached share applies to every class of every turn', () => {
    const [t1] = sessionTurnTokens({ ...small, cachedShare: 0.5 }, 0);
    expect(t1).toMatchObject({ text_in: 51, cached_text_in: 51, audio_in: 150, cached_audio_in: 150 });
  });
});

describe('projectCost', () => {
  it('prices the modelled session per minute, per user-speech minute, per session and per month', () => {
    const p = projectCost(['gpt-realtime-2'], ['low'], small, card);
    const r = p.rows[0]!;
    // turn 1: 102×4 + 300×32 + 300×64 + 75×24 = 31 008 per 1M; turn 2: 151×4 + 900×32 + 300×64 + 75×24 = 50 404 per 1M
    expect(r.usdFirstTurn).toBeCloseTo(0.031008, 12);
    expect(r.usdLastTurn).toBeCloseTo(0.050404, 12);
    expect(r.usdPerSession).toBeCloseTo(0.081412, 12);
    expect(r.usdPerMinute).toBeCloseTo(0.040706, 12);
    expect(r.usdPerUserSpeechMinute).toBeCloseTo(0.081412, 12);
    expect(r.usdPerMonth).toBeCloseTo(40.706, 9);
    expect(r.turnsPerSession).toBe(2);
    expect(r.reasoningTokensPerTurn).toBe(DEFAULT_REASONING_TOKENS.low);
    expect(p.asOf).toBe('2026-11-24');
  });

  it('prices gpt-realtime-2.1 like gpt-realtime-2 and gpt-realtime-2.1-mini at its own rates, both with reasoning tokens', () => {
    const p = projectCost(['gpt-realtime-2.1', 'gpt-realtime-2.1-mini'], ['low'], small, card);
    const [full, mini] = p.rows;
    expect([full!.model, full!.effort, mini!.model, mini!.effort]).toEqual(['gpt-realtime-2.1', 'low', 'gpt-realtime-2.1-mini', 'low']);
    // Same card prices as gpt-realtime-2, so the same session as above.
    expect(full!.usdPerSession).toBeCloseTo(0.081412, 12);
    // 2.1-mini per 1M: turn 1: 102×0.6 + 300×10 + 300×20 + 75×2.4 = 9 241.2; turn 2: 151×0.6 + 900×10 + 300×20 + 75×2.4 = 15 270.6
    expect(mini!.usdFirstTurn).toBeCloseTo(0.0092412, 12);
    expect(mini!.usdLastTurn).toBeCloseTo(0.0152706, 12);
    expect(mini!.usdPerMinute).toBeCloseTo(0.0122559, 12);
    expect(mini!.reasoningTokensPerTurn).toBe(DEFAULT_REASONING_TOKENS.low);
    expect(mini!.reason).toBeNull();
  });

  it('auto caching lowers the cost by the hand-computed amount', () => {
    const r = projectCost(['gpt-realtime-2'], ['minimal'], { ...small, instructionsTokens: 1000, cachedShare: 'auto' }, card).rows[0]!;
    // turn 1: 1002×4 + 300×32 + 300×64 + 45×24 = 33 888; turn 2: 49×4 + 1002×0.4 + 622×32 + 278×0.4 + 300×64 + 45×24 = 40 892
    expect(r.usdFirstTurn).toBeCloseTo(0.033888, 12);
    expect(r.usdLastTurn).toBeCloseTo(0.040892, 12);
    expect(r.cachedShare).toBeCloseTo(1280 / (1302 + 1951), 12);
  });

  it('higher effort costs more on reasoning models; other models and per-minute models collapse to none', () => {
    const p = projectCost(['gpt-realtime-2', 'gpt-realtime', 'gpt-realtime-translate'], ['low', 'high'], small, card);
    expect(p.rows.map((r) => `${r.model}/${r.effort}`)).toEqual(['gpt-realtime-2/low', 'gpt-realtime-2/high', 'gpt-realtime/none', 'gpt-realtime-translate/none']);
    const [low, high, plain, tr] = p.rows;
    // 2 turns × (120 - 30) extra text-out tokens × $24/1M, over 2 minutes
    expect(high!.usdPerMinute! - low!.usdPerMinute!).toBeCloseTo((2 * 90 * 24) / 1e6 / 2, 12);
    expect(plain!.reasoningTokensPerTurn).toBe(0);
    expect(plain!.secondary).toBe(true);
    expect(tr!.usdPerMinute).toBe(0.034);
    expect(tr!.usdPerMonth).toBeCloseTo(34, 9);
    expect(tr!.kind).toBe('per_minute');
  });

  it('a missing class price makes the row null with the reason', () => {
    const r = projectCost(['gpt-4o-transcribe'], ['none'], small, card).rows[0]!;
    expect(r.usdPerMonth).toBeNull();
    expect(r.reason).toMatch(/no price for audio_out of gpt-4o-transcribe/);
  });
});
