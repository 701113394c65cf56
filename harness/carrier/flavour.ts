/**
 * What a carrier flavour (Twilio Media Streams, Telnyx media streaming) must provide to the one call
 * engine (call.ts): the text of every message the carrier sends, and the parser of every message a
 * bridge sends back. Each flavour's messages are built and parsed in its own file and nowhere else.
 * Facts and sources: docs/readme/telephony.md.
 */
import type { CarrierCodec, CarrierTransport } from '../scenario/carrier-schema.ts';

/** Identifiers of one call's stream (Twilio `streamSid`/`callSid`/`accountSid`; Telnyx `stream_id`/`call_control_id`/`user_id`). */
export interface StreamIds {
  streamId: string;
  callId: string;
  accountId: string;
  /** Telnyx `call_session_id` (a UUID); unused by Twilio. */
  sessionId: string;
}

/** The call's audio format as announced in `start`. */
export interface MediaFormat {
  codec: CarrierCodec;
  /** The `encoding` string sent (Twilio `audio/x-mulaw`; Telnyx `PCMU`/`audio/x-mulaw`, `PCMA`, `L16`). */
  encodingName: string;
  sampleRateHz: number;
}

/** One message from the bridge, as the carrier understands it. */
export type BridgeMessage =
  | { kind: 'media'; payload: string; streamId: string | null }
  | { kind: 'mark'; name: string | null; streamId: string | null }
  | { kind: 'clear'; streamId: string | null }
  /** Valid JSON with an `event` the carrier does not act on (counted, not an error). */
  | { kind: 'other'; event: string }
  /** Not a message the carrier accepts: the reason names what was wrong. */
  | { kind: 'invalid'; reason: string };

/** One carrier's message texts and bridge-message parser. */
export interface CarrierFlavour {
  readonly name: CarrierTransport;
  /** Whether a bridge message must carry the stream id (Twilio: yes; Telnyx: optional, checked when present). */
  readonly streamIdRequired: boolean;
  /** Fresh ids for one call, from `random` (a seeded [0, 1) source). */
  newIds(random: () => number): StreamIds;
  /** The first message (no sequence number). */
  connected(): string;
  /** `start` (sequence number 1). */
  start(seq: number, ids: StreamIds, format: MediaFormat, customParameters: Readonly<Record<string, string>>): string;
  /** Text of a `media` message with everything but the payload, split where the payload goes. */
  media(seq: number, chunk: number, timestampMs: number, payloadB64: string, ids: StreamIds): string;
  dtmf(seq: number, digit: string, ids: StreamIds, occurredAt: Date): string;
  /** A `mark` echoed back to the bridge (name null: the bridge sent none; echoed without one). */
  mark(seq: number, name: string | null, ids: StreamIds): string;
  stop(seq: number, ids: StreamIds): string;
  /** Parses one text frame from the bridge. */
  parse(text: string): BridgeMessage;
}

/** Bytes of audio per ms for a codec: G.711 8 kHz 8-bit = 8; L16 16 kHz 16-bit = 32. */
export function bytesPerMs(codec: CarrierCodec): number {
  return codec === 'L16' ? 32 : 8;
}

/** Sample rate of a codec, Hz (Telnyx's L16 is 16 kHz; G.711 8 kHz). */
export function sampleRateOf(codec: CarrierCodec): number {
  return codec === 'L16' ? 16000 : 8000;
}

/** Hex digits from a seeded source (SIDs are a prefix plus 32 hex digits). */
export function randomHex(random: () => number, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

/** An RFC 4122 v4-shaped UUID from a seeded source. */
export function randomUuid(random: () => number): string {
  const h = randomHex(random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Reads `obj[key]` as a string or null. */
export function str(obj: unknown, key: string): string | null {
  if (obj === null || typeof obj !== 'object') return null;
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : null;
}

/**
 * Shared parse of the three bridge events (`media`, `mark`, `clear`); the flavour names the key of
 * the stream id (`streamSid` / `stream_id`). Type errors name the field and what was expected.
 */
export function parseBridgeJson(text: string, streamIdKey: string): BridgeMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: `invalid JSON: ${JSON.stringify(text.length > 40 ? text.slice(0, 37) + '...' : text)}` };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return { kind: 'invalid', reason: 'expected a JSON object' };
  const m = msg as Record<string, unknown>;
  if (typeof m['event'] !== 'string') return { kind: 'invalid', reason: 'expected a string event' };
  const sidRaw = m[streamIdKey];
  if (sidRaw !== undefined && typeof sidRaw !== 'string') return { kind: 'invalid', reason: `${m['event']}: expected ${streamIdKey} as a string` };
  const streamId = typeof sidRaw === 'string' ? sidRaw : null;
  switch (m['event']) {
    case 'media': {
      const payload = str(m['media'], 'payload');
      if (payload === null) return { kind: 'invalid', reason: 'media: expected media.payload as a base64 string' };
      return { kind: 'media', payload, streamId };
    }
    case 'mark': {
      const mark = m['mark'];
      if (mark !== undefined && (mark === null || typeof mark !== 'object')) return { kind: 'invalid', reason: 'mark: expected mark as an object' };
      const nameRaw = mark === undefined ? undefined : (mark as Record<string, unknown>)['name'];
      if (nameRaw !== undefined && typeof nameRaw !== 'string') return { kind: 'invalid', reason: 'mark: expected mark.name as a string' };
      return { kind: 'mark', name: typeof nameRaw === 'string' ? nameRaw : null, streamId };
    }
    case 'clear':
      return { kind: 'clear', streamId };
    default:
      return { kind: 'other', event: m['event'] };
  }
}
