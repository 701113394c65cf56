/**
 * A scripted {@link MockSessionContext} for unit tests of session kinds: no sockets, a
 * {@link ManualClock}, seeded rng and ids, the real fault filter on the way out, and a record of
 * every frame, error and close. Like the connection loop, it stamps `event_id` on sent events and
 * clears its timers when the connection ends.
 */
import type { TimerHandle } from '../../common/clock.ts';
import { ManualClock } from '../../common/clock.ts';
import type {
  ConnectionFaults,
  MockErrorSpec,
  MockSessionContext,
  OutboundFilter,
  ResolvedMockOptions,
  SessionKind,
  TraceRecord,
  TraceSink,
  WireEvent,
  WriteHook,
} from '../contract.ts';
import { NO_FAULTS, parseFaultSpecs } from '../faults.ts';
import { SeededIdFactory } from '../ids.ts';
import { SeededRng } from '../rng.ts';
import { synthesizeSpeech } from '../speech-synth.ts';

/** Options of {@link FakeContext}. */
export interface FakeContextOptions {
  /** Model from the URL; default null. */
  model?: string | null;
  /** Seed of rng and ids; default 1. */
  seed?: number;
  /** `--fault` specs; default none. */
  faults?: readonly string[];
  /** Session cap, s; default 3600. */
  maxSessionS?: number;
  /** The `ek_` key's session config; default null. */
  clientSecretSession?: Record<string, unknown> | null;
}

/** A fake connection. Drive a {@link SessionKind} with {@link FakeContext.start} and {@link FakeContext.receive}. */
export class FakeContext implements MockSessionContext {
  readonly sessionId: string;
  readonly model: string | null;
  readonly clock = new ManualClock();
  readonly rng: SeededRng;
  readonly ids: SeededIdFactory;
  readonly faults: ConnectionFaults;
  readonly trace: TraceSink & { records: TraceRecord[] };
  readonly maxSessionS: number;
  readonly options: ResolvedMockOptions;
  readonly clientSecretSession: Record<string, unknown> | null;

  /** Every frame written to the "socket", in order (after the fault filter). */
  readonly frames: string[] = [];
  /** How the connection ended: a close frame, a TCP cut (`terminated`), or null while open. */
  ended: { code: number; reason: string } | 'terminated' | null = null;

  readonly #outbound: OutboundFilter;
  readonly #timers = new Set<TimerHandle>();
  /** Write hooks of frames a fault still holds (settled with null when the connection ends). */
  readonly #unwritten = new Set<WriteHook>();
  #kind: SessionKind | null = null;

  constructor(opts: FakeContextOptions = {}) {
    const seed = opts.seed ?? 1;
    this.rng = new SeededRng(seed).fork('connection:0');
    this.ids = new SeededIdFactory(this.rng.fork('ids'));
    this.sessionId = this.ids.session();
    this.model = opts.model ?? null;
    this.maxSessionS = opts.maxSessionS ?? 3600;
    this.clientSecretSession = opts.clientSecretSession ?? null;
    const plan = opts.faults && opts.faults.length > 0 ? parseFaultSpecs(opts.faults) : NO_FAULTS;
    this.faults = plan.forConnection(this.rng.fork('faults'));
    const records: TraceRecord[] = [];
    this.trace = { records, write: (r) => void records.push(r), close: () => Promise.resolve() };
    this.options = {
      host: '127.0.0.1',
      port: 0,
      seed,
      apiKey: null,
      tls: false,
      maxSessionS: this.maxSessionS,
      latencyProfile: null,
      faultSpecs: [...(opts.faults ?? [])],
      tracePath: null,
    };
    this.#outbound = this.faults.wrapOutbound(
      (frame, hook) => {
        // A hook is settled once: not again if the end already settled it with null.
        const onWritten = hook !== undefined && this.#unwritten.delete(hook) ? hook : undefined;
        if (this.ended !== null) return onWritten?.(null);
        // Stamped as the connection loop does: just before the frame is written.
        const writtenUs = this.clock.nowUs();
        this.frames.push(frame);
        onWritten?.(writtenUs);
      },
      () => this.#end('terminated'),
      this.clock,
    );
  }

  /** Every frame that parses as a JSON event, in order (malformed frames left out). */
  get events(): WireEvent[] {
    const out: WireEvent[] = [];
    for (const f of this.frames) {
      try {
        const e = JSON.parse(f) as unknown;
        if (typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string') out.push(e as WireEvent);
      } catch {
        // a malformed frame from a fault
      }
    }
    return out;
  }

  /** The `type` of every event, in order. */
  get types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Events of one type. */
  ofType(type: string): WireEvent[] {
    return this.events.filter((e) => e.type === type);
  }

  /** Opens `kind` on this context (`kind.open`). */
  start(kind: SessionKind): this {
    this.#kind = kind;
    kind.open(this);
    return this;
  }

  /** Delivers one client event, as the connection loop does after parsing. */
  receive(event: WireEvent): void {
    if (!this.#kind || this.ended !== null) throw new Error('FakeContext: not started or already ended');
    this.#kind.onEvent(this, event);
  }

  /** Advances the manual clock. */
  advanceMs(ms: number): void {
    this.clock.advanceMs(ms);
  }

  /** Ends the connection from the client side. */
  disconnect(): void {
    this.#end({ code: 1000, reason: 'OK' });
  }

  send(event: WireEvent, onWritten?: WriteHook): boolean {
    if (this.ended !== null) {
      onWritten?.(null);
      return false;
    }
    const { type, ...rest } = event;
    // Real events read `{"type":…,"event_id":…,…}`.
    const out: WireEvent = typeof event['event_id'] === 'string' ? event : { type, event_id: this.ids.event(), ...rest };
    if (onWritten) this.#unwritten.add(onWritten);
    this.#outbound(out, JSON.stringify(out), onWritten);
    return true;
  }

  sendError(error: MockErrorSpec): void {
    this.send({
      type: 'error',
      error: { type: error.type ?? 'invalid_request_error', code: error.code, message: error.message, param: error.param ?? null, event_id: error.eventId ?? null },
    });
  }

  close(code: number, reason: string): void {
    this.#end({ code, reason });
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const handle = this.clock.setTimeout(() => {
      this.#timers.delete(handle);
      if (this.ended === null) fn();
    }, delayMs);
    this.#timers.add(handle);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
    this.clock.clearTimeout(handle);
  }

  /** Timers of this connection not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  #end(how: { code: number; reason: string } | 'terminated'): void {
    if (this.ended !== null) return;
    this.ended = how;
    for (const t of this.#timers) this.clock.clearTimeout(t);
    this.#timers.clear();
    const unwritten = [...this.#unwritten];
    this.#unwritten.clear();
    for (const hook of unwritten) hook(null);
    this.#kind?.onClose(this);
  }
}

/** One piece of a scripted input: `silenceMs` of digital silence, or `speech` synthesized from text. */
export type AudioPiece = { silenceMs: number } | { speech: string; seed?: number };

/**
 * PCM16 24 kHz mono audio for a script of silence and synthesized speech, cut into appends of
 * `chunkMs` (default 100) as base64 strings: the input a test client would stream.
 */
export function scriptedAppends(pieces: readonly AudioPiece[], chunkMs = 100): string[] {
  const parts: Int16Array[] = pieces.map((p) =>
    'silenceMs' in p ? new Int16Array(Math.round(p.silenceMs * 24)) : synthesizeSpeech(p.speech, { sampleRateHz: 24000, seed: p.seed ?? 0 }),
  );
  const total = parts.reduce((n, p) => n + p.length, 0);
  const pcm = new Int16Array(total);
  let offset = 0;
  for (const p of parts) {
    pcm.set(p, offset);
    offset += p.length;
  }
  const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const step = chunkMs * 48;
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(bytes.subarray(i, Math.min(bytes.length, i + step)).toString('base64'));
  return out;
}
