/**
 * The one module that classifies inbound GPT-Live server events (docs/live-protocol.md §3.2). The
 * frame is parsed once by the shared {@link parseServerEvent} (same JSON handling, same zero-copy
 * splice of long audio deltas); this module then types it against the official Live union
 * (`openai/resources/live/live` `ServerEvent`) instead of the Realtime one.
 */
import type { ServerEvent as LiveServerEvent } from 'openai/resources/live/live';
import { parseServerEvent, type MalformedParsedEvent } from './server-events.ts';

/** Any server event type of the official Live union. */
export type LiveServerEventType = LiveServerEvent['type'];

// A Record over the union makes the compiler list every Live type (an SDK update that adds one
// fails `tsc` here until it is listed).
const LIVE_TYPES: Record<LiveServerEventType, true> = {
  'session.started': true,
  'session.updated': true,
  'session.input_audio.muted': true,
  'session.input_audio.unmuted': true,
  'session.output_audio.fixture.playing': true,
  'session.output_audio.fixture.played': true,
  'session.instructions.appended': true,
  'session.thinking.appended': true,
  'session.commentary.appended': true,
  'session.input_audio.append': true,
  'session.output_audio.delta': true,
  'session.input_transcript.delta': true,
  'session.output_transcript.delta': true,
  'session.delegation.created': true,
  'decision.event': true,
  'decision.item.created': true,
  'decision.item.deleted': true,
  'response.event': true,
  'session.usage.updated': true,
  'session.closed': true,
  error: true,
  info: true,
  'transport.dtmf.received': true,
  'transport.dtmf.send': true,
  'transport.dtmf.sent': true,
  'transport.ringing': true,
  'transport.answered': true,
  'transport.failed': true,
};

/** Every Live server event type. */
export const LIVE_SERVER_EVENT_TYPES: ReadonlySet<LiveServerEventType> = new Set(Object.keys(LIVE_TYPES) as LiveServerEventType[]);

interface Base {
  raw: string;
  receivedUs: number;
  index: number;
}

/** A server event whose `type` is in the Live union (fields not validated here). */
export interface KnownLiveEvent extends Base {
  kind: 'known';
  type: LiveServerEventType;
  event: LiveServerEvent;
}

/** A JSON object with a string `type` the Live union does not know (e.g. a Realtime event name). */
export interface UnknownLiveEvent extends Base {
  kind: 'unknown';
  type: string;
  event: Record<string, unknown>;
}

/** What {@link parseLiveServerEvent} returns: never an exception. */
export type ParsedLiveEvent = KnownLiveEvent | UnknownLiveEvent | MalformedParsedEvent;

/** Parses one inbound frame of a Live socket. Never throws. */
export function parseLiveServerEvent(raw: string | Buffer, receivedUs: number, index: number): ParsedLiveEvent {
  const p = parseServerEvent(raw, receivedUs, index);
  if (p.kind === 'malformed') return p;
  const event = p.event as unknown as Record<string, unknown>;
  if (Object.hasOwn(LIVE_TYPES, p.type)) return { kind: 'known', type: p.type as LiveServerEventType, event: event as unknown as LiveServerEvent, raw: p.raw, receivedUs, index };
  return { kind: 'unknown', type: p.type, event, raw: p.raw, receivedUs, index };
}
