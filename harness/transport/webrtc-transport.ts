/**
 * {@link Transport} over WebRTC, doing what a browser app does (docs/realtime-protocol.md §1.1):
 * its backend mints an ephemeral `ek_` key from `POST /v1/realtime/client_secrets` with the
 * standard key; the page creates a peer with one sendrecv audio transceiver and the `oai-events`
 * data channel, POSTs the offer (candidates inside, no trickle) to `/v1/realtime/calls` with the
 * ephemeral key, applies the `201` answer and waits for ICE and the channel.
 *
 * Text frames are the data channel's messages (the same JSON events as a WebSocket session). Audio
 * is the {@link MediaPath}: 20 ms Opus packets sent as RTP (header fields per call: SSRC, sequence,
 * timestamp) and the remote track's packets, stamped on arrival and decoded only on demand.
 *
 * Keys: the standard key and the ephemeral key travel only in request headers; every failure text
 * passes through `redactSecrets` with both.
 */
import { randomInt } from 'node:crypto';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDataChannel, type RTCRtpTransceiver } from 'werift';
import type { Clock } from '../../common/clock.ts';
import { OPUS_CLOCK_HZ, OPUS_FRAME_MS, OPUS_FRAME_SAMPLES, OpusFrameDecoder } from '../../common/audio/opus.ts';
import { DEFAULT_RTC_HOST, keepCandidatesOn, rtcPeerConfig, whenState } from '../../common/rtc/werift-config.ts';
import { httpStatusReason, redactSecrets } from './failure-reason.ts';
import { HttpPostError, httpPost, type HttpAnswer } from './http-post.ts';
import type { MediaPath, ReceivedAudio, SetupStamps } from './media.ts';
import { TransportError, type CloseListener, type MessageListener, type Transport } from './transport.ts';

/** Label of the events channel (the reference's name; the server matches it). */
export const EVENTS_CHANNEL_LABEL = 'oai-events';

/** Options of {@link WebRtcTransport}. */
export interface WebRtcTransportOptions {
  /** The session's WebSocket URL (`ws://host:port/v1/realtime?model=…`); the HTTP base and model come from it. */
  url: string;
  /** Headers with the standard key (`Authorization: Bearer …`), as the app's backend holds it. Never logged. */
  headers: Readonly<Record<string, string>>;
  /** Model minted into the ephemeral key's session. */
  model: string;
  clock: Clock;
  /** Whole setup budget (mint + offer + answer + ICE + DTLS + channel), ms. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Verify TLS certificates of https targets. Default true. */
  rejectUnauthorized?: boolean;
  /** End the call with `POST …/hangup` (standard key) when closing, as an app backend may. Default true. */
  hangupOnClose?: boolean;
}

/** The HTTP origin of a session URL (`ws://h:p/v1/realtime?…` → `http://h:p`), keeping any path prefix before `/v1/realtime`. */
export function httpBaseOf(sessionUrl: string): URL {
  const u = new URL(sessionUrl);
  const protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol;
  const prefix = u.pathname.replace(/\/v1\/realtime(\/.*)?$/, '');
  return new URL(`${protocol}//${u.host}${prefix}`);
}

/** Whether a host name is the loopback (candidates then stay on 127.0.0.1). */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/** A WebRTC call to a Realtime target. */
export class WebRtcTransport implements Transport, MediaPath {
  readonly setup: SetupStamps = { mintStartUs: null, offerPostedUs: null, answerUs: null, iceConnectedUs: null, channelOpenUs: null };
  /** Frames dropped because the channel was not open; audio packets dropped because not connected. */
  droppedFrames = 0;
  droppedPackets = 0;
  /** Remote packets that failed to decode (counted, never fatal). */
  undecodable = 0;
  /** The call id from the answer's `Location`, once known. */
  callId: string | null = null;
  private pc: RTCPeerConnection | null = null;
  private channel: RTCDataChannel | null = null;
  private transceiver: RTCRtpTransceiver | null = null;
  private opened = false;
  private closed = false;
  private messageListener: MessageListener = () => {};
  private closeListener: CloseListener = () => {};
  private audioListener: (audio: ReceivedAudio) => void = () => {};
  private decoder: OpusFrameDecoder | null = null;
  // RTP header fields of this call's outgoing stream (RFC 3550 §5.1: random initial values).
  private sequence = randomInt(0, 0x10000);
  private rtpTimestamp = randomInt(0, 2 ** 32);
  private readonly secrets: Record<string, string>;

  constructor(private readonly opts: WebRtcTransportOptions) {
    this.secrets = { ...opts.headers };
  }

  connect(): Promise<void> {
    if (this.pc || this.closed) return Promise.reject(new TransportError('closed_before_open', 'connect() called twice on one transport'));
    return this.open().catch((err: unknown) => {
      this.teardown();
      if (err instanceof TransportError) throw err;
      throw new TransportError('network', redactSecrets(err instanceof Error ? err.message : String(err), this.secrets));
    });
  }

  private async open(): Promise<void> {
    const { clock } = this.opts;
    const budgetMs = this.opts.handshakeTimeoutMs ?? 10_000;
    const deadline = clock.nowUs() + budgetMs * 1000;
    const left = (): number => Math.max(1, (deadline - clock.nowUs()) / 1000);
    const base = httpBaseOf(this.opts.url);
    const loopback = isLoopback(base.hostname);

    // 1. The app's backend mints an ephemeral key with the standard key.
    this.setup.mintStartUs = clock.nowUs();
    const minted = await this.post(new URL(`${base.pathname.replace(/\/$/, '')}/v1/realtime/client_secrets`, base), 'client_secrets', {
      headers: { ...this.opts.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ session: { type: 'realtime', model: this.opts.model } }),
      timeoutMs: left(),
    });
    if (minted.status !== 200) throw this.refused('client_secrets', minted);
    let ephemeral: string;
    try {
      const value = (JSON.parse(minted.body) as { value?: unknown }).value;
      if (typeof value !== 'string' || value === '') throw new Error('no value');
      ephemeral = value;
    } catch {
      throw new TransportError('http_status', 'client_secrets: HTTP 200 without a client secret ("value") in its JSON body', 200);
    }
    this.secrets['x-ephemeral'] = ephemeral;

    // 2. The page's peer: one sendrecv audio transceiver and the events channel, made before the offer.
    const pc = new RTCPeerConnection(loopback ? rtcPeerConfig(DEFAULT_RTC_HOST) : { iceServers: [], iceUseIpv6: false });
    this.pc = pc;
    const channel = pc.createDataChannel(EVENTS_CHANNEL_LABEL);
    this.channel = channel;
    channel.onMessage.subscribe((data) => {
      // Stamp first: every milestone of the run is measured with this receive time.
      const receivedUs = clock.nowUs();
      // werift may deliver the server's first message before it marks the channel open (the
      // open acknowledgement and the message come together): a message proves the channel open.
      this.setup.channelOpenUs ??= receivedUs;
      this.messageListener(typeof data === 'string' ? data : data.toString('utf8'), receivedUs);
    });
    channel.stateChanged.subscribe((state) => {
      // Stamped by the event when it comes (the poll below is only a safety net: werift does not
      // announce a state reached before anyone listened).
      if (state === 'open') this.setup.channelOpenUs ??= clock.nowUs();
      if (state === 'closed') this.remoteClosed(1000, 'data channel closed');
    });
    const transceiver = pc.addTransceiver(new MediaStreamTrack({ kind: 'audio' }), { direction: 'sendrecv' });
    this.transceiver = transceiver;
    transceiver.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((rtp) => this.receiveRtp(rtp));
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed') this.remoteClosed(1006, 'ICE/DTLS connection failed');
    });
    await pc.setLocalDescription(await pc.createOffer());
    // ICE is read on the ICE transport itself: werift updates the peer's iceConnectionState only
    // at some later moments (seen after the data channel had opened).
    const iceTransports = pc.dtlsTransports.map((d) => d.iceTransport);
    const iceUp = (state: string): boolean => state === 'connected' || state === 'completed';
    for (const ice of iceTransports) {
      ice.onStateChange.subscribe((state) => {
        if (iceUp(state)) this.setup.iceConnectedUs ??= clock.nowUs();
      });
    }
    // No trickle: the offer carries its candidates, so gathering must finish first.
    await this.within(() => pc.iceGatheringState, 'complete', left(), 'ICE gathering');
    const local = pc.localDescription?.sdp ?? '';
    const offer = loopback ? keepCandidatesOn(local, DEFAULT_RTC_HOST) : local;

    // 3. The offer, with the ephemeral key, as the browser sends it.
    this.setup.offerPostedUs = clock.nowUs();
    const answer = await this.post(new URL(`${base.pathname.replace(/\/$/, '')}/v1/realtime/calls`, base), 'calls', {
      headers: { authorization: `Bearer ${ephemeral}`, 'content-type': 'application/sdp' },
      body: offer,
      timeoutMs: left(),
    });
    if (answer.status !== 201 && answer.status !== 200) throw this.refused('calls', answer);
    this.setup.answerUs = clock.nowUs();
    const location = answer.headers.location;
    this.callId = typeof location === 'string' ? (location.split('/').filter(Boolean).pop() ?? null) : null;
    if (!/^v=0/m.test(answer.body)) throw new TransportError('http_status', `calls: HTTP ${answer.status} without an SDP answer in its body`, answer.status);
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.body });

    // 4. ICE, DTLS, then the channel.
    await this.within(() => (iceTransports.some((t) => iceUp(t.state)) ? 'connected' : (iceTransports[0]?.state ?? 'new')), 'connected', left(), 'ICE');
    this.setup.iceConnectedUs ??= clock.nowUs();
    await this.within(() => channel.readyState, 'open', left(), `DTLS/SCTP: data channel ${EVENTS_CHANNEL_LABEL}`);
    this.setup.channelOpenUs ??= clock.nowUs();
    if (this.closed) throw new TransportError('closed_before_open', 'the call ended during setup');
    this.opened = true;
  }

  private async post(url: URL, what: string, o: { headers: Record<string, string>; body: string; timeoutMs: number }): Promise<HttpAnswer> {
    try {
      return await httpPost(url, { ...o, rejectUnauthorized: this.opts.rejectUnauthorized ?? true });
    } catch (err) {
      if (err instanceof HttpPostError && err.code === 'timeout') {
        throw new TransportError('handshake_timeout', `${what}: no HTTP answer within the setup budget (${err.message})`);
      }
      const code = err instanceof HttpPostError ? err.code : null;
      throw new TransportError('network', redactSecrets(`${what}: ${err instanceof Error ? err.message : String(err)}`, this.secrets), null, code);
    }
  }

  private refused(what: string, a: HttpAnswer): TransportError {
    return new TransportError('http_status', redactSecrets(`${what}: ${httpStatusReason(a.status, a.statusText, a.body)}`, this.secrets), a.status);
  }

  private async within<T>(read: () => T, want: T | ((v: T) => boolean), timeoutMs: number, what: string): Promise<void> {
    try {
      await whenState(read, want, timeoutMs, what, 2);
    } catch (err) {
      if (this.closed) throw new TransportError('closed_before_open', `the call ended during setup (${what})`);
      throw new TransportError('handshake_timeout', `${err instanceof Error ? err.message : String(err)} (timeouts.connect_ms)`);
    }
  }

  private receiveRtp(rtp: RtpPacket): void {
    const receivedUs = this.opts.clock.nowUs();
    if (this.closed) return;
    const payload = rtp.payload;
    let decoded: Int16Array | null | undefined;
    this.audioListener({
      receivedUs,
      sequence: rtp.header.sequenceNumber,
      rtpTimestamp: rtp.header.timestamp,
      durationMs: OPUS_FRAME_MS,
      decode: () => {
        if (decoded !== undefined) return decoded;
        decoded = (this.decoder ??= new OpusFrameDecoder()).decode(payload);
        if (decoded === null) this.undecodable += 1;
        return decoded;
      },
    });
  }

  // ---- MediaPath ------------------------------------------------------------------------------

  sendAudio(packet: Uint8Array): void {
    const t = this.transceiver;
    if (!t || !this.opened || this.closed) {
      this.droppedPackets += 1;
      return;
    }
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: this.sequence, timestamp: this.rtpTimestamp, marker: false });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.rtpTimestamp = (this.rtpTimestamp + OPUS_FRAME_SAMPLES) >>> 0;
    // The sender sets SSRC and the negotiated payload type; a failed write (call closing) is a drop.
    t.sender.sendRtp(new RtpPacket(header, Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength))).catch(() => {
      this.droppedPackets += 1;
    });
  }

  onAudio(cb: (audio: ReceivedAudio) => void): void {
    this.audioListener = cb;
  }

  // ---- Transport ------------------------------------------------------------------------------

  send(frame: string): void {
    const ch = this.channel;
    if (!ch || !this.opened || this.closed || ch.readyState !== 'open') {
      this.droppedFrames += 1;
      return;
    }
    ch.send(frame);
  }

  close(code = 1000, reason = 'OK'): void {
    if (this.closed) return;
    const wasOpen = this.opened;
    this.closed = true;
    const callId = this.callId;
    this.teardown();
    if (callId !== null && (this.opts.hangupOnClose ?? true)) {
      const base = httpBaseOf(this.opts.url);
      // Best effort, as an app backend ending the call: the peer is already closed either way.
      void httpPost(new URL(`${base.pathname.replace(/\/$/, '')}/v1/realtime/calls/${encodeURIComponent(callId)}/hangup`, base), {
        headers: { ...this.opts.headers, 'content-type': 'application/json' },
        body: '{}',
        timeoutMs: 2000,
        rejectUnauthorized: this.opts.rejectUnauthorized ?? true,
      }).catch(() => {});
    }
    if (wasOpen) this.closeListener(code, reason);
  }

  onMessage(cb: MessageListener): void {
    this.messageListener = cb;
  }

  onClose(cb: CloseListener): void {
    this.closeListener = cb;
  }

  get bufferedBytes(): number {
    return this.channel?.bufferedAmount ?? 0;
  }

  /** This transport is its own media path. */
  get media(): MediaPath {
    return this;
  }

  /** The call ended from the far side (channel closed, ICE/DTLS failed). */
  private remoteClosed(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const wasOpen = this.opened;
    this.teardown();
    if (wasOpen) this.closeListener(code, reason);
  }

  private teardown(): void {
    const pc = this.pc;
    this.pc = null;
    this.transceiver = null;
    this.channel = null;
    // werift keeps sockets and timers open until the peer is closed explicitly.
    if (pc) void pc.close().catch(() => {});
  }
}

/** One RTP packet's audio duration for Opus at 48 kHz, ms (for callers that count samples). */
export const RTP_PACKET_MS = (OPUS_FRAME_SAMPLES / OPUS_CLOCK_HZ) * 1000;
