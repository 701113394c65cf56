/**
 * Why a connection could not be opened, in one line a person can act on: the HTTP status and a
 * short excerpt of the body of a refused upgrade, the errno of a network failure
 * (`ECONNREFUSED`, `ENOTFOUND`), the TLS error code of a refused certificate. Every text that
 * leaves here has the request's credentials removed: an error body may quote the key it refused.
 */

/** Longest body excerpt kept from a refused upgrade, characters. */
export const BODY_EXCERPT_CHARS = 160;

/** TLS/SSL error codes of Node and OpenSSL (certificate checks, a plain-text server spoken to with TLS). */
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ALTNAME/;

/** Anything shaped like an OpenAI key or client secret (`sk-…`, `sk-proj-…`, `ek_…`, `rk-…`), masked or not. */
const KEY_SHAPE = /\b(sk|ek|rk)([-_][A-Za-z0-9*._-]{6,})/g;

/**
 * Removes credentials from a text: every header value (and a bearer token on its own) of 6 or
 * more characters, and anything shaped like an OpenAI key.
 */
export function redactSecrets(text: string, headers: Readonly<Record<string, string>> = {}): string {
  let out = text;
  const secrets = new Set<string>();
  for (const v of Object.values(headers)) {
    const value = v.trim();
    secrets.add(value);
    const token = /^(bearer|basic)\s+(.+)$/i.exec(value)?.[2]?.trim();
    if (token) secrets.add(token);
  }
  // Longest first, so a token inside its own header value is not left half-replaced.
  for (const s of [...secrets].filter((x) => x.length >= 6).sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
  return out.replace(KEY_SHAPE, '$1-[redacted]');
}

/** Collapses whitespace and cuts a text to `max` characters (with `…`). */
export function oneLine(text: string, max: number = BODY_EXCERPT_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A short excerpt of an error body: `code: message` of an OpenAI-style JSON error
 * (`{"error":{"code","message"}}`), else the text itself, one line, at most
 * {@link BODY_EXCERPT_CHARS} characters. Empty for an empty body.
 */
export function bodyExcerpt(body: string): string {
  const text = body.trim();
  if (text === '') return '';
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; type?: unknown; message?: unknown } | string; message?: unknown };
    const e = parsed.error;
    if (typeof e === 'string') return oneLine(e);
    const message = typeof e?.message === 'string' ? e.message : typeof parsed.message === 'string' ? parsed.message : null;
    const code = typeof e?.code === 'string' ? e.code : typeof e?.type === 'string' ? e.type : null;
    if (message !== null) return oneLine(code ? `${code}: ${message}` : message);
  } catch {
    // not JSON: the text as it is
  }
  return oneLine(text);
}

/** The line for a refused upgrade: `HTTP 404 Not Found: not_found: No WebSocket endpoint at /…`. */
export function httpStatusReason(status: number, statusText: string | undefined, body: string): string {
  const excerpt = bodyExcerpt(body);
  return `HTTP ${status}${statusText ? ` ${statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`;
}

/** A network or TLS failure as a stable code and a line (`ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9`). */
export function networkReason(err: Error): { tls: boolean; errno: string | null; reason: string } {
  const e = err as Error & { code?: unknown; errors?: unknown };
  let errno = typeof e.code === 'string' ? e.code : null;
  let message = e.message;
  // Node's happy-eyeballs connect (`localhost` → ::1 and 127.0.0.1) fails with an AggregateError
  // whose own message is empty: the attempts hold the detail.
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const parts = e.errors.filter((x): x is Error => x instanceof Error);
    message = parts.map((x) => x.message).join('; ') || message;
    errno ??= parts.map((x) => (x as Error & { code?: unknown }).code).find((c): c is string => typeof c === 'string') ?? null;
  }
  // OpenSSL words a protocol failure `…:error:0A00010B:SSL routines:ssl3_get_record:wrong version
  // number:<file>:<line>` under errno EPROTO (a plain-text server spoken to with wss://).
  const openssl = /error:[0-9A-Fa-f]+:SSL routines:[^:]*:([^:]+)/.exec(message);
  if (openssl) message = openssl[1]!;
  // A server that drops the connection on a ClientHello it cannot read: ECONNRESET "…before
  // secure TLS connection was established".
  const tls = openssl !== null || (errno !== null && TLS_CODE.test(errno)) || /before secure TLS connection/.test(message);
  const text = oneLine(message || 'no detail', 200);
  const reason = tls ? `TLS ${errno ?? 'error'}: ${text}` : errno === null ? text : `${errno}: ${text}`;
  return { tls, errno, reason };
}

/**
 * A `Retry-After` header value in ms: delta-seconds (`"1"`, `"2.5"`) or an HTTP date (relative to
 * `nowEpochMs`, wall time, because the header is). Null when absent, empty or unreadable; a date
 * in the past gives 0.
 */
export function parseRetryAfterHeader(value: string | string[] | undefined, nowEpochMs: number): number | null {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return null;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - nowEpochMs) : null;
}
