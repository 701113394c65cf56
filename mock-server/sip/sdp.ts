/**
 * SDP of the SIP leg (RFC 4566/3264): the caller's offer names where its RTP goes and which codecs
 * it takes; the mock answers G.711 (PCMU preferred, else PCMA) and RFC 4733 telephone-event, 20 ms
 * packets, as OpenAI's SIP endpoint was captured answering (`m=audio … RTP/AVP 0 101`).
 */

/** What the mock needs from a SIP offer. */
export interface SipOffer {
  /** Where to send RTP. */
  address: string;
  port: number;
  /** The codec chosen, and its payload type. */
  codec: 'pcmu' | 'pcma';
  payloadType: number;
  /** The telephone-event payload type offered, or null. */
  dtmfPayloadType: number | null;
}

/** The offer's media, or why it cannot be answered. */
export function readSipOffer(sdp: string): { ok: true; offer: SipOffer } | { ok: false; reason: string } {
  const lines = sdp.split(/\r?\n/);
  if (lines[0]?.trim() !== 'v=0') return { ok: false, reason: "the body is not SDP (no 'v=0')" };
  const mIndex = lines.findIndex((l) => l.startsWith('m=audio '));
  if (mIndex < 0) return { ok: false, reason: 'no audio m-line' };
  const m = lines[mIndex]!.trim().split(' ');
  const port = Number(m[1]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return { ok: false, reason: `bad audio port '${m[1]}'` };
  if (!m[2]?.startsWith('RTP/AVP')) return { ok: false, reason: `transport '${m[2]}' is not RTP/AVP (the mock does not do SRTP)` };
  const pts = m.slice(3).map(Number);
  const section = lines.slice(mIndex);
  const sessionPart = lines.slice(0, mIndex);
  const conn = (section.find((l) => l.startsWith('c=')) ?? sessionPart.find((l) => l.startsWith('c=')))?.trim().split(' ');
  if (!conn || conn[1] !== 'IP4' || !conn[2]) return { ok: false, reason: 'no IPv4 connection line (c=IN IP4 …)' };
  const rtpmap = (pt: number): string | undefined => section.find((l) => l.startsWith(`a=rtpmap:${pt} `))?.split(' ')[1]?.toLowerCase();
  const nameOf = (pt: number): string | undefined => rtpmap(pt)?.split('/')[0] ?? (pt === 0 ? 'pcmu' : pt === 8 ? 'pcma' : undefined);
  const pcmu = pts.find((pt) => nameOf(pt) === 'pcmu');
  const pcma = pts.find((pt) => nameOf(pt) === 'pcma');
  const chosen = pcmu !== undefined ? { codec: 'pcmu' as const, pt: pcmu } : pcma !== undefined ? { codec: 'pcma' as const, pt: pcma } : null;
  if (chosen === null) return { ok: false, reason: `no G.711 codec offered (payload types ${pts.join(' ')})` };
  const dtmf = pts.find((pt) => nameOf(pt) === 'telephone-event') ?? null;
  return { ok: true, offer: { address: conn[2], port, codec: chosen.codec, payloadType: chosen.pt, dtmfPayloadType: dtmf } };
}

/** The mock's answer SDP. */
export function sipAnswer(o: { address: string; port: number; sessionId: number; codec: 'pcmu' | 'pcma'; payloadType: number; dtmfPayloadType: number | null }): string {
  const pts = [o.payloadType, ...(o.dtmfPayloadType !== null ? [o.dtmfPayloadType] : [])];
  const lines = [
    'v=0',
    `o=OAI ${o.sessionId} ${o.sessionId} IN IP4 ${o.address}`,
    's=OAI',
    `c=IN IP4 ${o.address}`,
    't=0 0',
    `m=audio ${o.port} RTP/AVP ${pts.join(' ')}`,
    `a=rtpmap:${o.payloadType} ${o.codec === 'pcmu' ? 'PCMU' : 'PCMA'}/8000`,
    ...(o.dtmfPayloadType !== null ? [`a=rtpmap:${o.dtmfPayloadType} telephone-event/8000`, `a=fmtp:${o.dtmfPayloadType} 0-16`] : []),
    'a=ptime:20',
    'a=sendrecv',
  ];
  return lines.join('\r\n') + '\r\n';
}
