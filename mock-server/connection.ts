/**
 * The per-connection loop: frames in → parsed events → the session kind; events out → `event_id`
 * stamp → fault filter → socket. Owns the connection's timers (cleared when it ends), the session
 * cap (§1.4) and the send-buffer bound. One bad event never ends the connection or touches another:
 * every handler call is guarded and counted.
 */
import type { RawData, WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type {
  ConnectionFaults,
  IdFactory,
  MockErrorSpec,
  MockSessionContext,
  OutboundChannel,
  ResolvedMockOptions,
  Rng,
  SessionKind,
  TraceSink,
  WireEvent,
  WriteHook,
} from './contract.ts';
import type { ServerEventOf } from '../common/protocol/types.ts';
import { binaryFrame, eventNotAnObject, invalidJson, invalidType, missingParameter, nestingTooDeep, serverError, sessionExpired, sessionExpiredMessage } from './errors.ts';

/** Counters shared by all connections of a server. */
export interface ConnectionStats {
  /** Sessions currently open. */
  open: number;
  /** Sessions accepted since start. */
  total: number;
  /** Client events whose handler threw (answered with a `server_error` event; the session stayed open). */
  handlerErrors: number;
  /** Connections closed 1008 because the client did not read fast enough. */
  sendOverflows: number;
  /** Client frames received (all sessions). */
  framesIn: number;
}

/** Everything one connection needs (built by server.ts). */
export interface ConnectionInit {
  readonly ws: WebSocket;
  readonly kind: SessionKind;
  readonly sessionId: string;
  readonly model: string | null;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly ids: IdFactory;
  readonly faults: ConnectionFaults;
  readonly trace: TraceSink;
  readonly options: ResolvedMockOptions;
  readonly stats: ConnectionStats;
  /** Session config of the `ek_` key the socket authenticated with, if any. */
  readonly clientSecretSession: Record<string, unknown> | null;
  /** Close 1008 instead of queueing more once the socket's unsent bytes exceed this. Default 8 MiB. */
  readonly maxBufferedBytes?: number;
  /** Called once when the connection has ended. */
  readonly onEnded?: () => void;
}

/** Default bound on a socket's unsent bytes. */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Deepest nesting of objects and arrays a client event may have. Real events stay far below it
 * (a tool's JSON Schema with ten nested objects is about 25 levels); a 10,000-level event parses
 * fine but overflows the stack of any recursive copy or print of it (`structuredClone`,
 * `JSON.stringify`, `String`).
 */
export const MAX_EVENT_DEPTH = 100;

/** Whether `value` nests objects/arrays more than `max` levels deep (iterative: never recurses). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  // Fast path for the per-frame case (an append is a flat object): no stack, no value arrays.
  if (max >= 1 && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    let flat = true;
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
      if (typeof v === 'object' && v !== null) {
        flat = false;
        break;
      }
    }
    if (flat) return false;
  }
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** `{type, event_id, ...rest}`: the key order of real events. */
function withEventId(event: WireEvent, eventId: string): WireEvent {
  const { type, ...rest } = event;
  return { type, event_id: eventId, ...rest };
}

/** One client connection; it is the {@link MockSessionContext} its session kind sees. */
export class MockConnection implements MockSessionContext {
  readonly sessionId: string;
  readonly model: string | null;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly ids: IdFactory;
  readonly faults: ConnectionFaults;
  readonly trace: TraceSink;
  readonly maxSessionS: number;
  readonly options: ResolvedMockOptions;
  readonly clientSecretSession: Record<string, unknown> | null;

  private readonly ws: WebSocket;
  private readonly kind: SessionKind;
  private readonly stats: ConnectionStats;
  private readonly maxBufferedBytes: number;
  private readonly onEnded: (() => void) | undefined;
  private readonly outbound: OutboundChannel;
  private timers: Set<TimerHandle> | null = null;
  /** Write hooks of frames a fault still holds; settled with null if the connection ends first. */
  private unwritten: Set<WriteHook> | null = null;
  private closing = false;
  private ended = false;

  constructor(init: ConnectionInit) {
    this.ws = init.ws;
    this.kind = init.kind;
    this.sessionId = init.sessionId;
    this.model = init.model;
    this.clock = init.clock;
    this.rng = init.rng;
    this.ids = init.ids;
    this.faults = init.faults;
    this.trace = init.trace;
    this.options = init.options;
    this.stats = init.stats;
    this.clientSecretSession = init.clientSecretSession;
    this.maxBufferedBytes = init.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.onEnded = init.onEnded;
    this.maxSessionS = this.faults.maxSessionS(this.options.maxSessionS);
    this.outbound = this.faults.wrapOutbound(
      (frame, onWritten) => this.rawSend(frame, onWritten),
      () => this.terminate(),
      this.clock,
    );
  }

  /** Wires the socket and opens the session (`session.created` first). */
  start(): void {
    this.stats.open += 1;
    this.stats.total += 1;
    this.ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    this.ws.on('close', () => this.end());
    this.ws.on('error', () => this.end());
    this.setTimeout(() => this.expire(), this.maxSessionS * 1000);
    this.guard(null, () => this.kind.open(this));
  }

  // ---- MockSessionContext ----------------------------------------------------------------

  send(event: WireEvent, onWritten?: WriteHook): boolean {
    if (this.closing || this.ended) {
      onWritten?.(null);
      return false;
    }
    // Real events read `{"type":…,"event_id":…,…}`; keep that key order.
    const out: WireEvent = typeof event['event_id'] === 'string' || (Object.hasOwn(event, 'event_id') && event['event_id'] === undefined) ? event : withEventId(event, this.ids.event());
    if (onWritten === undefined) {
      this.outbound(out, JSON.stringify(out));
      return true;
    }
    const unwritten = (this.unwritten ??= new Set());
    unwritten.add(onWritten);
    this.outbound(out, JSON.stringify(out), onWritten);
    return true;
  }

  sendError(error: MockErrorSpec): void {
    if (this.kind.errorEvent) {
      this.send(this.kind.errorEvent(this, error));
      return;
    }
    const event: ServerEventOf<'error'> = {
      type: 'error',
      event_id: this.ids.event(),
      error: {
        type: error.type ?? 'invalid_request_error',
        code: error.code,
        message: error.message,
        param: error.param ?? null,
        event_id: error.eventId ?? null,
      },
    };
    this.send(event as unknown as WireEvent);
  }

  close(code: number, reason: string): void {
    if (this.closing || this.ended) return;
    this.closing = true;
    // A stall fault may still hold frames (e.g. the session_expired error): send them first.
    this.outbound.whenIdle(() => {
      if (this.ended) return;
      try {
        this.ws.close(code, reason);
      } catch {
        this.ws.terminate();
      }
    });
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timers = (this.timers ??= new Set());
    const handle = this.clock.setTimeout(() => {
      timers.delete(handle);
      if (!this.ended) this.guard(null, fn);
    }, delayMs);
    timers.add(handle);
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers?.delete(handle);
    this.clock.clearTimeout(handle);
  }

  // ---- internals ---------------------------------------------------------------------------

  private rawSend(frame: string, hook?: WriteHook): void {
    // A hook is settled once: not again if end() already settled it with null.
    const onWritten = hook !== undefined && this.unwritten?.delete(hook) === true ? hook : undefined;
    if (this.ended || this.ws.readyState !== this.ws.OPEN) return onWritten?.(null);
    if (this.ws.bufferedAmount > this.maxBufferedBytes) {
      // A client that does not read must not make the server grow without bound.
      this.stats.sendOverflows += 1;
      this.close(1008, 'send buffer overflow: the client is not reading');
      return onWritten?.(null);
    }
    if (onWritten === undefined) {
      this.ws.send(frame);
      return;
    }
    // Stamped before send(): on loopback the client (another process) may read the frame before
    // send() returns, and a stamp taken after it would make the harness look early.
    const writtenUs = this.clock.nowUs();
    this.ws.send(frame);
    onWritten(writtenUs);
  }

  private terminate(): void {
    this.closing = true;
    this.ws.terminate();
  }

  private expire(): void {
    if (this.kind.expire) return this.guard(null, () => this.kind.expire!(this));
    this.sendError(sessionExpired(this.maxSessionS));
    this.close(1001, sessionExpiredMessage(this.maxSessionS));
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    this.stats.framesIn += 1;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (isBinary) {
      this.sendError(binaryFrame(bytes.length));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      this.sendError(invalidJson(err instanceof Error ? err.message : String(err)));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.sendError(eventNotAnObject(parsed));
      return;
    }
    const record = parsed as Record<string, unknown>;
    const eventId = typeof record['event_id'] === 'string' ? record['event_id'] : null;
    if (record['event_id'] !== undefined && record['event_id'] !== null && eventId === null) {
      // §4.1: the client's `event_id` is an optional string; another type cannot be echoed back.
      this.sendError(invalidType('event_id', 'a string', record['event_id']));
      return;
    }
    if (nestedDeeperThan(record, MAX_EVENT_DEPTH)) {
      this.sendError({ ...nestingTooDeep(MAX_EVENT_DEPTH), eventId });
      return;
    }
    const type = record['type'];
    if (type === undefined) {
      this.sendError({ ...missingParameter('type'), eventId });
      return;
    }
    if (typeof type !== 'string') {
      this.sendError({ ...invalidType('type', 'a string', type), eventId });
      return;
    }
    this.guard(eventId, () => this.kind.onEvent(this, record as WireEvent));
  }

  /** Runs a handler; a throw is counted and answered with `server_error`, and the session stays open. */
  private guard(eventId: string | null, fn: () => void): void {
    try {
      fn();
    } catch {
      this.stats.handlerErrors += 1;
      if (!this.ended) this.sendError({ ...serverError(), eventId });
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.closing = true;
    this.stats.open -= 1;
    if (this.timers) for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers = null;
    this.outbound.dispose();
    const unwritten = this.unwritten;
    this.unwritten = null;
    if (unwritten) {
      for (const hook of unwritten) {
        try {
          hook(null);
        } catch {
          this.stats.handlerErrors += 1;
        }
      }
    }
    try {
      this.kind.onClose(this);
    } catch {
      this.stats.handlerErrors += 1;
    }
    this.onEnded?.();
  }
}
