/**
 * The retired beta Realtime protocol, refused as the real service refuses it (since 2026-05):
 * a WebSocket upgrade with `OpenAI-Beta: realtime=v1` or the `openai-beta.realtime-v1`
 * subprotocol succeeds, gets one `error` event `beta_api_shape_disabled` and close 4000 with
 * reason `invalid_request_error.beta_api_shape_disabled`; the beta HTTP shapes (SDP to
 * `POST /v1/realtime?model=…`, `POST /v1/realtime/sessions`, `POST /v1/realtime/transcription_sessions`)
 * get HTTP 400 with the same error. See docs/client-findings.md ("Retired protocol").
 */
import type { IncomingMessage } from 'node:http';
import type { MockErrorSpec } from './contract.ts';

/** The subprotocol a beta browser client offers. */
export const BETA_SUBPROTOCOL = 'openai-beta.realtime-v1';
/** Close code after the beta error (private-use range, as captured). */
export const BETA_CLOSE_CODE = 4000;
/** Message of the beta error, verbatim from captures. */
export const BETA_MESSAGE = 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.';

/** The error event's content (type `invalid_request_error`, code `beta_api_shape_disabled`, param null). */
export function betaApiShapeDisabled(): MockErrorSpec {
  return { type: 'invalid_request_error', code: 'beta_api_shape_disabled', message: BETA_MESSAGE, param: null };
}

/** Which beta opt-ins an upgrade request carries. */
export function betaOptIns(req: IncomingMessage): { header: boolean; subprotocol: boolean } {
  const raw = req.headers['openai-beta'];
  const values = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase());
  const protocols = req.headers['sec-websocket-protocol'];
  const offered = typeof protocols === 'string' ? protocols.split(',').map((p) => p.trim()) : [];
  return { header: values.includes('realtime=v1'), subprotocol: offered.includes(BETA_SUBPROTOCOL) };
}

/** Whether a plain HTTP request is one of the retired beta shapes (method POST). */
export function isBetaHttpShape(method: string | undefined, path: string, query: URLSearchParams): boolean {
  if (method !== 'POST') return false;
  if (path === '/v1/realtime/sessions' || path === '/v1/realtime/transcription_sessions') return true;
  return path === '/v1/realtime' && query.has('model');
}

/** The 400 body of the beta HTTP shapes (`param` is the empty string in the capture). */
export function betaHttpBody(): { error: { message: string; type: string; code: string; param: string } } {
  return { error: { message: BETA_MESSAGE, type: 'invalid_request_error', code: 'beta_api_shape_disabled', param: '' } };
}
