/**
 * The session driver of GPT-Live sessions (`kind: live`, docs/live-protocol.md §10). One call of
 * {@link runLiveSession} runs one planned session: connect (connect start → upgrade open =
 * `connectMs`) → `session.start` → `session.started` (`configureMs`) → the microphone streams from
 * then on, clips and silence alike (the session's clock is its input audio, §4.2) → each planned
 * clip is one turn (live-turn.ts), the next clip following the previous answer's end plus the
 * think time → `session.close` → `session.closed` (its `usage.seconds` is the session's billed
 * time) → close 1000. Turns are taken by the server; a `session.delegation.created` is answered by
 * the client at once with `session.commentary.append` carrying the scenario tool's scripted result.
 *
 * No reconnect: a new Live socket is a new session (§1.5 of the reference), so a lost connection
 * ends the session `closed_by_server` and fails its open turn. Events go through the Live parser
 * and builder only (harness/protocol/live-*.ts).
 */
import { onsetOptionsFor } from '../../common/audio/onset.ts';
import { bytesPerMs } from '../../common/audio/formats.ts';
import type { TimerHandle } from '../../common/clock.ts';
import type { SessionFailure, SessionPlan, SessionResult, TurnResult, TurnStatus } from '../contract.ts';
import { failureErrorKey } from '../metrics/summary-failures.ts';
import { LiveEventBuilder, liveFramesOf, liveSilenceFrame } from '../protocol/live-client-events.ts';
import { parseLiveServerEvent, type ParsedLiveEvent } from '../protocol/live-server-events.ts';
import type { ParsedEvent } from '../protocol/server-events.ts';
import { serializeClientEvent } from '../protocol/client-events.ts';
import { redactSecrets } from '../transport/failure-reason.ts';
import { TransportError, type Transport } from '../transport/transport.ts';
import type { SessionDeps, SessionEventContext, SessionOutcome } from './driver.ts';
import { LiveTurn } from './live-turn.ts';
import { Microphone } from './microphone.ts';
import { TurnTracker } from './turn-tracker.ts';

/** What a delegated task returns when the scenario has no tools to script it. */
export const DEFAULT_DELEGATION_RESULT = 'The task is done: everything is in order.';
/** Longest wait for `session.closed` after `session.close`, ms. */
export const LIVE_CLOSE_WAIT_MS = 5000;

/** The comparison group of a Live session's results (never an effort, §7). */
export function liveArm(model: string): string {
  return `live:${model}`;
}

/** Runs one planned Live session to its end. Never rejects for target behaviour. */
export function runLiveSession(plan: SessionPlan, deps: SessionDeps): Promise<SessionResult> {
  return new LiveDriver(plan, deps).run();
}

class LiveDriver {
  private readonly builder = new LiveEventBuilder();
  private readonly clock;
  private readonly ctx: SessionEventContext;
  private transport: Transport | null = null;
  private mic: Microphone | null = null;
  private index = 0;
  private open = false;
  private closing = false;
  private stopping = false;
  private turn: LiveTurn | null = null;
  private turnTimer: TimerHandle | null = null;
  private waiters: { match: (e: ParsedLiveEvent) => boolean; resolve: (e: ParsedLiveEvent | null) => void }[] = [];
  private readonly errors: Record<string, number> = {};
  private connectMs: number | null = null;
  private configureMs: number | null = null;
  private openedUs: number | null = null;
  private closedUs: number | null = null;
  private closeCode: number | null = null;
  private sessionId: string | null = null;
  private usageSeconds: number | null = null;
  private outcome: SessionOutcome = 'completed';
  private failure: SessionFailure | null = null;
  private turnsCompleted = 0;
  private turnsFailed = 0;
  private nextTurn = 0;
  private wakeStop: (() => void) | null = null;

  constructor(
    readonly plan: SessionPlan,
    private readonly deps: SessionDeps,
  ) {
    this.clock = deps.clock;
    this.ctx = { sessionIndex: plan.index, connection: 0, kind: plan.kind, sessionId: null };
  }

  async run(): Promise<SessionResult> {
    const ref: { d: LiveDriver | null } = { d: this };
    void this.deps.signal?.stopNewTurns.then(() => ref.d?.stop());
    try {
      if (!(await this.connect())) return this.result();
      while (!this.stopping && this.open && this.nextTurn < this.plan.turns.length) {
        const k = this.nextTurn++;
        await this.runTurn(k, this.clock.nowUs() + this.plan.turns[k]!.thinkTimeMs * 1000);
      }
      if (this.stopping && this.nextTurn < this.plan.turns.length && this.outcome === 'completed') this.outcome = 'stopped';
      await this.closeSession();
      return this.result();
    } finally {
      ref.d = null;
    }
  }

  private stop(): void {
    this.stopping = true;
    this.wakeStop?.();
  }

  // ---- connection -------------------------------------------------------------------------------

  private async connect(): Promise<boolean> {
    const t = this.deps.transportFactory(this.plan);
    this.transport = t;
    t.onMessage((raw, us) => this.receive(parseLiveServerEvent(raw, us, this.index++)));
    t.onClose((code, reason) => this.onClosed(code, reason));
    const timeoutMs = this.plan.connectTimeoutMs;
    const startUs = this.clock.nowUs();
    let timer: TimerHandle | null = null;
    const timeout = new Promise<'timeout'>((r) => (timer = this.clock.setTimeout(() => r('timeout'), timeoutMs)));
    const outcome = await Promise.race([t.connect().then(() => 'open' as const, (e: unknown) => e), timeout]);
    if (timer) this.clock.clearTimeout(timer);
    if (outcome !== 'open') {
      if (outcome === 'timeout') t.close(1000, 'OK');
      const timedOut = outcome === 'timeout';
      this.outcome = timedOut ? 'connect_timeout' : 'connect_failed';
      const code = timedOut ? 'connect_timeout' : outcome instanceof TransportError ? (outcome.httpStatus !== null ? `http_${outcome.httpStatus}` : (outcome.errno ?? outcome.code)) : 'network';
      const reason = timedOut ? `the WebSocket upgrade did not complete within ${timeoutMs} ms (timeouts.connect_ms)` : outcome instanceof Error ? outcome.message : String(outcome);
      this.failure = { kind: this.outcome === 'connect_timeout' ? 'connect_timeout' : 'connect_failed', code, reason: redactSecrets(reason, this.plan.headers) };
      return false;
    }
    this.open = true;
    this.openedUs = this.clock.nowUs();
    this.connectMs = (this.openedUs - startUs) / 1000;
    const start = this.builder.start(this.plan);
    const answer = this.waitFor((e) => e.kind === 'known' && (e.type === 'session.started' || e.type === 'error'), timeoutMs);
    const sentUs = this.clock.nowUs();
    this.send(start);
    const e = await answer;
    if (!e || e.kind !== 'known' || e.type !== 'session.started') {
      const err = e?.kind === 'known' ? (e.event as { error?: { code?: string; message?: string } }).error : undefined;
      this.outcome = e ? 'configure_failed' : this.open ? 'configure_timeout' : 'closed_by_server';
      this.failure = e
        ? { kind: 'configure_failed', code: err?.code ?? null, reason: `session.start refused: error ${err?.code ?? 'without code'}: ${err?.message ?? ''}`.trim() }
        : this.open
          ? { kind: 'configure_timeout', code: null, reason: `no session.started within ${timeoutMs} ms of session.start (timeouts.connect_ms)` }
          : { kind: 'closed', code: `close_${this.closeCode}`, reason: `closed ${this.closeCode} before session.started` };
      this.closing = true;
      t.close(1000, 'OK');
      return false;
    }
    this.configureMs = (e.receivedUs - sentUs) / 1000;
    const session = (e.event as { session?: { id?: unknown } }).session;
    this.sessionId = typeof session?.id === 'string' ? session.id : null;
    this.ctx.sessionId = this.sessionId;
    this.mic = new Microphone({
      pacer: this.deps.pacer,
      clock: this.clock,
      send: (frame) => this.transport?.send(frame),
      silenceFrame: liveSilenceFrame(this.plan.format, this.plan.chunkMs),
      chunkMs: this.plan.chunkMs,
      framesOf: (clip) => liveFramesOf(clip.frames),
    });
    // The session's clock is its input: stream from now on, silence included (§4.2).
    this.mic.startContinuous();
    return true;
  }

  private send(event: object): void {
    if (this.open) this.transport?.send(serializeClientEvent(event));
  }

  private waitFor(match: (e: ParsedLiveEvent) => boolean, timeoutMs: number): Promise<ParsedLiveEvent | null> {
    if (!this.open) return Promise.resolve(null);
    return new Promise((resolve) => {
      const w = {
        match,
        resolve: (e: ParsedLiveEvent | null): void => {
          this.clock.clearTimeout(timer);
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(e);
        },
      };
      const timer = this.clock.setTimeout(() => w.resolve(null), timeoutMs);
      this.waiters.push(w);
    });
  }

  private onClosed(code: number, reason: string): void {
    if (this.closedUs !== null) return;
    this.closedUs = this.clock.nowUs();
    this.closeCode = code;
    this.open = false;
    this.mic?.stop();
    for (const w of [...this.waiters]) w.resolve(null);
    if (this.closing || this.openedUs === null) return;
    this.outcome = 'closed_by_server';
    this.failure = { kind: 'closed', code: `close_${code}`, reason: `connection closed ${code}${reason ? ` "${redactSecrets(reason, this.plan.headers).slice(0, 160)}"` : ''} during the session` };
    if (this.turn) this.endTurn('failed', `close_${code}`);
  }

  private async closeSession(): Promise<void> {
    if (this.open) {
      this.closing = true;
      const closed = this.waitFor((e) => e.kind === 'known' && e.type === 'session.closed', Math.min(LIVE_CLOSE_WAIT_MS, this.plan.turnTimeoutMs));
      this.send(this.builder.close());
      await closed;
      this.mic?.stop();
      this.transport?.close(1000, 'OK');
      this.closeCode ??= 1000;
    }
    this.mic?.stop();
  }

  // ---- turns ------------------------------------------------------------------------------------

  private runTurn(k: number, atUs: number): Promise<TurnResult | null> {
    const planned = this.plan.turns[k]!;
    const tracker = new TurnTracker(k + 1, planned);
    const turn = new LiveTurn(tracker, onsetOptionsFor(this.plan.format), bytesPerMs(this.plan.format));
    this.turn = turn;
    const mic = this.mic;
    if (!mic || !this.open) {
      this.endTurn('failed', 'not_connected');
      return tracker.done;
    }
    const stopped = new Promise<null>((resolve) => (this.wakeStop = () => resolve(null)));
    mic.speak(
      planned.clip,
      {
        onFirstFrameSent: (us) => (tracker.milestones.turnStartUs = us),
        onSpeechEndSent: (us) => {
          tracker.milestones.speechEndSentUs = us;
          this.turnTimer = this.clock.setTimeout(() => this.endTurn('timeout', 'turn_timeout'), this.plan.turnTimeoutMs);
        },
      },
      atUs,
    );
    // A stop before the clip started withdraws it; a started turn runs to its end (bounded by its timeout).
    return Promise.race([tracker.done, stopped.then(() => (tracker.milestones.turnStartUs === null ? this.withdraw(turn) : tracker.done))]);
  }

  private withdraw(turn: LiveTurn): null {
    this.mic?.cancelPending();
    if (this.turn === turn) this.turn = null;
    this.nextTurn -= 1;
    return null;
  }

  private endTurn(status: TurnStatus, code: string | null): void {
    const turn = this.turn;
    if (!turn) return;
    this.turn = null;
    if (this.turnTimer) this.clock.clearTimeout(this.turnTimer);
    this.turnTimer = null;
    const result = turn.tracker.finish(status, code, { sessionIndex: this.plan.index, sessionId: this.sessionId, effort: null, model: this.plan.model, mode: 'server_vad' });
    if (!result) return;
    result.arm = liveArm(this.plan.model);
    if (status === 'completed') this.turnsCompleted += 1;
    else this.turnsFailed += 1;
    this.deps.onTurn(result);
  }

  // ---- events -----------------------------------------------------------------------------------

  private receive(e: ParsedLiveEvent): void {
    // Conformance rules read the generic shape (raw, kind, type, event); the Live rules judge it.
    this.deps.onEvent?.(e as unknown as ParsedEvent, this.ctx);
    for (const w of this.waiters) if (w.match(e)) {
      w.resolve(e);
      break;
    }
    if (e.kind !== 'known') return;
    const ev = e.event as unknown as Record<string, unknown>;
    const turn = this.turn;
    switch (e.type) {
      case 'session.output_audio.delta':
        if (turn && typeof ev.delta === 'string' && turn.audio(ev.delta, e.receivedUs) === 'completed') this.endTurn('completed', null);
        return;
      case 'session.output_transcript.delta':
        if (turn && typeof ev.delta === 'string') turn.text(ev.delta, e.receivedUs);
        return;
      case 'session.delegation.created': {
        const id = (ev.delegation as { id?: unknown } | undefined)?.id;
        if (typeof id !== 'string') return;
        const tools = this.plan.tools;
        const content = tools.length > 0 ? JSON.stringify(tools[(turn?.tracker.toolCalls ?? 0) % tools.length]!.result) : DEFAULT_DELEGATION_RESULT;
        const answer = this.builder.commentary(id, content);
        turn?.delegated(id, answer.event_id);
        this.send(answer);
        return;
      }
      case 'session.commentary.appended':
        if (turn && typeof ev.client_event_id === 'string') turn.acknowledged(ev.client_event_id);
        return;
      case 'session.usage.updated':
      case 'session.closed': {
        const seconds = (ev.usage as { seconds?: unknown } | undefined)?.seconds;
        if (typeof seconds === 'number') this.usageSeconds = Math.max(this.usageSeconds ?? 0, seconds);
        return;
      }
      case 'error': {
        const err = ev.error as { code?: unknown; type?: unknown } | undefined;
        const code = typeof err?.code === 'string' ? err.code : typeof err?.type === 'string' ? err.type : 'unknown';
        this.errors[code] = (this.errors[code] ?? 0) + 1;
        return;
      }
      default:
        return;
    }
  }

  private result(): SessionResult {
    const now = this.clock.nowUs();
    const result: SessionResult = {
      sessionIndex: this.plan.index,
      sessionId: this.sessionId,
      effort: null,
      model: this.plan.model,
      arm: liveArm(this.plan.model),
      connectMs: this.connectMs,
      configureMs: this.configureMs,
      connectedMs: this.openedUs === null ? 0 : ((this.closedUs ?? now) - this.openedUs) / 1000,
      turnsCompleted: this.turnsCompleted,
      turnsFailed: this.turnsFailed,
      outcome: this.outcome,
      closeCode: this.closeCode,
      errors: { ...this.errors },
    };
    if (this.usageSeconds !== null) result.liveUsageSeconds = this.usageSeconds;
    if (this.failure !== null && this.outcome !== 'completed' && this.outcome !== 'stopped') {
      result.failure = this.failure;
      const key = failureErrorKey(this.outcome, this.failure.reason);
      result.errors[key] = (result.errors[key] ?? 0) + 1;
    }
    return result;
  }
}
