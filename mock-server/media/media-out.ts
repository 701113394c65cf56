/**
 * The mock's outbound audio on a WebRTC call: the session core's audio (what a WebSocket session
 * gets as `response.output_audio.delta`) played out as Opus RTP, one 20 ms packet per 20 ms of
 * wall clock, as a media server does — not faster than real time as over WebSocket
 * (docs/realtime-protocol.md §10.5). Slot k of a talkspurt is due at `t0 + k × 20 ms` (computed
 * from the start, so pacing never drifts); a late timer sends every slot that fell due.
 *
 * It keeps what the door needs for the WebRTC-only events: which response's audio is playing,
 * how many ms of each item were played (for automatic truncation), and when the queue drained.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { OPUS_FRAME_SAMPLES, OpusFrameEncoder } from '../../common/audio/opus.ts';

/** The codec of a media leg: how many samples one 20 ms frame has, and how to encode one. */
export interface FrameCodec {
  /** Samples per 20 ms frame at the codec's rate (960 for Opus at 48 kHz, 160 for G.711). */
  readonly samplesPerFrame: number;
  /** One RTP payload for exactly {@link samplesPerFrame} samples. */
  encode(frame: Int16Array): Uint8Array;
  /** RTP clock ticks per µs (0.048 for Opus, 0.008 for G.711). */
  readonly ticksPerUs: number;
}

/** Opus 48 kHz (WebRTC). */
export function opusCodec(): FrameCodec {
  const enc = new OpusFrameEncoder();
  return { samplesPerFrame: OPUS_FRAME_SAMPLES, ticksPerUs: 0.048, encode: (f) => enc.encode(f) };
}
import type { WriteHook } from '../contract.ts';

/** Which item a stretch of audio belongs to. */
export interface AudioTag {
  responseId: string;
  itemId: string;
  contentIndex: number;
}

interface Frame {
  pcm: Int16Array;
  tag: AudioTag;
  /** Write hooks of the deltas whose first sample is in this frame. */
  hooks: WriteHook[] | null;
}

/** What the player reports. */
export interface MediaOutEvents {
  /** The first packet of a response's audio left (once per response). */
  responseStarted(responseId: string): void;
  /** The queue ran empty (after the last queued frame left). */
  drained(): void;
}

/** Sends one RTP packet: Opus payload, marker bit, sequence number and RTP timestamp. */
export type RtpSend = (payload: Uint8Array, marker: boolean, sequenceNumber: number, timestamp: number) => void;

/** Frame duration, µs. */
const FRAME_US = 20_000;

/** Real-time RTP player of one call (Opus on WebRTC, G.711 on SIP). */
export class RtpAudioOut {
  private readonly queue: Frame[] = [];
  private head = 0;
  /** Samples of the item being assembled that do not fill a frame yet. */
  private partial: { pcm: Int16Array; used: number; tag: AudioTag; hooks: WriteHook[] | null } | null = null;
  private timer: TimerHandle | null = null;
  private t0Us = 0;
  private sentInSpurt = 0;
  private sequence = 0;
  private readonly epochUs: number;
  private readonly startedResponses = new Set<string>();
  /** Played ms per item id (what the listener has been sent). */
  private readonly playedMsByItem = new Map<string, number>();
  private disposed = false;
  /** Packets sent so far. */
  packetsSent = 0;

  private readonly frameSamples: number;

  /** `codec` defaults to Opus 48 kHz. Samples given to {@link enqueue} are at the codec's rate. */
  constructor(
    private readonly clock: Clock,
    private readonly send: RtpSend,
    private readonly events: MediaOutEvents,
    private readonly codec: FrameCodec = opusCodec(),
  ) {
    this.epochUs = clock.nowUs();
    this.frameSamples = codec.samplesPerFrame;
  }

  /** Whether audio is queued or playing. */
  get playing(): boolean {
    return this.head < this.queue.length || this.partial !== null;
  }

  /** The response whose audio plays now (or is next), or null. */
  get currentTag(): AudioTag | null {
    return this.queue[this.head]?.tag ?? this.partial?.tag ?? null;
  }

  /** Ms of `itemId`'s audio sent to the listener so far. */
  playedMs(itemId: string): number {
    return this.playedMsByItem.get(itemId) ?? 0;
  }

  /**
   * Queues mono samples (at the codec's rate) of one item. `hook` (a delta's write hook) is settled with the send
   * time of the packet that carries the first of these samples, or null if they never leave.
   */
  enqueue(pcm: Int16Array, tag: AudioTag, hook?: WriteHook): void {
    if (this.disposed) return hook?.(null);
    if (this.partial !== null && this.partial.tag.itemId !== tag.itemId) this.flushItem();
    let offset = 0;
    let hooks: WriteHook[] | null = hook ? [hook] : null;
    while (offset < pcm.length) {
      const p = (this.partial ??= { pcm: new Int16Array(this.frameSamples), used: 0, tag, hooks: null });
      if (hooks) {
        (p.hooks ??= []).push(...hooks);
        hooks = null;
      }
      const n = Math.min(this.frameSamples - p.used, pcm.length - offset);
      p.pcm.set(pcm.subarray(offset, offset + n), p.used);
      p.used += n;
      offset += n;
      if (p.used === this.frameSamples) {
        this.queue.push({ pcm: p.pcm, tag: p.tag, hooks: p.hooks });
        this.partial = null;
      }
    }
    this.kick();
  }

  /** The item's audio is complete: its last partial frame is queued (zero-padded). */
  flushItem(): void {
    const p = this.partial;
    if (p === null) return;
    this.partial = null;
    this.queue.push({ pcm: p.pcm, tag: p.tag, hooks: p.hooks });
    this.kick();
  }

  /**
   * Drops everything not yet sent (barge-in, `output_audio_buffer.clear`). Returns the tag of what
   * was playing (null when nothing was) and the ms dropped.
   */
  clear(): { tag: AudioTag | null; droppedMs: number } {
    const tag = this.currentTag;
    let dropped = 0;
    const drop = (hooks: WriteHook[] | null): void => hooks?.forEach((h) => h(null));
    for (let i = this.head; i < this.queue.length; i++) {
      dropped += 20;
      drop(this.queue[i]!.hooks);
    }
    if (this.partial) {
      dropped += (this.partial.used / this.frameSamples) * 20;
      drop(this.partial.hooks);
    }
    this.queue.length = 0;
    this.head = 0;
    this.partial = null;
    this.stopTimer();
    return { tag, droppedMs: dropped };
  }

  /** Stops playing for good (call ended); unsent hooks are settled with null. */
  dispose(): void {
    this.clear();
    this.disposed = true;
  }

  private kick(): void {
    if (this.timer !== null || this.head >= this.queue.length || this.disposed) return;
    // A new talkspurt: its slots count from now.
    this.t0Us = this.clock.nowUs();
    this.sentInSpurt = 0;
    this.tick();
  }

  private tick(): void {
    this.timer = null;
    const now = this.clock.nowUs();
    const due = Math.floor((now - this.t0Us) / FRAME_US) + 1;
    while (this.sentInSpurt < due && this.head < this.queue.length) this.sendNext(now);
    if (this.head < this.queue.length) {
      const nextUs = this.t0Us + this.sentInSpurt * FRAME_US;
      // Clock.setTimeout never fires early (common/clock.ts), so no packet leaves before its slot.
      this.timer = this.clock.setTimeout(() => this.tick(), Math.max(0, (nextUs - this.clock.nowUs()) / 1000));
    } else {
      this.queue.length = 0;
      this.head = 0;
      if (this.partial === null) this.events.drained();
    }
  }

  private sendNext(nowUs: number): void {
    const frame = this.queue[this.head++]!;
    const slotUs = this.t0Us + this.sentInSpurt * FRAME_US;
    const timestamp = Math.round((slotUs - this.epochUs) * this.codec.ticksPerUs) >>> 0;
    const marker = this.sentInSpurt === 0;
    this.sentInSpurt += 1;
    const payload = this.codec.encode(frame.pcm);
    if (!this.startedResponses.has(frame.tag.responseId)) {
      this.startedResponses.add(frame.tag.responseId);
      this.events.responseStarted(frame.tag.responseId);
    }
    // Stamped before the send, as the WebSocket door stamps before its write.
    frame.hooks?.forEach((h) => h(nowUs));
    this.send(payload, marker, this.sequence, timestamp);
    this.sequence = (this.sequence + 1) & 0xffff;
    this.packetsSent += 1;
    this.playedMsByItem.set(frame.tag.itemId, (this.playedMsByItem.get(frame.tag.itemId) ?? 0) + 20);
  }

  private stopTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
