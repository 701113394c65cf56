/**
 * The WebRTC door of a realtime session (docs/realtime-protocol.md §10.4–§10.5): it sits between
 * the session core and the call, and makes the differences the reference documents a property of
 * the transport rather than an `if` inside the core:
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
import { downsample48kTo24k, OpusFrameDecoder, upsample24kTo48k } from '../../common/audio/opus.ts';
import type { Clock } from '../../common/clock.ts';
import type { DoorHooks, MockConnection } from '../connection.ts';
import type { MockErrorSpec, WireEvent, WriteHook } from '../contract.ts';
import { RtpAudioOut, type RtpSend } from './media-out.ts';

const PCM24K: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };

/** The error a client gets for `input_audio_buffer.append` on a WebRTC call (not documented: mock wording). */
export function appendOnWebRtc(eventId: string | null): MockErrorSpec {
  return {
    code: 'invalid_request_error',
    message: 'input_audio_buffer.append is not supported on a WebRTC connection: input audio is taken from the media track.',
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

function to48k(pcm: Int16Array, rateHz: number): Int16Array {
  if (rateHz === 24000) return upsample24kTo48k(pcm);
  // 8 kHz G.711 → 48 kHz: each sample held for six (telephone audio; the listener's ear and the
  // harness's energy detector need level and timing, not a reconstruction filter).
  const out = new Int16Array(pcm.length * 6);
  for (let i = 0; i < pcm.length; i++) out.fill(pcm[i]!, 6 * i, 6 * i + 6);
  return out;
}

function from24kToRate(pcm24k: Int16Array, rateHz: number): Int16Array {
  if (rateHz === 24000) return pcm24k;
  const n = Math.floor(pcm24k.length / 3);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round((pcm24k[3 * i]! + pcm24k[3 * i + 1]! + pcm24k[3 * i + 2]!) / 3);
  return out;
}

/** The WebRTC door of one call. */
export class WebRtcDoor implements DoorHooks {
  private conn: MockConnection | null = null;
  private readonly out: RtpAudioOut;
  private readonly decoder = new OpusFrameDecoder();
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

  constructor(clock: Clock, sendRtp: RtpSend) {
    this.out = new RtpAudioOut(clock, sendRtp, {
      responseStarted: (responseId) => {
        this.owedStop.add(responseId);
        this.conn?.sendDirect({ type: 'output_audio_buffer.started', response_id: responseId });
      },
      drained: () => this.settleStops(),
    });
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

  /** One RTP packet of the client's audio track (Opus). */
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
    const pcm48k = this.decoder.decode(payload);
    if (pcm48k === null) {
      this.counters.packetsUndecodable += 1;
      return;
    }
    // Before the data channel opened there is no session to hear it (a browser streams at once).
    if (this.conn === null) return;
    const f = this.inputFormat;
    const samples = from24kToRate(downsample48kTo24k(pcm48k), f.type === 'audio/pcm' ? 24000 : 8000);
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
    this.out.enqueue(to48k(pcm, f.type === 'audio/pcm' ? 24000 : 8000), { responseId, itemId, contentIndex }, onWritten);
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
