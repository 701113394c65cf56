/**
 * Plain RTP (RFC 3550 §5.1) for the SIP leg, and RFC 4733 telephone-events (DTMF). The WebRTC leg's
 * RTP is SRTP inside the WebRTC stack; SIP trunks send plain RTP unless they negotiate SRTP (the mock
 * offers RTP/AVP only).
 */

/** A parsed RTP packet (header fields the mock uses, payload without padding). */
export interface RtpPacketView {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Parses a datagram; null when it is not RTP version 2 or is truncated. */
export function parseRtp(d: Buffer): RtpPacketView | null {
  if (d.length < 12 || d[0]! >> 6 !== 2) return null;
  const csrcCount = d[0]! & 0x0f;
  const hasExtension = (d[0]! & 0x10) !== 0;
  const hasPadding = (d[0]! & 0x20) !== 0;
  let offset = 12 + 4 * csrcCount;
  if (hasExtension) {
    if (d.length < offset + 4) return null;
    offset += 4 + 4 * d.readUInt16BE(offset + 2);
  }
  let end = d.length;
  if (hasPadding) end -= d[d.length - 1]!;
  if (offset > end) return null;
  return { payloadType: d[1]! & 0x7f, marker: (d[1]! & 0x80) !== 0, sequenceNumber: d.readUInt16BE(2), timestamp: d.readUInt32BE(4), ssrc: d.readUInt32BE(8), payload: d.subarray(offset, end) };
}

/** Builds an RTP packet (no CSRC, no extension). */
export function buildRtp(p: { payloadType: number; marker: boolean; sequenceNumber: number; timestamp: number; ssrc: number; payload: Uint8Array }): Buffer {
  const out = Buffer.allocUnsafe(12 + p.payload.length);
  out[0] = 0x80;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  out.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(p.timestamp >>> 0, 4);
  out.writeUInt32BE(p.ssrc >>> 0, 8);
  out.set(p.payload, 12);
  return out;
}

/** RFC 4733 §3.2: the event codes 0–15 as the Realtime API names them ("0"–"9", "*", "#", "A"–"D"). */
const DTMF_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

/** A telephone-event payload: the digit, whether this packet ends the event, its duration (timestamp units). */
export function parseTelephoneEvent(payload: Buffer): { digit: string; end: boolean; duration: number } | null {
  if (payload.length < 4) return null;
  const digit = DTMF_NAMES[payload[0]!];
  if (digit === undefined) return null;
  return { digit, end: (payload[1]! & 0x80) !== 0, duration: payload.readUInt16BE(2) };
}

/** A telephone-event payload for `digit` (volume 10, as phones send). */
export function buildTelephoneEvent(digit: string, end: boolean, duration: number): Buffer {
  const code = DTMF_NAMES.indexOf(digit);
  if (code < 0) throw new Error(`not a DTMF digit: ${digit}`);
  return Buffer.from([code, (end ? 0x80 : 0) | 10, (duration >> 8) & 0xff, duration & 0xff]);
}
