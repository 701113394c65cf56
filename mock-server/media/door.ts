/**
 * The media door of a realtime session whose audio travels as RTP — a WebRTC call (Opus) or a SIP
 * call (G.711) (docs/realtime-protocol.md §10.4–§10.5, §2.6): it sits between the session core and
 * the call, and makes the differences the reference documents a property of the transport rather
 * than an `if` inside the core:
 *
 * - audio out: `response.output_audio.delta` never goes on the data channel; its audio is played
 *   on the media track in real time (media-out.ts), with `output_audio_buffer.started` when the
 *   first packet of a response leaves and `output_audio_buffer.stopped` once the response is done
 *   and its audio has drained;
 * - barge-in (VAD `speech_started` while audio plays) and the client's `output_audio_buffer.clear`
 *   drop the unplayed audio, send `output_audio_buffer.cleared` and truncate the assistant item to
 *   what was played — the server knows it, so the client does not send `conversation.item.truncate`
 *   (the core's `conversation.item.truncated` answer to that internal truncation is not sent:
 *   undocumented on WebRTC, mock choice);
 * - audio in: the client's Opus RTP, decoded and handed to the core as `input_audio_buffer.append`
 *   in the session's input format, so turn detection runs on it exactly as on WebSocket audio;
 *   a client's own `input_audio_buffer.append` on the channel is refused with an error.
 */
import { decodeToPcm16, encodeFromPcm16, type WireAudioFormat } from '../../common/audio/formats.ts';
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '../../common/audio/g711.ts';
import { downsample48kTo24k, OpusFrameDecoder, upsample24kTo48k } from '../../common/audio/opus.ts';
import type { Clock } from '../../common/clock.ts';
import type { DoorHooks, MockConnection } from '../connection.ts';
import type { MockErrorSpec, WireEvent, WriteHook } from '../contract.ts';
import { opusCodec, RtpAudioOut, type FrameCodec, type RtpSend } from './media-out.ts';

/** The codec side of a call's media: what goes on the wire and at which rate. */
export interface MediaLeg {
  /** Name for messages (`opus`, `pcmu`, `pcma`). */
  readonly name: string;
  /** Sample rate of the leg's audio, Hz (48000 Opus, 8000 G.711). */
  readonly rateHz: 48000 | 8000;
  /** Encoder of outbound frames. */
  readonly codec: FrameCodec;
  /** Decodes one inbound payload to samples at {@link rateHz}; null when undecodable. */
  decode(payload: Uint8Array): Int16Array | null;
}

/** Opus 48 kHz (WebRTC). */
export function opusLeg(): MediaLeg {
  const decoder = new OpusFrameDecoder();
  return { name: 'opus', rateHz: 48000, codec: opusCodec(), decode: (p) => decoder.decode(p) };
}

/** G.711 μ-law or A-law 8 kHz (SIP), 160 samples per 20 ms. */
export function g711Leg(law: 'pcmu' | 'pcma'): MediaLeg {
  const encode = law === 'pcmu' ? encodeMulaw : encodeAlaw;
  const decode = law === 'pcmu' ? decodeMulaw : decodeAlaw;
  return { name: law, rateHz: 8000, codec: { samplesPerFrame: 160, ticksPerUs: 0.008, encode: (f) => encode(f) }, decode: (p) => decode(p) };
}

/** Resamples mono PCM16 between the rates in play (8, 24, 48 kHz). */
export function convertRate(pcm: Int16Array, fromHz: number, toHz: number): Int16Array {
  if (fromHz === toHz) return pcm;
  if (fromHz === 24000 && toHz === 48000) return upsample24kTo48k(pcm);
  if (fromHz === 48000 && toHz === 24000) return downsample48kTo24k(pcm);
  if (fromHz < toHz) {
    // Sample-and-hold by an integer factor (8→24, 8→48): telephone audio keeps its level and timing.
    const k = toHz / fromHz;
    const out = new Int16Array(pcm.length * k);
    for (let i = 0; i < pcm.length; i++) out.fill(pcm[i]!, k * i, k * i + k);
    return out;
  }
  // Down by an integer factor (24→8, 48→8): the mean of each group, a crude low-pass.
  const k = fromHz / toHz;
  const n = Math.floor(pcm.length / k);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += pcm[k * i + j]!;
    out[i] = Math.round(sum / k);
  }
  return out;
}

const PCM24K: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };

/** The error a client gets for `input_audio_buffer.append` on a WebRTC or SIP call (not documented: mock wording). */
export function appendOnWebRtc(eventId: string | null): MockErrorSpec {
  return {
    code: 'invalid_request_error',
    message: 'input_audio_buffer.append is not supported on a WebRTC or SIP call: input audio is taken from the media track.',
    param: 'type',
    eventId,
  };
}

/** Counters of one call's media, for the call's end-of-call line and tests. */
export interface MediaCounters {
  packetsIn: number;
  /** Packets that arrived after a later one (dropped: the turn detector needs audio in order). */
  packetsLate: number;
  /** Packets the Opus decoder refused. */
  packetsUndecodable: number;
  packetsOut: number;
}

function formatOf(session: unknown, side: 'input' | 'output'): WireAudioFormat | null {
  const f = (session as { audio?: Record<string, { format?: WireAudioFormat }> } | null)?.audio?.[side]?.format;
  return f && typeof f.type === 'string' ? f : null;
}

/** The media door of one call. */
export class MediaDoor implements DoorHooks {
  private conn: MockConnection | null = null;
  private readonly out: RtpAudioOut;
  private inputFormat: WireAudioFormat = PCM24K;
  private outputFormat: WireAudioFormat = PCM24K;
  /** Responses whose audio started and whose `output_audio_buffer.stopped` is still owed. */
  private readonly owedStop = new Set<string>();
  /** Responses whose `response.done` went out. */
  private readonly doneResponses = new Set<string>();
  /** Items the door truncated itself: the core's `conversation.item.truncated` for them is not sent. */
  private readonly autoTruncated = new Set<string>();
  private lastSequence = -1;
  /** The session config last announced (`session.created` / `session.updated`): a sideband's first event. */
  lastSession: Record<string, unknown> | null = null;
  readonly counters: MediaCounters = { packetsIn: 0, packetsLate: 0, packetsUndecodable: 0, packetsOut: 0 };

  /** `leg` defaults to Opus (WebRTC). */
  constructor(
    clock: Clock,
    sendRtp: RtpSend,
    private readonly leg: MediaLeg = opusLeg(),
  ) {
    this.out = new RtpAudioOut(clock, sendRtp, {
      responseStarted: (responseId) => {
        this.owedStop.add(responseId);
        this.conn?.sendDirect({ type: 'output_audio_buffer.started', response_id: responseId });
      },
      drained: () => this.settleStops(),
    }, leg.codec);
  }

  attached(conn: MockConnection): void {
    this.conn = conn;
  }

  outbound(event: WireEvent, onWritten: WriteHook | undefined): boolean {
    switch (event.type) {
      case 'response.output_audio.delta':
        return this.playDelta(event, onWritten);
      case 'response.output_audio.done':
        this.out.flushItem();
        return false;
      case 'response.done': {
        const id = (event['response'] as { id?: string } | undefined)?.id;
        if (typeof id === 'string') {
          this.doneResponses.add(id);
          // After response.done itself has gone out (this runs before it is written).
          queueMicrotask(() => this.settleStops());
        }
        return false;
      }
      case 'session.created':
      case 'session.updated': {
        const session = event['session'] as Record<string, unknown> | undefined;
        if (session) {
          this.lastSession = session;
          this.inputFormat = formatOf(session, 'input') ?? this.inputFormat;
          this.outputFormat = formatOf(session, 'output') ?? this.outputFormat;
        }
        return false;
      }
      case 'input_audio_buffer.speech_started':
        // Barge-in: the listener stops hearing the assistant now; the events follow speech_started.
        if (this.out.playing) queueMicrotask(() => this.interrupt());
        return false;
      case 'conversation.item.truncated': {
        const id = event['item_id'];
        if (typeof id === 'string' && this.autoTruncated.delete(id)) {
          onWritten?.(null);
          return true;
        }
        return false;
      }
      default:
        return false;
    }
  }

  inbound(event: WireEvent): boolean {
    switch (event.type) {
      case 'input_audio_buffer.append': {
        const eventId = typeof event['event_id'] === 'string' ? event['event_id'] : null;
        this.conn?.sendError(appendOnWebRtc(eventId));
        return true;
      }
      case 'output_audio_buffer.clear':
        this.interrupt();
        return true;
      default:
        return false;
    }
  }

  ended(): void {
    this.out.dispose();
    this.conn = null;
  }

  /** One RTP packet of the client's audio (in the leg's codec). */
  onRtp(sequenceNumber: number, payload: Uint8Array): void {
    this.counters.packetsIn += 1;
    if (this.lastSequence >= 0) {
      const ahead = (sequenceNumber - this.lastSequence) & 0xffff;
      if (ahead === 0 || ahead > 0x8000) {
        this.counters.packetsLate += 1;
        return;
      }
    }
    this.lastSequence = sequenceNumber;
    const pcm = this.leg.decode(payload);
    if (pcm === null) {
      this.counters.packetsUndecodable += 1;
      return;
    }
    // Before the data channel opened there is no session to hear it (a browser streams at once).
    if (this.conn === null) return;
    const f = this.inputFormat;
    const samples = convertRate(pcm, this.leg.rateHz, f.type === 'audio/pcm' ? 24000 : 8000);
    this.conn.deliver({ type: 'input_audio_buffer.append', audio: encodeFromPcm16(f, samples).toString('base64') });
  }

  /** Packets sent on the media track so far. */
  get packetsOut(): number {
    return this.out.packetsSent;
  }

  private playDelta(event: WireEvent, onWritten: WriteHook | undefined): boolean {
    const delta = event['delta'];
    const responseId = event['response_id'];
    const itemId = event['item_id'];
    if (typeof delta !== 'string' || typeof responseId !== 'string' || typeof itemId !== 'string') {
      onWritten?.(null);
      return true;
    }
    const f = this.outputFormat;
    const pcm = decodeToPcm16(f, Buffer.from(delta, 'base64'));
    const contentIndex = typeof event['content_index'] === 'number' ? event['content_index'] : 0;
    this.out.enqueue(convertRate(pcm, f.type === 'audio/pcm' ? 24000 : 8000, this.leg.rateHz), { responseId, itemId, contentIndex }, onWritten);
    return true;
  }

  private interrupt(): void {
    const conn = this.conn;
    if (conn === null) return;
    const { tag } = this.out.clear();
    if (tag === null) return;
    conn.sendDirect({ type: 'output_audio_buffer.cleared', response_id: tag.responseId });
    this.owedStop.delete(tag.responseId);
    this.autoTruncated.add(tag.itemId);
    conn.deliver({ type: 'conversation.item.truncate', item_id: tag.itemId, content_index: tag.contentIndex, audio_end_ms: Math.round(this.out.playedMs(tag.itemId)) });
  }

  private settleStops(): void {
    if (this.out.playing) return;
    for (const id of [...this.owedStop]) {
      if (!this.doneResponses.has(id)) continue;
      this.owedStop.delete(id);
      this.doneResponses.delete(id);
      this.conn?.sendDirect({ type: 'output_audio_buffer.stopped', response_id: id });
    }
  }
}
