import { describe, expect, it } from 'vitest';
import { loadPriceCard } from './price-card.ts';
import { computeRunCost } from './run-cost.ts';
import { GUIDE_USAGE, session, SECOND_USAGE, smallRun, turn } from './test-fixtures.ts';

const card = loadPriceCard();

// Hand-computed figures of smallRun() at the bundled card's prices (see test-fixtures.ts):
// s0 (low):  t1 = guide example 0.0072056; t2 = 72×4 + 128×0.4 + 50×32 + 20×24 + 100×64 per 1M = 0.0088192
// s1 (high): t1 estimated: 20 tok user + 20 tok assistant = 20×32 + 20×64 per 1M = 0.00192
//            t2 failed without a response: nothing billed, adds no context
//            t3 estimated: (10 + 40 context) × 32 + 10 × 64 per 1M = 0.00224
// s2 (translate): 2 connected min × $0.034 = 0.068, estimated (no duration usage)
const S0 = 0.0072056 + 0.0088192;
const S1 = 0.00192 + 0.00224;
const S2 = 0.068;
const TOTAL = S0 + S1 + S2;

describe('computeRunCost', () => {
  const { turns, sessions } = smallRun();
  const cost = computeRunCost(turns, sessions, card);

  it('prices every response: measured, estimated, and none for a turn without a response', () => {
    const by = (s: number, t: number) => cost.responses.find((r) => r.sessionIndex === s && r.turnIndex === t)!;
    expect(by(0, 1).usd).toBeCloseTo(0.0072056, 12);
    expect(by(0, 2).usd).toBeCloseTo(0.0088192, 12);
    expect(by(1, 1).usd).toBeCloseTo(0.00192, 12);
    expect(by(1, 1).estimated).toBe(true);
    expect(by(1, 2).response).toBeNull();
    expect(by(1, 2).usd).toBe(0);
    expect(by(1, 3).response?.tokens.audio_in).toBe(50);
    expect(by(1, 3).usd).toBeCloseTo(0.00224, 12);
    expect(by(2, 1).response).toBeNull(); // per-minute model: billed per session
  });

  it('sums per session and in total, with per-minute figures', () => {
    expect(cost.sessions.map((s) => s.usd)).toEqual([expect.closeTo(S0, 12), expect.closeTo(S1, 12), expect.closeTo(S2, 12)]);
    expect(cost.sessions[0]!.usdPerConnectedMinute).toBeCloseTo(S0, 12); // 60 s connected
    expect(cost.sessions[2]!.minuteCharge?.estimated).toBe(true);
    expect(cost.total.usd).toBeCloseTo(TOTAL, 12);
    expect(cost.total.knownUsd).toBeCloseTo(TOTAL, 12);
    expect(cost.total.estimatedUsd).toBeCloseTo(S1 + S2, 12);
    expect(cost.total.connectedMs).toBe(210_000);
    expect(cost.total.usdPerConnectedMinute).toBeCloseTo(TOTAL / 3.5, 12);
    // user speech 1300 + 2000 + 2000 + 1500 + 1000 + 5000 = 12 800 ms
    expect(cost.total.userSpeechMs).toBe(12_800);
    expect(cost.total.usdPerUserSpeechMinute).toBeCloseTo(TOTAL / (12_800 / 60_000), 12);
    expect(cost.total.usdPerResponse).toBeCloseTo((S0 + S1) / 4, 12);
    expect(cost.estimated).toEqual({ responses: 2, minuteSessions: 1 });
    expect(cost.card).toEqual({ asOf: '2026-11-24', currency: 'USD' });
  });

  it('groups by model and effort', () => {
    expect(cost.groups.map((g) => [g.model, g.effort])).toEqual([
      ['gpt-realtime-2', 'high'],
      ['gpt-realtime-2', 'low'],
      ['gpt-realtime-translate', 'none'],
    ]);
    const [high, low, tr] = cost.groups;
    expect(low!.usd).toBeCloseTo(S0, 12);
    expect(low!.usdPerConnectedMinute).toBeCloseTo(S0, 12);
    expect(low!.cachedShare).toBeCloseTo(192 / 382, 12);
    expect(high!.usd).toBeCloseTo(S1, 12);
    expect(high!.estimatedResponses).toBe(2);
    expect(high!.cachedShare).toBeNull(); // estimates carry no cache information
    expect(tr!.usd).toBeCloseTo(S2, 12);
    expect(tr!.minutes).toBe(2);
  });

  it('shows cost per turn by turn index and the cached share of measured input', () => {
    expect(cost.total.byTurnIndex).toEqual([
      { turnIndex: 1, responses: 2, meanUsd: expect.closeTo((0.0072056 + 0.00192) / 2, 12), meanInputTokens: (132 + 20) / 2, cachedShare: 64 / 132 },
      { turnIndex: 2, responses: 1, meanUsd: expect.closeTo(0.0088192, 12), meanInputTokens: 250, cachedShare: 128 / 250 },
      { turnIndex: 3, responses: 1, meanUsd: expect.closeTo(0.00224, 12), meanInputTokens: 50, cachedShare: null },
    ]);
    expect(cost.total.inputTokens).toBe(382);
    expect(cost.total.cachedInputTokens).toBe(192);
  });

  it('makes the figure null with a reason when a price is missing, keeping the priced part', () => {
    const t = [turn({ usage: GUIDE_USAGE, milestones: { responseCreatedUs: 1 } }), turn({ sessionIndex: 1, model: 'gpt-unknown', usage: SECOND_USAGE, milestones: { responseCreatedUs: 1 } })];
    const c = computeRunCost(t, [session(), session({ sessionIndex: 1, model: 'gpt-unknown' })], card);
    expect(c.total.usd).toBeNull();
    expect(c.total.knownUsd).toBeCloseTo(0.0072056, 12);
    expect(c.total.usdPerConnectedMinute).toBeNull();
    expect(c.total.reasons).toEqual([expect.stringMatching(/'gpt-unknown' is not on the price card/)]);
    expect(c.groups.find((g) => g.model === 'gpt-realtime-2')!.usd).toBeCloseTo(0.0072056, 12);
  });

  it('prices input transcription with the given model, or null when it is unknown', () => {
    const u = { type: 'tokens', input_tokens: 17, input_token_details: { text_tokens: 0, audio_tokens: 17 }, output_tokens: 9 };
    const t = [turn({ usage: GUIDE_USAGE, transcriptionUsage: u, milestones: { responseCreatedUs: 1 } })];
    const known = computeRunCost(t, [session()], card, { inputTranscriptionModel: 'gpt-4o-transcribe' });
    expect(known.total.usd).toBeCloseTo(0.0072056 + 0.000192, 12);
    expect(known.total.transcriptions).toBe(1);
    const unknown = computeRunCost(t, [session()], card);
    expect(unknown.total.usd).toBeNull();
    expect(unknown.total.knownUsd).toBeCloseTo(0.0072056, 12);
    expect(unknown.total.reasons[0]).toMatch(/input-transcription model unknown/);
  });

  it("prices a transcription session's turns with the session's own model and per-minute duration usage without a connected-time charge", () => {
    const tok = computeRunCost(
      [turn({ model: 'gpt-4o-transcribe', effort: null, transcriptionUsage: { type: 'tokens', input_tokens: 17, input_token_details: { audio_tokens: 17, text_tokens: 0 }, output_tokens: 9 } })],
      [session({ model: 'gpt-4o-transcribe', effort: null })],
      card,
    );
    expect(tok.total.usd).toBeCloseTo(0.000192, 12);
    const dur = computeRunCost(
      [turn({ model: 'gpt-realtime-whisper', effort: null, transcriptionUsage: { type: 'duration', seconds: 30 } })],
      [session({ model: 'gpt-realtime-whisper', effort: null, connectedMs: 600_000 })],
      card,
    );
    expect(dur.total.usd).toBeCloseTo(0.0085, 12);
    expect(dur.estimated.minuteSessions).toBe(0);
  });
});

describe('computeRunCost with the gpt-realtime-2.1 models', () => {
  it('prices each session at its own model: 2.1 at the gpt-realtime-2 rates, 2.1-mini at its own', () => {
    const turns = [
      turn({ sessionIndex: 0, model: 'gpt-realtime-2.1', turnIndex: 1, usage: GUIDE_USAGE, milestones: { responseCreatedUs: 1 } }),
      turn({ sessionIndex: 1, model: 'gpt-realtime-2.1-mini', turnIndex: 1, usage: GUIDE_USAGE, milestones: { responseCreatedUs: 1 } }),
    ];
    const sessions = [session({ sessionIndex: 0, model: 'gpt-realtime-2.1' }), session({ sessionIndex: 1, model: 'gpt-realtime-2.1-mini' })];
    const cost = computeRunCost(turns, sessions, card);
    // The guide example: 0.0072056 at gpt-realtime-2 prices; at 2.1-mini's: 55×0.6 + 64×0.06 + 13×10 + 30×2.4 + 91×20 per 1M = 0.00205884
    expect(cost.groups.map((g) => [g.model, g.effort, g.usd])).toEqual([
      ['gpt-realtime-2.1', 'low', expect.closeTo(0.0072056, 12)],
      ['gpt-realtime-2.1-mini', 'low', expect.closeTo(0.00205884, 12)],
    ]);
    expect(cost.total.reasons).toEqual([]);
    expect(cost.total.usd).toBeCloseTo(0.0072056 + 0.00205884, 12);
  });
});
