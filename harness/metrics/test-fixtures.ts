/** Builders of contract values for the metrics tests. */
import type { SessionResult, TurnMilestones, TurnResult } from '../contract.ts';
import { emptyMilestones } from '../session/turn-tracker.ts';


/** A completed VAD turn with the given overrides (milestones merged). */
export function turn(over: Partial<Omit<TurnResult, 'milestones'>> & { milestones?: Partial<TurnMilestones> } = {}): TurnResult {
  const { milestones, ...rest } = over;
  return {
    sessionIndex: 0,
    sessionId: 'sess_1',
    turnIndex: 1,
    effort: 'low',
    model: 'gpt-realtime-2',
    clipId: 'en-1',
    mode: 'server_vad',
    status: 'completed',
    errorCode: null,
    responseId: 'resp_1',
    audioDeltas: [],
    usage: null,
    transcriptionUsage: null,
    toolCalls: 0,
    bargedIn: false,
    userSpeechMs: 1500,
    ...rest,
    milestones: { ...emptyMilestones(), ...milestones },
  };
}

/** A completed session with the given overrides. */
export function session(over: Partial<SessionResult> = {}): SessionResult {
  return {
    sessionIndex: 0,
    sessionId: 'sess_1',
    effort: 'low',
    model: 'gpt-realtime-2',
    connectMs: 120,
    configureMs: 40,
    connectedMs: 30_000,
    turnsCompleted: 1,
    turnsFailed: 0,
    outcome: 'completed',
    closeCode: 1000,
    errors: {},
    ...over,
  };
}
