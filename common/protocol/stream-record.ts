/**
 * The recorded stream format (`rth record`, `rth conform --replay`, `rth mock --replay`, and the
 * hand-written fixtures under test/fixtures/streams): one JSON object per line, in wire order.
 *
 * - `{"meta": {"sessionKind": "realtime", "outputFormat": {…}, …}}` (optional, first line; extra
 *   fields such as `format`, `target`, `path`, `startedAt`, `audio` describe the recording)
 * - `{"us": 1234.5, "client": {…event…}}` a client event (as the client sent it)
 * - `{"us": 1240.1, "server": {…event…}}` a server event; `{"serverRaw": "…"}` a server frame that
 *   is not a JSON object, verbatim; `{"clientRaw": "…"}` the same for a client frame
 * - `{"us": 1300.0, "close": {"code": 1000, "reason": "", "by": "client"}}` the socket closed
 *
 * `us` (optional) is the recorder's monotonic clock in µs when it received the frame (common/clock.ts):
 * only differences mean anything. A line may carry `"redacted": {"<field>": <bytes>}`: the audio
 * payload in that field was replaced by `""`, and `<bytes>` is how many bytes it decoded to (-1 when
 * it was not valid base64), so a reader can put back silence of the same length
 * ({@link restoreRedactedAudio}). Blank lines and lines starting with `//` are ignored.
 *
 * Types and pure functions only: the mock and the harness both read this format.
 */
import { ConfigError } from '../errors.ts';

/** `meta.format` of files written by `rth record`. */
export const STREAM_FORMAT = 'rth-stream/1';

/** Field names of redacted audio payloads, with the decoded byte count (-1: not valid base64). */
export type Redactions = Readonly<Record<string, number>>;

/** Fields every line may carry besides its payload. */
interface LineCommon {
  /** Recorder's monotonic µs at receipt; absent in hand-written streams. */
  readonly us?: number;
  readonly redacted?: Redactions;
}

/** One line of a recorded stream (the meta line is kept apart). */
export type RecordLine =
  | (LineCommon & { readonly server: Record<string, unknown> })
  | (LineCommon & { readonly serverRaw: string })
  | (LineCommon & { readonly client: Record<string, unknown> })
  | (LineCommon & { readonly clientRaw: string })
  | (LineCommon & { readonly close: { readonly code: number; readonly reason?: string; readonly by?: 'client' | 'server' } });

/** The meta line: what the checker needs, plus what the recorder noted. All optional. */
export interface StreamMeta {
  readonly sessionKind?: 'realtime' | 'transcription' | 'translation' | 'live';
  readonly outputFormat?: { readonly type: string; readonly rate?: number };
  /** {@link STREAM_FORMAT} for files `rth record` wrote. */
  readonly format?: string;
  /** The upstream target (query values that look secret removed). */
  readonly target?: string;
  /** Path and query the client asked for (`/v1/realtime?model=…`). */
  readonly path?: string;
  /** Wall-clock ISO time the session began (names it; never used to measure). */
  readonly startedAt?: string;
  /** `redacted` (default) or `included`. */
  readonly audio?: 'redacted' | 'included';
  readonly [key: string]: unknown;
}

/** A parsed stream. */
export interface StreamRecording {
  readonly meta: StreamMeta;
  readonly lines: RecordLine[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses the JSONL text of a stream. Throws `ConfigError('E_STREAM')` listing every line that is not
 * one of the documented shapes, as `source:line: …`.
 */
export function parseStreamRecording(text: string, source = 'stream'): StreamRecording {
  const lines: RecordLine[] = [];
  let meta: StreamMeta = {};
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('//')) return;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (err) {
      problems.push(`${source}:${i + 1}: not JSON (${(err as Error).message})`);
      return;
    }
    if (!isObj(v)) {
      problems.push(`${source}:${i + 1}: expected a JSON object`);
      return;
    }
    if (v.us !== undefined && !(typeof v.us === 'number' && Number.isFinite(v.us))) {
      problems.push(`${source}:${i + 1}: "us": expected a number of µs, got ${JSON.stringify(v.us)}`);
      return;
    }
    const common: { us?: number; redacted?: Redactions } = {};
    if (typeof v.us === 'number') common.us = v.us;
    if (isObj(v.redacted)) common.redacted = Object.fromEntries(Object.entries(v.redacted).filter(([, n]) => typeof n === 'number')) as Redactions;
    if (isObj(v.meta)) meta = v.meta as StreamMeta;
    else if (isObj(v.server)) lines.push({ ...common, server: v.server });
    else if (typeof v.serverRaw === 'string') lines.push({ ...common, serverRaw: v.serverRaw });
    else if (isObj(v.client)) lines.push({ ...common, client: v.client });
    else if (typeof v.clientRaw === 'string') lines.push({ ...common, clientRaw: v.clientRaw });
    else if (isObj(v.close) && typeof v.close.code === 'number') lines.push({ ...common, close: v.close as { code: number; reason?: string; by?: 'client' | 'server' } });
    else problems.push(`${source}:${i + 1}: expected one of {"meta"}, {"server"}, {"serverRaw"}, {"client"}, {"clientRaw"}, {"close": {"code"}}`);
  });
  if (problems.length > 0) throw new ConfigError('E_STREAM', problems);
  return { meta, lines };
}

/** One line of JSONL (with its newline) for a record line. */
export function streamLineText(line: RecordLine | { meta: StreamMeta }): string {
  return `${JSON.stringify(line)}\n`;
}

/** Whether `type` is an event whose `delta` is audio (`response.output_audio.delta`, translation's `session.output_audio.delta`, beta `response.audio.delta`). */
function isAudioDeltaType(type: unknown): boolean {
  return typeof type === 'string' && /(^|\.)(output_)?audio\.delta$/.test(type);
}

/** Decoded length of a base64 string, or -1 when it is not canonical base64. */
export function base64Bytes(s: string): number {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return -1;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/**
 * A copy of `event` with its audio payloads replaced by `""`, and what was removed: every string
 * field named `audio` at any depth (`input_audio_buffer.append`, `input_audio` content parts), and
 * the top-level `delta` of audio delta events. Paths are dotted (`item.content.0.audio`).
 */
export function redactAudio(event: Record<string, unknown>): { event: Record<string, unknown>; redacted: Record<string, number> } {
  const redacted: Record<string, number> = {};
  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}${i}.`));
    if (!isObj(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const isAudio = (k === 'audio' && typeof x === 'string') || (path === '' && k === 'delta' && typeof x === 'string' && isAudioDeltaType(v.type));
      if (isAudio) {
        redacted[`${path}${k}`] = base64Bytes(x as string);
        out[k] = '';
      } else out[k] = walk(x, `${path}${k}.`);
    }
    return out;
  };
  return { event: walk(event, '') as Record<string, unknown>, redacted };
}

/**
 * A copy of `event` with each redacted field filled with silence of the recorded length (zero bytes
 * in base64), or with a string that is not base64 when the original was not (-1), so length and
 * validity checks judge the recording as they would have judged the original.
 */
export function restoreRedactedAudio(event: Record<string, unknown>, redacted: Redactions | undefined): Record<string, unknown> {
  if (!redacted || Object.keys(redacted).length === 0) return event;
  const copy = structuredClone(event);
  for (const [path, bytes] of Object.entries(redacted)) {
    const keys = path.split('.');
    let o: unknown = copy;
    for (const k of keys.slice(0, -1)) o = isObj(o) || Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined;
    const last = keys[keys.length - 1]!;
    if (isObj(o) || Array.isArray(o)) (o as Record<string, unknown>)[last] = bytes < 0 ? '!not-base64!' : Buffer.alloc(bytes).toString('base64');
  }
  return copy;
}

/** Replaces every occurrence of each secret in `text` with `[REDACTED]` (secrets shorter than 4 characters are ignored). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  return out;
}
