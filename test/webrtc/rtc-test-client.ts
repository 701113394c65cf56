/**
 * A minimal browser-like WebRTC client for the mock's tests (werift): offers one sendrecv audio
 * track and the `oai-events` channel, posts the offer, streams PCM as Opus RTP in real time (20 ms
 * deadlines from a start time), decodes what comes back, and records every channel event.
 */
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, type RTCDataChannel } from 'werift';
import { downsample48kTo24k, OPUS_FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder, upsample24kTo48k } from '../../common/audio/opus.ts';
import { keepCandidatesOn, rtcPeerConfig, whenState } from '../../common/rtc/werift-config.ts';
import type { Ev } from '../mock/helpers.ts';

/** One received audio packet: arrival (ms, performance.now), its decoded level. */
export interface RxPacket {
  atMs: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  rmsDbfs: number;
}

function rmsDbfs(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return 10 * Math.log10(s / Math.max(1, x.length) / 32768 ** 2 + 1e-20);
}

/** The HTTP outcome of posting an offer. */
export interface PostResult {
  status: number;
  headers: Headers;
  body: string;
}

export class RtcTestClient {
  readonly pc = new RTCPeerConnection(rtcPeerConfig());
  readonly channel: RTCDataChannel;
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  readonly events: Ev[] = [];
  readonly rx: RxPacket[] = [];
  callId: string | null = null;
  private readonly decoder = new OpusFrameDecoder();
  private readonly encoder = new OpusFrameEncoder();
  private seq = 0;
  private ts = 0;
  private waiters: { pred: (e: Ev) => boolean; resolve: (e: Ev) => void }[] = [];

  constructor() {
    this.channel = this.pc.createDataChannel('oai-events');
    this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
    this.channel.onMessage.subscribe((m) => {
      const e = JSON.parse(String(m)) as Ev;
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
    this.pc.onTrack.subscribe((t) =>
      t.onReceiveRtp.subscribe((rtp) => {
        const pcm = this.decoder.decode(rtp.payload);
        this.rx.push({ atMs: performance.now(), sequenceNumber: rtp.header.sequenceNumber, timestamp: rtp.header.timestamp, marker: rtp.header.marker, rmsDbfs: pcm ? rmsDbfs(pcm) : -200 });
      }),
    );
  }

  /** The offer SDP (after gathering: candidates inside). */
  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await whenState(() => this.pc.iceGatheringState, 'complete', 5000, 'client gathering');
    return keepCandidatesOn(this.pc.localDescription!.sdp);
  }

  /** Posts the offer as raw SDP with `key`; on 201 applies the answer. */
  async connect(baseHttp: string, key: string, init: { body?: string; contentType?: string | null; path?: string } = {}): Promise<PostResult> {
    const sdp = await this.offer();
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/sdp';
    const res = await fetch(`${baseHttp}${init.path ?? '/v1/realtime/calls'}`, { method: 'POST', headers, body: init.body ?? sdp });
    const body = await res.text();
    if (res.status === 201) {
      this.callId = res.headers.get('location')?.split('/').pop() ?? null;
      await this.pc.setRemoteDescription({ type: 'answer', sdp: body });
    }
    return { status: res.status, headers: res.headers, body };
  }

  /** Waits for the channel to open (ms budget). */
  async opened(timeoutMs = 10_000): Promise<void> {
    await whenState(() => this.channel.readyState, 'open', timeoutMs, 'oai-events channel');
  }

  send(event: object): void {
    this.channel.send(JSON.stringify(event));
  }

  waitFor(pred: string | ((e: Ev) => boolean), timeoutMs = 15_000): Promise<Ev> {
    const p = typeof pred === 'string' ? (e: Ev) => e.type === pred : pred;
    const found = this.events.find(p);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${typeof pred === 'string' ? pred : 'event'}; got ${this.types().join(', ')}`)), timeoutMs);
      this.waiters.push({ pred: p, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Streams 24 kHz PCM16 as 20 ms Opus RTP packets, each at its deadline from the start (never early). */
  async stream(pcm24k: Int16Array): Promise<void> {
    const startMs = performance.now();
    const frame24 = OPUS_FRAME_SAMPLES / 2;
    for (let i = 0, k = 0; i < pcm24k.length; i += frame24, k++) {
      const due = startMs + k * 20;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (performance.now() < due) await new Promise((r) => setImmediate(r));
      const chunk = new Int16Array(frame24);
      chunk.set(pcm24k.subarray(i, i + frame24));
      const payload = this.encoder.encode(upsample24kTo48k(chunk));
      this.track.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: this.seq, timestamp: this.ts, marker: k === 0 }), Buffer.from(payload)));
      this.seq = (this.seq + 1) & 0xffff;
      this.ts = (this.ts + OPUS_FRAME_SAMPLES) >>> 0;
    }
  }

  async close(): Promise<void> {
    await this.pc.close().catch(() => undefined);
  }
}

/** Kept for tests that compare levels of decoded audio. */
export { downsample48kTo24k };
