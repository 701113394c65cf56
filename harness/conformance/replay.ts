/**
 * Replays a recorded session stream (JSONL) through a checker: used by the tests' fixtures and by
 * anyone who wants to judge a capture offline. One JSON object per line, in wire order:
 *
 * - `{"meta": {"sessionKind": "realtime", "outputFormat": {"type": "audio/pcm", "rate": 24000}}}` (optional, first line)
 * - `{"server": {…event…}}` a server event; `{"serverRaw": "…"}` a server frame verbatim (e.g. malformed)
 * - `{"client": {…event…}}` a client event the harness sent
 * - `{"close": {"code": 1000, "reason": "OK"}}` the socket closed
 *
 * Blank lines and lines starting with `//` are ignored. The full format (timestamps `us`, redacted
 * audio, `clientRaw`) is in common/protocol/stream-record.ts.
 */
import type { WireAudioFormat } from '../contract.ts';
import { ConfigError } from '../../common/errors.ts';
import { parseWireAudioFormat } from '../../common/audio/formats.ts';
import { parseStreamRecording, type RecordLine, type StreamRecording } from '../../common/protocol/stream-record.ts';
import { createConformanceChecker } from './checker.ts';
import { isKnownName } from './event-names.ts';
import type { ConformanceCheckerOptions, Finding, InputEvent, SessionKind } from './types.ts';

/** One line of a recorded stream (the format is defined once, in common/protocol/stream-record.ts). */
export type StreamLine = RecordLine;

/** A parsed recording: its meta line (if any) and the rest in order. */
export type RecordedStream = StreamRecording;

/**
 * Parses JSONL text of a recorded stream. Throws {@link ConfigError} `E_STREAM` naming the line
 * for lines that are not one of the documented shapes (`source` names the file in messages).
 */
export function parseRecordedStream(text: string, source = 'stream'): RecordedStream {
  return parseStreamRecording(text, source);
}

/**
 * Classifies one server frame the way `parseServerEvent` does (known / unknown / malformed), with
 * the checker's own list of names. For replays and tests; live sessions use the protocol parser.
 */
export function classifyServerFrame(raw: string, receivedUs: number, index: number): InputEvent {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    return { kind: 'malformed', problem: `invalid JSON: ${(err as Error).message}`, raw, receivedUs, index };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { kind: 'malformed', problem: 'event is not a JSON object', raw, receivedUs, index };
  }
  const type = (v as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'malformed', problem: 'event has no string "type"', raw, receivedUs, index };
  return isKnownName(type) ? { kind: 'known', type, event: v, raw, receivedUs, index } : { kind: 'unknown', type, event: v, raw, receivedUs, index };
}

/** The meta line's `outputFormat`, validated as a wire format; throws `E_STREAM` when it is not one. */
function metaOutputFormat(stream: RecordedStream): WireAudioFormat | undefined {
  if (stream.meta.outputFormat === undefined) return undefined;
  const parsed = parseWireAudioFormat(stream.meta.outputFormat, 'meta.outputFormat');
  if (!parsed.ok) throw new ConfigError('E_STREAM', `meta.outputFormat: ${parsed.message}`);
  return parsed.format;
}

/**
 * Feeds a recording to a fresh checker and returns its findings. `opts` overrides the meta line;
 * the session kind defaults to `realtime`.
 */
export function checkRecordedStream(stream: RecordedStream, opts: Partial<ConformanceCheckerOptions> = {}): Finding[] {
  const outputFormat = opts.outputFormat ?? metaOutputFormat(stream);
  const checker = createConformanceChecker({
    sessionKind: opts.sessionKind ?? stream.meta.sessionKind ?? 'realtime',
    ...(outputFormat ? { outputFormat } : {}),
    ...(opts.sessionId !== undefined ? { sessionId: opts.sessionId } : {}),
    ...(opts.maxFindingsPerRule !== undefined ? { maxFindingsPerRule: opts.maxFindingsPerRule } : {}),
  });
  let index = 0;
  let us = 0;
  for (const line of stream.lines) {
    // Recorded µs where the line has them (never going back); 1 ms apart in hand-written streams.
    us = line.us !== undefined ? Math.max(us, line.us) : us + 1000;
    if ('server' in line) checker.onServerEvent(classifyServerFrame(JSON.stringify(line.server), us, index++));
    else if ('serverRaw' in line) checker.onServerEvent(classifyServerFrame(line.serverRaw, us, index++));
    else if ('client' in line) checker.onClientEvent({ type: String(line.client['type']), event: line.client, sentUs: us });
    else if ('close' in line) checker.onClose(line.close.code, line.close.reason ?? '');
    // A `clientRaw` frame (not a JSON object) is no event the rules judge.
  }
  return checker.finish();
}
