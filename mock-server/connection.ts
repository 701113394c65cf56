/**
 * The per-connection loop: frames in → parsed events → the session kind; events out → `event_id`
 * stamp → fault filter → socket. Owns the connection's timers (cleared when it ends), the session
 * cap (§1.4) and the send-buffer bound. One bad event never ends the connection or touches another:
 * every handler call is guarded and counted.
 */
import type { FrameLink } from './frame-link.ts';
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
import type { ClientObserver } from './client-findings/observer.ts';
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
  /** What carries the session's events (frame-link.ts: a WebSocket, or a WebRTC call's data channel). */
  readonly link: FrameLink;
  /** What the transport changes (WebRTC: audio on the media track); default none: every event on the link. */
  readonly door?: DoorHooks;
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
  /**
   * Client-findings hook (client-findings/observer.ts), already told `sessionOpened`. This loop
   * reports each parsed client event, each server event when it is written, and the close.
   * Default none (no cost).
   */
  readonly observer?: ClientObserver | null;
}

/**
 * What a door (a transport other than the plain WebSocket) changes about a session, without an
 * `if` in the session core: it sees each event on its way out and in, and may take it over.
 */
export interface DoorHooks {
  /** The connection is up; `conn` lets the door inject events (see {@link MockConnection.deliver}). */
  attached(conn: MockConnection): void;
  /**
   * A server event on its way out (before faults). Return true when the door took it over (e.g. an
   * audio delta played on the media track): then the door settles `onWritten` itself, once.
   */
  outbound(event: WireEvent, onWritten: WriteHook | undefined): boolean;
  /** A parsed client event on its way in. Return true when the door answered it itself. */
  inbound(event: WireEvent): boolean;
  /** The connection ended. */
  ended(): void;
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

  private readonly link: FrameLink;
  private readonly door: DoorHooks | undefined;
  private readonly kind: SessionKind;
  private readonly stats: ConnectionStats;
  private readonly maxBufferedBytes: number;
  private readonly onEnded: (() => void) | undefined;
  private readonly observer: ClientObserver | null;
  private readonly outbound: OutboundChannel;
  private timers: Set<TimerHandle> | null = null;
  /** Write hooks of frames a fault still holds; settled with null if the connection ends first. */
  private unwritten: Set<WriteHook> | null = null;
  private closing = false;
  private ended = false;
  /** The close this side started (reported to the observer: a client may echo it without the reason). */
  private closeSent: { code: number; reason: string } | null = null;

  constructor(init: ConnectionInit) {
    this.link = init.link;
    this.door = init.door;
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
    this.observer = init.observer ?? null;
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
    this.link.onFrame((data, isBinary) => this.onFrame(data, isBinary));
    this.link.onEnd((code, reason) => this.end(code, reason));
    this.setTimeout(() => this.expire(), this.maxSessionS * 1000);
    this.door?.attached(this);
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
    const observer = this.observer;
    if (observer !== null) {
      // The judge sees an event when it is written (a stall fault may hold it), never if dropped.
      const inner = onWritten;
      onWritten = (us) => {
        if (us !== null) observer.serverEvent(out, us);
        inner?.(us);
      };
    }
    if (this.door !== undefined && this.door.outbound(out, onWritten)) return true;
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
    this.closeSent = { code, reason };
    // A stall fault may still hold frames (e.g. the session_expired error): send them first.
    this.outbound.whenIdle(() => {
      if (this.ended) return;
      this.link.close(code, reason);
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
    if (this.ended || !this.link.isOpen()) return onWritten?.(null);
    if (this.link.bufferedBytes > this.maxBufferedBytes) {
      // A client that does not read must not make the server grow without bound.
      this.stats.sendOverflows += 1;
      this.close(1008, 'send buffer overflow: the client is not reading');
      return onWritten?.(null);
    }
    if (onWritten === undefined) {
      this.link.sendText(frame);
      return;
    }
    // Stamped before send(): on loopback the client (another process) may read the frame before
    // send() returns, and a stamp taken after it would make the harness look early.
    const writtenUs = this.clock.nowUs();
    this.link.sendText(frame);
    onWritten(writtenUs);
  }

  private terminate(): void {
    this.closing = true;
    this.link.terminate();
  }

  private expire(): void {
    if (this.kind.expire) return this.guard(null, () => this.kind.expire!(this));
    this.sendError(sessionExpired(this.maxSessionS));
    this.close(1001, sessionExpiredMessage(this.maxSessionS));
  }

  private onFrame(bytes: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    this.stats.framesIn += 1;
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
    this.observer?.clientEvent(record as WireEvent, this.clock.nowUs());
    if (this.door !== undefined && this.guardBool(eventId, () => this.door!.inbound(record as WireEvent))) return;
    this.guard(eventId, () => this.kind.onEvent(this, record as WireEvent));
  }

  /**
   * Hands the session core an event that did not come as a client frame: a door's translation of
   * what arrived another way (WebRTC: decoded RTP audio as `input_audio_buffer.append`, an automatic
   * truncation). Guarded like a client event; ignored once the connection has ended.
   */
  deliver(event: WireEvent): void {
    if (this.ended) return;
    this.guard(null, () => this.kind.onEvent(this, event));
  }

  /**
   * Sends a frame straight to the link, past the door (the door's own events). `stampEventId`
   * (default true) adds an `event_id`; false for the one event documented without one
   * (`input_audio_buffer.dtmf_event_received`).
   */
  sendDirect(event: WireEvent, onWritten?: WriteHook, stampEventId = true): boolean {
    if (this.closing || this.ended) {
      onWritten?.(null);
      return false;
    }
    const out: WireEvent = typeof event['event_id'] === 'string' || !stampEventId ? event : withEventId(event, this.ids.event());
    if (onWritten !== undefined) (this.unwritten ??= new Set()).add(onWritten);
    this.outbound(out, JSON.stringify(out), onWritten);
    return true;
  }

  /** Whether the connection has ended. */
  get isEnded(): boolean {
    return this.ended;
  }

  private guardBool(eventId: string | null, fn: () => boolean): boolean {
    let taken = true;
    this.guard(eventId, () => {
      taken = fn();
    });
    return taken;
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

  private end(code = 1006, reason = ''): void {
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
    try {
      this.door?.ended();
    } catch {
      this.stats.handlerErrors += 1;
    }
    this.observer?.sessionClosed(this.closeSent?.code ?? code, this.closeSent?.reason ?? reason);
    this.onEnded?.();
  }
}
