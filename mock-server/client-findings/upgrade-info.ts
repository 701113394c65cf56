/**
 * What the WebSocket and HTTP doors tell the judge about a client, read from its HTTP request.
 * Keys are never kept: only where they travelled, their kind and a one-way fingerprint.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ClientHttpRequestInfo, ClientSessionInfo, CredentialForm } from './observer.ts';

/** Query parameter names that carry keys in the wild. */
const KEY_PARAM_NAMES = new Set(['api_key', 'apikey', 'api-key', 'key', 'token', 'access_token', 'authorization', 'auth', 'openai_api_key', 'client_secret', 'secret']);
const KEY_VALUE_RE = /^(sk-|ek_|sess-)/;

/** Query parameters that carry a key: by name, or by a value shaped like a key. */
export function keyQueryParams(query: URLSearchParams): string[] {
  const out: string[] = [];
  for (const [name, value] of query) if ((KEY_PARAM_NAMES.has(name.toLowerCase()) && value !== '') || KEY_VALUE_RE.test(value)) out.push(name);
  return [...new Set(out)];
}

/** The path and query with every key-carrying value replaced by `***`. */
export function redactTarget(url: URL): string {
  const q = new URLSearchParams(url.search);
  for (const name of keyQueryParams(url.searchParams)) q.set(name, '***');
  const s = q.toString();
  return `${url.pathname}${s ? `?${s}` : ''}`;
}

/** Short sha-256 fingerprint of a key (12 hex chars), never reversible to the key. */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? null) : null;
}

function remoteIp(req: IncomingMessage): string | null {
  const a = req.socket.remoteAddress ?? null;
  return a?.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Fields of {@link ClientSessionInfo} an upgrade request gives. */
export function sessionInfoFromUpgrade(
  req: IncomingMessage,
  url: URL,
  fields: { sessionId: string | null; endpoint: ClientSessionInfo['endpoint']; key: string | null; ephemeral: boolean; beta: ClientSessionInfo['beta']; openedUs: number },
): ClientSessionInfo {
  const auth = header(req, 'authorization');
  const protocols = header(req, 'sec-websocket-protocol') ?? '';
  const form: CredentialForm = auth && /^\s*Bearer\s+\S/i.test(auth) ? 'header' : protocols.includes('openai-insecure-api-key.') ? 'subprotocol' : keyQueryParams(url.searchParams).length > 0 ? 'query' : 'none';
  const kind = fields.key === null ? 'none' : fields.ephemeral || fields.key.startsWith('ek_') ? 'ephemeral' : 'standard';
  return {
    sessionId: fields.sessionId,
    transport: 'websocket',
    endpoint: fields.endpoint,
    redactedTarget: redactTarget(url),
    remoteAddress: remoteIp(req),
    userAgent: header(req, 'user-agent'),
    origin: header(req, 'origin'),
    credentialForm: form,
    credentialKind: kind,
    credentialFingerprint: fields.key === null ? null : keyFingerprint(fields.key),
    keyQueryParams: keyQueryParams(url.searchParams),
    beta: fields.beta,
    openedUs: fields.openedUs,
  };
}

/** {@link ClientHttpRequestInfo} of a plain HTTP request. */
export function httpRequestInfo(req: IncomingMessage, url: URL, status: number, errorCode: string | null, atUs: number): ClientHttpRequestInfo {
  return { method: req.method ?? 'GET', path: url.pathname, queryParams: [...new Set(url.searchParams.keys())], remoteAddress: remoteIp(req), userAgent: header(req, 'user-agent'), status, errorCode, atUs };
}
