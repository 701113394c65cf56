/**
 * The one module that builds outbound GPT-Live client events (docs/live-protocol.md §2–§3.1),
 * typed against the official Live union (`openai/resources/live/live`). Audio frames are the
 * corpus' prebuilt append frames rewritten once as `session.input_audio.append` (cached per frame
 * array, so every session shares them), as translation sessions do.
 */
import type { AudioFormat, CommentaryAppendEvent, SessionCloseEvent, SessionStartEvent } from 'openai/resources/live/live';
import type { SessionPlan, WireAudioFormat } from '../contract.ts';
import { buildSilenceFrame, type WithEventId } from './client-events.ts';

/** The Live format of a wire format: PCM16 24 kHz, or G.711 at 8 kHz (§4.1). */
export function liveAudioFormat(f: WireAudioFormat): AudioFormat {
  return f.type === 'audio/pcm' ? { type: 'audio/pcm', rate: 24000 } : { type: f.type, rate: 8000 };
}

const frameCache = new WeakMap<readonly string[], readonly string[]>();

/** Prebuilt `input_audio_buffer.append` frames rewritten as `session.input_audio.append` (cached per array). */
export function liveFramesOf(frames: readonly string[]): readonly string[] {
  let out = frameCache.get(frames);
  if (!out) {
    out = frames.map((f) => f.replace('"input_audio_buffer.append"', '"session.input_audio.append"'));
    frameCache.set(frames, out);
  }
  return out;
}

/** A `session.input_audio.append` frame of digital silence (`chunkMs` of the format). */
export function liveSilenceFrame(format: WireAudioFormat, chunkMs: number): string {
  return liveFramesOf([buildSilenceFrame(format, chunkMs).frame])[0]!;
}

/** Builds the client events of one Live session; ids are `rth_<kind>_<n>`, unique per builder. */
export class LiveEventBuilder {
  private seq = 0;

  private nextId(kind: string): string {
    this.seq += 1;
    return `rth_${kind}_${this.seq}`;
  }

  /**
   * `session.start` for a plan: model, audio format and voice, instructions when set. No
   * delegation field (client delegation is the default, §2.1) and no reasoning effort: the Live
   * voice model has none.
   */
  start(plan: SessionPlan): WithEventId<SessionStartEvent> {
    const session: SessionStartEvent['session'] = { model: plan.model, audio: { format: liveAudioFormat(plan.format), output: { voice: plan.voice } } };
    if (plan.instructions !== null) session.instructions = plan.instructions;
    return { type: 'session.start', event_id: this.nextId('start'), session };
  }

  /** The client's answer to a delegation: the result for the model to speak (§5.1). */
  commentary(delegationId: string, content: string): WithEventId<CommentaryAppendEvent> {
    return { type: 'session.commentary.append', event_id: this.nextId('commentary'), delegation_id: delegationId, content };
  }

  /** `session.close`. */
  close(): WithEventId<SessionCloseEvent> {
    return { type: 'session.close', event_id: this.nextId('close') };
  }
}
