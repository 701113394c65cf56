/**
 * One connection of a session: opens the transport, parses every inbound frame once (the parser
 * never throws), shows it to the observer (conformance rules), settles handshake waits, then hands
 * it to the driver. Stamps connect and configure times (MEASUREMENT "Connect", "configure").
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { serializeClientEvent } from '../protocol/client-events.ts';
import { parseServerEvent, type ParsedEvent } from '../protocol/server-events.ts';
import { TransportError, type Transport } from '../transport/transport.ts';

/** Why opening or configuring a connection failed. */
export type OpenFailure = 'connect_failed' | 'connect_timeout' | 'closed' | 'configure_failed' | 'configure_timeout';

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
  /** Why {@link open} failed, with detail (transport error code / HTTP status / error code). */
  failure: { kind: OpenFailure; detail: string | null } | null = null;
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
        this.failure = { kind: 'connect_timeout', detail: null };
      } else {
        const detail = outcome instanceof TransportError ? (outcome.httpStatus !== null ? `http_${outcome.httpStatus}` : outcome.code) : 'network';
        this.failure = { kind: 'connect_failed', detail };
      }
      return null;
    }
    this.openedUs = this.clock.nowUs();
    const event = await created;
    if (!event) {
      this.failure = { kind: this.closedUs !== null ? 'closed' : 'connect_timeout', detail: this.closeCode !== null ? `close_${this.closeCode}` : null };
      if (this.closedUs === null) this.transport.close(1000, 'OK');
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
      const code = event && event.kind === 'known' ? ((event.event as { error?: { code?: unknown } }).error?.code ?? null) : null;
      this.failure = { kind: event ? 'configure_failed' : this.closedUs !== null ? 'closed' : 'configure_timeout', detail: typeof code === 'string' ? code : null };
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
