/**
 * Replays a recorded session stream (JSONL) through a checker: used by the tests' fixtures and by
 * anyone who wants to judge a capture offline. One JSON object per line, in wire order:
 *
 * - `{"meta": {"sessionKind": "realtime", "outputFormat": {"type": "audio/pcm", "rate": 24000}}}` (optional, first line)
 * - `{"server": {…event…}}` a server event; `{"serverRaw": "…"}` a server frame verbatim (e.g. malformed)
 * - `{"client": {…event…}}` a client event the harness sent
 * - `{"close": {"code": 1000, "reason": "OK"}}` the socket closed
 *
 * Blank lines and lines starting with `//` are ignored.
 */
import type { WireAudioFormat } from '../contract.ts';
import { ConfigError } from '../../common/errors.ts';
import { createConformanceChecker } from './checker.ts';
import { isKnownName } from './event-names.ts';
import type { ConformanceCheckerOptions, Finding, InputEvent, SessionKind } from './types.ts';

/** One line of a recorded stream. */
export type StreamLine =
  | { readonly server: Record<string, unknown> }
  | { readonly serverRaw: string }
  | { readonly client: Record<string, unknown> }
  | { readonly close: { readonly code: number; readonly reason?: string } };

/** A parsed recording: its meta line (if any) and the rest in order. */
export interface RecordedStream {
  readonly meta: { readonly sessionKind?: SessionKind; readonly outputFormat?: WireAudioFormat };
  readonly lines: StreamLine[];
}

/**
 * Parses JSONL text of a recorded stream. Throws {@link ConfigError} `E_STREAM` naming the line
 * for lines that are not one of the documented shapes (`source` names the file in messages).
 */
export function parseRecordedStream(text: string, source = 'stream'): RecordedStream {
  const lines: StreamLine[] = [];
  let meta: RecordedStream['meta'] = {};
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('//')) return;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (err) {
      problems.push(`${source}:${i + 1}: not JSON (${(err as Error).message})`);
      return;
    }
    const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
    if ('meta' in o && typeof o['meta'] === 'object') meta = o['meta'] as RecordedStream['meta'];
    else if ('server' in o && typeof o['server'] === 'object' && o['server'] !== null) lines.push({ server: o['server'] as Record<string, unknown> });
    else if ('serverRaw' in o && typeof o['serverRaw'] === 'string') lines.push({ serverRaw: o['serverRaw'] });
    else if ('client' in o && typeof o['client'] === 'object' && o['client'] !== null) lines.push({ client: o['client'] as Record<string, unknown> });
    else if ('close' in o && typeof (o['close'] as { code?: unknown })?.code === 'number') lines.push({ close: o['close'] as { code: number; reason?: string } });
    else problems.push(`${source}:${i + 1}: expected one of {"meta"}, {"server"}, {"serverRaw"}, {"client"}, {"close": {"code"}}`);
  });
  if (problems.length > 0) throw new ConfigError('E_STREAM', problems);
  return { meta, lines };
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

/**
 * Feeds a recording to a fresh checker and returns its findings. `opts` overrides the meta line;
 * the session kind defaults to `realtime`.
 */
export function checkRecordedStream(stream: RecordedStream, opts: Partial<ConformanceCheckerOptions> = {}): Finding[] {
  const checker = createConformanceChecker({
    sessionKind: opts.sessionKind ?? stream.meta.sessionKind ?? 'realtime',
    ...(opts.outputFormat ?? stream.meta.outputFormat ? { outputFormat: opts.outputFormat ?? stream.meta.outputFormat } : {}),
    ...(opts.sessionId !== undefined ? { sessionId: opts.sessionId } : {}),
    ...(opts.maxFindingsPerRule !== undefined ? { maxFindingsPerRule: opts.maxFindingsPerRule } : {}),
  });
  let index = 0;
  let us = 0;
  for (const line of stream.lines) {
    us += 1000;
    if ('server' in line) checker.onServerEvent(classifyServerFrame(JSON.stringify(line.server), us, index++));
    else if ('serverRaw' in line) checker.onServerEvent(classifyServerFrame(line.serverRaw, us, index++));
    else if ('client' in line) checker.onClientEvent({ type: String(line.client['type']), event: line.client, sentUs: us });
    else checker.onClose(line.close.code, line.close.reason ?? '');
  }
  return checker.finish();
}
