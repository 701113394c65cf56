/**
 * Catalogue of the mock's error events, with the real service's codes and message patterns
 * (docs/realtime-protocol.md §4.2). Every constructor returns a {@link MockErrorSpec}; the connection's
 * `sendError` turns it into an `error` event. Where the docs are silent the choice is marked
 * "(mock choice)" and listed in docs/readme/mock.md.
 */
import type { MockErrorSpec } from './contract.ts';
import { jsonTypeName } from '../common/audio/formats.ts';

/** Quotes a JSON value the way OpenAI messages do (`'text'`, `16000`, `null`). */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 200 ? value.slice(0, 200) + '…' : value}'`;
  if (value === undefined) return 'undefined';
  try {
    const json = JSON.stringify(value) ?? String(value);
    return json.length > 200 ? json.slice(0, 200) + '…' : json;
  } catch {
    return String(value);
  }
}


/** `'a', 'b', and 'c'` — the real service's list style. */
function listValues(values: readonly unknown[]): string {
  const quoted = values.map(quoteValue);
  if (quoted.length <= 1) return quoted.join('');
  if (quoted.length === 2) return `${quoted[0]} and ${quoted[1]}`;
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

// ---- framing (connection loop) -------------------------------------------------------------

/** A text frame that is not JSON (mock choice of code: `invalid_json`). */
export function invalidJson(detail: string): MockErrorSpec {
  return { code: 'invalid_json', message: `Invalid JSON in the client event: ${detail}. Each event must be one JSON object per text frame.`, param: null };
}

/** A binary frame (the protocol is JSON text frames only; mock choice of code: `invalid_json`). */
export function binaryFrame(byteLength: number): MockErrorSpec {
  return { code: 'invalid_json', message: `Binary frames are not supported (got ${byteLength} bytes): send each event as a JSON text frame.`, param: null };
}

/** JSON that is not an object. */
export function eventNotAnObject(value: unknown): MockErrorSpec {
  return { code: 'invalid_type', message: `Invalid type for the client event: expected an object, but got ${jsonTypeName(value)} instead.`, param: null };
}

/**
 * An event nesting objects and arrays more than `maxDepth` levels deep (mock choice of code
 * `invalid_value` and of the bound: the real limit is undocumented). Rejected before any handler
 * runs, since copying or printing such a value would exhaust the stack.
 */
export function nestingTooDeep(maxDepth: number): MockErrorSpec {
  return { code: 'invalid_value', message: `Invalid client event: objects and arrays are nested more than ${maxDepth} levels deep. Flatten the event.`, param: null };
}

/** A client event of unknown `type`: `invalid_value`, `param: "type"` (§4.2). */
export function unknownEventType(type: string, supported: readonly string[]): MockErrorSpec {
  return { code: 'invalid_value', message: `Invalid value: ${quoteValue(type)}. Supported values are: ${listValues(supported)}.`, param: 'type' };
}

// ---- parameter validation (§4.2 patterns) --------------------------------------------------

/** "Missing required parameter: 'item.content[0].text'." */
export function missingParameter(param: string): MockErrorSpec {
  return { code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param };
}

/** "Unknown parameter: 'session.foo'." */
export function unknownParameter(param: string): MockErrorSpec {
  return { code: 'unknown_parameter', message: `Unknown parameter: '${param}'.`, param };
}

/** "Invalid type for 'p': expected a string, but got an integer instead." */
export function invalidType(param: string, expected: string, value: unknown): MockErrorSpec {
  return { code: 'invalid_type', message: `Invalid type for '${param}': expected ${expected}, but got ${jsonTypeName(value)} instead.`, param };
}

/** "Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'." (list optional). */
export function invalidValue(param: string, value: unknown, supported?: readonly unknown[], detail?: string): MockErrorSpec {
  const tail = supported ? ` Supported values are: ${listValues(supported)}.` : detail ? ` ${detail}` : '';
  return { code: 'invalid_value', message: `Invalid value: ${quoteValue(value)}.${tail}`, param };
}

/** Numeric bound violations: `integer_above_max_value`, `decimal_below_min_value`, … */
export function numberOutOfRange(param: string, value: number, bound: number, side: 'min' | 'max', integer: boolean): MockErrorSpec {
  const kind = integer ? 'integer' : 'decimal';
  const dir = side === 'max' ? 'above maximum' : 'below minimum';
  const cmp = side === 'max' ? '<=' : '>=';
  return {
    code: `${kind}_${side === 'max' ? 'above_max' : 'below_min'}_value`,
    message: `Invalid '${param}': ${kind} ${dir} value. Expected a value ${cmp} ${bound}, but got ${value} instead.`,
    param,
  };
}

/** "Invalid 'p': string too long. Expected a string with maximum length N, but got a string with length M instead." */
export function stringTooLong(param: string, max: number, length: number): MockErrorSpec {
  return {
    code: 'string_above_max_length',
    message: `Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${length} instead.`,
    param,
  };
}

/** Too many keys in an object (metadata: at most 16). */
export function tooManyProperties(param: string, max: number, count: number): MockErrorSpec {
  return {
    code: 'object_above_max_properties',
    message: `Invalid '${param}': too many properties. Expected an object with at most ${max} properties, but got an object with ${count} properties instead.`,
    param,
  };
}

/** A parameter the model does not support (e.g. `reasoning` on a non-reasoning model). */
export function unsupportedParameter(param: string, model: string): MockErrorSpec {
  return { code: 'unsupported_parameter', message: `Unsupported parameter: '${param}' is not supported with the model '${model}'.`, param };
}

// ---- authentication, session lifetime (fatal) -----------------------------------------------

/** Wrong key (§1.2): the socket is then closed 3000 `invalid_request_error.invalid_api_key`. Never echoes the key. */
export function invalidApiKey(): MockErrorSpec {
  return {
    code: 'invalid_api_key',
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    param: null,
  };
}

/** No key at all: same code and close as a wrong key. */
export function missingApiKey(): MockErrorSpec {
  return {
    code: 'invalid_api_key',
    message:
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the 'openai-insecure-api-key.YOUR_KEY' WebSocket subprotocol.",
    param: null,
  };
}

/** An `ek_` client secret past its `expires_at` (mock choice: `invalid_api_key`, like any rejected key). */
export function expiredClientSecret(): MockErrorSpec {
  return { code: 'invalid_api_key', message: 'The client secret has expired. Create a new one with POST /v1/realtime/client_secrets.', param: null };
}

/**
 * The sentence of `session_expired` (§1.4): "Your session hit the maximum duration of 60 minutes."
 * Caps that are not whole minutes (short test caps) are stated in seconds.
 */
export function sessionExpiredMessage(maxSessionS: number): string {
  if (maxSessionS >= 60 && maxSessionS % 60 === 0) {
    const minutes = maxSessionS / 60;
    return `Your session hit the maximum duration of ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
  }
  const seconds = Math.round(maxSessionS * 1000) / 1000;
  return `Your session hit the maximum duration of ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`;
}

/** `session_expired` (§1.4); the socket is then closed 1001 with the same sentence. */
export function sessionExpired(maxSessionS: number): MockErrorSpec {
  return { code: 'session_expired', message: sessionExpiredMessage(maxSessionS), param: null };
}

// ---- URL / endpoint (fatal, mock choices: error then close 3000 like other fatal errors) -------

/** `/v1/realtime` without `model` or `intent`. */
export function missingModel(): MockErrorSpec {
  return { code: 'missing_required_parameter', message: "Missing required parameter: 'model'. Connect to /v1/realtime?model=<model> or /v1/realtime?intent=transcription.", param: 'model' };
}

/** More than one of `model`, `intent`, `call_id` (§1.1: exactly one is allowed). */
export function conflictingUrlParameters(names: readonly string[]): MockErrorSpec {
  return {
    code: 'invalid_request_error',
    message: `Only one of 'model', 'intent' and 'call_id' may be given in the URL, but got ${names.map((n) => `'${n}'`).join(' and ')}.`,
    param: names[1] ?? null,
  };
}

/** `?intent=` other than `transcription`. */
export function invalidIntent(value: string): MockErrorSpec {
  return invalidValue('intent', value, ['transcription']);
}

/** Translation endpoint with `intent` (the SDK rejects it too, §1.1). */
export function translationIntentNotAllowed(): MockErrorSpec {
  return { code: 'unknown_parameter', message: "Unknown parameter: 'intent'. Translation sessions take only ?model=.", param: 'intent' };
}

// ---- session ---------------------------------------------------------------------------------

/** Voice change after assistant audio exists (§5). */
export function cannotUpdateVoice(): MockErrorSpec {
  return { code: 'cannot_update_voice', message: "Cannot update a conversation's voice if assistant audio is present.", param: 'session.audio.output.voice' };
}

/** `session.model` different from the session's model (model is immutable, §5; mock choice of code). */
export function modelImmutable(current: string, requested: unknown): MockErrorSpec {
  return {
    code: 'invalid_value',
    message: `Invalid value: ${quoteValue(requested)}. The model of a session cannot be changed; this session uses '${current}'.`,
    param: 'session.model',
  };
}

/** `session.type:"transcription"` on a `?model=` session (§4.2, reported code `invalid_parameter`). */
export function transcriptionUpdateOnRealtime(): MockErrorSpec {
  return { code: 'invalid_parameter', message: 'Passing a transcription session update event to a realtime session is not allowed.', param: 'session.type' };
}

/** `tracing` changed after it was enabled (§5: "once enabled it cannot be modified"; mock choice of code). */
export function tracingImmutable(): MockErrorSpec {
  return { code: 'invalid_value', message: 'Tracing cannot be modified once it has been enabled for a session.', param: 'session.tracing' };
}

// ---- conversation items ----------------------------------------------------------------------

const ITEM_VERBS = { retrieve: 'retrieving', delete: 'deleting', truncate: 'truncating' } as const;

/** Unknown `item_id` on retrieve/delete/truncate: `item_<op>_invalid_item_id` (codes seen in client filters). */
export function itemNotFound(op: keyof typeof ITEM_VERBS, itemId: string): MockErrorSpec {
  return { code: `item_${op}_invalid_item_id`, message: `Error ${ITEM_VERBS[op]} item: the item with id '${itemId}' does not exist.`, param: 'item_id' };
}

/** `previous_item_id` that is not in the conversation (§8.4; mock choice of code). */
export function previousItemNotFound(previousItemId: string): MockErrorSpec {
  return {
    code: 'invalid_value',
    message: `Error adding item: the previous item with id '${previousItemId}' does not exist. Use 'root' to insert at the start of the conversation.`,
    param: 'previous_item_id',
  };
}

/** Client-chosen `item.id` already used (mock choice of code). */
export function duplicateItemId(itemId: string): MockErrorSpec {
  return { code: 'invalid_value', message: `Error adding item: an item with id '${itemId}' already exists in the conversation.`, param: 'item.id' };
}

/** `function_call_output` whose `call_id` matches no `function_call` (§8.4; mock choice of code). */
export function unknownCallId(param: string, callId: string): MockErrorSpec {
  return { code: 'invalid_value', message: `No tool call found for function call output with call_id '${callId}'.`, param };
}

/** Truncate on anything but assistant audio (§3.8). */
export function truncateUnsupportedContent(): MockErrorSpec {
  return { code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated', param: null };
}

/** Truncate beyond the audio (§3.8 message; mock choice of code). */
export function truncateBeyondAudio(audioMs: number, requestedMs: number): MockErrorSpec {
  return { code: 'invalid_value', message: `Audio content of ${Math.round(audioMs)}ms is already shorter than ${requestedMs}ms`, param: 'audio_end_ms' };
}

// ---- responses -------------------------------------------------------------------------------

/** §4.2: a second `response.create` on the default conversation. */
export function conversationAlreadyHasActiveResponse(responseId: string): MockErrorSpec {
  return {
    code: 'conversation_already_has_active_response',
    message: `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    param: null,
  };
}

/** §4.2: `response.cancel` with nothing running. */
export function responseCancelNotActive(): MockErrorSpec {
  return { code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', param: null };
}

/** A server-side failure (injected by `--fault server_error`, or a handler bug caught by the loop). */
export function serverError(): MockErrorSpec {
  return {
    type: 'server_error',
    code: 'server_error',
    message: 'The server had an error while processing your request. Sorry about that! You can retry your request, or contact us through our help center at help.openai.com if the error persists.',
    param: null,
  };
}

/** Formats seconds the way rate-limit hints do: `1.2s`, `1m26.4s`. */
export function formatRetryAfter(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.round(s * 1000) / 1000}s`;
  const m = Math.floor(s / 60);
  return `${m}m${Math.round((s - m * 60) * 10) / 10}s`;
}

/**
 * The `rate_limit_exceeded` message of a failed response (§4.2), with a "try again in" hint.
 * `limit`/`used` default to 40000 (an emulated budget passes its own).
 */
export function rateLimitMessage(model: string, retryAfterS: number, limit = 40_000, used = limit): string {
  return (
    `Rate limit reached for ${model} in organization org-mock on tokens per min (TPM): Limit ${limit}, Used ${used}, Requested 1200. ` +
    `Please try again in ${formatRetryAfter(retryAfterS)}. Visit https://platform.openai.com/account/rate-limits to learn more.`
  );
}
