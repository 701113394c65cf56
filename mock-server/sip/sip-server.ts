/**
 * The mock's SIP leg (docs/realtime-protocol.md §11.4): a user agent server on UDP and TCP that a
 * trunk (or SIPp, or `rth run --transport sip`) calls. INVITE → 100 Trying → (webhook: 180 Ringing,
 * then whatever `/accept` or `/reject` says; no webhook: accepted at once with the default session)
 * → 200 OK with a G.711 SDP (retransmitted over UDP until the ACK) → RTP both ways → BYE. CANCEL,
 * OPTIONS and retransmitted INVITEs are handled; anything else gets 501. A datagram that is not SIP
 * is counted and dropped; one that is SIP but malformed gets 400 when it can be answered at all.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { CallRegistry } from '../calls.ts';
import { newCallId } from '../calls.ts';
import type { ConnectionInit } from '../connection.ts';
import type { Rng } from '../contract.ts';
import { SipCall } from './call.ts';
import { cseqOf, header, parseSip, responseTo, serializeSip, type SipMessage } from '../../common/sip/message.ts';
import { readSipOffer, sipAnswer } from './sdp.ts';
import { deliverIncomingCall, type SipHeaderEntry } from './webhook.ts';

/** Options of the SIP leg. */
export interface SipServerOptions {
  host: string;
  /** UDP and TCP port (0 picks a free one, the same for both). */
  port: number;
  /** Address of the RTP sockets and of the SDP answer. */
  rtpHost: string;
  /** Where `realtime.call.incoming` goes, and its signing secret; null: every call is accepted at once. */
  webhook: { url: string; secret: string } | null;
  /** How long a call rings waiting for `/accept` before 480, ms (default 30000). */
  acceptTimeoutMs?: number;
  rng: Rng;
  registry: CallRegistry;
  nowS: () => number;
  /** A fresh realtime session with the accepted config (null: the default session). */
  openSession(session: Record<string, unknown> | null): Omit<ConnectionInit, 'link' | 'door' | 'onEnded'>;
}

/** The running SIP leg. */
export interface SipServerHandle {
  readonly port: number;
  /** Messages that were not SIP, or malformed. */
  readonly stats: { messagesIn: number; malformed: number; calls: number };
  close(): Promise<void>;
}

type Reply = (data: Buffer) => void;

interface Dialog {
  call: SipCall;
  invite: SipMessage;
  reply: Reply;
  toTag: string;
  localCSeq: number;
  lastResponse: Buffer | null;
  retransmit: ReturnType<typeof setTimeout> | null;
  ringTimer: ReturnType<typeof setTimeout> | null;
}

/** RFC 3261 timer T1, ms: first retransmission interval of a 200 OK over UDP. */
const T1_MS = 500;
/** A 200 OK not ACKed within 64 × T1 ends the call. */
const ACK_TIMEOUT_MS = 64 * T1_MS;

/** Starts the SIP leg. */
export async function startSipServer(o: SipServerOptions): Promise<SipServerHandle> {
  const udp: UdpSocket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(o.port, o.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const port = udp.address().port;
  const tcp: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, o.host, () => resolve());
  });
  const stats = { messagesIn: 0, malformed: 0, calls: 0 };
  const dialogs = new Map<string, Dialog>();
  const tcpSockets = new Set<Socket>();
  const tag = (): string => o.rng.int(0x10000000, 0x7fffffff).toString(16);
  const contact = `<sip:OAI@${o.host}:${port}>`;

  const inDialogRequest = (d: Dialog, method: string, extra: [string, string][] = []): Buffer => {
    const remoteContact = /<([^>]+)>/.exec(header(d.invite, 'contact') ?? '')?.[1] ?? /<([^>]+)>/.exec(header(d.invite, 'from') ?? '')?.[1] ?? d.invite.uri!;
    d.localCSeq += 1;
    return serializeSip(`${method} ${remoteContact} SIP/2.0`, [
      ['Via', `SIP/2.0/UDP ${o.host}:${port};branch=z9hG4bK${tag()}${tag()};rport`],
      ['Max-Forwards', '70'],
      ['From', `${header(d.invite, 'to')};tag=${d.toTag}`.replace(/;tag=[^;]*;tag=/, ';tag=')],
      ['To', header(d.invite, 'from')!],
      ['Call-ID', header(d.invite, 'call-id')!],
      ['CSeq', `${d.localCSeq} ${method}`],
      ['Contact', contact],
      ...extra,
    ]);
  };

  const onInvite = (m: SipMessage, reply: Reply): void => {
    const sipCallId = header(m, 'call-id')!;
    const existing = dialogs.get(sipCallId);
    if (existing) {
      // A retransmitted INVITE gets the last response again; a re-INVITE keeps the media as it is.
      if (existing.lastResponse && cseqOf(existing.invite)?.seq === cseqOf(m)?.seq) reply(existing.lastResponse);
      else if (existing.call.state === 'accepted') reply(responseTo(m, 200, 'OK', { toTag: existing.toTag, extra: [['Contact', contact], ['Content-Type', 'application/sdp']], body: existing.lastResponse?.toString('utf8').split('\r\n\r\n')[1] ?? '' }));
      return;
    }
    const offer = readSipOffer(m.body);
    if (!offer.ok) {
      reply(responseTo(m, 488, 'Not Acceptable Here', { toTag: tag(), extra: [['Warning', `399 rth-mock "${offer.reason}"`]] }));
      return;
    }
    reply(responseTo(m, 100, 'Trying'));
    const callId = newCallId(o.rng, 'sip');
    const toTag = tag();
    const ssrc = o.rng.int(1, 0x7fffffff);
    const sessionId = o.rng.int(1, 0x7fffffff);
    const dialog: Dialog = { call: null as unknown as SipCall, invite: m, reply, toTag, localCSeq: 0, lastResponse: null, retransmit: null, ringTimer: null };
    const send = (data: Buffer): void => {
      dialog.lastResponse = data;
      reply(data);
    };
    const stopTimers = (): void => {
      if (dialog.retransmit) clearTimeout(dialog.retransmit);
      if (dialog.ringTimer) clearTimeout(dialog.ringTimer);
      dialog.retransmit = dialog.ringTimer = null;
    };
    const call = new SipCall({
      callId,
      offer: offer.offer,
      rtpHost: o.rtpHost,
      ssrc,
      openSession: o.openSession,
      sdpAnswer: (rtpPort) => sipAnswer({ address: o.rtpHost, port: rtpPort, sessionId, codec: offer.offer.codec, payloadType: offer.offer.payloadType, dtmfPayloadType: offer.offer.dtmfPayloadType }),
      signalling: {
        answer: (sdp) => {
          if (dialog.ringTimer) clearTimeout(dialog.ringTimer);
          const ok = responseTo(m, 200, 'OK', { toTag, extra: [['Contact', contact], ['Content-Type', 'application/sdp'], ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, REFER']], body: sdp });
          send(ok);
          // Over UDP the 200 OK is retransmitted (T1, doubling, capped at 4 s) until the ACK (RFC 3261 §13.3.1.4).
          let interval = T1_MS;
          const startedMs = Date.now();
          const again = (): void => {
            if (Date.now() - startedMs > ACK_TIMEOUT_MS) return call.hangup();
            reply(ok);
            interval = Math.min(interval * 2, 4000);
            dialog.retransmit = setTimeout(again, interval);
          };
          dialog.retransmit = setTimeout(again, interval);
        },
        decline: (status, reason) => {
          stopTimers();
          send(responseTo(m, status, reason, { toTag }));
        },
        bye: () => {
          stopTimers();
          reply(inDialogRequest(dialog, 'BYE'));
        },
        refer: (target) => reply(inDialogRequest(dialog, 'REFER', [['Refer-To', `<${target}>`], ['Referred-By', contact]])),
      },
      onEnded: () => {
        stopTimers();
        o.registry.delete(callId);
        // Keep the dialog a little for retransmissions and the final BYE's answer.
        setTimeout(() => dialogs.delete(sipCallId), 5_000).unref();
      },
    });
    dialog.call = call;
    dialogs.set(sipCallId, dialog);
    o.registry.add(call);
    stats.calls += 1;
    if (o.webhook === null) {
      call.accept(null);
      return;
    }
    send(responseTo(m, 180, 'Ringing', { toTag, extra: [['Contact', contact]] }));
    dialog.ringTimer = setTimeout(() => call.ringing && call.hangup(), o.acceptTimeoutMs ?? 30_000);
    const sipHeaders: SipHeaderEntry[] = [];
    for (const [name, values] of m.headers) {
      // The webhook lists the INVITE's headers minus SIP authorization headers (§11.2).
      if (name === 'authorization' || name === 'proxy-authorization') continue;
      for (const value of values) sipHeaders.push({ name: name.replace(/(^|-)([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase()).replace('Call-Id', 'Call-ID').replace('Cseq', 'CSeq'), value });
    }
    void deliverIncomingCall({ url: o.webhook.url, secret: o.webhook.secret, callId, sipHeaders, rng: o.rng.fork(callId), nowS: o.nowS }).then((r) => {
      if (!r.delivered && call.ringing) call.hangup();
    });
  };

  const onMessage = (data: Buffer, reply: Reply): number => {
    const parsed = parseSip(data);
    if (!parsed.ok) {
      if (parsed.incomplete) return -1;
      stats.malformed += 1;
      return data.length;
    }
    stats.messagesIn += 1;
    const m = parsed.message;
    if (m.method === null) return parsed.bytes; // responses to our BYE/REFER: nothing to do
    const d = dialogs.get(header(m, 'call-id')!);
    switch (m.method) {
      case 'INVITE':
        onInvite(m, reply);
        break;
      case 'ACK':
        if (d?.retransmit) clearTimeout(d.retransmit);
        if (d) d.retransmit = null;
        break;
      case 'BYE':
        reply(responseTo(m, d ? 200 : 481, d ? 'OK' : 'Call/Transaction Does Not Exist'));
        d?.call.remoteEnded();
        break;
      case 'CANCEL':
        reply(responseTo(m, d ? 200 : 481, d ? 'OK' : 'Call/Transaction Does Not Exist'));
        if (d && d.call.ringing) {
          d.reply(responseTo(d.invite, 487, 'Request Terminated', { toTag: d.toTag }));
          d.call.remoteEnded();
        }
        break;
      case 'OPTIONS':
        reply(responseTo(m, 200, 'OK', { extra: [['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, REFER'], ['Accept', 'application/sdp']] }));
        break;
      default:
        reply(responseTo(m, 501, 'Not Implemented'));
    }
    return parsed.bytes;
  };

  udp.on('message', (msg, rinfo) => {
    onMessage(msg, (out) => udp.send(out, rinfo.port, rinfo.address));
  });
  tcp.on('connection', (sock) => {
    tcpSockets.add(sock);
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length === 0) break;
        const used = onMessage(buf, (out) => sock.writable && sock.write(out));
        if (used < 0) break;
        buf = buf.subarray(used);
      }
    });
    sock.on('close', () => tcpSockets.delete(sock));
    sock.on('error', () => sock.destroy());
  });

  return {
    port,
    stats,
    close: async () => {
      for (const d of dialogs.values()) d.call.hangup();
      for (const s of tcpSockets) s.destroy();
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}
