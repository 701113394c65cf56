/** Builders of contract values and a small run for the cost tests (hand-computed figures in run-cost.test.ts). */
import type { SessionResult, TurnResult } from '../contract.ts';
import { session as metricsSession, turn } from '../metrics/test-fixtures.ts';

export { turn };

/** A completed session with the given overrides; one connected minute, so per-minute figures are easy to check by hand. */
export function session(over: Partial<SessionResult> = {}): SessionResult {
  return metricsSession({ connectedMs: 60_000, ...over });
}

/** The usage example of docs/realtime-protocol.md §6.1 (from the official realtime-costs guide). */
export const GUIDE_USAGE = {
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

/** A second response of a growing conversation: 200 text (128 cached) + 50 audio in; 20 text + 100 audio out. */
export const SECOND_USAGE = {
  total_tokens: 370,
  input_tokens: 250,
  output_tokens: 120,
  input_token_details: {
    text_tokens: 200,
    audio_tokens: 50,
    image_tokens: 0,
    cached_tokens: 128,
    cached_tokens_details: { text_tokens: 128, audio_tokens: 0, image_tokens: 0 },
  },
  output_token_details: { text_tokens: 20, audio_tokens: 100 },
};

const created = { responseCreatedUs: 1 };

/**
 * A small run: session 0 (gpt-realtime-2, low, 60 s) with two measured responses; session 1
 * (gpt-realtime-2, high, 30 s) with two responses without usage (estimated) and a failed turn
 * that never got a response; session 2 (gpt-realtime-translate, 120 s) priced per minute.
 */
export function smallRun(): { turns: TurnResult[]; sessions: SessionResult[] } {
  const turns: TurnResult[] = [
    turn({ turnIndex: 1, usage: GUIDE_USAGE, userSpeechMs: 1300, milestones: created }),
    turn({ turnIndex: 2, usage: SECOND_USAGE, userSpeechMs: 2000, milestones: created }),
    turn({
      sessionIndex: 1,
      effort: 'high',
      turnIndex: 1,
      userSpeechMs: 2000,
      audioDeltas: [
        { receivedUs: 10, durationMs: 500 },
        { receivedUs: 20, durationMs: 500 },
      ],
      milestones: created,
    }),
    turn({ sessionIndex: 1, effort: 'high', turnIndex: 2, status: 'failed', errorCode: 'rate_limit_exceeded', userSpeechMs: 1500 }),
    turn({ sessionIndex: 1, effort: 'high', turnIndex: 3, userSpeechMs: 1000, audioDeltas: [{ receivedUs: 30, durationMs: 500 }], milestones: created }),
    turn({
      sessionIndex: 2,
      effort: null,
      model: 'gpt-realtime-translate',
      turnIndex: 1,
      userSpeechMs: 5000,
      audioDeltas: [{ receivedUs: 40, durationMs: 4000 }],
      milestones: { firstAudioUs: 40 },
    }),
  ];
  const sessions = [
    session({ sessionIndex: 0, connectedMs: 60_000 }),
    session({ sessionIndex: 1, effort: 'high', connectedMs: 30_000 }),
    session({ sessionIndex: 2, effort: null, model: 'gpt-realtime-translate', connectedMs: 120_000 }),
  ];
  return { turns, sessions };
}
