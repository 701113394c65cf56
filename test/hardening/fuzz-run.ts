/**
 * Drives fuzz sessions (fuzz-gen.ts) against a running mock over real sockets and checks every
 * answer: each bad frame gets exactly the `error` it should (echoing its `event_id`, naming the
 * problem, well-formed per the conformance checker's RT-ERROR-001 shape rule), valid frames get
 * none, and the session survives. Frames go out in batches closed by a barrier event whose error
 * marks that the mock has processed the batch (the mock handles a connection's frames in order).
 */
import WebSocket from 'ws';
import { checkErrorShape } from '../../harness/conformance/error-rules.ts';
import { FuzzGenerator, FuzzRng, type FuzzFrame, type FuzzGeneratorOptions, type FuzzKind, type Naming } from './fuzz-gen.ts';

/** Options of {@link runFuzz}. */
export interface FuzzRunOptions {
  /** `ws://host:port` of the mock. */
  readonly url: string;
  /** Concurrent sessions. Default 8. */
  readonly sessions?: number;
  /** Frames per session (the opening out-of-order frames and barriers not counted). Default 500. */
  readonly framesPerSession?: number;
  /** Seed. Default 1. */
  readonly seed?: number;
  /** Frames between barriers. Default 100. */
  readonly batch?: number;
  /** Key to present. Default `sk-fuzz`. */
  readonly apiKey?: string;
  /** Generator options (deep levels, huge string size). */
  readonly generator?: FuzzGeneratorOptions;
  /** Longest wait for one barrier, ms. Default 60,000. */
  readonly barrierTimeoutMs?: number;
}

/** Figures and violations of a fuzz run. */
export interface FuzzReport {
  framesSent: number;
  bytesSent: number;
  /** `error` events received. */
  errorsReceived: number;
  /** Bad frames answered with the right error. */
  errorsAnswered: number;
  /** `server_error` answers (a handler threw instead of naming the problem). */
  serverErrors: number;
  /** Frames per family. */
  byFamily: Record<string, number>;
  /** Sessions that closed before the end (with their close codes). */
  unexpectedCloses: number[];
  /** What went wrong, one line each (capped at 50). */
  violations: string[];
  /** Violations in total (the list is capped). */
  violationCount: number;
  elapsedMs: number;
}

const PATHS: Record<FuzzKind, string> = {
  realtime: '/v1/realtime?model=gpt-realtime',
  transcription: '/v1/realtime?intent=transcription',
  translation: '/v1/realtime/translations?model=gpt-realtime-translate',
};

/** The session kind of session `i`: mostly realtime (the largest surface). */
export function kindOf(i: number): FuzzKind {
  return i % 5 === 3 ? 'transcription' : i % 5 === 4 ? 'translation' : 'realtime';
}

interface ErrorEvent {
  type: 'error';
  error: { type: string; code: string | null; message: string; param: string | null; event_id: string | null };
}

/** Does `err` name the problem as `naming` asks? */
function named(err: ErrorEvent['error'], naming: Naming | undefined): boolean {
  if (!naming) return true;
  if (naming.param !== undefined && err.param !== naming.param) return false;
  if (naming.codes && !naming.codes.includes(String(err.code))) return false;
  if (naming.messageIncludes && !err.message.toLowerCase().includes(naming.messageIncludes.toLowerCase())) return false;
  return true;
}

function short(s: string | Buffer, n = 120): string {
  const t = typeof s === 'string' ? s : `<binary ${s.length} bytes>`;
  return t.length > n ? `${t.slice(0, n)}… (${t.length} chars)` : t;
}

/** One fuzz session over one socket. */
async function fuzzSession(index: number, opts: Required<Omit<FuzzRunOptions, 'generator'>> & { generator: FuzzGeneratorOptions }, report: FuzzReport): Promise<void> {
  const kind = kindOf(index);
  const rng = new FuzzRng(opts.seed * 7919 + index);
  const gen = new FuzzGenerator(kind, rng, `fz${index}`, opts.generator);
  const violation = (msg: string): void => {
    report.violationCount += 1;
    if (report.violations.length < 50) report.violations.push(`session ${index} (${kind}): ${msg}`);
  };
  const ws = new WebSocket(opts.url + PATHS[kind], { headers: { Authorization: `Bearer ${opts.apiKey}` }, perMessageDeflate: false });
  const pending = new Map<string, { frame: FuzzFrame; answered: boolean }>();
  let nullIdErrorsExpected = 0;
  let nullIdErrorsSeen = 0;
  let barrierWaiter: { id: string; resolve: () => void } | null = null;
  let closed: { code: number } | null = null;
  let created!: () => void;
  const sessionCreated = new Promise<void>((r) => (created = r));

  ws.on('message', (data, isBinary) => {
    if (isBinary) return violation('the mock sent a binary frame');
    let ev: { type?: unknown; error?: unknown };
    try {
      ev = JSON.parse(data.toString()) as typeof ev;
    } catch {
      return violation(`the mock sent invalid JSON: ${short(data.toString())}`);
    }
    if (ev.type === 'session.created') created();
    if (ev.type !== 'error') return;
    report.errorsReceived += 1;
    const problems = checkErrorShape(ev as Record<string, unknown>);
    if (problems.length > 0) violation(`malformed error event: ${problems.join('; ')}`);
    const err = (ev as ErrorEvent).error;
    if (err.type === 'server_error') report.serverErrors += 1;
    const id = err.event_id;
    if (id === null || id === undefined) {
      nullIdErrorsSeen += 1;
      return;
    }
    if (barrierWaiter && id === barrierWaiter.id) {
      barrierWaiter.resolve();
      return;
    }
    const p = pending.get(id);
    if (!p) return violation(`error for an unknown or already answered event_id ${short(id, 40)}: ${err.code}`);
    if (p.answered) return violation(`second error for ${p.frame.family} frame ${id}: ${err.code} ${short(err.message)}`);
    p.answered = true;
    if (p.frame.expect === 'no_error') return violation(`error for a valid ${p.frame.family} frame ${short(p.frame.data)}: ${err.code} ${short(err.message)}`);
    if (p.frame.expect === 'error') {
      if (err.type === 'server_error') return violation(`server_error (a handler threw) for ${p.frame.family} frame ${short(p.frame.data)}`);
      if (!named(err, p.frame.naming)) {
        return violation(`${p.frame.family}: expected ${JSON.stringify(p.frame.naming)}, got code ${err.code} param ${err.param}: ${short(err.message)} for ${short(p.frame.data)}`);
      }
      report.errorsAnswered += 1;
    }
  });
  const closedP = new Promise<void>((resolve) =>
    ws.on('close', (code) => {
      closed = { code };
      barrierWaiter?.resolve();
      resolve();
    }),
  );
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await sessionCreated;

  const send = (f: FuzzFrame): void => {
    if (f.eventId !== null) pending.set(f.eventId, { frame: f, answered: false });
    else if (f.expect === 'error') nullIdErrorsExpected += 1;
    report.framesSent += 1;
    report.bytesSent += typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.length;
    report.byFamily[f.family] = (report.byFamily[f.family] ?? 0) + 1;
    ws.send(f.data, { binary: typeof f.data !== 'string' });
  };
  let barriers = 0;
  const barrier = async (): Promise<void> => {
    const id = `fz${index}_barrier_${barriers++}`;
    const reached = new Promise<void>((resolve) => (barrierWaiter = { id, resolve }));
    // Unknown to every session kind's item store, or an unknown type: always an error echoing the id.
    ws.send(JSON.stringify({ type: 'conversation.item.retrieve', event_id: id, item_id: 'item_fuzz_barrier' }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), opts.barrierTimeoutMs)));
    const outcome = await Promise.race([reached, timedOut]);
    clearTimeout(timer);
    barrierWaiter = null;
    if (outcome === 'timeout') violation(`no answer to barrier ${id} within ${opts.barrierTimeoutMs} ms`);
    for (const [id2, p] of pending) {
      if (p.frame.expect === 'error' && !p.answered) violation(`no error for ${p.frame.family} frame ${id2}: ${short(p.frame.data)}`);
    }
    pending.clear();
    if (nullIdErrorsSeen !== nullIdErrorsExpected) violation(`${nullIdErrorsExpected} frames without an event_id needed an error, got ${nullIdErrorsSeen} errors without event_id`);
    nullIdErrorsExpected = nullIdErrorsSeen = 0;
  };

  for (const f of gen.opening()) send(f);
  await barrier();
  let sent = 0;
  while (sent < opts.framesPerSession && closed === null) {
    const until = Math.min(opts.framesPerSession, sent + opts.batch);
    while (sent < until) {
      for (const f of gen.next()) send(f);
      sent += 1;
    }
    await barrier();
  }
  if (closed !== null) {
    report.unexpectedCloses.push((closed as { code: number }).code);
    violation(`the mock closed the session (code ${(closed as { code: number }).code})`);
    return;
  }
  ws.close(1000, 'done');
  await closedP;
}

/** Runs `sessions` fuzz sessions at once; resolves with the figures and every violation. */
export async function runFuzz(opts: FuzzRunOptions): Promise<FuzzReport> {
  const full = {
    url: opts.url,
    sessions: opts.sessions ?? 8,
    framesPerSession: opts.framesPerSession ?? 500,
    seed: opts.seed ?? 1,
    batch: opts.batch ?? 100,
    apiKey: opts.apiKey ?? 'sk-fuzz',
    barrierTimeoutMs: opts.barrierTimeoutMs ?? 60_000,
    generator: opts.generator ?? {},
  };
  const report: FuzzReport = { framesSent: 0, bytesSent: 0, errorsReceived: 0, errorsAnswered: 0, serverErrors: 0, byFamily: {}, unexpectedCloses: [], violations: [], violationCount: 0, elapsedMs: 0 };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: full.sessions }, (_, i) =>
      fuzzSession(i, full, report).catch((err: unknown) => {
        report.violationCount += 1;
        report.violations.push(`session ${i}: ${err instanceof Error ? err.message : String(err)}`);
      }),
    ),
  );
  report.elapsedMs = performance.now() - t0;
  return report;
}

/** Sends one frame larger than the mock's limit and resolves with the close code the socket got. */
export async function oversizeFrame(url: string, bytes: number, apiKey = 'sk-fuzz'): Promise<{ code: number; reason: string }> {
  const ws = new WebSocket(url + PATHS.realtime, { headers: { Authorization: `Bearer ${apiKey}` }, perMessageDeflate: false });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: 'A'.repeat(bytes) }));
  return closed;
}
