/**
 * One SIP call of the mock (docs/realtime-protocol.md §11): ringing until `/accept` (or at once
 * without a webhook), then a realtime session fed by the caller's G.711 RTP through the same media
 * door as a WebRTC call, its events going to sideband sockets only (a SIP call has no data channel),
 * and DTMF (RFC 4733) surfacing as `input_audio_buffer.dtmf_event_received`.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { WebSocket } from 'ws';
import type { LiveCall, VerbResult } from '../calls.ts';
import { MockConnection, type ConnectionInit } from '../connection.ts';
import { SidebandLink } from '../sideband-link.ts';
import { g711Leg, MediaDoor } from '../media/door.ts';
import { buildRtp, parseRtp, parseTelephoneEvent } from '../../common/sip/rtp.ts';
import type { SipOffer } from './sdp.ts';

/** What the signalling side does for a call. */
export interface SipSignalling {
  /** Answers the INVITE 200 OK with this SDP (and retransmits it until the ACK). */
  answer(sdp: string): void;
  /** Answers the INVITE with a final error status. */
  decline(status: number, reason: string): void;
  /** Sends BYE to the caller. */
  bye(): void;
  /** Sends REFER to the caller with this Refer-To. */
  refer(target: string): void;
}

/** Everything a SIP call needs. */
export interface SipCallInit {
  readonly callId: string;
  readonly offer: SipOffer;
  /** Address the RTP socket binds to and the answer names. */
  readonly rtpHost: string;
  readonly signalling: SipSignalling;
  /** A fresh realtime session (the same construction as a socket's), given the accepted config. */
  openSession(session: Record<string, unknown> | null): Omit<ConnectionInit, 'link' | 'door' | 'onEnded'>;
  /** A 32-bit SSRC (seeded). */
  readonly ssrc: number;
  readonly sdpAnswer: (port: number) => string;
  readonly onEnded: () => void;
}

/** A SIP call. */
export class SipCall implements LiveCall {
  readonly callId: string;
  readonly kind = 'sip' as const;
  /** `ringing` (waiting for /accept), `accepted`, `ended`. */
  state: 'ringing' | 'accepted' | 'ended' = 'ringing';
  private rtp: UdpSocket | null = null;
  private remote: { address: string; port: number };
  private link: SidebandLink | null = null;
  private door: MediaDoor | null = null;
  private connection: MockConnection | null = null;
  private readonly waiting: WebSocket[] = [];
  private lastDtmfTimestamp = -1;
  /** Counters for tests and the end-of-call line. */
  readonly counters = { rtpIn: 0, rtpOut: 0, dtmf: 0, rtpMalformed: 0 };

  constructor(private readonly init: SipCallInit) {
    this.callId = init.callId;
    this.remote = { address: init.offer.address, port: init.offer.port };
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** Whether the call still waits for `/accept`. */
  get ringing(): boolean {
    return this.state === 'ringing';
  }

  /** `/accept` (or the automatic accept without a webhook): binds RTP, starts the session, answers 200. */
  accept(session: Record<string, unknown> | null): VerbResult {
    if (this.state !== 'ringing') return { ok: false, status: 400, error: { code: 'invalid_request_error', message: `The call ${this.callId} is ${this.state === 'accepted' ? 'already accepted' : 'over'}.`, param: null } };
    this.state = 'accepted';
    const socket = createSocket('udp4');
    this.rtp = socket;
    socket.on('message', (msg, rinfo) => this.onRtp(msg, rinfo.address, rinfo.port));
    socket.on('error', () => this.end(true));
    socket.bind(0, this.init.rtpHost, () => {
      if (this.state === 'ended') return socket.close();
      const leg = g711Leg(this.init.offer.codec);
      const sessionInit = this.init.openSession(session);
      this.door = new MediaDoor(
        sessionInit.clock,
        (payload, marker, sequenceNumber, timestamp) => {
          if (this.state !== 'accepted') return;
          this.counters.rtpOut += 1;
          socket.send(buildRtp({ payloadType: this.init.offer.payloadType, marker, sequenceNumber, timestamp, ssrc: this.init.ssrc, payload }), this.remote.port, this.remote.address);
        },
        leg,
      );
      this.link = new SidebandLink();
      this.connection = new MockConnection({ ...sessionInit, link: this.link, door: this.door, onEnded: () => this.end(true) });
      this.connection.start();
      for (const ws of this.waiting.splice(0)) this.attachSideband(ws);
      this.init.signalling.answer(this.init.sdpAnswer((socket.address() as { port: number }).port));
    });
    return { ok: true };
  }

  reject(statusCode: number): VerbResult {
    if (this.state !== 'ringing') return { ok: false, status: 400, error: { code: 'invalid_request_error', message: `The call ${this.callId} cannot be rejected: it is ${this.state}.`, param: null } };
    this.init.signalling.decline(statusCode, statusCode === 486 ? 'Busy Here' : statusCode === 603 ? 'Decline' : 'Rejected');
    this.end(false);
    return { ok: true };
  }

  refer(targetUri: string): VerbResult {
    if (this.state !== 'accepted') return { ok: false, status: 400, error: { code: 'invalid_request_error', message: `The call ${this.callId} is not connected.`, param: null } };
    this.init.signalling.refer(targetUri);
    return { ok: true };
  }

  hangup(): void {
    if (this.state === 'ringing') this.init.signalling.decline(480, 'Temporarily Unavailable');
    this.end(this.state === 'accepted');
  }

  /** The caller sent BYE (or CANCEL before the answer). */
  remoteEnded(): void {
    this.end(false);
  }

  attachSideband(ws: WebSocket): void {
    if (this.state === 'ended') {
      ws.close(1000, 'call ended');
      return;
    }
    if (this.link === null) {
      this.waiting.push(ws);
      return;
    }
    const session = this.door?.lastSession;
    this.link.attach(ws, session ? JSON.stringify({ type: 'session.created', event_id: `event_${this.callId.slice(-21)}`, session }) : null);
  }

  private onRtp(msg: Buffer, address: string, port: number): void {
    const p = parseRtp(msg);
    if (p === null) {
      this.counters.rtpMalformed += 1;
      return;
    }
    // Symmetric RTP: answer where the caller's packets come from (NAT-friendly, as trunks expect).
    this.remote = { address, port };
    this.counters.rtpIn += 1;
    if (p.payloadType === this.init.offer.dtmfPayloadType) {
      const ev = parseTelephoneEvent(p.payload);
      // One event per digit: RFC 4733 repeats packets of an event with the same timestamp.
      if (ev && p.timestamp !== this.lastDtmfTimestamp) {
        this.lastDtmfTimestamp = p.timestamp;
        this.counters.dtmf += 1;
        // Documented without event_id (§11.5).
        this.connection?.sendDirect({ type: 'input_audio_buffer.dtmf_event_received', event: ev.digit, received_at: Math.floor(Date.now() / 1000) }, undefined, false);
      }
      return;
    }
    if (p.payloadType !== this.init.offer.payloadType) return;
    this.door?.onRtp(p.sequenceNumber, p.payload);
  }

  private end(sendBye: boolean): void {
    if (this.state === 'ended') return;
    const wasAccepted = this.state === 'accepted';
    this.state = 'ended';
    if (sendBye && wasAccepted) this.init.signalling.bye();
    for (const ws of this.waiting.splice(0)) ws.close(1000, 'call ended');
    this.link?.finish();
    if (this.connection === null) this.door?.ended();
    try {
      this.rtp?.close();
    } catch {
      /* already closed */
    }
    this.init.onEnded();
  }
}
