/**
 * SIP messages (RFC 3261 §7), the subset a trunk and a user agent exchange (the mock's SIP leg and
 * the harness's caller share it): a start line, headers (compact forms expanded, several values per
 * name kept in order) and a body sized by Content-Length. Parsing never throws: a message that is
 * not SIP comes back as a reason.
 */

/** A parsed SIP request or response. */
export interface SipMessage {
  /** `INVITE`, `ACK`, … for requests; null for responses. */
  method: string | null;
  /** Request-URI of a request. */
  uri: string | null;
  /** Status code of a response. */
  status: number | null;
  reason: string | null;
  /** Header values by lower-case full name, in arrival order. */
  headers: Map<string, string[]>;
  body: string;
}

const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported', s: 'subject', e: 'content-encoding' };

/** The parse outcome: a message and how many bytes it used (stream transports), or why not. */
export type SipParse = { ok: true; message: SipMessage; bytes: number } | { ok: false; reason: string; incomplete?: boolean };

/** Largest SIP message accepted, bytes. */
export const MAX_SIP_MESSAGE_BYTES = 64 * 1024;

/**
 * Parses one message from the start of `data`. On a stream (TCP) an incomplete message is
 * `{ok:false, incomplete:true}`: wait for more bytes. Over UDP a datagram is one message.
 */
export function parseSip(data: Buffer): SipParse {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    if (data.length > MAX_SIP_MESSAGE_BYTES) return { ok: false, reason: `no end of headers within ${MAX_SIP_MESSAGE_BYTES} bytes` };
    return { ok: false, reason: 'incomplete headers', incomplete: true };
  }
  const lines = data.subarray(0, headEnd).toString('utf8').split('\r\n');
  const start = lines[0] ?? '';
  let method: string | null = null;
  let uri: string | null = null;
  let status: number | null = null;
  let reason: string | null = null;
  const resp = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(start);
  const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (resp) {
    status = Number(resp[1]);
    reason = resp[2] ?? '';
  } else if (req) {
    method = req[1]!;
    uri = req[2]!;
  } else return { ok: false, reason: `not a SIP start line: '${start.slice(0, 80)}'` };
  const headers = new Map<string, string[]>();
  let last: string | null = null;
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && last !== null) {
      // Folded continuation of the previous header (RFC 3261 §7.3.1).
      const values = headers.get(last)!;
      values[values.length - 1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, reason: `malformed header line: '${line.slice(0, 80)}'` };
    const rawName = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[rawName] ?? rawName;
    const value = line.slice(colon + 1).trim();
    // Via and a few others may carry several comma-separated values; keep the line as given.
    const list = headers.get(name) ?? [];
    list.push(value);
    headers.set(name, list);
    last = name;
  }
  const lengthText = headers.get('content-length')?.[0];
  const bodyStart = headEnd + 4;
  let bodyLength = data.length - bodyStart;
  if (lengthText !== undefined) {
    const n = Number(lengthText);
    if (!Number.isInteger(n) || n < 0) return { ok: false, reason: `Content-Length '${lengthText}' is not a non-negative integer` };
    if (bodyStart + n > data.length) return { ok: false, reason: 'body shorter than Content-Length', incomplete: true };
    bodyLength = n;
  }
  for (const h of ['via', 'call-id', 'cseq', 'from', 'to']) {
    if (!headers.has(h)) return { ok: false, reason: `missing ${h} header` };
  }
  return { ok: true, message: { method, uri, status, reason, headers, body: data.subarray(bodyStart, bodyStart + bodyLength).toString('utf8') }, bytes: bodyStart + bodyLength };
}

/** First value of a header. */
export function header(m: SipMessage, name: string): string | undefined {
  return m.headers.get(name)?.[0];
}

/** `CSeq: 1 INVITE` → {seq: 1, method: 'INVITE'}. */
export function cseqOf(m: SipMessage): { seq: number; method: string } | null {
  const parts = header(m, 'cseq')?.split(/\s+/);
  if (!parts || parts.length < 2 || !/^\d+$/.test(parts[0]!)) return null;
  return { seq: Number(parts[0]), method: parts[1]! };
}

/** A SIP message to send: start line, ordered headers, body. */
export function serializeSip(startLine: string, headers: [string, string][], body = ''): Buffer {
  const lines = [startLine, ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`, '', ''];
  return Buffer.from(lines.join('\r\n') + body, 'utf8');
}

/**
 * A response to `request`: Via, From, To (with `toTag` added when given and absent), Call-ID and
 * CSeq copied, as RFC 3261 §8.2.6.2 says.
 */
export function responseTo(request: SipMessage, status: number, reason: string, opts: { toTag?: string; extra?: [string, string][]; body?: string } = {}): Buffer {
  const headers: [string, string][] = [];
  for (const v of request.headers.get('via') ?? []) headers.push(['Via', v]);
  headers.push(['From', header(request, 'from')!]);
  let to = header(request, 'to')!;
  if (opts.toTag && !/;\s*tag=/i.test(to)) to += `;tag=${opts.toTag}`;
  headers.push(['To', to]);
  headers.push(['Call-ID', header(request, 'call-id')!]);
  headers.push(['CSeq', header(request, 'cseq')!]);
  headers.push(...(opts.extra ?? []));
  return serializeSip(`SIP/2.0 ${status} ${reason}`, headers, opts.body ?? '');
}
