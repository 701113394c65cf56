/**
 * `POST /v1/realtime/calls` and `POST /v1/realtime/calls/{call_id}/hangup` (docs/realtime-protocol.md
 * §10.1–§10.2, §10.7): the two request forms of a WebRTC call — a raw SDP offer
 * (`application/sdp`, usually with an `ek_` key from a browser) and the unified multipart form
 * (`sdp` + `session` parts, usually with the standard key from an app server) — answered `201`
 * with the answer SDP and `Location: /v1/realtime/calls/rtc_…`. Every bad request is a clear HTTP
 * error in the REST shape; nothing reaches the WebRTC stack unchecked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize, extractApiKey, type ClientSecretStore } from '../auth.ts';
import type { ConnectionInit } from '../connection.ts';
import type { IdFactory, MockErrorSpec, Rng } from '../contract.ts';
import { answerPreflight, applyCors } from '../cors.ts';
import { expiredClientSecret, invalidApiKey, missingApiKey } from '../errors.ts';
import { readBody, realtimeSessionConfig, sendError } from '../http.ts';
import { DEFAULT_MODEL } from '../realtime/config.ts';
import { asEnum, asObject, required, validated } from '../realtime/validate.ts';
import { RtcCall } from './call.ts';
import { CallRegistry, newCallId, type VerbResult } from '../calls.ts';
export { CallRegistry };
import { checkOffer } from './sdp-offer.ts';

/** What the calls endpoint needs from the server. */
export interface CallsDeps {
  readonly apiKey: string | null;
  readonly store: ClientSecretStore;
  readonly ids: IdFactory;
  readonly rng: Rng;
  readonly nowUnixS: () => number;
  readonly registry: CallRegistry;
  /** The address ICE candidates are gathered on. */
  readonly rtcHost: string;
  /** A fresh session of `model` for a call (the same construction as a WebSocket session's). */
  /**
   * A fresh session of `model` for a call (the same construction as a WebSocket session's); `req`
   * (the POST that made the call) lets client findings see who made it.
   */
  openSession(model: string, clientSecretSession: Record<string, unknown> | null, req?: IncomingMessage): Omit<ConnectionInit, 'link' | 'door' | 'onEnded'>;
}

const CALLS_PATH = '/v1/realtime/calls';
const CALL_VERB = /^\/v1\/realtime\/calls\/([A-Za-z0-9_-]{1,128})\/(hangup|accept|reject|refer)$/;

/** Whether `path` (no trailing slash) belongs to this endpoint. */
export function isCallsPath(path: string): boolean {
  return path === CALLS_PATH || path === '/v1/realtime/translations/calls' || CALL_VERB.test(path);
}

function invalidOffer(detail: string): MockErrorSpec {
  // The real endpoint's wording for a rejected offer, then what was wrong with it.
  return { code: 'invalid_offer', message: `Invalid SDP offer. Please try again with a WHIP-compliant offer. ${detail}`, param: null };
}

type Auth = { ok: true; clientSecretSession: Record<string, unknown> | null } | { ok: false; status: number; error: MockErrorSpec };

function authenticate(req: IncomingMessage, deps: CallsDeps): Auth {
  const key = extractApiKey(req);
  const auth = authorize(key, deps.apiKey, deps.store, 'realtime', deps.nowUnixS());
  if (auth.ok) return { ok: true, clientSecretSession: auth.clientSecret?.session ?? null };
  const error = auth.reason === 'missing' ? missingApiKey() : auth.reason === 'expired' ? expiredClientSecret() : invalidApiKey();
  return { ok: false, status: 401, error };
}

/** The offer and the session config of a request, or the HTTP error to answer. */
async function readOffer(req: IncomingMessage, raw: Buffer, deps: CallsDeps, keySession: Record<string, unknown> | null): Promise<{ sdp: string; session: Record<string, unknown> | null } | { status: number; error: MockErrorSpec }> {
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (contentType.startsWith('application/sdp')) return { sdp: raw.toString('utf8'), session: keySession };
  if (contentType.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      // The platform's own multipart parser (undici, in Node since 18): boundaries, per-part headers.
      form = await new Request('http://mock/', { method: 'POST', headers: { 'content-type': req.headers['content-type']! }, body: raw }).formData();
    } catch (err) {
      return { status: 400, error: { code: 'invalid_request_error', message: `Could not parse the multipart/form-data body: ${(err as Error).message}`, param: null } };
    }
    const sdpPart = form.get('sdp');
    if (sdpPart === null) return { status: 400, error: { code: 'missing_required_parameter', message: "Missing required parameter: 'sdp'.", param: 'sdp' } };
    // Browsers' FormData.set('sdp', text) sends no per-part Content-Type; the SDK sends application/sdp.
    const sdp = typeof sdpPart === 'string' ? sdpPart : await sdpPart.text();
    const sessionPart = form.get('session');
    if (sessionPart === null) return { sdp, session: keySession };
    const text = typeof sessionPart === 'string' ? sessionPart : await sessionPart.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return { status: 400, error: { code: 'invalid_json', message: `The 'session' part is not valid JSON: ${(err as Error).message}`, param: 'session' } };
    }
    const nowS = deps.nowUnixS();
    const result = validated(() => {
      const obj = asObject(parsed, 'session');
      asEnum(required(obj, 'type', 'session'), 'session.type', ['realtime'] as const);
      return realtimeSessionConfig(obj, deps.ids.session(), nowS + 3600);
    });
    if (!result.ok) return { status: 400, error: result.error };
    return { sdp, session: result.value };
  }
  return {
    status: 415,
    error: {
      code: 'unsupported_content_type',
      message: `Unsupported Content-Type '${contentType || '(none)'}': send the SDP offer as application/sdp, or as multipart/form-data with an 'sdp' part and an optional 'session' part.`,
      param: null,
    },
  };
}

/** Handles a request on a calls path (never throws; every failure is an HTTP error). */
export async function handleCallsRequest(req: IncomingMessage, res: ServerResponse, path: string, deps: CallsDeps): Promise<void> {
  try {
    if (answerPreflight(req, res)) return;
    applyCors(req, res);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST, OPTIONS');
      sendError(res, 405, { code: 'method_not_allowed', message: `Method ${req.method ?? ''} is not allowed on ${path}; use POST.` });
      return;
    }
    const auth = authenticate(req, deps);
    if (!auth.ok) return sendError(res, auth.status, auth.error);
    const verb = CALL_VERB.exec(path);
    if (verb) return await callVerb(req, res, verb[1]!, verb[2]!, deps);
    if (path !== CALLS_PATH) {
      sendError(res, 404, { code: 'not_implemented', message: 'Translation over WebRTC (/v1/realtime/translations/calls) is not implemented by the mock; use the translation WebSocket endpoint.', param: null });
      return;
    }
    const raw = await readBody(req);
    if (raw === null) return sendError(res, 413, { code: 'request_too_large', message: 'Request body exceeds 1048576 bytes.' });
    const offer = await readOffer(req, raw, deps, auth.clientSecretSession);
    if ('error' in offer) return sendError(res, offer.status, offer.error);
    const checked = checkOffer(offer.sdp);
    if (!checked.ok) return sendError(res, 400, invalidOffer(checked.message));
    const model = typeof offer.session?.['model'] === 'string' ? (offer.session['model'] as string) : DEFAULT_MODEL;
    const callId = newCallId(deps.rng);
    let answered: Awaited<ReturnType<typeof RtcCall.answer>>;
    const session = deps.openSession(model, offer.session, req);
    try {
      answered = await RtcCall.answer(offer.sdp, {
        callId,
        clock: session.clock,
        rtcHost: deps.rtcHost,
        session,
        onEnded: () => deps.registry.delete(callId),
      });
    } catch (err) {
      return sendError(res, 400, invalidOffer(`The WebRTC stack could not answer it: ${(err as Error).message}`));
    }
    deps.registry.add(answered.call);
    res.writeHead(201, { 'content-type': 'application/sdp', location: `${CALLS_PATH}/${callId}`, 'content-length': Buffer.byteLength(answered.answerSdp) });
    res.end(answered.answerSdp);
  } catch {
    if (!res.headersSent) sendError(res, 500, { type: 'server_error', code: 'server_error', message: 'The mock server had an error while processing your request.' });
    else res.destroy();
  }
}

/** The turn-detection fields a SIP call's accept refuses (measured: 400 Unknown parameter, §11.4). */
const SIP_REFUSED_VAD_FIELDS = ['threshold', 'prefix_padding_ms', 'silence_duration_ms'] as const;

function parseJsonBody(raw: Buffer): { ok: true; value: Record<string, unknown> } | { ok: false; error: MockErrorSpec } {
  if (raw.length === 0) return { ok: true, value: {} };
  try {
    const v: unknown = JSON.parse(raw.toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: { code: 'invalid_type', message: 'The request body must be a JSON object.', param: null } };
    return { ok: true, value: v as Record<string, unknown> };
  } catch (err) {
    return { ok: false, error: { code: 'invalid_json', message: `We could not parse the JSON body of your request: ${(err as Error).message}`, param: null } };
  }
}

async function callVerb(req: IncomingMessage, res: ServerResponse, callId: string, verb: string, deps: CallsDeps): Promise<void> {
  const call = deps.registry.get(callId);
  if (!call || call.ended) return sendError(res, 404, { code: 'call_id_not_found', message: `No call found with id '${callId}'.`, param: 'call_id' });
  const done = (r: VerbResult): void => {
    if (!r.ok) return sendError(res, r.status, r.error);
    res.writeHead(200, { 'content-length': 0 });
    res.end();
  };
  if (verb === 'hangup') {
    call.hangup();
    return done({ ok: true });
  }
  if (call.kind !== 'sip') return done({ ok: false, status: 400, error: { code: 'invalid_request_error', message: `/${verb} applies to incoming SIP calls; ${callId} is a WebRTC call.`, param: null } });
  const raw = await readBody(req);
  if (raw === null) return sendError(res, 413, { code: 'request_too_large', message: 'Request body exceeds 1048576 bytes.' });
  const body = parseJsonBody(raw);
  if (!body.ok) return sendError(res, 400, body.error);
  const b = body.value;
  if (verb === 'accept') {
    const td = ((b['audio'] as Record<string, unknown> | undefined)?.['input'] as Record<string, unknown> | undefined)?.['turn_detection'] as Record<string, unknown> | undefined;
    for (const f of SIP_REFUSED_VAD_FIELDS) {
      if (td && typeof td === 'object' && f in td) return done({ ok: false, status: 400, error: { code: 'unknown_parameter', message: `Unknown parameter: 'session.audio.input.turn_detection.${f}'.`, param: `session.audio.input.turn_detection.${f}` } });
    }
    const result = validated(() => {
      asEnum(required(b, 'type', ''), 'type', ['realtime'] as const);
      return realtimeSessionConfig(b, deps.ids.session(), deps.nowUnixS() + 3600);
    });
    if (!result.ok) return sendError(res, 400, result.error);
    return done(call.accept!(result.value));
  }
  if (verb === 'reject') {
    const code = b['status_code'] ?? 603;
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 400 || code > 699) return sendError(res, 400, { code: 'invalid_value', message: `Invalid value: ${JSON.stringify(code)}. 'status_code' must be a SIP final status from 400 to 699.`, param: 'status_code' });
    return done(call.reject!(code));
  }
  // refer
  const target = b['target_uri'];
  if (typeof target !== 'string' || !/^(tel|sip|sips):\S+$/.test(target)) return sendError(res, 400, { code: target === undefined ? 'missing_required_parameter' : 'invalid_value', message: target === undefined ? "Missing required parameter: 'target_uri'." : `Invalid value for 'target_uri': expected a tel: or sip: URI.`, param: 'target_uri' });
  return done(call.refer!(target));
}
