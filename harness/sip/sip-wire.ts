/**
 * The harness's side of a SIP call, as a trunk places it (docs/realtime-protocol.md §11.4): INVITE
 * over UDP with a G.711 offer (and RFC 4733 telephone-event), 100/180 tolerated, 200 OK → ACK, plain
 * RTP both ways (symmetric: sent to the answer's media address), BYE from either side. Every wait is
 * bounded and every failure carries its reason (the final status and reason phrase, the `Warning`
 * header, a timeout), so a call never hangs the run.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { cseqOf, header, parseSip, responseTo, serializeSip, type SipMessage } from '../../common/sip/message.ts';
import { buildRtp, buildTelephoneEvent, parseRtp } from '../../common/sip/rtp.ts';

/** Where to call: `sip:user@host:port` (UDP). */
export interface SipTarget {
  user: string;
  host: string;
  port: number;
}

/** Parses `sip:user@host[:port]` (default port 5060); null when it is not one. */
export function parseSipTarget(uri: string): SipTarget | null {
  const m = /^sips?:([^@;>\s]+)@([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?(?:;.*)?$/.exec(uri.trim());
  if (!m) return null;
  const port = m[3] ? Number(m[3]) : 5060;
  if (port < 1 || port > 65535) return null;
  return { user: m[1]!, host: m[2]!, port };
}

/** What happens on a call, for the call engine. */
export interface SipWireEvents {
  /** One RTP audio payload (G.711 bytes) arrived, at `receivedUs`. */
  audio(payload: Buffer, receivedUs: number): void;
  /** The far end hung up (BYE), or the call failed after it was answered. */
  ended(reason: string | null): void;
}

/** Options of one call. */
export interface SipWireOptions {
  target: SipTarget;
  /** Local address for signalling and RTP (default 127.0.0.1). */
  localHost?: string;
  codec: 'pcmu' | 'pcma';
  /** How long INVITE may take to be answered, ms. */
  answerTimeoutMs: number;
  /** Extra headers on the INVITE (e.g. `X-Customer: …`), no credentials. */
  headers?: Readonly<Record<string, string>>;
  nowUs: () => number;
}

const T1_MS = 500;

/** One SIP call placed by the harness. */
export class SipWire {
  private readonly sip: Socket = createSocket('udp4');
  private readonly rtp: Socket = createSocket('udp4');
  private readonly callId = `${randomBytes(8).toString('hex')}@rth`;
  private readonly fromTag = randomBytes(4).toString('hex');
  private toHeader: string | null = null;
  private remoteMedia: { address: string; port: number } | null = null;
  private seq = Math.floor(Math.random() * 0x7fff);
  private ts = 0;
  private readonly ssrc = randomBytes(4).readUInt32BE(0);
  private cseq = 1;
  private state: 'idle' | 'calling' | 'answered' | 'ended' = 'idle';
  private events: SipWireEvents | null = null;
  /** Answer SDP's payload type for the codec. */
  private payloadType: number;
  /** Telephone-event payload type from the answer, or null. */
  private dtmfPayloadType: number | null = null;
  private responseWaiter: ((m: SipMessage) => void) | null = null;
  /** Provisional and final responses seen (status codes), for the call record. */
  readonly statuses: number[] = [];

  constructor(private readonly o: SipWireOptions) {
    this.payloadType = o.codec === 'pcmu' ? 0 : 8;
  }

  private get local(): string {
    return this.o.localHost ?? '127.0.0.1';
  }

  private send(data: Buffer): void {
    if (this.state !== 'ended' || data.includes('BYE') || data.includes('ACK')) this.sip.send(data, this.o.target.port, this.o.target.host);
  }

  private requestHeaders(method: string, cseq: number): [string, string][] {
    const t = this.o.target;
    return [
      ['Via', `SIP/2.0/UDP ${this.local}:${this.sip.address().port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:rth@${this.local}>;tag=${this.fromTag}`],
      ['To', this.toHeader ?? `<sip:${t.user}@${t.host}:${t.port}>`],
      ['Call-ID', this.callId],
      ['CSeq', `${cseq} ${method}`],
      ['Contact', `<sip:rth@${this.local}:${this.sip.address().port}>`],
      ['User-Agent', 'rth'],
    ];
  }

  /**
   * Places the call; resolves once it is answered (200 OK, ACK sent) or rejects with the reason
   * (final status and reason phrase, `Warning`, or a timeout).
   */
  async call(events: SipWireEvents): Promise<void> {
    this.events = events;
    await new Promise<void>((r) => this.sip.bind(0, this.local, () => r()));
    await new Promise<void>((r) => this.rtp.bind(0, this.local, () => r()));
    this.sip.on('message', (d) => this.onSip(d));
    this.rtp.on('message', (d) => this.onRtp(d));
    const t = this.o.target;
    const pt = this.payloadType;
    const sdp = ['v=0', `o=rth ${this.ssrc} 1 IN IP4 ${this.local}`, 's=rth', `c=IN IP4 ${this.local}`, 't=0 0', `m=audio ${this.rtp.address().port} RTP/AVP ${pt} 101`, `a=rtpmap:${pt} ${this.o.codec === 'pcmu' ? 'PCMU' : 'PCMA'}/8000`, 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
    const extra: [string, string][] = Object.entries(this.o.headers ?? {});
    const invite = serializeSip(`INVITE sip:${t.user}@${t.host}:${t.port} SIP/2.0`, [...this.requestHeaders('INVITE', this.cseq), ...extra, ['Content-Type', 'application/sdp']], sdp);
    this.state = 'calling';
    const deadline = Date.now() + this.o.answerTimeoutMs;
    let interval = T1_MS;
    let provisional = false;
    for (;;) {
      this.send(invite);
      const left = deadline - Date.now();
      if (left <= 0) break;
      // Retransmit over UDP (RFC 3261 §17.1.1.2) until a provisional response; then just wait.
      const m = await this.nextResponse(provisional ? left : Math.min(interval, left));
      interval = Math.min(interval * 2, 4000);
      if (m === null) {
        if (provisional) break;
        continue;
      }
      let r: SipMessage | null = m;
      while (r !== null && r.status! < 200) {
        provisional = true;
        r = await this.nextResponse(Math.max(1, deadline - Date.now()));
      }
      if (r === null) break;
      if (r.status! >= 300) {
        this.ackFailure(r);
        this.state = 'ended';
        const warning = header(r, 'warning');
        throw new Error(`SIP ${r.status} ${r.reason ?? ''}${warning ? ` (${warning})` : ''}`.trim());
      }
      this.answered(r);
      return;
    }
    this.state = 'ended';
    throw new Error(`no final answer to the INVITE within ${this.o.answerTimeoutMs} ms${provisional ? ` (got ${this.statuses.join(', ')})` : ''}`);
  }

  private nextResponse(timeoutMs: number): Promise<SipMessage | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.responseWaiter = null;
        resolve(null);
      }, timeoutMs);
      this.responseWaiter = (m) => {
        clearTimeout(timer);
        this.responseWaiter = null;
        resolve(m);
      };
    });
  }

  private answered(ok: SipMessage): void {
    this.toHeader = header(ok, 'to') ?? null;
    const media = /m=audio (\d+)/.exec(ok.body);
    const conn = /c=IN IP4 (\S+)/.exec(ok.body);
    if (!media || !conn) throw new Error('the 200 OK has no usable SDP (m=audio and c=IN IP4 expected)');
    this.remoteMedia = { address: conn[1]!, port: Number(media[1]) };
    const dtmf = /a=rtpmap:(\d+) telephone-event\//.exec(ok.body);
    this.dtmfPayloadType = dtmf ? Number(dtmf[1]) : null;
    this.send(serializeSip(`ACK sip:${this.o.target.user}@${this.o.target.host}:${this.o.target.port} SIP/2.0`, this.requestHeaders('ACK', this.cseq)));
    this.state = 'answered';
  }

  private ackFailure(r: SipMessage): void {
    // A non-2xx final response is ACKed in the INVITE's transaction (RFC 3261 §17.1.1.3).
    this.send(serializeSip(`ACK sip:${this.o.target.user}@${this.o.target.host}:${this.o.target.port} SIP/2.0`, [...this.requestHeaders('ACK', this.cseq).filter(([k]) => k !== 'To'), ['To', header(r, 'to') ?? '']]));
  }

  private onSip(d: Buffer): void {
    const p = parseSip(d);
    if (!p.ok) return;
    const m = p.message;
    if (m.status !== null) {
      const cs = cseqOf(m);
      if (cs?.method === 'INVITE') {
        this.statuses.push(m.status);
        if (this.state === 'answered' && m.status === 200) this.send(serializeSip(`ACK sip:${this.o.target.user}@${this.o.target.host}:${this.o.target.port} SIP/2.0`, this.requestHeaders('ACK', this.cseq)));
        this.responseWaiter?.(m);
      }
      return;
    }
    if (m.method === 'BYE') {
      this.sip.send(responseTo(m, 200, 'OK'), this.o.target.port, this.o.target.host);
      if (this.state === 'answered') {
        this.state = 'ended';
        this.events?.ended('the far end hung up (BYE)');
      }
      return;
    }
    if (m.method === 'OPTIONS' || m.method === 'REFER' || m.method === 'NOTIFY') {
      this.sip.send(responseTo(m, m.method === 'REFER' ? 202 : 200, m.method === 'REFER' ? 'Accepted' : 'OK'), this.o.target.port, this.o.target.host);
    }
  }

  private onRtp(d: Buffer): void {
    if (this.state !== 'answered') return;
    const p = parseRtp(d);
    if (!p || p.payloadType !== this.payloadType) return;
    this.events?.audio(p.payload, this.o.nowUs());
  }

  /** Sends one 20 ms G.711 frame (160 bytes) as RTP. */
  sendAudio(payload: Uint8Array, marker: boolean): void {
    if (this.state !== 'answered' || !this.remoteMedia) return;
    this.rtp.send(buildRtp({ payloadType: this.payloadType, marker, sequenceNumber: this.seq, timestamp: this.ts, ssrc: this.ssrc, payload }), this.remoteMedia.port, this.remoteMedia.address);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + payload.length) >>> 0;
  }

  /** One DTMF digit (RFC 4733), when the far end offered telephone-event; false when it did not. */
  sendDtmf(digit: string): boolean {
    if (this.state !== 'answered' || !this.remoteMedia || this.dtmfPayloadType === null) return false;
    const ts = this.ts;
    for (let i = 0; i < 6; i++) {
      const pkt = buildRtp({ payloadType: this.dtmfPayloadType, marker: i === 0, sequenceNumber: this.seq, timestamp: ts, ssrc: this.ssrc, payload: buildTelephoneEvent(digit, i >= 3, 160 * (i + 1)) });
      this.rtp.send(pkt, this.remoteMedia.port, this.remoteMedia.address);
      this.seq = (this.seq + 1) & 0xffff;
    }
    return true;
  }

  /** Hangs up (BYE when answered) and closes the sockets. */
  async hangUp(): Promise<void> {
    if (this.state === 'answered') {
      this.state = 'ended';
      this.cseq += 1;
      this.send(serializeSip(`BYE sip:${this.o.target.user}@${this.o.target.host}:${this.o.target.port} SIP/2.0`, this.requestHeaders('BYE', this.cseq)));
      await new Promise((r) => setTimeout(r, 50));
    }
    this.state = 'ended';
    for (const s of [this.sip, this.rtp]) {
      try {
        s.close();
      } catch {
        /* not bound or closed */
      }
    }
  }
}
