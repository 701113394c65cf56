/**
 * The one module that parses every inbound server event (README, Architecture: parse, don't
 * crash; keep the raw next to the typed). One `JSON.parse` per event and a `type` lookup; no deep
 * validation here — the conformance rules judge shapes and order.
 */
import type { RealtimeServerEvent, RealtimeTranslationServerEvent } from 'openai/resources/realtime/realtime';
import type { ServerEventType, TranslationServerEventType } from '../../common/protocol/types.ts';

/** Any server event type the official GA unions (realtime + translation) know. */
export type KnownServerEventType = ServerEventType | TranslationServerEventType;

/** Any server event of the official GA unions. */
export type KnownServerEvent = RealtimeServerEvent | RealtimeTranslationServerEvent;

interface ParsedBase {
  /** The text as received (binary frames are decoded as UTF-8 for the record). */
  raw: string;
  /** Receive time stamped by the transport, µs (monotonic). */
  receivedUs: number;
  /** 0-based index of the event in its connection's stream. */
  index: number;
}

/** A server event whose `type` is in the official GA unions (fields are not validated here). */
export interface KnownParsedEvent extends ParsedBase {
  kind: 'known';
  type: KnownServerEventType;
  event: KnownServerEvent;
}

/** A JSON object with a string `type` the GA unions do not know (tolerated, §8.3). */
export interface UnknownParsedEvent extends ParsedBase {
  kind: 'unknown';
  type: string;
  event: Record<string, unknown>;
  /** When `type` is a beta-era name (§2.1), its GA replacement (or `null` if it was removed). */
  betaOf: string | null | undefined;
}

/** Not a JSON object with a string `type`: binary frame, invalid JSON, array, missing type. */
export interface MalformedParsedEvent extends ParsedBase {
  kind: 'malformed';
  problem: string;
}

/** What {@link parseServerEvent} returns: never an exception. */
export type ParsedEvent = KnownParsedEvent | UnknownParsedEvent | MalformedParsedEvent;

// A Record over the union makes the compiler list every GA type: adding a type to the official
// union without adding it here is a type error, and a misspelt key is one too.
const REALTIME_TYPES: Record<ServerEventType, true> = {
  'conversation.created': true,
  'conversation.item.created': true,
  'conversation.item.deleted': true,
  'conversation.item.input_audio_transcription.completed': true,
  'conversation.item.input_audio_transcription.delta': true,
  'conversation.item.input_audio_transcription.failed': true,
  'conversation.item.input_audio_transcription.segment': true,
  'conversation.item.retrieved': true,
  'conversation.item.truncated': true,
  'conversation.item.added': true,
  'conversation.item.done': true,
  error: true,
  'input_audio_buffer.cleared': true,
  'input_audio_buffer.committed': true,
  'input_audio_buffer.dtmf_event_received': true,
  'input_audio_buffer.speech_started': true,
  'input_audio_buffer.speech_stopped': true,
  'input_audio_buffer.timeout_triggered': true,
  'rate_limits.updated': true,
  'response.output_audio.delta': true,
  'response.output_audio.done': true,
  'response.output_audio_transcript.delta': true,
  'response.output_audio_transcript.done': true,
  'response.content_part.added': true,
  'response.content_part.done': true,
  'response.created': true,
  'response.done': true,
  'response.function_call_arguments.delta': true,
  'response.function_call_arguments.done': true,
  'response.output_item.added': true,
  'response.output_item.done': true,
  'response.output_text.delta': true,
  'response.output_text.done': true,
  'session.created': true,
  'session.updated': true,
  'output_audio_buffer.started': true,
  'output_audio_buffer.stopped': true,
  'output_audio_buffer.cleared': true,
  'mcp_list_tools.in_progress': true,
  'mcp_list_tools.completed': true,
  'mcp_list_tools.failed': true,
  'response.mcp_call_arguments.delta': true,
  'response.mcp_call_arguments.done': true,
  'response.mcp_call.in_progress': true,
  'response.mcp_call.completed': true,
  'response.mcp_call.failed': true,
};

const TRANSLATION_TYPES: Record<TranslationServerEventType, true> = {
  error: true,
  'session.created': true,
  'session.updated': true,
  'session.closed': true,
  'session.input_transcript.delta': true,
  'session.output_transcript.delta': true,
  'session.output_audio.delta': true,
};

/** Every GA realtime server event type (the official `RealtimeServerEvent` union). */
export const REALTIME_SERVER_EVENT_TYPES: ReadonlySet<ServerEventType> = new Set(Object.keys(REALTIME_TYPES) as ServerEventType[]);

/** Every translation-session server event type (the official `RealtimeTranslationServerEvent` union). */
export const TRANSLATION_SERVER_EVENT_TYPES: ReadonlySet<TranslationServerEventType> = new Set(
  Object.keys(TRANSLATION_TYPES) as TranslationServerEventType[],
);

/** Union of the two sets above. */
export const KNOWN_SERVER_EVENT_TYPES: ReadonlySet<KnownServerEventType> = new Set<KnownServerEventType>([
  ...REALTIME_SERVER_EVENT_TYPES,
  ...TRANSLATION_SERVER_EVENT_TYPES,
]);

/**
 * Beta-era server event names (§2.1) mapped to their GA replacement (`null`: no GA event, the GA
 * flow starts with `session.created`). `conversation.item.created` is still in the GA union
 * (superseded by `conversation.item.added`/`.done`) so it is known, not listed here; a
 * conformance rule can flag it separately.
 */
export const BETA_SERVER_EVENT_TYPES: Readonly<Record<string, string | null>> = {
  'response.text.delta': 'response.output_text.delta',
  'response.text.done': 'response.output_text.done',
  'response.audio.delta': 'response.output_audio.delta',
  'response.audio.done': 'response.output_audio.done',
  'response.audio_transcript.delta': 'response.output_audio_transcript.delta',
  'response.audio_transcript.done': 'response.output_audio_transcript.done',
  'transcription_session.created': 'session.created',
  'transcription_session.updated': 'session.updated',
};

/** Whether `type` is a GA server event type (realtime or translation). */
export function isKnownServerEventType(type: string): type is KnownServerEventType {
  return Object.hasOwn(REALTIME_TYPES, type) || Object.hasOwn(TRANSLATION_TYPES, type);
}

/** Frames that may carry a long base64 `delta` (output audio): the only ones {@link parseAroundDelta} tries. */
const AUDIO_DELTA_PREFIXES = ['{"type":"response.output_audio.delta"', '{"type":"session.output_audio.delta"'] as const;
const DELTA_TOKEN = '"delta"';
const DELTA_KEY = '"delta":"';
/** Deltas shorter than this are parsed the ordinary way (the splice only pays off on long ones). */
export const SPLICE_MIN_DELTA_CHARS = 256;

/** `JSON.parse`, except that an output-audio delta's `delta` is cut out of the frame instead of copied. */
function parseJson(raw: string): unknown {
  if (raw.length > SPLICE_MIN_DELTA_CHARS && (raw.startsWith(AUDIO_DELTA_PREFIXES[0]) || raw.startsWith(AUDIO_DELTA_PREFIXES[1]))) {
    const spliced = parseAroundDelta(raw);
    if (spliced !== undefined) return spliced;
  }
  return JSON.parse(raw);
}

/**
 * Parses an output-audio delta frame without copying its base64 `delta`: the frame is parsed with
 * the delta's value emptied, and `delta` is then set to a slice of `raw` (V8 makes that a view
 * of the frame's text, not a copy). The result equals `JSON.parse(raw)`. Output audio is most of
 * what a load run receives (every session, faster than real time), and copying each delta was
 * about a third of the harness's allocation, so it set how often young-generation collections
 * paused every session (one cause of late first-audio stamps: bench/harness-e2e.ts, `error_tail`).
 *
 * Exact only for frames without any backslash (every key is then literal, and the one `"delta"`
 * token is the top-level key), so anything else — escapes, a second `"delta"`, whitespace after
 * the colon, a short delta, invalid JSON — returns `undefined` and is parsed the ordinary way.
 */
export function parseAroundDelta(raw: string): unknown {
  if (raw.indexOf('\\') >= 0) return undefined;
  const key = raw.indexOf(DELTA_TOKEN);
  if (key < 0 || !raw.startsWith(DELTA_KEY, key)) return undefined;
  const start = key + DELTA_KEY.length;
  const end = raw.indexOf('"', start);
  if (end - start < SPLICE_MIN_DELTA_CHARS || raw.indexOf(DELTA_TOKEN, end) >= 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw.slice(0, start) + raw.slice(end));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const event = value as Record<string, unknown>;
  if (event['delta'] !== '') return undefined;
  event['delta'] = raw.slice(start, end);
  return event;
}

/**
 * Parses one inbound frame. Never throws. Text frames are JSON-parsed once; a JSON object with a
 * string `type` is `known` (GA union) or `unknown`; anything else (binary frame, invalid JSON,
 * non-object, missing/non-string `type`) is `malformed` with the problem named.
 */
export function parseServerEvent(raw: string | Buffer, receivedUs: number, index: number): ParsedEvent {
  if (typeof raw !== 'string') {
    return { kind: 'malformed', problem: `binary frame of ${raw.length} bytes (events are JSON text frames)`, raw: raw.toString('utf8'), receivedUs, index };
  }
  let value: unknown;
  try {
    value = parseJson(raw);
  } catch (err) {
    return { kind: 'malformed', problem: `invalid JSON: ${(err as Error).message}`, raw, receivedUs, index };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return { kind: 'malformed', problem: `event is ${what}, expected a JSON object`, raw, receivedUs, index };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { kind: 'malformed', problem: type === undefined ? 'event has no "type"' : `event "type" is ${typeof type}, expected a string`, raw, receivedUs, index };
  }
  if (isKnownServerEventType(type)) {
    return { kind: 'known', type, event: value as KnownServerEvent, raw, receivedUs, index };
  }
  return {
    kind: 'unknown',
    type,
    event: value as Record<string, unknown>,
    betaOf: Object.hasOwn(BETA_SERVER_EVENT_TYPES, type) ? BETA_SERVER_EVENT_TYPES[type] : undefined,
    raw,
    receivedUs,
    index,
  };
}
