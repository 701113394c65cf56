/**
 * The Live session's errors (docs/live-protocol.md §3.3, §8.3) and the Live `error` event shape:
 * `{type:"error", event_id, error:{type, code, message, param?, client_event_id?}, client_event_id?}`
 * (the SDK type puts `client_event_id` at the top level, the docs example inside `error`: the mock
 * writes both when a command supplied an `event_id`). `code` is always a string and `param` is
 * omitted rather than null, as the official type declares. Codes the reference marks as not
 * captured are mock choices, named so in each constructor's comment.
 */
import type { ErrorEvent as LiveErrorEvent } from 'openai/resources/live/live';
import type { MockErrorSpec, WireEvent } from '../contract.ts';
import { quoteValue, unknownEventType } from '../errors.ts';

/** The Live `error` event for `spec`, echoing `clientEventId` when the command had one. */
export function liveErrorEvent(eventId: string, spec: MockErrorSpec, clientEventId: string | null): WireEvent {
  const error: LiveErrorEvent['error'] = { type: spec.type ?? 'invalid_request_error', code: spec.code ?? 'error', message: spec.message };
  if (spec.param) error.param = spec.param;
  const event: LiveErrorEvent = { type: 'error', event_id: eventId, error };
  if (clientEventId !== null) {
    error.client_event_id = clientEventId;
    event.client_event_id = clientEventId;
  }
  return event as unknown as WireEvent;
}

/** "Unknown parameter: 'session.voice'." (`unknown_parameter`, dotted `param`; §2.1, [T L3 L4]). */
export function liveUnknownParameter(param: string): MockErrorSpec {
  return { code: 'unknown_parameter', message: `Unknown parameter: '${param}'.`, param };
}

/** A required field missing (`missing_required_parameter`, [R]). */
export function liveMissingParameter(param: string): MockErrorSpec {
  return { code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param };
}

/** A value of the wrong JSON type (`invalid_type`, mock choice following the Realtime pattern). */
export function liveInvalidType(param: string, expected: string, value: unknown): MockErrorSpec {
  return { code: 'invalid_type', message: `Invalid type for '${param}': expected ${expected}, but got ${quoteValue(value)} instead.`, param };
}

/** A value outside the allowed set (`invalid_value`, [R]). */
export function liveInvalidValue(param: string, value: unknown, expected: string): MockErrorSpec {
  return { code: 'invalid_value', message: `Invalid value for '${param}': ${quoteValue(value)}. Expected ${expected}.`, param };
}

/** A model that is not a GPT-Live model in `session.start` (mock choice of code `invalid_model`, [R]). */
export function liveInvalidModel(model: string, live: readonly string[]): MockErrorSpec {
  return {
    code: 'invalid_model',
    message: `Model ${quoteValue(model)} is not supported on /v1/live/sessions. Use a GPT-Live model (${live.join(', ')}); Realtime models connect to /v1/realtime.`,
    param: 'session.model',
  };
}

/** A GPT-Live model asked for on `/v1/realtime?model=` (`invalid_model`, [R L8]); the connection answers it as fatal. */
export function liveModelOnRealtime(model: string): MockErrorSpec {
  return {
    code: 'invalid_model',
    message: `Model ${quoteValue(model)} is a GPT-Live model and is not supported on /v1/realtime. Connect to /v1/live/sessions and name the model in session.start.`,
    param: 'model',
  };
}

/** A command before `session.start` (code not captured; mock choice `session_not_started`, §8.3). */
export function sessionNotStarted(type: string): MockErrorSpec {
  return { code: 'session_not_started', message: `${quoteValue(type)} was sent before 'session.start'. The first client event of a Live session must be 'session.start'.`, param: 'type' };
}

/** A second `session.start` (`session_already_started`, as an independent implementation names it [R L9]). */
export function sessionAlreadyStarted(): MockErrorSpec {
  return { code: 'session_already_started', message: 'The session has already started; session.start may be sent only once.', param: 'type' };
}

/** An unknown client event type: the message enumerates the supported client events in single quotes ([M L5]). */
export function liveUnknownEventType(type: string, supported: readonly string[]): MockErrorSpec {
  return unknownEventType(type, supported);
}

/** `response.item.create` / `response.create` on a client-delegated session ([M L5] message). */
export function requiresResponsesDelegation(type: string): MockErrorSpec {
  return { code: 'invalid_value', message: `${type} requires Responses delegation.`, param: 'type' };
}

/** Delegation types the mock does not emulate (Responses and Decisions backends; mock choice `unsupported_delegation`). */
export function unsupportedDelegation(type: string): MockErrorSpec {
  return {
    code: 'unsupported_delegation',
    message: `The mock emulates client delegation only; delegation type ${quoteValue(type)} is not emulated (the real service supports it).`,
    param: 'session.delegation.type',
  };
}

/** `session.update` changing the delegation type or an immutable field (`immutable_field_update`, [M L5]). */
export function immutableFieldUpdate(param: string): MockErrorSpec {
  return { code: 'immutable_field_update', message: `'${param}' cannot be changed after session.start.`, param };
}

/** An append naming a delegation the session never created (`invalid_value`, [R]). */
export function unknownDelegationId(id: string): MockErrorSpec {
  return { code: 'invalid_value', message: `Unknown delegation_id ${quoteValue(id)}.`, param: 'delegation_id' };
}
