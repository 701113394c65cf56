/**
 * A minimal SIP caller for the mock's tests: INVITE over UDP with a G.711 offer, ACK, RTP both ways
 * (μ-law, 20 ms, deadlines from a start time), RFC 4733 DTMF, BYE. It records every SIP message and
 * RTP packet it gets.
 */
import { createSocket, type Socket } from 'node:dgram';
import { encodeMulaw, decodeMulaw } from '../../common/audio/g711.ts';
import { header, parseSip, serializeSip, type SipMessage } from '../../common/sip/message.ts';
import { buildRtp, buildTelephoneEvent, parseRtp } from '../../common/sip/rtp.ts';

export interface RxRtp {
  atMs: number;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  rmsDbfs: number;
}

function rmsDbfs(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return 10 * Math.log10(s / Math.max(1, x.length) / 32768 ** 2 + 1e-20);
}

export class SipTestUac {
  readonly sip: Socket = createSocket('udp4');
  readonly rtp: Socket = createSocket('udp4');
  readonly messages: SipMessage[] = [];
  readonly rx: RxRtp[] = [];
  readonly callId = `uac-${Math.random().toString(36).slice(2)}@127.0.0.1`;
  private seq = 1;
  private ts = 0;
  private rtpRemote: { address: string; port: number } | null = null;
  private waiters: { pred: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];
  private toHeader = '';

  private constructor(private readonly mockPort: number) {
    this.sip.on('message', (d) => {
      const p = parseSip(d);
      if (!p.ok) return;
      this.messages.push(p.message);
      if (p.message.method === 'BYE') this.reply(p.message, 200, 'OK');
      this.waiters = this.waiters.filter((w) => (w.pred(p.message) ? (w.resolve(p.message), false) : true));
    });
    this.rtp.on('message', (d) => {
      const p = parseRtp(d);
      if (!p) return;
      this.rx.push({ atMs: performance.now(), payloadType: p.payloadType, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, rmsDbfs: rmsDbfs(decodeMulaw(p.payload)) });
    });
  }

  static async open(mockPort: number): Promise<SipTestUac> {
    const u = new SipTestUac(mockPort);
    await new Promise<void>((r) => u.sip.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => u.rtp.bind(0, '127.0.0.1', () => r()));
    return u;
  }

  private get sipPort(): number {
    return this.sip.address().port;
  }

  send(data: Buffer): void {
    this.sip.send(data, this.mockPort, '127.0.0.1');
  }

  waitFor(pred: (m: SipMessage) => boolean, what: string, timeoutMs = 10_000): Promise<SipMessage> {
    const found = this.messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}; got ${this.messages.map((m) => m.method ?? m.status).join(', ')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  status(code: number): (m: SipMessage) => boolean {
    return (m) => m.status === code;
  }

  private headers(method: string, cseq: number): [string, string][] {
    return [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${this.sipPort};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`],
      ['Max-Forwards', '70'],
      ['From', '"Caller" <sip:+15551234567@127.0.0.1>;tag=uac1'],
      ['To', this.toHeader || `<sip:proj_test@127.0.0.1:${this.mockPort}>`],
      ['Call-ID', this.callId],
      ['CSeq', `${cseq} ${method}`],
      ['Contact', `<sip:caller@127.0.0.1:${this.sipPort}>`],
    ];
  }

  /** Sends the INVITE (PCMU + telephone-event unless `sdp` is given). */
  invite(sdp?: string): void {
    const body =
      sdp ??
      ['v=0', 'o=uac 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${this.rtp.address().port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
    this.send(serializeSip(`INVITE sip:proj_test@127.0.0.1:${this.mockPort} SIP/2.0`, [...this.headers('INVITE', 1), ['Content-Type', 'application/sdp'], ['X-Test', 'yes']], body));
  }

  /** ACKs a 200 OK and learns where RTP goes. */
  ack(ok: SipMessage): void {
    this.toHeader = header(ok, 'to')!;
    const m = /m=audio (\d+)/.exec(ok.body);
    const c = /c=IN IP4 (\S+)/.exec(ok.body);
    this.rtpRemote = { address: c![1]!, port: Number(m![1]) };
    this.send(serializeSip(`ACK sip:proj_test@127.0.0.1:${this.mockPort} SIP/2.0`, this.headers('ACK', 1)));
  }

  bye(): void {
    this.send(serializeSip(`BYE sip:proj_test@127.0.0.1:${this.mockPort} SIP/2.0`, this.headers('BYE', 2)));
  }

  private reply(m: SipMessage, code: number, reason: string): void {
    const hs: [string, string][] = [['Via', header(m, 'via')!], ['From', header(m, 'from')!], ['To', header(m, 'to')!], ['Call-ID', header(m, 'call-id')!], ['CSeq', header(m, 'cseq')!]];
    this.send(serializeSip(`SIP/2.0 ${code} ${reason}`, hs));
  }

  /** Streams 8 kHz PCM16 as μ-law RTP, 160 samples every 20 ms from a start time (never early). */
  async stream(pcm8k: Int16Array): Promise<void> {
    const start = performance.now();
    for (let i = 0, k = 0; i < pcm8k.length; i += 160, k++) {
      const due = start + k * 20;
      while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      const frame = new Int16Array(160);
      frame.set(pcm8k.subarray(i, i + 160));
      this.rtp.send(buildRtp({ payloadType: 0, marker: k === 0, sequenceNumber: this.seq++, timestamp: this.ts, ssrc: 1234, payload: encodeMulaw(frame) }), this.rtpRemote!.port, this.rtpRemote!.address);
      this.ts += 160;
    }
  }

  /** One DTMF digit as RFC 4733 (three packets of one event, the last three marked end). */
  dtmf(digit: string): void {
    const ts = this.ts;
    for (let i = 0; i < 6; i++) {
      this.rtp.send(buildRtp({ payloadType: 101, marker: i === 0, sequenceNumber: this.seq++, timestamp: ts, ssrc: 1234, payload: buildTelephoneEvent(digit, i >= 3, 160 * (i + 1)) }), this.rtpRemote!.port, this.rtpRemote!.address);
    }
  }

  close(): void {
    this.sip.close();
    this.rtp.close();
  }
}
