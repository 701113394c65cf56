/**
 * One WebRTC call of the mock: a `werift` peer answering the client's offer, the `oai-events` data
 * channel carrying the session's events (through the same connection loop as a WebSocket, so one
 * session core serves both), the media track (door.ts), and any sideband sockets attached by
 * `?call_id=` (they see the call's events and may send client events, §10.6).
 *
 * The call ends when the client closes the peer or the channel, on `/hangup`, at session expiry,
 * or when the channel does not open within {@link CHANNEL_OPEN_TIMEOUT_MS} of the answer.
 */
import type { WebSocket } from 'ws';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type RTCDataChannel, type RTCRtpTransceiver } from 'werift';
import { keepCandidatesOn, rtcPeerConfig, whenState } from '../../common/rtc/werift-config.ts';
import type { Clock } from '../../common/clock.ts';
import { MockConnection, type ConnectionInit } from '../connection.ts';
import { SidebandLink } from '../sideband-link.ts';
import { MediaDoor } from '../media/door.ts';
import type { LiveCall } from '../calls.ts';

/** How long the client has to open the data channel after the answer, ms. */
export const CHANNEL_OPEN_TIMEOUT_MS = 30_000;
/** How long ICE gathering of the answer may take, ms (host candidates only: milliseconds in practice). */
const GATHER_TIMEOUT_MS = 5_000;
/** Label of the events channel (created by the client, §10.4). */
export const EVENTS_CHANNEL_LABEL = 'oai-events';

/** The data channel plus sideband sockets, as one link: events go to both, frames come from both. */
class CallLink extends SidebandLink {
  constructor(
    private readonly channel: RTCDataChannel,
    private readonly endCall: () => void,
  ) {
    super();
    channel.onMessage.subscribe((m) => this.frameCb?.(typeof m === 'string' ? Buffer.from(m) : m, typeof m !== 'string'));
    channel.stateChanged.subscribe((s) => {
      if (s === 'closed') this.finish();
    });
  }
  override isOpen(): boolean {
    return !this.ended && this.channel.readyState === 'open';
  }
  override get bufferedBytes(): number {
    return this.channel.bufferedAmount;
  }
  override sendText(frame: string): void {
    if (this.channel.readyState === 'open') this.channel.send(frame);
    super.sendText(frame);
  }
  protected override finished(): void {
    this.endCall();
  }
}

/** Everything a call needs besides its offer. */
export interface CallInit {
  readonly callId: string;
  readonly clock: Clock;
  /** The address ICE candidates are gathered on (default loopback). */
  readonly rtcHost?: string;
  /** The session and its loop, minus what the call supplies (link, door). */
  readonly session: Omit<ConnectionInit, 'link' | 'door' | 'onEnded'>;
  /** Called once when the call has ended (registry cleanup). */
  readonly onEnded: () => void;
}

/** A live WebRTC call. */
export class RtcCall implements LiveCall {
  readonly callId: string;
  readonly kind = 'webrtc' as const;
  private readonly pc: RTCPeerConnection;
  private readonly door: MediaDoor;
  private transceiver: RTCRtpTransceiver | null = null;
  private link: CallLink | null = null;
  private connection: MockConnection | null = null;
  private openTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Sideband sockets that arrived before the channel opened. */
  private readonly waitingSidebands: WebSocket[] = [];

  private constructor(private readonly init: CallInit) {
    this.callId = init.callId;
    this.pc = new RTCPeerConnection({
      ...rtcPeerConfig(init.rtcHost),
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })] },
    });
    this.door = new MediaDoor(init.clock, (payload, marker, sequenceNumber, timestamp) => {
      const sender = this.transceiver?.sender;
      if (!sender) return;
      void sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber, timestamp, marker }), Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength))).catch(() => undefined);
    });
  }

  /** Answers `offerSdp`; resolves with the call and its answer SDP (candidates inside: no trickle). */
  static async answer(offerSdp: string, init: CallInit): Promise<{ call: RtcCall; answerSdp: string }> {
    const call = new RtcCall(init);
    try {
      const answerSdp = await call.negotiate(offerSdp);
      return { call, answerSdp };
    } catch (err) {
      call.end();
      throw err;
    }
  }

  private async negotiate(offerSdp: string): Promise<string> {
    const pc = this.pc;
    pc.onDataChannel.subscribe((channel) => {
      // Only the events channel carries the session; other labels are ignored (§10.4).
      if (channel.label !== EVENTS_CHANNEL_LABEL || this.link !== null) return;
      const start = (): void => this.startSession(channel);
      if (channel.readyState === 'open') start();
      else channel.stateChanged.subscribe((s) => s === 'open' && this.link === null && start());
    });
    pc.onTrack.subscribe((track: MediaStreamTrack) => {
      track.onReceiveRtp.subscribe((rtp) => this.door.onRtp(rtp.header.sequenceNumber, rtp.payload));
    });
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'failed' || s === 'closed') this.end();
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    this.transceiver = pc.getTransceivers().find((t) => t.kind === 'audio') ?? null;
    if (this.transceiver === null) throw new Error('the offer has no audio transceiver');
    this.transceiver.setDirection('sendrecv');
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await whenState(() => pc.iceGatheringState, 'complete', GATHER_TIMEOUT_MS, 'ICE gathering of the answer');
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new Error('no local description after gathering');
    this.openTimer = setTimeout(() => {
      if (this.link === null) this.end();
    }, CHANNEL_OPEN_TIMEOUT_MS);
    return keepCandidatesOn(sdp, this.init.rtcHost);
  }

  private startSession(channel: RTCDataChannel): void {
    if (this.closed) return;
    if (this.openTimer) clearTimeout(this.openTimer);
    const link = new CallLink(channel, () => this.end());
    this.link = link;
    this.connection = new MockConnection({ ...this.init.session, link, door: this.door, onEnded: () => this.end() });
    this.connection.start();
    for (const ws of this.waitingSidebands.splice(0)) this.attachSideband(ws);
  }

  /**
   * Attaches a sideband socket: it first gets `session.created` with the session's current config
   * (whether the real service sends one is not documented: mock choice), then every event.
   */
  attachSideband(ws: WebSocket): void {
    if (this.closed) {
      ws.close(1000, 'call ended');
      return;
    }
    if (this.link === null || this.connection === null) {
      this.waitingSidebands.push(ws);
      return;
    }
    const session = this.door.lastSession;
    const first = session ? JSON.stringify({ type: 'session.created', event_id: this.init.session.ids.event(), session }) : null;
    this.link.attach(ws, first);
  }

  /** `POST /v1/realtime/calls/{id}/hangup`: ends the call. */
  hangup(): void {
    this.end();
  }

  /** Whether the call has ended. */
  get ended(): boolean {
    return this.closed;
  }

  /** Media counters (packets in/out, late, undecodable). */
  get media(): MediaDoor['counters'] {
    return { ...this.door.counters, packetsOut: this.door.packetsOut };
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.openTimer) clearTimeout(this.openTimer);
    for (const ws of this.waitingSidebands.splice(0)) ws.close(1000, 'call ended');
    this.link?.finish();
    if (this.connection === null) this.door.ended();
    void this.pc.close().catch(() => undefined);
    this.init.onEnded();
  }
}
