/**
 * The session driver: where the event builder, the parser and the transport meet (README,
 * Architecture). One call of {@link runSession} runs one planned session: connect (stamp connect
 * start) → `session.created` (connectMs) → `session.update` → `session.updated` (configureMs) →
 * the planned turns (turn-engine.ts / translation.ts) → a clean close with 1000. Faults are
 * recovered per recovery.ts and recorded in `SessionResult.recoveries`.
 *
 * Memory: no raw events or audio are kept — per turn only stamps, counts and delta durations;
 * per session counters, the recovery records and a capped text history for re-seeding.
 */
import type { Clock } from '../../common/clock.ts';
import type { FaultKind, Pacer, SessionFailure, SessionPlan, SessionResult, SilenceFrame, TurnResult } from '../contract.ts';
import { failureErrorKey } from '../metrics/summary-failures.ts';
import { buildSilenceFrame, ClientEventBuilder, translationFramesOf } from '../protocol/client-events.ts';
import type { ParsedEvent } from '../protocol/server-events.ts';
import { redactSecrets } from '../transport/failure-reason.ts';
import type { Transport } from '../transport/transport.ts';
import { Connection } from './connection.ts';
import { ConversationHistory } from './history.ts';
import { RateLimitLog, type RateLimitNotice } from './rate-limit-log.ts';
import { Microphone, type AnyMicrophone } from './microphone.ts';
import type { SetupPhases } from '../contract.ts';
import { callMicrophone, setupPhases } from './call-audio.ts';
import { runLiveSession } from './live.ts';
import { faultOfClose, reconnectDelayMs, RecoveryLog, resolveRecoveryPolicy, seededRandom, type RecoveryPolicy } from './recovery.ts';
import type { SessionHost } from './session-host.ts';
import { TranslationEngine } from './translation.ts';
import { TurnEngine } from './turn-engine.ts';
import type { TurnContext, TurnTracker } from './turn-tracker.ts';

/** Which connection of which session an observed event came from (for conformance rules). */
export interface SessionEventContext {
  readonly sessionIndex: number;
  /** 0-based connection number within the session (reconnects count up). */
  readonly connection: number;
  readonly kind: SessionPlan['kind'];
  /** `session.id` of this connection once `session.created` arrived. */
  sessionId: string | null;
}

/** What {@link runSession} needs besides the plan. */
export interface SessionDeps {
  /** Creates the transport of each connection (called again on every reconnect). */
  transportFactory: (plan: SessionPlan) => Transport;
  /** The process-wide deadline scheduler. */
  pacer: Pacer;
  clock: Clock;
  /** Called once per finished turn, as it finishes. */
  onTurn: (t: TurnResult) => void;
  /** Sees every parsed server event of every connection (conformance rules). Default none. */
  onEvent?: (e: ParsedEvent, session: SessionEventContext) => void;
  /** `stopNewTurns` resolving stops starting turns; the open one finishes (bounded by its timeout). */
  signal?: { stopNewTurns: Promise<void> };
  /** Recovery policy overrides. Default {@link DEFAULT_RECOVERY_POLICY}. */
  recovery?: Partial<RecoveryPolicy>;
  /** Seed of the reconnect jitter. Default `plan.index`. */
  seed?: number;
  /** Silence frame for VAD/translation streaming. Default: digital silence of `plan.format`/`plan.chunkMs`. */
  silence?: SilenceFrame;
  /** Connections open in this thread now (`RateLimitHit.openSessions`), stamped on rate-limit hits. Default: unknown (null). */
  openSessions?: () => number;
  /** Told of every rate-limit hit as it happens (handshake 429 or in-session). Default none. */
  onRateLimit?: (notice: RateLimitNotice) => void;
}

/** How a session ended (`SessionResult.outcome`). */
export type SessionOutcome =
  | 'completed'
  | 'stopped'
  | 'connect_failed'
  | 'connect_timeout'
  | 'configure_failed'
  | 'configure_timeout'
  | 'closed_by_server'
  | 'reconnect_failed';

/** Runs one planned session to its end. Never rejects for target behaviour: that is in the result. */
export function runSession(plan: SessionPlan, deps: SessionDeps): Promise<SessionResult> {
  if (plan.kind === 'live') return runLiveSession(plan, deps);
  return new SessionDriver(plan, deps).run();
}

interface LostConnection {
  fault: FaultKind | null;
  code: number;
  reason: string;
  atUs: number;
  turnIndex: number | null;
  turnsLost: number;
}

class SessionDriver implements SessionHost {
  readonly clock: Clock;
  readonly builder = new ClientEventBuilder();
  readonly policy: RecoveryPolicy;
  readonly log = new RecoveryLog();
  private readonly history: ConversationHistory;
  private readonly random: () => number;
  private readonly engine: TurnEngine | TranslationEngine;
  private readonly silenceFrame: string;
  private readonly connections: Connection[] = [];
  private live: Connection | null = null;
  private microphone: AnyMicrophone | null = null;
  /** WebRTC: setup phases of the first connection that opened. */
  private setup: SetupPhases | null = null;
  private connectMs: number | null = null;
  private configureMs: number | null = null;
  private lastSessionId: string | null = null;
  private closeCode: number | null = null;
  private turnsCompleted = 0;
  private turnsFailed = 0;
  private readonly errors: Record<string, number> = {};
  private stopping = false;
  private closing = false;
  private expiredSeen = false;
  private lost: LostConnection | null = null;
  private outcome: SessionOutcome = 'completed';
  /** Why the last {@link openConnection} failed (credentials removed). */
  private openFailure: SessionFailure | null = null;
  /** Why the session failed, once it did. */
  private failure: SessionFailure | null = null;
  private readonly sleepers = new Set<() => void>();
  private readonly rateLimits: RateLimitLog;

  constructor(
    readonly plan: SessionPlan,
    private readonly deps: SessionDeps,
  ) {
    this.clock = deps.clock;
    this.policy = resolveRecoveryPolicy(deps.recovery);
    this.history = new ConversationHistory(this.policy.reseedMaxTurns);
    this.random = seededRandom((deps.seed ?? plan.index) * 2654435761 + 1);
    const translation = plan.kind === 'translation';
    const silence = deps.silence?.frame ?? buildSilenceFrame(plan.format, plan.chunkMs, translation).frame;
    this.silenceFrame = translation ? translationFramesOf([silence])[0]! : silence;
    this.engine = translation ? new TranslationEngine(this) : new TurnEngine(this);
    this.rateLimits = new RateLimitLog(plan.index, deps.openSessions ?? null, deps.onRateLimit ?? null);
  }

  async run(): Promise<SessionResult> {
    // The runner's stop promise outlives sessions: its callback must not keep a finished driver alive.
    const ref: { driver: SessionDriver | null } = { driver: this };
    void this.deps.signal?.stopNewTurns.then(() => ref.driver?.stop());
    try {
      const opened = await this.openConnection();
      if (opened !== true) {
        this.outcome = opened;
        this.failure = this.openFailure;
        return this.result();
      }
      if (this.engine instanceof TranslationEngine) await this.translationLoop(this.engine);
      else await this.turnLoop(this.engine);
      if (this.stopping && this.engine.nextTurn < this.plan.turns.length && this.outcome === 'completed') this.outcome = 'stopped';
      this.closeCleanly();
      return this.result();
    } finally {
      ref.driver = null;
    }
  }

  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.engine.dropUnstarted();
    this.wake();
  }

  // ---- SessionHost ----------------------------------------------------------------------------

  send(event: object): void {
    if (this.live?.isOpen) this.live.send(event);
  }

  mic(): AnyMicrophone | null {
    return this.microphone;
  }

  connected(): boolean {
    return this.live !== null && this.live.isOpen;
  }

  mayStartTurns(): boolean {
    return !this.stopping;
  }

  turnContext(): TurnContext {
    return {
      sessionIndex: this.plan.index,
      sessionId: this.live?.sessionId ?? this.lastSessionId,
      effort: this.plan.effort,
      model: this.plan.model,
      mode: this.plan.turnMode,
    };
  }

  report(result: TurnResult, tracker: TurnTracker): void {
    if (result.status === 'completed') this.turnsCompleted += 1;
    else if (result.status === 'failed' || result.status === 'timeout' || result.status === 'aborted') this.turnsFailed += 1;
    if (this.plan.kind === 'realtime' && (result.status === 'completed' || result.status === 'cancelled')) {
      this.history.add(tracker.turn.clip.transcript, tracker.bargedIn ? '' : tracker.assistantText);
    }
    this.deps.onTurn(result);
  }

  errorSeen(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
    if (code === 'session_expired') this.expiredSeen = true;
  }

  // ---- loops ----------------------------------------------------------------------------------

  private async turnLoop(engine: TurnEngine): Promise<void> {
    const n = this.plan.turns.length;
    while (!this.stopping) {
      if (!this.live) {
        if (!(await this.recover())) return;
        continue;
      }
      let t = engine.takePreStarted();
      if (!t) {
        if (engine.nextTurn >= n) break;
        const thinkMs = this.plan.turns[engine.nextTurn]!.thinkTimeMs;
        if (this.plan.turnMode === 'manual') {
          await this.sleep(thinkMs);
          if (this.stopping) break;
          if (!this.live) continue;
          t = engine.startNext();
        } else {
          // The microphone streams the think time as silence; the clip starts on its slot.
          t = engine.startNext(this.clock.nowUs() + thinkMs * 1000);
        }
      }
      await t.done;
    }
    // The open turn (and a barged-in predecessor) finish, bounded by their turn timeouts.
    await Promise.all(engine.openTurns.map((t) => t.done));
  }

  private async translationLoop(engine: TranslationEngine): Promise<void> {
    const n = this.plan.turns.length;
    while (!this.stopping) {
      if (!this.live) {
        if (!(await this.recover())) return;
        continue;
      }
      if (engine.nextTurn >= n) break;
      const thinkMs = this.plan.turns[engine.nextTurn]!.thinkTimeMs;
      await engine.startNext(this.clock.nowUs() + thinkMs * 1000).clipEnd;
    }
    const conn = this.live;
    if (conn) {
      // Stop appending, ask the server to flush, wait for session.closed (§3.11).
      this.microphone?.stop();
      this.closing = true;
      const closed = conn.waitFor((e) => e.kind === 'known' && e.type === 'session.closed', this.plan.turnTimeoutMs);
      conn.send(this.builder.sessionClose());
      await closed;
    }
    engine.finishAll();
  }

  // ---- connections ----------------------------------------------------------------------------

  /** Opens and configures a connection; true, or the failure as a session outcome. */
  private async openConnection(): Promise<true | SessionOutcome> {
    const ctx: SessionEventContext = { sessionIndex: this.plan.index, connection: this.connections.length, kind: this.plan.kind, sessionId: null };
    const conn: Connection = new Connection(this.deps.transportFactory(this.plan), this.clock, {
      observe: this.deps.onEvent ? (e) => this.deps.onEvent!(e, ctx) : undefined,
      dispatch: (e) => {
        this.rateLimits.observe(e);
        if (conn === this.live) this.engine.dispatch(e);
        else if (e.kind === 'known' && e.type === 'error') this.errorSeen(errorCode(e.event));
      },
      closed: (code, reason) => this.onClosed(conn, code, reason),
    });
    this.connections.push(conn);
    this.expiredSeen = false;
    const connectMs = await conn.open(this.plan.connectTimeoutMs);
    if (connectMs === null) {
      this.noteOpenFailure(conn);
      return conn.failure?.kind === 'connect_timeout' ? 'connect_timeout' : 'connect_failed';
    }
    ctx.sessionId = conn.sessionId;
    this.lastSessionId = conn.sessionId;
    const configureMs = await conn.configure(this.builder.sessionUpdate(this.plan), this.plan.connectTimeoutMs);
    if (configureMs === null) {
      this.noteOpenFailure(conn);
      conn.close(1000, 'OK');
      const kind = conn.failure?.kind;
      return kind === 'configure_failed' ? 'configure_failed' : kind === 'closed' ? 'closed_by_server' : 'configure_timeout';
    }
    this.connectMs ??= connectMs;
    this.configureMs ??= configureMs;
    this.live = conn;
    const translation = this.plan.kind === 'translation';
    const media = conn.transport.media;
    if (media) {
      // WebRTC: the microphone is the call's audio track. Each clip's Opus packets are encoded
      // once per thread and shared; silence keeps flowing between turns, as from a browser.
      this.setup ??= setupPhases(media.setup, conn.connectStartUs, connectMs);
      const engine = this.engine;
      media.onAudio((audio) => {
        if (conn === this.live && engine instanceof TurnEngine) engine.receiveAudio(audio);
      });
      this.microphone = callMicrophone(media, this.deps.pacer, this.clock);
    } else {
      this.microphone = new Microphone({
        pacer: this.deps.pacer,
        clock: this.clock,
        send: (frame) => conn.sendFrame(frame),
        silenceFrame: this.silenceFrame,
        chunkMs: this.plan.chunkMs,
        framesOf: translation ? (clip) => translationFramesOf(clip.frames) : undefined,
      });
    }
    // A real microphone never stops: VAD and translation sessions stream from now on.
    if (translation || this.plan.turnMode !== 'manual') this.microphone.startContinuous();
    return true;
  }

  private noteOpenFailure(conn: Connection): void {
    const f = conn.failure;
    if (f?.httpStatus === 429) this.rateLimits.handshakeRefused(this.clock.nowUs(), f.retryAfterMs ?? null);
    if (f) this.openFailure = { kind: f.kind, code: f.detail, reason: redactSecrets(f.reason, this.plan.headers) };
  }

  private onClosed(conn: Connection, code: number, reason: string): void {
    if (conn !== this.live) return;
    this.closeCode = code;
    this.live = null;
    this.microphone?.stop();
    this.microphone = null;
    if (this.closing) return;
    const fault = faultOfClose(code, this.expiredSeen);
    const turnIndex = this.engine.openTurns.find((t) => t.milestones.turnStartUs !== null)?.turnIndex ?? null;
    const turnsLost = this.engine.connectionLost(fault ?? `close_${code}`);
    this.lost = { fault, code, reason, atUs: this.clock.nowUs(), turnIndex, turnsLost };
    this.wake();
  }

  /** After a lost connection: reconnect per policy and re-seed the conversation; false = give up. */
  private async recover(): Promise<boolean> {
    const lost = this.lost;
    this.lost = null;
    if (!lost) return false;
    const closed = `closed ${lost.code}${lost.reason ? ` "${redactSecrets(lost.reason, this.plan.headers).slice(0, 160)}"` : ''}`;
    if (lost.fault === null) {
      this.outcome = 'closed_by_server';
      this.failure = { kind: 'closed', code: `close_${lost.code}`, reason: `connection ${closed} during the session` };
      return false;
    }
    const rec = this.log.begin(lost.fault, lost.turnIndex, `close_${lost.code}`, lost.atUs);
    if (this.policy.enabled && !this.stopping) {
      for (let attempt = 1; attempt <= this.policy.reconnectAttempts; attempt++) {
        // Expiry is not overload: the first reconnect is immediate; drops back off from the start.
        const delayMs = lost.fault === 'abnormal_close' || attempt > 1 ? reconnectDelayMs(attempt, this.policy, this.random) : 0;
        await this.sleep(delayMs);
        if (this.stopping) break;
        rec.attempt();
        if ((await this.openConnection()) === true) {
          this.reseed();
          rec.succeed(this.clock.nowUs(), lost.turnsLost);
          return true;
        }
      }
    }
    rec.fail(this.clock.nowUs(), lost.turnsLost);
    this.outcome = this.stopping ? 'stopped' : 'reconnect_failed';
    if (this.outcome === 'reconnect_failed') {
      const last = this.openFailure;
      this.failure = {
        kind: last?.kind ?? 'closed',
        code: last?.code ?? lost.fault,
        reason: `${lost.fault} (${closed}), then ${last ? `reconnecting failed: ${last.reason}` : 'no reconnect (recovery off)'}`,
      };
    }
    return false;
  }

  private reseed(): void {
    if (this.plan.kind !== 'realtime' || !this.policy.reseedHistory) return;
    for (const event of this.history.reseedEvents(this.builder)) this.send(event);
  }

  private closeCleanly(): void {
    this.closing = true;
    this.microphone?.stop();
    this.microphone = null;
    const conn = this.live;
    if (conn) {
      this.live = null;
      conn.close(1000, 'OK');
      this.closeCode = 1000;
    }
    this.wake();
  }

  // ---- time -----------------------------------------------------------------------------------

  /** Waits `ms` on the clock; cut short by a lost connection or a stop. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.clock.clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private wake(): void {
    for (const done of [...this.sleepers]) done();
  }

  private result(): SessionResult {
    const now = this.clock.nowUs();
    const result: SessionResult = {
      sessionIndex: this.plan.index,
      sessionId: this.lastSessionId,
      effort: this.plan.effort,
      model: this.plan.model,
      connectMs: this.connectMs,
      configureMs: this.configureMs,
      connectedMs: this.connections.reduce((sum, c) => sum + c.connectedMs(now), 0),
      ...(this.setup ? { setup: this.setup } : {}),
      turnsCompleted: this.turnsCompleted,
      turnsFailed: this.turnsFailed,
      outcome: this.outcome,
      closeCode: this.closeCode,
      errors: { ...this.errors },
    };
    if (this.log.records.length > 0) result.recoveries = this.log.records;
    const rateLimits = this.rateLimits.result();
    if (rateLimits) result.rateLimits = rateLimits;
    if (this.failure !== null && this.outcome !== 'completed' && this.outcome !== 'stopped') {
      result.failure = this.failure;
      const key = failureErrorKey(this.outcome, this.failure.reason);
      result.errors[key] = (result.errors[key] ?? 0) + 1;
    }
    return result;
  }
}

function errorCode(event: unknown): string {
  const error = (event as { error?: { code?: unknown; type?: unknown } }).error;
  return typeof error?.code === 'string' ? error.code : typeof error?.type === 'string' ? error.type : 'unknown';
}
