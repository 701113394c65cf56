/**
 * The state one realtime session shares between its parts (input, items, responses), so each part
 * lives in its own module and reads the same facts.
 */
import type { MockSessionContext } from '../contract.ts';
import type { LatencyProfile } from '../latency-profile.ts';
import type { EffectiveRealtimeSession } from './config.ts';
import type { Conversation } from './conversation.ts';
import type { ToolPlan } from './tool-plan.ts';

/** Shared state of one realtime session. */
export interface RealtimeState {
  readonly ctx: MockSessionContext;
  readonly profile: LatencyProfile;
  readonly toolPlan: ToolPlan;
  /** The effective config (replaced whole by each accepted `session.update`). */
  session: EffectiveRealtimeSession;
  readonly conversation: Conversation;
  /** Assistant audio exists in the conversation: the voice is locked (§5). */
  assistantAudioPresent: boolean;
  /** User turns so far (committed audio and user messages). */
  turnCount: number;
  /** The latest turn has been answered by a default-conversation response. */
  turnAnswered: boolean;
  /** When the server saw the latest turn end (speech_stopped, commit, message), µs; null before any. */
  lastTurnEndUs: number | null;
  /** When the latest turn's last audio arrived (trace ground truth), µs; null if unknown. */
  lastTurnAudioEndUs: number | null;
}
