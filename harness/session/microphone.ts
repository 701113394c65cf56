/**
 * The simulated user's microphone: feeds a clip's prebuilt append frames (and silence) to the
 * shared {@link Pacer}, frame i at its deadline `t0 + i * chunkMs`.
 *
 * - Continuous (VAD and translation sessions): one stream for the whole connection, silence until
 *   a clip is due, the clip, then silence again — a real microphone never stops (docs/measurement.md, "Pacing").
 * - One-shot (manual turns): a stream per clip that ends after its last frame.
 */
import type { Clock } from '../../common/clock.ts';
import type { PacedFrame, Pacer, PreparedClip, StreamHandle } from '../contract.ts';

/** What the driver learns about one spoken clip (stamps are the pacer's `sentUs`). */
export interface SpeakHandlers {
  /** The clip's first frame was handed to the socket. */
  onFirstFrameSent?(sentUs: number): void;
  /** The frame carrying the last speech sample was handed to the socket. */
  onSpeechEndSent?(sentUs: number): void;
  /** The clip's last frame was handed to the socket. */
  onClipEnd?(sentUs: number): void;
}

/**
 * Options of {@link Microphone}. `F` is the frame type: a prebuilt append frame (WebSocket, the
 * default) or an Opus packet (WebRTC, sent as RTP by the transport's media path).
 */
export interface MicrophoneOptions<F extends PacedFrame = string> {
  pacer: Pacer;
  clock: Clock;
  /** Writes one frame to the connection. */
  send: (frame: F) => void;
  /** A prebuilt silence frame of `chunkMs`. */
  silenceFrame: F;
  chunkMs: number;
  /**
   * A clip's frames (translation sessions rewrite the event type; WebRTC sessions send the clip's
   * shared Opus packets). Default: `clip.frames` (only valid when `F` is string).
   */
  framesOf?: (clip: PreparedClip) => readonly F[];
  /** Index of the frame carrying the clip's last speech sample. Default `clip.speechEndFrameIndex`. */
  speechEndIndexOf?: (clip: PreparedClip) => number;
}

interface Speech<F extends PacedFrame> {
  frames: readonly F[];
  speechEndIndex: number;
  atUs: number;
  handlers: SpeakHandlers;
  /** Slot of the first frame once it started. */
  startSlot: number;
}

/** Feeds one connection's audio. */
export class Microphone<F extends PacedFrame = string> {
  private handle: StreamHandle | null = null;
  private startUs = 0;
  private current: Speech<F> | null = null;
  private pending: Speech<F> | null = null;

  constructor(private readonly opts: MicrophoneOptions<F>) {}

  /** Whether a clip is being streamed (or is due to start). */
  get speaking(): boolean {
    return this.current !== null || this.pending !== null;
  }

  /** Starts the continuous stream at `startUs` (default now): silence until {@link speak}. */
  startContinuous(startUs = this.opts.clock.nowUs()): void {
    this.stop();
    this.startUs = startUs;
    const chunkUs = this.opts.chunkMs * 1000;
    this.handle = this.opts.pacer.start(
      {
        nextFrame: (i) => this.frameForSlot(i, this.startUs + i * chunkUs),
        onSent: (i, _deadlineUs, sentUs) => this.sentSlot(i, sentUs),
      },
      this.opts.send,
      { startUs, chunkMs: this.opts.chunkMs },
    );
  }

  /**
   * Continuous mode: speak `clip` from the first slot whose deadline is at or after `atUs`
   * (default now). A clip already speaking finishes first.
   */
  speak(clip: PreparedClip, handlers: SpeakHandlers, atUs = this.opts.clock.nowUs()): void {
    this.pending = this.speech(clip, handlers, atUs);
  }

  /** Drops a clip that has not started yet; true if there was one. */
  cancelPending(): boolean {
    const had = this.pending !== null;
    this.pending = null;
    return had;
  }

  /** One-shot mode: streams `clip` now and ends after its last frame (then `onClipEnd`). */
  playOnce(clip: PreparedClip, handlers: SpeakHandlers): void {
    this.stop();
    const speech = this.speech(clip, handlers, 0);
    speech.startSlot = 0;
    this.current = speech;
    const frames = speech.frames;
    this.handle = this.opts.pacer.start(
      {
        nextFrame: (i) => (i < frames.length ? (frames[i] ?? null) : null),
        onSent: (i, _deadlineUs, sentUs) => this.sentSlot(i, sentUs),
      },
      this.opts.send,
      { startUs: this.opts.clock.nowUs(), chunkMs: this.opts.chunkMs },
    );
  }

  /** Stops streaming (connection closing or session over). Pending clips are dropped. Idempotent. */
  stop(): void {
    const h = this.handle;
    this.handle = null;
    this.current = null;
    this.pending = null;
    h?.stop();
  }

  private speech(clip: PreparedClip, handlers: SpeakHandlers, atUs: number): Speech<F> {
    const frames = this.opts.framesOf ? this.opts.framesOf(clip) : (clip.frames as readonly unknown[] as readonly F[]);
    const end = this.opts.speechEndIndexOf ? this.opts.speechEndIndexOf(clip) : clip.speechEndFrameIndex;
    const speechEndIndex = Math.min(Math.max(0, end), frames.length - 1);
    return { frames, speechEndIndex, atUs, handlers, startSlot: -1 };
  }

  private frameForSlot(i: number, deadlineUs: number): F {
    if (!this.current && this.pending && this.pending.atUs <= deadlineUs) {
      this.current = this.pending;
      this.pending = null;
      this.current.startSlot = i;
    }
    const cur = this.current;
    if (cur) {
      const frame = cur.frames[i - cur.startSlot];
      if (frame !== undefined) return frame;
    }
    return this.opts.silenceFrame;
  }

  private sentSlot(i: number, sentUs: number): void {
    const cur = this.current;
    if (!cur || i < cur.startSlot) return;
    const k = i - cur.startSlot;
    if (k === 0) cur.handlers.onFirstFrameSent?.(sentUs);
    if (k === cur.speechEndIndex) cur.handlers.onSpeechEndSent?.(sentUs);
    if (k === cur.frames.length - 1) {
      // Clear before the callback: it may start the next clip.
      this.current = null;
      cur.handlers.onClipEnd?.(sentUs);
    }
  }
}

/** A microphone of any frame type, as the turn engines drive it (no method depends on the frame type). */
export type AnyMicrophone = Pick<Microphone<PacedFrame>, 'speaking' | 'startContinuous' | 'speak' | 'cancelPending' | 'playOnce' | 'stop'>;
