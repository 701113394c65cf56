/**
 * `rth mock --replay DIR`: the response timing of recorded sessions (the stream format of
 * common/protocol/stream-record.ts, as `rth record` writes it), replayed by turn order. Mock
 * session k (in the order sessions open) replays recording k (files sorted by name; cycling when
 * there are more sessions than recordings), and its Nth response takes the Nth recorded response's
 * delays from the end of its turn to `response.created`, to the first audio delta, and to
 * `response.done` (a floor: the mock's own stream may end later). Responses beyond the recording,
 * and the pacing inside a response, come from the latency profile.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { parseStreamRecording, type StreamRecording } from '../../common/protocol/stream-record.ts';
import type { MockSessionContext, ReplayedDelays, ResponseTimingSource } from '../contract.ts';

/** The delays of one session's responses, in order, and where they came from. */
export interface RecordedSessionTiming {
  /** File the session was read from. */
  readonly file: string;
  readonly responses: readonly ReplayedDelays[];
}

/** Server events that end a user turn as the server sees it (the mock's delays start there too). */
const TURN_END_EVENTS = new Set(['input_audio_buffer.speech_stopped', 'input_audio_buffer.timeout_triggered', 'input_audio_buffer.committed']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The response delays of one recording, in the order `response.created` arrived. A response's
 * delays run from its anchor: the end of the turn it answers as the server decided it
 * (`speech_stopped` or `timeout_triggered` for VAD turns, else `committed`; a client
 * `conversation.item.create` of a user message), or, when no turn ended since the previous
 * response, the client's `response.create`. Lines without `us` stamps give no timing (empty list).
 */
export function responseDelaysOf(rec: StreamRecording): ReplayedDelays[] {
  const out: (ReplayedDelays & { id: string | null })[] = [];
  const byId = new Map<string, ReplayedDelays & { id: string | null; anchorUs: number }>();
  let turnEndUs: number | null = null;
  let turnEndFromVad = false;
  let lastCreateUs: number | null = null;
  for (const line of rec.lines) {
    const us = line.us;
    if (us === undefined) continue;
    if ('client' in line) {
      const t = line.client['type'];
      if (t === 'response.create') lastCreateUs = us;
      else if (t === 'conversation.item.create' && isObj(line.client['item']) && line.client['item']['role'] === 'user') {
        turnEndUs = us;
        turnEndFromVad = false;
      }
      continue;
    }
    if (!('server' in line)) continue;
    const e = line.server;
    const type = e['type'];
    if (typeof type !== 'string') continue;
    if (TURN_END_EVENTS.has(type)) {
      // A VAD turn's decision (speech_stopped) is followed by its `committed`: keep the decision.
      if (type === 'input_audio_buffer.committed' && turnEndUs !== null && turnEndFromVad) turnEndFromVad = false;
      else {
        turnEndUs = us;
        turnEndFromVad = type !== 'input_audio_buffer.committed';
      }
      continue;
    }
    const response = isObj(e['response']) ? e['response'] : null;
    const id = typeof e['response_id'] === 'string' ? e['response_id'] : typeof response?.['id'] === 'string' ? response['id'] : null;
    if (type === 'response.created') {
      const anchorUs = turnEndUs ?? lastCreateUs;
      turnEndUs = null;
      turnEndFromVad = false;
      lastCreateUs = null;
      if (anchorUs === null) continue;
      const r = { id, anchorUs, responseCreatedMs: Math.max(0, (us - anchorUs) / 1000), firstAudioMs: null, responseDoneMs: null };
      out.push(r);
      if (id !== null) byId.set(id, r);
      continue;
    }
    const r = id !== null ? byId.get(id) : undefined;
    if (!r) continue;
    if ((type === 'response.output_audio.delta' || type === 'response.audio.delta') && r.firstAudioMs === null) r.firstAudioMs = (us - r.anchorUs) / 1000;
    else if (type === 'response.done') r.responseDoneMs = (us - r.anchorUs) / 1000;
  }
  return out.map(({ responseCreatedMs, firstAudioMs, responseDoneMs }) => ({ responseCreatedMs, firstAudioMs, responseDoneMs }));
}

/** Replays {@link RecordedSessionTiming}s: session k gets recording k mod n, response by response. */
export class RecordedTimingSource implements ResponseTimingSource {
  private readonly cursors = new WeakMap<MockSessionContext, { timing: RecordedSessionTiming; next: number }>();
  private opened = 0;

  constructor(readonly sessions: readonly RecordedSessionTiming[]) {
    if (sessions.length === 0) throw new RangeError('RecordedTimingSource: no recorded sessions');
  }

  attach(ctx: MockSessionContext): void {
    if (this.cursors.has(ctx)) return;
    this.cursors.set(ctx, { timing: this.sessions[this.opened++ % this.sessions.length]!, next: 0 });
  }

  next(ctx: MockSessionContext): ReplayedDelays | null {
    if (!this.cursors.has(ctx)) this.attach(ctx);
    const c = this.cursors.get(ctx)!;
    return c.timing.responses[c.next++] ?? null;
  }
}

/**
 * Reads a recording folder (every `*.jsonl` in it, sorted by name) or one recording file.
 * @throws ConfigError `E_REPLAY` when the path cannot be read, a file is not in the stream format,
 *   or no file holds a timed response (a recording without `us` stamps cannot be replayed)
 */
export async function loadRecordedTiming(dirOrFile: string): Promise<RecordedTimingSource> {
  let files: string[];
  try {
    const s = await stat(dirOrFile);
    files = s.isDirectory()
      ? (await readdir(dirOrFile))
          .filter((f) => f.endsWith('.jsonl'))
          .sort()
          .map((f) => path.join(dirOrFile, f))
      : [dirOrFile];
  } catch (err) {
    throw new ConfigError('E_REPLAY', `--replay ${dirOrFile}: cannot read (${(err as Error).message})`);
  }
  const sessions: RecordedSessionTiming[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      const responses = responseDelaysOf(parseStreamRecording(await readFile(file, 'utf8'), file));
      if (responses.length > 0) sessions.push({ file, responses });
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else problems.push(`${file}: cannot read (${(err as Error).message})`);
    }
  }
  if (problems.length > 0) throw new ConfigError('E_REPLAY', problems);
  if (sessions.length === 0) {
    throw new ConfigError('E_REPLAY', `--replay ${dirOrFile}: no recorded response with timestamps (expected *.jsonl files written by rth record, with "us" stamps and response.created events)`);
  }
  return new RecordedTimingSource(sessions);
}
