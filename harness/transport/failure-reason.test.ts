import { describe, expect, it } from 'vitest';
import { bodyExcerpt, httpStatusReason, networkReason, oneLine, redactSecrets } from './failure-reason.ts';

describe('redactSecrets', () => {
  it('removes header values, bare bearer tokens and anything shaped like an OpenAI key', () => {
    const headers = { Authorization: 'Bearer my-relay-token-123', 'api-key': 'azure-key-abcdef', 'X-Short': 'ab' };
    const text = 'got my-relay-token-123 and azure-key-abcdef; also sk-proj-****abcd and ek_12345678; ab stays';
    const out = redactSecrets(text, headers);
    expect(out).toBe('got [redacted] and [redacted]; also sk-[redacted] and ek-[redacted]; ab stays');
  });
});

describe('bodyExcerpt', () => {
  it('code: message of an OpenAI-style JSON error, else the text on one line, cut short', () => {
    expect(bodyExcerpt('{"error":{"message":"No WebSocket endpoint at /","type":"invalid_request_error","code":"not_found"}}')).toBe('not_found: No WebSocket endpoint at /');
    expect(bodyExcerpt('{"error":{"message":"m","type":"server_error"}}')).toBe('server_error: m');
    expect(bodyExcerpt('{"error":"plain"}')).toBe('plain');
    expect(bodyExcerpt('  <html>\n  <body>Bad   gateway</body></html>')).toBe('<html> <body>Bad gateway</body></html>');
    expect(bodyExcerpt('')).toBe('');
    expect(oneLine('x'.repeat(300)).length).toBe(160);
  });

  it('the HTTP line: status, status text, excerpt', () => {
    expect(httpStatusReason(404, 'Not Found', '')).toBe('HTTP 404 Not Found');
    expect(httpStatusReason(401, undefined, 'nope')).toBe('HTTP 401: nope');
  });
});

describe('networkReason', () => {
  it('errno first; TLS codes are marked; an AggregateError (happy eyeballs) lists its attempts', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(networkReason(refused)).toEqual({ tls: false, errno: 'ECONNREFUSED', reason: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9' });
    const cert = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(networkReason(cert)).toEqual({ tls: true, errno: 'DEPTH_ZERO_SELF_SIGNED_CERT', reason: 'TLS DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate' });
    const wrongVersion = Object.assign(new Error('write EPROTO 803C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/ssl/record/ssl3_record.c:350:\n'), { code: 'EPROTO' });
    expect(networkReason(wrongVersion)).toEqual({ tls: true, errno: 'EPROTO', reason: 'TLS EPROTO: wrong version number' });
    const dropped = Object.assign(new Error('Client network socket disconnected before secure TLS connection was established'), { code: 'ECONNRESET' });
    expect(networkReason(dropped).reason).toBe('TLS ECONNRESET: Client network socket disconnected before secure TLS connection was established');
    const both = new AggregateError([
      Object.assign(new Error('connect ECONNREFUSED ::1:9'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    ]);
    expect(networkReason(both)).toEqual({ tls: false, errno: 'ECONNREFUSED', reason: 'ECONNREFUSED: connect ECONNREFUSED ::1:9; connect ECONNREFUSED 127.0.0.1:9' });
  });
});
