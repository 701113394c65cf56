/**
 * The mock's plain HTTP endpoints (§1.3): `POST /v1/realtime/client_secrets` and
 * `POST /v1/realtime/translations/client_secrets` mint `ek_…` keys that authenticate sockets until
 * they expire. Errors use the REST shape `{error:{message, type, param, code}}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MockErrorSpec } from './contract.ts';
import type { IdFactory } from './contract.ts';
import { extractApiKey, mayMintClientSecrets, type ClientSecretStore } from './auth.ts';
import { answerPreflight, applyCors } from './cors.ts';
import { invalidApiKey, missingApiKey } from './errors.ts';
import { betaHttpBody, isBetaHttpShape } from './beta.ts';
import type { Clock } from '../common/clock.ts';
import type { ClientObserverFactory } from './client-findings/observer.ts';
import { httpRequestInfo } from './client-findings/upgrade-info.ts';
import { DEFAULT_MODEL, defaultRealtimeSession, toWireSession } from './realtime/config.ts';
import { applySessionUpdate, parseNoiseReduction } from './realtime/session-update.ts';
import { asEnum, asNumber, asObject, asString, onlyKeys, required, validated } from './realtime/validate.ts';
import { applyTranscriptionUpdate, defaultTranscriptionSession, toWireTranscriptionSession } from './transcription/config.ts';

/** Largest accepted request body. */
const MAX_BODY_BYTES = 1024 * 1024;
/** `expires_after.seconds` bounds and default (§1.3). */
export const CLIENT_SECRET_TTL = { minS: 10, maxS: 7200, defaultS: 600 } as const;

/** What the HTTP handler needs from the server. */
export interface HttpDeps {
  readonly apiKey: string | null;
  readonly store: ClientSecretStore;
  /** Server-level ids (client secrets, session ids of minted configs). */
  readonly ids: IdFactory;
  /** Unix time in seconds (wall clock: `expires_at` is a unix timestamp). */
  readonly nowUnixS: () => number;
  /** Client-findings collector told about retired-beta requests. Default none. */
  readonly observer?: ClientObserverFactory | null;
  /** Clock of the findings' time stamps (with `observer`). */
  readonly clock?: Clock;
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes an error in the REST shape `{error:{message, type, param, code}}`. */
export function sendError(res: ServerResponse, status: number, e: MockErrorSpec): void {
  sendJson(res, status, { error: { message: e.message, type: e.type ?? 'invalid_request_error', param: e.param ?? null, code: e.code } });
}

/** The request body, or null when it exceeds 1 MiB (the request is then dropped). */
export function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}

function parseTtl(body: Record<string, unknown>): number {
  if (body['expires_after'] === undefined) return CLIENT_SECRET_TTL.defaultS;
  const ea = asObject(body['expires_after'], 'expires_after');
  onlyKeys(ea, 'expires_after', ['anchor', 'seconds']);
  if (ea['anchor'] !== undefined) asEnum(ea['anchor'], 'expires_after.anchor', ['created_at'] as const);
  if (ea['seconds'] === undefined) return CLIENT_SECRET_TTL.defaultS;
  return asNumber(ea['seconds'], 'expires_after.seconds', { min: CLIENT_SECRET_TTL.minS, max: CLIENT_SECRET_TTL.maxS, integer: true });
}

/**
 * A realtime session config request (`RealtimeSessionCreateRequest`, `type:"realtime"`) made
 * effective and rendered as the wire config; throws the validation error (see validate.ts).
 */
export function realtimeSessionConfig(raw: Record<string, unknown>, id: string, expiresAtS: number): Record<string, unknown> {
  const model = raw['model'] === undefined ? DEFAULT_MODEL : asString(raw['model'], 'session.model');
  const effective = applySessionUpdate(raw, defaultRealtimeSession(id, model, expiresAtS), { voiceLocked: false, modelSettable: true });
  return toWireSession(effective) as unknown as Record<string, unknown>;
}

function realtimeClientSecret(body: Record<string, unknown>, deps: HttpDeps): { status: number; body: unknown } {
  onlyKeys(body, '', ['expires_after', 'session']);
  const ttlS = parseTtl(body);
  const nowS = deps.nowUnixS();
  const expiresAtS = nowS + ttlS;
  const id = deps.ids.session();
  let session: Record<string, unknown>;
  const raw = body['session'] === undefined ? { type: 'realtime' } : asObject(body['session'], 'session');
  const type = asEnum(required(raw, 'type', 'session'), 'session.type', ['realtime', 'transcription'] as const);
  if (type === 'transcription') {
    session = toWireTranscriptionSession(applyTranscriptionUpdate(raw, defaultTranscriptionSession(id, expiresAtS))) as unknown as Record<string, unknown>;
  } else {
    session = realtimeSessionConfig(raw, id, expiresAtS);
  }
  const value = deps.ids.clientSecret();
  deps.store.prune(nowS);
  deps.store.add(value, { scope: 'realtime', expiresAtS, session });
  return { status: 200, body: { value, expires_at: expiresAtS, session } };
}

function translationClientSecret(body: Record<string, unknown>, deps: HttpDeps): { status: number; body: unknown } {
  onlyKeys(body, '', ['expires_after', 'session']);
  const ttlS = parseTtl(body);
  const raw = asObject(required(body, 'session', ''), 'session');
  onlyKeys(raw, 'session', ['model', 'audio']);
  const model = asString(required(raw, 'model', 'session'), 'session.model');
  const audio: { input: { noise_reduction: unknown; transcription: unknown }; output: { language?: string } } = {
    input: { noise_reduction: null, transcription: null },
    output: {},
  };
  if (raw['audio'] !== undefined) {
    const a = asObject(raw['audio'], 'session.audio');
    onlyKeys(a, 'session.audio', ['input', 'output']);
    if (a['input'] !== undefined) {
      const i = asObject(a['input'], 'session.audio.input');
      onlyKeys(i, 'session.audio.input', ['noise_reduction', 'transcription']);
      if (i['noise_reduction'] !== undefined) audio.input.noise_reduction = parseNoiseReduction(i['noise_reduction'], 'session.audio.input.noise_reduction');
      if (i['transcription'] !== undefined) {
        if (i['transcription'] === null) audio.input.transcription = null;
        else {
          const t = asObject(i['transcription'], 'session.audio.input.transcription');
          onlyKeys(t, 'session.audio.input.transcription', ['model']);
          audio.input.transcription = { model: asString(required(t, 'model', 'session.audio.input.transcription'), 'session.audio.input.transcription.model') };
        }
      }
    }
    if (a['output'] !== undefined) {
      const o = asObject(a['output'], 'session.audio.output');
      onlyKeys(o, 'session.audio.output', ['language']);
      if (o['language'] !== undefined) audio.output.language = asString(o['language'], 'session.audio.output.language');
    }
  }
  const nowS = deps.nowUnixS();
  const expiresAtS = nowS + ttlS;
  const session = { id: deps.ids.session(), type: 'translation', model, expires_at: expiresAtS, audio };
  const value = deps.ids.clientSecret();
  deps.store.prune(nowS);
  deps.store.add(value, { scope: 'translation', expiresAtS, session });
  return { status: 200, body: { value, expires_at: expiresAtS, session } };
}

const ROUTES: Record<string, (body: Record<string, unknown>, deps: HttpDeps) => { status: number; body: unknown }> = {
  '/v1/realtime/client_secrets': realtimeClientSecret,
  '/v1/realtime/translations/client_secrets': translationClientSecret,
};

/** Handles one HTTP request (never throws; every failure is an HTTP error response). */
export async function handleHttpRequest(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://mock');
    const path = url.pathname.replace(/\/+$/, '');
    if (isBetaHttpShape(req.method, path, url.searchParams)) {
      // Retired beta shapes (SDP to /v1/realtime?model=, /sessions, /transcription_sessions): 400, as the real service.
      req.resume();
      sendJson(res, 400, betaHttpBody());
      if (deps.observer && deps.clock) deps.observer.httpRequest(httpRequestInfo(req, url, 400, 'beta_api_shape_disabled', deps.clock.nowUs()));
      return;
    }
    const route = ROUTES[path];
    // Browser apps mint keys from their own origin too (through their backend, usually; not always).
    if (route && answerPreflight(req, res)) return;
    if (route) applyCors(req, res);
    if (!route) {
      sendError(res, 404, { code: 'not_found', message: `Unknown endpoint: ${req.method ?? 'GET'} ${path || '/'}. The mock serves POST /v1/realtime/client_secrets, POST /v1/realtime/translations/client_secrets and WebSocket /v1/realtime.` });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendError(res, 405, { code: 'method_not_allowed', message: `Method ${req.method ?? ''} is not allowed on ${path}; use POST.` });
      return;
    }
    const key = extractApiKey(req);
    if (!mayMintClientSecrets(key, deps.apiKey)) {
      sendError(res, 401, key ? invalidApiKey() : missingApiKey());
      return;
    }
    const raw = await readBody(req);
    if (raw === null) {
      sendError(res, 413, { code: 'request_too_large', message: `Request body exceeds ${MAX_BODY_BYTES} bytes.` });
      return;
    }
    let body: unknown = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        sendError(res, 400, { code: 'invalid_json', message: `We could not parse the JSON body of your request: ${(err as Error).message}` });
        return;
      }
    }
    const result = validated(() => route(asObject(body, 'body'), deps));
    if (!result.ok) sendError(res, 400, result.error);
    else sendJson(res, result.value.status, result.value.body);
  } catch {
    if (!res.headersSent) sendError(res, 500, { type: 'server_error', code: 'server_error', message: 'The mock server had an error while processing your request.' });
    else res.destroy();
  }
}
