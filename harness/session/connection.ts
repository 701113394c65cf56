/**
 * One connection of a session: opens the transport, parses every inbound frame once (the parser
 * never throws), shows it to the observer (conformance rules), settles handshake waits, then hands
 * it to the driver. Stamps connect and configure times (docs/measurement.md, "Derived metrics").
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { serializeClientEvent } from '../protocol/client-events.ts';
import { parseServerEvent, type ParsedEvent } from '../protocol/server-events.ts';
import { TransportError, type Transport } from '../transport/transport.ts';

/** Why opening or configuring a connection failed. */
export type OpenFailure = 'connect_failed' | 'connect_timeout' | 'closed' | 'configure_failed' | 'configure_timeout';

/** Why {@link Connection.open} or {@link Connection.configure} failed, for the session's record. */
export interface OpenFailureInfo {
  kind: OpenFailure;
  /** Short stable code: `http_401`, `ECONNREFUSED`, `tls`, `handshake_timeout`, `close_3000`, an error code… */
  detail: string | null;
  /** One line for people: status and body excerpt, errno, close code and reason, error event. */
  reason: string;
  /** HTTP status of a refused upgrade, when there was one. */
  httpStatus?: number;
  /** Its `Retry-After`, ms, when it had one. */
  retryAfterMs?: number;
}

/** Longest error message kept in a failure reason, characters. */
const MESSAGE_CHARS = 160;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MESSAGE_CHARS ? `${flat.slice(0, MESSAGE_CHARS - 1)}…` : flat;
}

/** `error invalid_api_key: Incorrect API key provided…` from an `error` event. */
function describeError(event: unknown): { code: string | null; text: string } {
  const e = (event as { error?: { code?: unknown; type?: unknown; message?: unknown } }).error;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.type === 'string' ? e.type : null;
  const message = typeof e?.message === 'string' ? clip(e.message) : '';
  return { code, text: `error ${code ?? 'without code'}${message ? `: ${message}` : ''}` };
}

/** Hooks of a {@link Connection}. */
export interface ConnectionHooks {
  /** Every parsed event, before anything else sees it (conformance rules). */
  observe?(event: ParsedEvent): void;
  /** Every parsed event, after handshake waits (the driver's dispatch). */
  dispatch(event: ParsedEvent): void;
  /** The connection closed (either side), after it opened. */
  closed(code: number, reason: string): void;
}

interface Waiter {
  match: (e: ParsedEvent) => boolean;
  resolve: (e: ParsedEvent | null) => void;
  timer: TimerHandle;
}

/** A connection and its handshake. */
export class Connection {
  /** `session.id` from `session.created`. */
  sessionId: string | null = null;
  /** Connect start, `session.created` receive and close stamps, µs. */
  connectStartUs: number | null = null;
  openedUs: number | null = null;
  closedUs: number | null = null;
  closeCode: number | null = null;
  /** Close reason given with {@link closeCode}. */
  closeReason = '';
  /** Why {@link open} or {@link configure} failed. */
  failure: OpenFailureInfo | null = null;
  /** The first `error` event before `session.created` (a refused key arrives this way, §1.2). */
  private earlyError: { code: string | null; text: string } | null = null;
  private createdSeen = false;
  private index = 0;
  private waiters: Waiter[] = [];

  constructor(
    readonly transport: Transport,
    private readonly clock: Clock,
    private readonly hooks: ConnectionHooks,
  ) {
    transport.onMessage((raw, receivedUs) => this.receive(raw, receivedUs));
    transport.onClose((code, reason) => {
      if (this.closedUs !== null) return;
      this.closedUs = this.clock.nowUs();
      this.closeCode = code;
      this.closeReason = reason;
      for (const w of this.waiters.splice(0)) {
        this.clock.clearTimeout(w.timer);
        w.resolve(null);
      }
      this.hooks.closed(code, reason);
    });
  }

  /** Whether the connection is open (opened and not closed). */
  get isOpen(): boolean {
    return this.openedUs !== null && this.closedUs === null;
  }

  /**
   * Connects and waits for `session.created`, both within `timeoutMs`. Resolves with connect time
   * in ms, or null on failure ({@link failure} says why).
   */
  async open(timeoutMs: number): Promise<number | null> {
    const startUs = this.clock.nowUs();
    this.connectStartUs = startUs;
    const created = this.waitFor((e) => e.kind === 'known' && e.type === 'session.created', timeoutMs);
    let timer: TimerHandle | null = null;
    const timeout = new Promise<'timeout'>((resolve) => (timer = this.clock.setTimeout(() => resolve('timeout'), timeoutMs)));
    const connecting = this.transport.connect().then(
      () => 'open' as const,
      (err: unknown) => err,
    );
    const outcome = await Promise.race([connecting, timeout]);
    if (timer) this.clock.clearTimeout(timer);
    if (outcome !== 'open') {
      this.cancelWaits();
      if (outcome === 'timeout') {
        this.transport.close(1000, 'OK');
        const what = this.transport.media ? 'the WebRTC setup (key, offer, ICE, DTLS, channel)' : 'the WebSocket upgrade';
        this.failure = { kind: 'connect_timeout', detail: 'connect_timeout', reason: `${what} did not complete within ${timeoutMs} ms (timeouts.connect_ms)` };
      } else if (outcome instanceof TransportError) {
        const detail = outcome.httpStatus !== null ? `http_${outcome.httpStatus}` : (outcome.errno ?? outcome.code);
        this.failure = { kind: 'connect_failed', detail, reason: outcome.message };
        if (outcome.httpStatus !== null) this.failure.httpStatus = outcome.httpStatus;
        if (outcome.retryAfterMs !== null) this.failure.retryAfterMs = outcome.retryAfterMs;
      } else {
        this.failure = { kind: 'connect_failed', detail: 'network', reason: clip(outcome instanceof Error ? outcome.message : String(outcome)) };
      }
      return null;
    }
    this.openedUs = this.clock.nowUs();
    const event = await created;
    if (!event) {
      const early = this.earlyError ? `${this.earlyError.text}; then ` : '';
      if (this.closedUs !== null) {
        const why = this.closeReason ? ` "${clip(this.closeReason)}"` : '';
        this.failure = { kind: 'closed', detail: this.earlyError?.code ?? `close_${this.closeCode}`, reason: `${early}closed ${this.closeCode}${why} before session.created` };
      } else {
        this.failure = { kind: 'connect_timeout', detail: this.earlyError?.code ?? 'no_session_created', reason: `${early}no session.created within ${timeoutMs} ms of connecting (timeouts.connect_ms)` };
        this.transport.close(1000, 'OK');
      }
      return null;
    }
    const session = (event.kind === 'known' ? (event.event as { session?: { id?: unknown } }).session : undefined) ?? {};
    this.sessionId = typeof session.id === 'string' ? session.id : null;
    return (event.receivedUs - startUs) / 1000;
  }

  /**
   * Sends `session.update` and waits for `session.updated` (or an `error` naming this event's id)
   * within `timeoutMs`. Resolves with configure time in ms, or null ({@link failure} says why).
   */
  async configure(update: { event_id: string }, timeoutMs: number): Promise<number | null> {
    const answer = this.waitFor(
      (e) =>
        (e.kind === 'known' && e.type === 'session.updated') ||
        (e.kind === 'known' && e.type === 'error' && (e.event as { error?: { event_id?: unknown } }).error?.event_id === update.event_id),
      timeoutMs,
    );
    const sentUs = this.clock.nowUs();
    this.send(update);
    const event = await answer;
    if (!event || event.kind !== 'known' || event.type !== 'session.updated') {
      if (event) {
        const e = describeError(event.kind === 'known' ? event.event : null);
        this.failure = { kind: 'configure_failed', detail: e.code, reason: `session.update refused: ${e.text}` };
      } else if (this.closedUs !== null) {
        const why = this.closeReason ? ` "${clip(this.closeReason)}"` : '';
        this.failure = { kind: 'closed', detail: `close_${this.closeCode}`, reason: `closed ${this.closeCode}${why} before session.updated` };
      } else {
        this.failure = { kind: 'configure_timeout', detail: null, reason: `no session.updated within ${timeoutMs} ms of session.update (timeouts.connect_ms)` };
      }
      return null;
    }
    return (event.receivedUs - sentUs) / 1000;
  }

  /** Serializes and sends a client event. */
  send(event: object): void {
    this.transport.send(serializeClientEvent(event));
  }

  /** Sends a prebuilt frame. */
  sendFrame(frame: string): void {
    this.transport.send(frame);
  }

  /** Closes (default 1000 "OK"). */
  close(code = 1000, reason = 'OK'): void {
    this.transport.close(code, reason);
  }

  /** Time connected so far (or in total once closed), ms. */
  connectedMs(nowUs: number): number {
    if (this.openedUs === null) return 0;
    return ((this.closedUs ?? nowUs) - this.openedUs) / 1000;
  }

  /** Resolves with the first event matching `match` within `timeoutMs`, or null (timeout/close). */
  waitFor(match: (e: ParsedEvent) => boolean, timeoutMs: number): Promise<ParsedEvent | null> {
    if (this.closedUs !== null) return Promise.resolve(null);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match,
        resolve,
        timer: this.clock.setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(null);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private cancelWaits(): void {
    for (const w of this.waiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.resolve(null);
    }
  }

  private receive(raw: string | Buffer, receivedUs: number): void {
    const event = parseServerEvent(raw, receivedUs, this.index++);
    if (event.kind === 'known' && !this.createdSeen) {
      if (event.type === 'session.created') this.createdSeen = true;
      else if (event.type === 'error') this.earlyError ??= describeError(event.event);
    }
    this.hooks.observe?.(event);
    if (this.waiters.length > 0) {
      for (const w of this.waiters) {
        if (w.match(event)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          this.clock.clearTimeout(w.timer);
          w.resolve(event);
          break;
        }
      }
    }
    this.hooks.dispatch(event);
  }
}
