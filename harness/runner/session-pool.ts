/**
 * Runs a set of planned sessions in this thread: each starts at its intended time (run start plus
 * its arrival offset) on the injected clock, independently of every other session (coordinated
 * omission: a slow session never delays another's arrival), all sharing one pacer. The pool knows
 * nothing about files or recorders: finished turns and sessions go to callbacks as they happen.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Pacer, SessionPlan, SessionResult, SilenceFrame, TurnResult } from '../contract.ts';
import { runSession } from '../session/driver.ts';
import type { RateLimitNotice } from '../session/rate-limit-log.ts';
import { WebRtcTransport } from '../transport/webrtc-transport.ts';
import { WsTransport } from '../transport/ws-transport.ts';
import type { Transport } from '../transport/transport.ts';
import { SessionConformance, type RunFinding } from './conformance-tap.ts';

/** One session to run and when. */
export interface ScheduledSession {
  readonly plan: SessionPlan;
  /** Intended start, µs on the pool's clock. */
  readonly startAtUs: number;
}

/** Options of {@link SessionPool}. */
export interface SessionPoolOptions {
  readonly sessions: readonly ScheduledSession[];
  readonly clock: Clock;
  /** The thread's one pacer. */
  readonly pacer: Pacer;
  /** Default: a {@link WsTransport} to `plan.url` with `plan.headers`. */
  readonly transportFactory?: (plan: SessionPlan) => Transport;
  /** Silence frame shared by every session (built once). Default: each driver builds its own. */
  readonly silence?: SilenceFrame;
  /** Check every connection with the conformance rules. Default true. */
  readonly conformance?: boolean;
  /** A session started (its connect began), `lateUs` after its intended time. */
  readonly onSessionStart?: (index: number, lateUs: number) => void;
  /** A turn finished (as it finishes). */
  readonly onTurn: (turn: TurnResult) => void;
  /** A rate limit was met (handshake 429 or in-session), as it happens. Default none. */
  readonly onRateLimit?: (notice: RateLimitNotice) => void;
  /** A session ended (never started sessions are reported with outcome `not_started`). */
  readonly onSession: (session: SessionResult, findings: readonly RunFinding[]) => void;
}

/** The outcome of sessions whose arrival came after new turns were stopped. */
export const NOT_STARTED = 'not_started';

/** Runs sessions at their arrival times; see the module comment. */
export class SessionPool {
  private readonly timers = new Map<number, TimerHandle>();
  private readonly transports = new Map<number, Transport[]>();
  private readonly plans = new Map<number, SessionPlan>();
  private stopped = false;
  private aborted = false;
  private stopNewTurns!: () => void;
  private readonly stopPromise = new Promise<void>((r) => (this.stopNewTurns = r));
  private running = 0;
  /** Connections past the upgrade and not yet closed (the concurrency stamped on rate-limit hits). */
  private readonly connected = { n: 0 };
  private remaining: number;
  private finished!: () => void;
  /** Resolves once every session ended or was skipped. */
  readonly done = new Promise<void>((r) => (this.finished = r));

  constructor(private readonly opts: SessionPoolOptions) {
    this.remaining = opts.sessions.length;
    for (const s of opts.sessions) this.plans.set(s.plan.index, s.plan);
    if (this.remaining === 0) this.finished();
  }

  /** Connections open now (upgraded, not yet closed): reconnects count once, refused upgrades not at all. */
  get openConnections(): number {
    return this.connected.n;
  }

  /** Sessions connected or connecting now. */
  get activeSessions(): number {
    return this.running;
  }

  /** Arms every session's arrival. Call once. */
  start(): void {
    for (const s of this.opts.sessions) {
      const delayMs = (s.startAtUs - this.opts.clock.nowUs()) / 1000;
      const timer = this.opts.clock.setTimeout(() => {
        this.timers.delete(s.plan.index);
        this.launch(s);
      }, delayMs);
      this.timers.set(s.plan.index, timer);
    }
  }

  /**
   * Stops new turns: sessions not yet arrived never start (reported `not_started`), running
   * sessions finish their open turn (bounded by its timeout) and close. Idempotent.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.stopNewTurns();
    for (const [index, timer] of this.timers) {
      this.opts.clock.clearTimeout(timer);
      this.skip(index);
    }
    this.timers.clear();
  }

  /**
   * Ends everything now: stops new turns and closes every open connection; open turns end as the
   * driver reports lost connections. Idempotent.
   */
  abort(): void {
    this.stop();
    if (this.aborted) return;
    this.aborted = true;
    for (const list of this.transports.values()) for (const t of list) t.close(1000, 'OK');
  }

  private skip(index: number): void {
    const plan = this.plans.get(index);
    if (plan) {
      this.opts.onSession(
        {
          sessionIndex: index,
          sessionId: null,
          effort: plan.effort,
          model: plan.model,
          connectMs: null,
          configureMs: null,
          connectedMs: 0,
          turnsCompleted: 0,
          turnsFailed: 0,
          outcome: NOT_STARTED,
          closeCode: null,
          errors: {},
        },
        [],
      );
    }
    this.settle();
  }

  private settle(): void {
    this.remaining -= 1;
    if (this.remaining === 0) this.finished();
  }

  private launch(s: ScheduledSession): void {
    if (this.stopped) return this.skip(s.plan.index);
    const { clock } = this.opts;
    this.opts.onSessionStart?.(s.plan.index, Math.max(0, clock.nowUs() - s.startAtUs));
    this.running += 1;
    const list: Transport[] = [];
    this.transports.set(s.plan.index, list);
    const conformance = this.opts.conformance === false ? null : new SessionConformance(s.plan, clock);
    const make = this.opts.transportFactory ?? ((plan: SessionPlan) => defaultTransport(plan, clock));
    const transportFactory = (plan: SessionPlan): Transport => {
      const raw = countOpen(make(plan), this.connected);
      // Closed through the conformance tap, so a checker knows the client ended the connection.
      const t = conformance ? conformance.wrap(raw) : raw;
      if (this.aborted) queueMicrotask(() => t.close(1000, 'OK'));
      list.push(t);
      return t;
    };
    runSession(s.plan, {
      transportFactory,
      pacer: this.opts.pacer,
      clock,
      onTurn: (t) => this.opts.onTurn(t),
      ...(conformance ? { onEvent: (e, ctx) => conformance.onEvent(e, ctx) } : {}),
      signal: { stopNewTurns: this.stopPromise },
      // The concurrency stamped on rate-limit hits: connections open in this thread at that moment.
      openSessions: () => this.connected.n,
      ...(this.opts.onRateLimit ? { onRateLimit: this.opts.onRateLimit } : {}),
      ...(this.opts.silence ? { silence: this.opts.silence } : {}),
    })
      .then(
        (result) => this.opts.onSession(result, conformance?.finish() ?? []),
        (err: unknown) => {
          // runSession never rejects for target behaviour; this is a harness bug, kept as data.
          this.opts.onSession(
            {
              sessionIndex: s.plan.index,
              sessionId: null,
              effort: s.plan.effort,
              model: s.plan.model,
              connectMs: null,
              configureMs: null,
              connectedMs: 0,
              turnsCompleted: 0,
              turnsFailed: 0,
              outcome: 'harness_error',
              closeCode: null,
              errors: { harness_error: 1, [`harness_error:${err instanceof Error ? err.message.slice(0, 80) : String(err).slice(0, 80)}`]: 1 },
            },
            conformance?.finish() ?? [],
          );
        },
      )
      .finally(() => {
        this.running -= 1;
        this.transports.delete(s.plan.index);
        this.settle();
      });
  }
}

/** The plan's transport: a WebSocket, or a WebRTC call (`plan.transport`), to `plan.url` with `plan.headers`. */
export function defaultTransport(plan: SessionPlan, clock: Clock): Transport {
  if (plan.transport === 'webrtc') {
    return new WebRtcTransport({ url: plan.url, headers: plan.headers, model: plan.model, clock, handshakeTimeoutMs: plan.connectTimeoutMs });
  }
  return new WsTransport({ url: plan.url, headers: plan.headers, clock, handshakeTimeoutMs: plan.connectTimeoutMs });
}

/** The transport, counting itself in `counter.n` from a successful upgrade until it closes. */
function countOpen(raw: Transport, counter: { n: number }): Transport {
  let open = false;
  const down = (): void => {
    if (!open) return;
    open = false;
    counter.n -= 1;
  };
  return {
    connect: () =>
      raw.connect().then(() => {
        open = true;
        counter.n += 1;
      }),
    send: (frame) => raw.send(frame),
    close: (code, reason) => raw.close(code, reason),
    onMessage: (cb) => raw.onMessage(cb),
    onClose: (cb) =>
      raw.onClose((code, reason) => {
        down();
        cb(code, reason);
      }),
    get bufferedBytes() {
      return raw.bufferedBytes;
    },
    media: raw.media,
  };
}
