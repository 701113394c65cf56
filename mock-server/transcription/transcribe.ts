/**
 * The transcription of one committed turn (§3.10, §2.3): `conversation.item.input_audio_transcription`
 * `delta`* → `completed` (with usage), or `failed` when a fault fails it. Deltas after a commit are
 * paced on the session's timers; streaming models (no VAD) emit theirs while audio arrives
 * (see session.ts) and only finish here.
 */
import type { LogProbProperties } from 'openai/resources/realtime/realtime';
import type { ServerEventOf } from '../../common/protocol/types.ts';
import type { MockSessionContext, WireEvent } from '../contract.ts';
import { injectedFailureError } from '../faults.ts';
import { textTokens, userAudioTokens } from '../usage.ts';
import type { TranscriptionModelProfile } from './config.ts';
import { wordDeltas } from './transcript.ts';

/** Spacing of transcription deltas after a commit, ms (before `slow_audio`). Mock choice. */
export const DELTA_INTERVAL_MS = 40;

type CompletedEvent = ServerEventOf<'conversation.item.input_audio_transcription.completed'>;
type DeltaEvent = ServerEventOf<'conversation.item.input_audio_transcription.delta'>;

/** One turn to transcribe. */
export interface TurnToTranscribe {
  itemId: string;
  model: string;
  profile: TranscriptionModelProfile;
  /** The full transcript (the concatenation of every delta of the turn). */
  transcript: string;
  /** Deltas still to send after the commit, in order (streaming models sent the others already). */
  pendingDeltas: readonly string[];
  /** Committed audio, ms (usage). */
  audioMs: number;
  /** `audio.input.transcription.prompt`, billed as text input tokens. */
  prompt: string;
  /** Attach `logprobs` (`include: ["item.input_audio_transcription.logprobs"]`). */
  logprobs: boolean;
}

/** Usage of a completed transcription (§6.1): tokens for token-priced models, seconds for the others. */
export function transcriptionUsage(turn: Pick<TurnToTranscribe, 'profile' | 'transcript' | 'audioMs' | 'prompt'>): CompletedEvent['usage'] {
  if (turn.profile.usage === 'duration') return { type: 'duration', seconds: Math.round(turn.audioMs) / 1000 };
  const audioTokens = userAudioTokens(turn.audioMs);
  const promptTokens = turn.prompt ? textTokens(turn.prompt) : 0;
  const input = audioTokens + promptTokens;
  const output = textTokens(turn.transcript);
  return {
    type: 'tokens',
    input_tokens: input,
    output_tokens: output,
    total_tokens: input + output,
    input_token_details: { audio_tokens: audioTokens, text_tokens: promptTokens },
  };
}

/**
 * Placeholder log probabilities: one entry per delta, the delta itself as the token, a fixed
 * confident value (the mock knows no alternatives).
 */
export function placeholderLogprobs(delta: string): LogProbProperties[] {
  return [{ token: delta, logprob: -0.0125, bytes: [...Buffer.from(delta, 'utf8')] }];
}

/** A `delta` event. */
export function deltaEvent(itemId: string, delta: string, logprobs: boolean): WireEvent {
  const event: Omit<DeltaEvent, 'event_id'> = {
    type: 'conversation.item.input_audio_transcription.delta',
    item_id: itemId,
    content_index: 0,
    delta,
  };
  if (logprobs) event.logprobs = placeholderLogprobs(delta);
  return event as WireEvent;
}

/**
 * Schedules the rest of a turn's transcription on the session's timers: after `firstDeltaMs`
 * (× `slow_audio`), the pending deltas every {@link DELTA_INTERVAL_MS} (× `slow_audio`), then
 * `completed`. A `rate_limit`/`server_error` fault turns the turn into one `failed` event instead.
 * @param pending the session's cancel functions of timers not yet fired (fired ones remove themselves).
 */
export function scheduleTranscription(ctx: MockSessionContext, turn: TurnToTranscribe, pending: Set<() => void>): void {
  const slowdown = ctx.faults.audioSlowdown();
  const failure = ctx.faults.responseFailure();
  const at = (delayMs: number, fn: () => void): void => {
    const handle = ctx.setTimeout(() => {
      pending.delete(cancel);
      fn();
    }, delayMs);
    const cancel = (): void => ctx.clearTimeout(handle);
    pending.add(cancel);
  };
  let t = turn.profile.firstDeltaMs * slowdown;
  if (failure) {
    const error = injectedFailureError(failure, turn.model);
    at(t, () =>
      // The SDK types `error.param` as optional; the real error objects carry it as null (§4.1).
      ctx.send({
        type: 'conversation.item.input_audio_transcription.failed',
        item_id: turn.itemId,
        content_index: 0,
        error: { type: error.type, code: error.code, message: error.message, param: null },
      }),
    );
    return;
  }
  const deltas = turn.profile.singleDelta ? (turn.transcript ? [turn.transcript] : []) : turn.pendingDeltas;
  for (const delta of deltas) {
    const d = delta;
    at(t, () => ctx.send(deltaEvent(turn.itemId, d, turn.logprobs)));
    t += DELTA_INTERVAL_MS * slowdown;
  }
  at(t, () => {
    const completed: Omit<CompletedEvent, 'event_id'> = {
      type: 'conversation.item.input_audio_transcription.completed',
      item_id: turn.itemId,
      content_index: 0,
      transcript: turn.transcript,
      usage: transcriptionUsage(turn),
    };
    if (turn.logprobs) completed.logprobs = (turn.profile.singleDelta ? [turn.transcript] : wordDeltas(turn.transcript)).flatMap(placeholderLogprobs);
    ctx.send(completed as WireEvent);
  });
}
