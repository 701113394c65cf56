/**
 * One user turn of a GPT-Live session, judged from the continuous output stream
 * (docs/live-protocol.md §4.3, §7). The server sends a delta every 100 ms whether the model speaks or
 * not, so the turn's milestones come from the audio itself:
 *
 * - `firstAudioUs`: receive stamp of the delta holding the first voiced window after the clip's
 *   speech end was sent, and `audioOnsetMs` the onset's offset into that delta — found by the same
 *   detector (common/audio/onset.ts) the Realtime turns use, so `ttfa_onset_ms` has one definition
 *   for both APIs. `ttfa_ms` (to the delta holding the onset) trails it by under one delta.
 * - `responseDoneUs`: receive stamp of the last voiced delta of the answer: the answer has ended
 *   once {@link ANSWER_END_SILENCE_MS} of unvoiced deltas follow it, no delegation of the turn is
 *   waiting for its `*.appended` acknowledgement, and, after such an acknowledgement, the model has
 *   spoken again (the delegated result).
 * - `firstTextUs`: the first output transcript delta after the speech end.
 *
 * Audio before the speech end is not the answer and is ignored (the next clip starts only after
 * the previous answer ended). Only stamps, durations and a few recent deltas are kept.
 */
import { OnsetDetector, type OnsetOptions } from '../../common/audio/onset.ts';
import type { TurnStatus } from '../contract.ts';
import { base64AudioMs } from './playback.ts';
import type { TurnTracker } from './turn-tracker.ts';

/** Unvoiced audio after the last voiced delta that ends an answer, ms (longer than any pause between the mock's sentences). */
export const ANSWER_END_SILENCE_MS = 1000;
/** `responseId` of Live turn results: a Live stream has no responses (§7). */
export const LIVE_RESPONSE_ID = 'live_stream';
/** Recent deltas kept while looking for the onset (the onset window may start a delta or two back). */
const RECENT_KEPT = 8;

/** A delta before the onset: where it starts in the stream after the speech end, ms. */
interface Recent {
  receivedUs: number;
  durationMs: number;
  startMs: number;
}

/** State of one Live turn on top of its {@link TurnTracker}. */
export class LiveTurn {
  /** Delegations of this turn still waiting for their `*.appended` acknowledgement. */
  readonly pendingDelegations = new Set<string>();
  /** Client event ids of this turn's delegation answers, to match acknowledgements. */
  readonly answerEventIds = new Map<string, string>();
  private onset: OnsetDetector | null = null;
  private streamMs = 0;
  private readonly recent: Recent[] = [];
  private found = false;
  private silenceMs = 0;
  private lastVoicedUs: number | null = null;
  /** An acknowledgement arrived: the turn ends only after the model spoke again. */
  private awaitingResult = false;

  constructor(
    readonly tracker: TurnTracker,
    private readonly onsetOptions: OnsetOptions,
    private readonly bytesPerMs: number,
  ) {}

  /** Whether the user's speech end was sent (deltas count from then on). */
  get listening(): boolean {
    return this.tracker.milestones.speechEndSentUs !== null;
  }

  /**
   * One output audio delta. Returns `completed` when the answer has ended with it, else null.
   * Ignored before the speech end was sent.
   */
  audio(base64: string, receivedUs: number): TurnStatus | null {
    if (!this.listening) return null;
    const durationMs = base64AudioMs(base64, this.bytesPerMs);
    if (!this.found) {
      const d = (this.onset ??= new OnsetDetector(this.onsetOptions));
      this.recent.push({ receivedUs, durationMs, startMs: this.streamMs });
      if (this.recent.length > RECENT_KEPT) this.recent.shift();
      this.streamMs += durationMs;
      if (!d.pushBase64(base64)) return null;
      this.found = true;
      const onsetMs = d.onsetMs ?? 0;
      this.onset = null;
      // The delta holding the onset becomes the turn's first audio; the player starts there.
      const i = Math.max(0, this.recent.findIndex((r) => onsetMs < r.startMs + r.durationMs));
      const first = this.recent[i]!;
      this.tracker.audioOnsetMs = Math.max(0, onsetMs - first.startMs);
      for (const r of this.recent.slice(i)) this.tracker.audioDelta(LIVE_RESPONSE_ID, r.receivedUs, r.durationMs, null);
      this.recent.length = 0;
      this.lastVoicedUs = receivedUs;
      this.silenceMs = 0;
      if (this.awaitingResult) this.awaitingResult = false;
      return null;
    }
    this.tracker.audioDelta(LIVE_RESPONSE_ID, receivedUs, durationMs, null);
    if (new OnsetDetector(this.onsetOptions).pushBase64(base64)) {
      this.lastVoicedUs = receivedUs;
      this.silenceMs = 0;
      if (this.pendingDelegations.size === 0) this.awaitingResult = false;
      return null;
    }
    this.silenceMs += durationMs;
    if (this.silenceMs >= ANSWER_END_SILENCE_MS && this.pendingDelegations.size === 0 && !this.awaitingResult) {
      this.tracker.milestones.responseDoneUs = this.lastVoicedUs;
      return 'completed';
    }
    return null;
  }

  /** An output transcript delta (first text after the speech end). */
  text(delta: string, receivedUs: number): void {
    if (this.listening) this.tracker.textDelta(receivedUs, delta);
  }

  /** The client answered delegation `id` with the command `eventId`. */
  delegated(id: string, eventId: string): void {
    this.pendingDelegations.add(id);
    this.answerEventIds.set(eventId, id);
    this.tracker.toolCalls += 1;
  }

  /** An `*.appended` acknowledgement echoing `clientEventId`; true if it was this turn's. */
  acknowledged(clientEventId: string): boolean {
    const id = this.answerEventIds.get(clientEventId);
    if (id === undefined) return false;
    this.answerEventIds.delete(clientEventId);
    this.pendingDelegations.delete(id);
    if (this.pendingDelegations.size === 0) {
      this.awaitingResult = true;
      this.silenceMs = 0;
    }
    return true;
  }
}
