/**
 * One user turn's state: milestones (docs/measurement.md), the responses it owns, audio arrivals, usage
 * and how it ended. The driver feeds it events it has already routed (by response id / item id);
 * the tracker keeps only stamps, counts and durations — never raw events or audio.
 */
import { OnsetDetector, type OnsetOptions } from '../../common/audio/onset.ts';
import type { TimerHandle } from '../../common/clock.ts';
import type { AudioDeltaArrival, PlannedTurn, TurnMilestones, TurnResult, TurnStatus } from '../contract.ts';
import type { TurnMedia } from './media-turns.ts';
import type { OpenRecovery } from './recovery.ts';
import { PlaybackSimulator } from './playback.ts';

/** Longest assistant text kept per turn for re-seeding history, characters. */
export const MAX_ASSISTANT_TEXT_CHARS = 2000;

/** Fresh, all-null milestones. */
export function emptyMilestones(): TurnMilestones {
  return {
    turnStartUs: null,
    speechEndSentUs: null,
    commitSentUs: null,
    speechStoppedUs: null,
    committedUs: null,
    responseCreatedUs: null,
    firstAudioUs: null,
    firstTextUs: null,
    responseDoneUs: null,
  };
}

/** Static facts of a result the tracker does not know (from the plan and session). */
export interface TurnContext {
  sessionIndex: number;
  sessionId: string | null;
  effort: TurnResult['effort'];
  model: string;
  mode: TurnResult['mode'];
}

/** State of one turn. Mutable fields are written by the driver's event handlers. */
export class TurnTracker {
  readonly milestones: TurnMilestones = emptyMilestones();
  /** Responses of this turn (the first, tool follow-ups, retries), in order. */
  readonly responseIds: string[] = [];
  /** The response in progress, if any. */
  openResponseId: string | null = null;
  /** A `response.created` is expected for this turn (speech ended / commit or `response.create` sent). */
  awaitingResponse = false;
  /** The response whose delta set `firstAudioUs`. */
  firstAudioResponseId: string | null = null;
  readonly audioDeltas: AudioDeltaArrival[] = [];
  /**
   * Speech onset in this turn's audio, ms from the start of the first delta (see {@link detectOnset});
   * null until found.
   */
  audioOnsetMs: number | null = null;
  /** Detector of {@link audioOnsetMs}, created at the first delta, dropped once the onset is found. */
  private onset: OnsetDetector | null = null;
  /** WebRTC turns: the received track's state (media-turns.ts); null on WebSocket turns. */
  media: TurnMedia | null = null;
  usage: Record<string, unknown> | null = null;
  transcriptionUsage: Record<string, unknown> | null = null;
  toolCalls = 0;
  /** Tool round trips answered (each: outputs + one `response.create`). */
  toolRounds = 0;
  bargedIn = false;
  /** User item id (from `input_audio_buffer.committed`). */
  userItemId: string | null = null;
  /** Assistant transcript/text (capped), for re-seeding history. */
  assistantText = '';
  /** Function calls of the open response to answer once it is done. */
  pendingCalls: { callId: string; name: string }[] = [];
  /** Retries made (recovery). */
  rateLimitRetries = 0;
  serverErrorRetries = 0;
  /** Open recovery of this turn (rate limit / server error), and the retried response's creation time. */
  recovery: OpenRecovery | null = null;
  retryCreatedUs: number | null = null;
  /** The final response is done but the barge-in moment is still ahead. */
  awaitingBargeIn = false;
  /** Simulated player (barge-in turns). */
  readonly playback: PlaybackSimulator | null;
  /** Timers owned by this turn (timeout, barge-in, back-off). */
  timeoutTimer: TimerHandle | null = null;
  bargeTimer: TimerHandle | null = null;
  retryTimer: TimerHandle | null = null;

  private finishedResult: TurnResult | null = null;
  private resolveDone!: (r: TurnResult) => void;
  /** Resolves with the result when the turn finishes. */
  readonly done: Promise<TurnResult>;

  constructor(
    /** 1-based index within the session. */
    readonly turnIndex: number,
    readonly turn: PlannedTurn,
  ) {
    this.playback = turn.bargeInAfterAudioMs !== null ? new PlaybackSimulator() : null;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Whether the turn has finished. */
  get finished(): boolean {
    return this.finishedResult !== null;
  }

  /** Stamps first audio (once) and records the arrival. */
  audioDelta(responseId: string, receivedUs: number, durationMs: number, itemId: string | null): void {
    if (this.milestones.firstAudioUs === null) {
      this.milestones.firstAudioUs = receivedUs;
      this.firstAudioResponseId = responseId;
    }
    this.audioDeltas.push({ receivedUs, durationMs });
    this.playback?.onDelta(receivedUs, durationMs, itemId);
  }

  /**
   * Feeds one audio delta's base64 payload, in arrival order, to the onset detector until the onset
   * is found; from then on it returns at once without decoding (the WebSocket hot path decodes
   * only the first deltas of an answer). Call for every delta of the turn from the first one, so
   * positions count the turn's audio as the 1× player plays it.
   */
  detectOnset(base64: string, options: OnsetOptions): void {
    if (this.audioOnsetMs !== null) return;
    const d = (this.onset ??= new OnsetDetector(options));
    if (d.pushBase64(base64)) {
      this.audioOnsetMs = d.onsetMs;
      this.onset = null;
    }
  }

  /**
   * As {@link detectOnset}, for decoded samples (WebRTC: each received packet's 48 kHz PCM, in
   * arrival order; a packet that failed to decode is skipped).
   */
  detectOnsetSamples(samples: Int16Array | null, options: OnsetOptions): void {
    if (this.audioOnsetMs !== null || samples === null) return;
    const d = (this.onset ??= new OnsetDetector(options));
    if (d.pushSamples(samples)) {
      this.audioOnsetMs = d.onsetMs;
      this.onset = null;
    }
  }

  /** Stamps first text (once) and keeps the text for history. */
  textDelta(receivedUs: number, delta: string): void {
    if (this.milestones.firstTextUs === null) this.milestones.firstTextUs = receivedUs;
    if (this.assistantText.length < MAX_ASSISTANT_TEXT_CHARS) {
      this.assistantText = (this.assistantText + delta).slice(0, MAX_ASSISTANT_TEXT_CHARS);
    }
  }

  /** Adds a response's usage (numbers summed, so a tool turn's usage covers all its responses). */
  addUsage(usage: unknown): void {
    if (typeof usage !== 'object' || usage === null) return;
    this.usage = sumNumeric(this.usage ?? {}, usage as Record<string, unknown>);
  }

  /**
   * Finishes the turn once (later calls are ignored) and returns the result, or null if it had
   * already finished.
   */
  finish(status: TurnStatus, errorCode: string | null, ctx: TurnContext): TurnResult | null {
    if (this.finishedResult) return null;
    const clip = this.turn.clip;
    const result: TurnResult = {
      sessionIndex: ctx.sessionIndex,
      sessionId: ctx.sessionId,
      turnIndex: this.turnIndex,
      effort: ctx.effort,
      model: ctx.model,
      clipId: clip.id,
      mode: ctx.mode,
      status,
      errorCode,
      responseId: this.firstAudioResponseId ?? this.responseIds[this.responseIds.length - 1] ?? null,
      milestones: { ...this.milestones },
      audioDeltas: this.audioDeltas,
      audioOnsetMs: this.audioOnsetMs,
      ...(this.media ? { media: this.media.stats() } : {}),
      usage: this.usage,
      transcriptionUsage: this.transcriptionUsage,
      toolCalls: this.toolCalls,
      bargedIn: this.bargedIn,
      userSpeechMs: Math.max(0, clip.speechEndMs - clip.speechStartMs),
    };
    this.finishedResult = result;
    this.resolveDone(result);
    return result;
  }

  /** Forgets response-scoped milestones before a retry (the user's speech stamps stay). */
  resetForRetry(): void {
    const m = this.milestones;
    m.responseCreatedUs = null;
    m.firstAudioUs = null;
    m.firstTextUs = null;
    m.responseDoneUs = null;
    this.firstAudioResponseId = null;
    this.audioDeltas.length = 0;
    this.audioOnsetMs = null;
    this.onset = null;
    this.media = null;
    this.assistantText = '';
    this.openResponseId = null;
    this.pendingCalls = [];
  }
}

function sumNumeric(into: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...into };
  for (const [k, v] of Object.entries(add)) {
    const prev = out[k];
    if (typeof v === 'number') out[k] = (typeof prev === 'number' ? prev : 0) + v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      out[k] = sumNumeric(typeof prev === 'object' && prev !== null ? (prev as Record<string, unknown>) : {}, v as Record<string, unknown>);
    } else if (prev === undefined) out[k] = v;
  }
  return out;
}
