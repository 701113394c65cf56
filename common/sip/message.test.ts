import { describe, expect, it } from 'vitest';
import { cseqOf, header, parseSip, responseTo, serializeSip } from './message.ts';
import { buildRtp, buildTelephoneEvent, parseRtp, parseTelephoneEvent } from './rtp.ts';

const INVITE = ['INVITE sip:bob@127.0.0.1 SIP/2.0', 'v: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1', 'f: <sip:a@b>;tag=1', 't: <sip:bob@127.0.0.1>', 'i: abc', 'CSeq: 7 INVITE', 'X-Long: one', '  two', 'l: 4', '', 'v=0\n'].join('\r\n');

describe('SIP messages', () => {
  it('parses a request with compact headers, a folded line and a Content-Length body', () => {
    const r = parseSip(Buffer.from(INVITE));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.message.method).toBe('INVITE');
    expect(header(r.message, 'call-id')).toBe('abc');
    expect(header(r.message, 'x-long')).toBe('one two');
    expect(r.message.body).toBe('v=0\n');
    expect(cseqOf(r.message)).toEqual({ seq: 7, method: 'INVITE' });
  });

  it('says why a message is not SIP, and waits for the rest of a stream message', () => {
    expect(parseSip(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toMatchObject({ ok: false, reason: expect.stringContaining('start line') });
    expect(parseSip(Buffer.from(INVITE.replace('i: abc\r\n', '')))).toMatchObject({ ok: false, reason: 'missing call-id header' });
    expect(parseSip(Buffer.from(INVITE.slice(0, 40)))).toMatchObject({ ok: false, incomplete: true });
    expect(parseSip(Buffer.from(INVITE.replace('l: 4', 'l: 40')))).toMatchObject({ ok: false, incomplete: true });
    expect(parseSip(Buffer.from(INVITE.replace('l: 4', 'l: -1')))).toMatchObject({ ok: false, reason: expect.stringContaining('Content-Length') });
  });

  it('builds a response that copies the transaction headers and adds a To tag', () => {
    const r = parseSip(Buffer.from(INVITE));
    if (!r.ok) throw new Error(r.reason);
    const out = parseSip(responseTo(r.message, 180, 'Ringing', { toTag: 'x9' }));
    if (!out.ok) throw new Error(out.reason);
    expect(out.message.status).toBe(180);
    expect(header(out.message, 'to')).toBe('<sip:bob@127.0.0.1>;tag=x9');
    expect(header(out.message, 'via')).toContain('branch=z9hG4bK1');
    expect(serializeSip('OPTIONS sip:x SIP/2.0', [['A', 'b']]).toString()).toBe('OPTIONS sip:x SIP/2.0\r\nA: b\r\nContent-Length: 0\r\n\r\n');
  });
});

describe('RTP and RFC 4733', () => {
  it('round-trips a packet and a telephone event', () => {
    const p = parseRtp(buildRtp({ payloadType: 0, marker: true, sequenceNumber: 65535, timestamp: 2 ** 32 - 1, ssrc: 42, payload: new Uint8Array([1, 2, 3]) }));
    expect(p).toMatchObject({ payloadType: 0, marker: true, sequenceNumber: 65535, timestamp: 2 ** 32 - 1, ssrc: 42 });
    expect([...p!.payload]).toEqual([1, 2, 3]);
    expect(parseTelephoneEvent(buildTelephoneEvent('#', true, 800))).toEqual({ digit: '#', end: true, duration: 800 });
    expect(parseRtp(Buffer.from([0x40, 0, 0]))).toBeNull();
  });
});
