/**
 * One scripted probe session over a real transport: the event builder, the parser, the transport
 * and the passive checker meet here, as in the session driver, but driven step by step by a probe.
 * Every server event is parsed once, recorded, shown to the conformance checker and to the probe's
 * waits; every client event (except audio appends, which no rule reads) is shown to the checker.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { createConformanceChecker } from '../conformance/checker.ts';
import type { ConformanceChecker, Finding, SessionKind } from '../conformance/types.ts';
import { ClientEventBuilder, serializeClientEvent } from '../protocol/client-events.ts';
import { parseServerEvent, type ParsedEvent } from '../protocol/server-events.ts';
import { TransportError, type Transport } from '../transport/transport.ts';
import { WsTransport } from '../transport/ws-transport.ts';
import { ProbeFailure, type ProbeEndpoint } from './types.ts';

/** The fields of a parsed event (known or unknown), or null for a malformed frame. */
export type EventFields = Record<string, unknown>;

/** A server `error` event's `error` object, loosely typed (the checker judges its shape). */
export interface ErrorInfo {
  readonly code: unknown;
  readonly type: unknown;
  readonly param: unknown;
  readonly message: unknown;
  readonly eventId: unknown;
}

/** A client event: one built by `ClientEventBuilder`, or a hand-built object literal (unknown types and fields). */
export type OutboundEvent = (object & { readonly type: string }) | { readonly type: string; readonly [key: string]: unknown };

/** Options of {@link ProbeSession}. */
export interface ProbeSessionOptions {
  readonly kind: SessionKind;
  readonly endpoint: ProbeEndpoint;
  readonly clock: Clock;
  /** Copied onto the checker's findings (`PROBE-…#n`). */
  readonly sessionId: string;
  /** Default wait for one answer, ms. */
  readonly stepTimeoutMs: number;
  /** Verify TLS certificates. Default true. */
  readonly rejectUnauthorized?: boolean;
  /** Transport factory (tests). Default {@link WsTransport}. */
  readonly transport?: (endpoint: ProbeEndpoint) => Transport;
}

/** Options of {@link ProbeSession.waitFor}. */
export interface WaitOptions {
  /** Only events at or after this index (from {@link ProbeSession.mark}). Default 0. */
  readonly since?: number;
  /** Default: the session's step timeout. */
  readonly timeoutMs?: number;
  /** Fail at once when an `error` echoing this client `event_id` arrives instead. */
  readonly failOnErrorFor?: string;
}

const APPEND_TYPES = new Set(['input_audio_buffer.append', 'session.input_audio_buffer.append']);
/** Frames sent per burst before yielding to I/O. */
const FRAMES_PER_BURST = 10;
/** How long a client close waits for the server's close frame, ms. */
const CLOSE_WAIT_MS = 3000;

/** The event's fields (parsed object) when it is JSON with a type, else null. */
export function fieldsOf(e: ParsedEvent): EventFields | null {
  return e.kind === 'malformed' ? null : (e.event as unknown as EventFields);
}

/** The `error` object of an `error` event, or null for any other event. */
export function errorOf(e: ParsedEvent): ErrorInfo | null {
  if (e.kind === 'malformed' || e.type !== 'error') return null;
  const err = (fieldsOf(e)?.['error'] ?? null) as Record<string, unknown> | null;
  if (err === null || typeof err !== 'object') return { code: undefined, type: undefined, param: undefined, message: undefined, eventId: undefined };
  return { code: err['code'], type: err['type'], param: err['param'], message: err['message'], eventId: err['event_id'] };
}

/** `obj.a.b.c` of an event's fields, or undefined. */
export function pathOf(e: ParsedEvent, ...path: string[]): unknown {
  let v: unknown = fieldsOf(e);
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** A short description of an error for messages: `code (param p): message`. */
export function describeError(err: ErrorInfo): string {
  const param = err.param !== null && err.param !== undefined ? ` (param ${JSON.stringify(err.param)})` : '';
  return `${JSON.stringify(err.code ?? null)}${param}: ${typeof err.message === 'string' ? err.message.slice(0, 160) : '?'}`;
}

/** A probe's connection to the target. Create with {@link ProbeSession.open}. */
export class ProbeSession {
  /** Every server event in receive order. */
  readonly events: ParsedEvent[] = [];
  /** Types of the client events sent, in order (audio appends not listed). */
  readonly sentTypes: string[] = [];
  /** Builder of this session's client events (ids unique per session). */
  readonly builder = new ClientEventBuilder();
  readonly kind: SessionKind;
  private readonly transport: Transport;
  private readonly checker: ConformanceChecker;
  private readonly clock: Clock;
  private readonly stepTimeoutMs: number;
  private readonly watchers = new Set<() => void>();
  private readonly openResponses = new Set<string>();
  private closeInfo: { code: number; reason: string } | null = null;
  private manualIds = 0;
  private findings: Finding[] | null = null;

  private constructor(private readonly opts: ProbeSessionOptions) {
    this.kind = opts.kind;
    this.clock = opts.clock;
    this.stepTimeoutMs = opts.stepTimeoutMs;
    this.checker = createConformanceChecker({ sessionKind: opts.kind, sessionId: opts.sessionId });
    const endpoint = opts.endpoint;
    this.transport =
      opts.transport?.(endpoint) ??
      new WsTransport({ url: endpoint.url, headers: endpoint.headers, clock: opts.clock, rejectUnauthorized: opts.rejectUnauthorized ?? true, handshakeTimeoutMs: opts.stepTimeoutMs });
  }

  /**
   * Connects (listeners are attached before the socket opens, so nothing sent right after the
   * upgrade is missed). A failed handshake fails the probe, naming the HTTP status when there was one.
   */
  static async open(opts: ProbeSessionOptions): Promise<ProbeSession> {
    const s = new ProbeSession(opts);
    s.transport.onMessage((raw, receivedUs) => s.onFrame(raw, receivedUs));
    s.transport.onClose((code, reason) => s.onClose(code, reason));
    try {
      await s.transport.connect();
    } catch (err) {
      const what = err instanceof TransportError ? err.message : String(err);
      throw new ProbeFailure(`could not open a ${opts.kind} session: ${what}`);
    }
    return s;
  }

  /** The close code and reason once the socket closed, else null. */
  get closed(): { code: number; reason: string } | null {
    return this.closeInfo;
  }

  /** Index of the next event to arrive (pass as `since` to wait only for later events). */
  mark(): number {
    return this.events.length;
  }

  /** A fresh client `event_id` for a hand-built event: `rth_probe_<kind>_<n>`. */
  id(kind: string): string {
    this.manualIds += 1;
    return `rth_probe_${kind}_${this.manualIds}`;
  }

  /** Sends one client event and shows it to the checker (audio appends are only counted). */
  send(event: OutboundEvent): void {
    this.transport.send(serializeClientEvent(event));
    if (APPEND_TYPES.has(event.type)) return;
    this.sentTypes.push(event.type);
    this.checker.onClientEvent({ type: event.type, event: event as unknown as Record<string, unknown>, sentUs: this.clock.nowUs() });
  }

  /**
   * Sends prebuilt append frames (serialized, no `event_id`) as fast as the socket takes them,
   * yielding to I/O every few frames. Server VAD works on the audio timeline, so a burst is
   * detected like speech at 1× (§3.3).
   */
  async sendFrames(frames: readonly string[]): Promise<void> {
    for (let i = 0; i < frames.length; i++) {
      if (this.closeInfo) return;
      this.transport.send(frames[i]!);
      if ((i + 1) % FRAMES_PER_BURST === 0) await new Promise<void>((r) => setImmediate(r));
    }
  }

  /**
   * Resolves with the first event (at or after `since`) matching `pred`. Rejects with a
   * {@link ProbeFailure} naming `what` on timeout, when the socket closes first, or when an `error`
   * echoing `failOnErrorFor` arrives first.
   */
  waitFor(pred: (e: ParsedEvent) => boolean, what: string, opts: WaitOptions = {}): Promise<ParsedEvent> {
    const since = opts.since ?? 0;
    const timeoutMs = opts.timeoutMs ?? this.stepTimeoutMs;
    let cursor = since;
    return new Promise<ParsedEvent>((resolve, reject) => {
      let timer: TimerHandle | null = null;
      const done = (): void => {
        this.watchers.delete(check);
        if (timer !== null) this.clock.clearTimeout(timer);
      };
      const check = (): void => {
        for (; cursor < this.events.length; cursor++) {
          const e = this.events[cursor]!;
          if (pred(e)) {
            done();
            resolve(e);
            return;
          }
          const err = opts.failOnErrorFor !== undefined ? errorOf(e) : null;
          if (err && err.eventId === opts.failOnErrorFor) {
            done();
            reject(new ProbeFailure(`expected ${what}, got error ${describeError(err)}`));
            return;
          }
        }
        if (this.closeInfo) {
          done();
          reject(new ProbeFailure(`socket closed (${this.closeInfo.code} ${JSON.stringify(this.closeInfo.reason)}) before ${what}; ${this.recent(since)}`));
        }
      };
      timer = this.clock.setTimeout(() => {
        done();
        reject(new ProbeFailure(`no ${what} within ${timeoutMs} ms; ${this.recent(since)}`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  /** Waits for an event of `type` (optionally also matching `pred`). */
  waitForType(type: string, what: string = type, opts: WaitOptions = {}, pred?: (e: ParsedEvent) => boolean): Promise<ParsedEvent> {
    return this.waitFor((e) => e.kind !== 'malformed' && e.type === type && (pred?.(e) ?? true), what, opts);
  }

  /**
   * Waits for the `error` answering the client event `clientEventId` sent at `since`: one whose
   * `error.event_id` echoes it, or (lenient) the first error after `since` with a null `event_id`
   * — §4.1 says the id is echoed "when one was sent" [M], so a null echo is noted, not failed.
   * An event of one of `wrongAnswers` (e.g. the success answer) arriving first fails the probe.
   */
  async waitForErrorAnswer(clientEventId: string, what: string, since: number, note?: (line: string) => void, wrongAnswers: readonly string[] = []): Promise<ErrorInfo> {
    const e = await this.waitFor(
      (ev) => {
        if (ev.kind !== 'malformed' && wrongAnswers.includes(ev.type)) return true;
        const err = errorOf(ev);
        return err !== null && (err.eventId === clientEventId || err.eventId === null || err.eventId === undefined);
      },
      `error answering ${what} (${clientEventId})`,
      { since },
    );
    const err = errorOf(e);
    if (err === null) throw new ProbeFailure(`expected an error answering ${what}, got ${e.kind === 'malformed' ? 'a malformed frame' : e.type}`);
    if (err.eventId !== clientEventId) note?.(`error.event_id is ${JSON.stringify(err.eventId ?? null)}, not the echo of ${clientEventId} (§4.1: accepted, noted)`);
    return err;
  }

  /** Waits for the socket to close; rejects on timeout. */
  waitClose(what: string, timeoutMs: number = this.stepTimeoutMs): Promise<{ code: number; reason: string }> {
    return new Promise((resolve, reject) => {
      let timer: TimerHandle | null = null;
      const check = (): void => {
        if (!this.closeInfo) return;
        this.watchers.delete(check);
        if (timer !== null) this.clock.clearTimeout(timer);
        resolve(this.closeInfo);
      };
      timer = this.clock.setTimeout(() => {
        this.watchers.delete(check);
        reject(new ProbeFailure(`socket not closed within ${timeoutMs} ms (${what}); ${this.recent(0)}`));
      }, timeoutMs);
      this.watchers.add(check);
      check();
    });
  }

  /** Waits `ms` on the session's clock (to watch that nothing more arrives). */
  pause(ms: number): Promise<void> {
    return new Promise((r) => this.clock.setTimeout(r, ms));
  }

  /** Events (at or after `since`) of `type`. */
  eventsOfType(type: string, since = 0): ParsedEvent[] {
    return this.events.slice(since).filter((e) => e.kind !== 'malformed' && e.type === type);
  }

  /**
   * Lets the target finish what it owes before the client closes: waits until every announced
   * response is done (bounded by the step timeout), then `quietMs` without events. Never fails.
   */
  async settle(quietMs: number): Promise<void> {
    const deadlineUs = this.clock.nowUs() + this.stepTimeoutMs * 1000;
    while (!this.closeInfo && this.openResponses.size > 0 && this.clock.nowUs() < deadlineUs) await this.pause(20);
    for (let last = -1; !this.closeInfo && last !== this.events.length && this.clock.nowUs() < deadlineUs; ) {
      last = this.events.length;
      await this.pause(quietMs);
    }
  }

  /** Closes with 1000 (if still open) and waits for the close (bounded). Idempotent. */
  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.transport.close(1000, 'OK');
    await this.waitClose('client close', CLOSE_WAIT_MS).catch(() => undefined);
  }

  /** The checker's findings for this session (call after {@link close}). */
  finish(): Finding[] {
    this.findings ??= this.checker.finish();
    return this.findings;
  }

  /** The last few event types since `since`, for failure messages. */
  recent(since: number): string {
    const types = this.events.slice(since).map((e) => (e.kind === 'malformed' ? '<malformed>' : e.kind === 'known' && e.type === 'error' ? `error(${String(errorOf(e)?.code)})` : e.type));
    if (types.length === 0) return 'received nothing';
    const shown = types.length > 12 ? ['…', ...types.slice(-12)] : types;
    return `received: ${shown.join(', ')}`;
  }

  private onFrame(raw: string | Buffer, receivedUs: number): void {
    const e = parseServerEvent(raw, receivedUs, this.events.length);
    this.events.push(e);
    this.checker.onServerEvent(e);
    if (e.kind !== 'malformed') {
      const id = pathOf(e, 'response', 'id');
      if (e.type === 'response.created' && typeof id === 'string') this.openResponses.add(id);
      if (e.type === 'response.done' && typeof id === 'string') this.openResponses.delete(id);
    }
    this.notify();
  }

  private onClose(code: number, reason: string): void {
    this.closeInfo = { code, reason };
    this.checker.onClose(code, reason);
    this.notify();
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }
}
