/**
 * `ClientFindings`: the per-server collector. Hands a {@link SessionJudge} to each arriving
 * client, keeps every session's findings, and decides the rules that span sessions of one client:
 * reconnects after `session_expired` and reconnect storms after `rate_limit_exceeded`.
 *
 * Clients are keyed by their credential when it is a standard key (a one-way fingerprint: the
 * same key is the same client, wherever it connects from), otherwise (ephemeral or no key) by
 * client address + User-Agent, since a browser mints a fresh `ek_` key for each session.
 */
import type { Clock } from '../../common/clock.ts';
import { SessionJudge, type JudgeHost } from './judge.ts';
import type { ClientHttpRequestInfo, ClientObserver, ClientObserverFactory } from './observer.ts';
import { CLIENT_RULES, ruleById, SEVERITY_RANK, type ClientFinding, type ClientRule, type Severity } from './rules.ts';

/** A reconnect within this long of a `session_expired` close counts as a reconnect. Default 30 s. */
export const RECONNECT_WINDOW_MS = 30_000;
/** Sessions (or retries) opened before the rate-limit hint elapsed that make a storm. */
export const STORM_ATTEMPTS = 3;

/** One session in the report. */
export interface ClientSessionSummary {
  readonly sessionId: string | null;
  readonly client: string;
  readonly transport: string;
  readonly endpoint: string | null;
  readonly openedAtMs: number;
  readonly durationMs: number | null;
  readonly closeCode: number | null;
  readonly closeReason: string;
  readonly clientEvents: number;
  readonly findings: number;
}

/** Everything the collector knows (what report.ts writes). */
export interface ClientFindingsReport {
  readonly version: 1;
  readonly generatedAt: string;
  readonly sessions: readonly ClientSessionSummary[];
  readonly findings: readonly ClientFinding[];
  readonly counts: Readonly<Record<Severity, number>>;
  readonly rules: readonly ClientRule[];
}

/** Options of {@link ClientFindings}. */
export interface ClientFindingsOptions {
  /** The server's clock (the same one the door stamps events with). */
  readonly clock: Clock;
  /** Called as each session ends, with its summary and findings (for `--verbose` and per-session files). Default none. */
  readonly onSessionEnd?: (session: ClientSessionSummary, findings: readonly ClientFinding[]) => void;
}

interface ClientRecord {
  expiry: { sessionId: string | null; atUs: number; reconnected: boolean } | null;
  rateLimit: { sessionId: string | null; atUs: number; hintMs: number; opens: number; flagged: boolean } | null;
}

/** The per-server collector (pass it as `clientFindings` to startMockServer). */
export class ClientFindings implements ClientObserverFactory, JudgeHost {
  private readonly clock: Clock;
  private readonly startedUs: number;
  private readonly onSessionEnd: ClientFindingsOptions['onSessionEnd'];
  private readonly judges: SessionJudge[] = [];
  private readonly extra: ClientFinding[] = [];
  private readonly clients = new Map<string, ClientRecord>();
  private finished = false;

  constructor(options: ClientFindingsOptions) {
    this.clock = options.clock;
    this.startedUs = options.clock.nowUs();
    this.onSessionEnd = options.onSessionEnd;
  }

  // ---- ClientObserverFactory -----------------------------------------------------------------

  observe(): ClientObserver {
    const judge = new SessionJudge(this);
    const guarded: ClientObserver = {
      sessionOpened: (info) => this.safely(() => judge.sessionOpened(info)),
      clientEvent: (e, us) => this.safely(() => judge.clientEvent(e, us)),
      serverEvent: (e, us) => this.safely(() => judge.serverEvent(e, us)),
      sessionClosed: (code, reason) => this.safely(() => judge.sessionClosed(code, reason)),
    };
    return guarded;
  }

  httpRequest(info: ClientHttpRequestInfo): void {
    if (info.errorCode !== 'beta_api_shape_disabled') return;
    const r = ruleById('protocol.beta_client');
    this.extra.push({
      rule: r.id,
      severity: r.severity,
      title: r.title,
      sessionId: null,
      client: `addr:${info.remoteAddress ?? '?'}|ua:${info.userAgent ?? '-'}`,
      event: { type: `HTTP ${info.method} ${info.path}`, eventId: null, index: null },
      atMs: Math.max(0, Math.round((info.atUs - this.startedUs) / 1000)),
      evidence: `${info.method} ${info.path}${info.queryParams.length ? `?${info.queryParams.join('&')}` : ''} is a retired beta endpoint; answered HTTP ${info.status} beta_api_shape_disabled`,
      fix: r.fix,
      source: r.source,
    });
  }

  // ---- JudgeHost -------------------------------------------------------------------------------

  opened(judge: SessionJudge): string {
    this.judges.push(judge);
    const info = judge.info!;
    const key = info.credentialKind === 'standard' && info.credentialFingerprint ? `key:${info.credentialFingerprint}` : `addr:${info.remoteAddress ?? '?'}|ua:${info.userAgent ?? '-'}`;
    const record = this.record(key);
    const now = info.openedUs;
    if (record.expiry && !record.expiry.reconnected) {
      if (now - record.expiry.atUs <= RECONNECT_WINDOW_MS * 1000) {
        record.expiry.reconnected = true;
        judge.reconnectAfterExpiryOf = record.expiry.sessionId;
      } else {
        this.noReconnect(key, record.expiry);
        record.expiry = null;
      }
    }
    const rl = record.rateLimit;
    if (rl && now - rl.atUs < rl.hintMs * 1000) {
      rl.opens += 1;
      if (rl.opens >= STORM_ATTEMPTS && !rl.flagged) {
        rl.flagged = true;
        queueMicrotask(() =>
          judge.report('lifecycle.reconnect_storm', null, now, `${rl.opens} new sessions within ${(rl.hintMs / 1000).toFixed(1)} s of rate_limit_exceeded in session ${rl.sessionId ?? '?'}, which said to try again in ${(rl.hintMs / 1000).toFixed(1)} s`),
        );
      }
    }
    return key;
  }

  rateLimited(judge: SessionJudge, atUs: number, retryAfterMs: number): void {
    const record = this.record(judge.client);
    const rl = record.rateLimit;
    // Limited again before the last hint elapsed: the same episode, so early reconnects keep counting.
    if (rl && atUs - rl.atUs < rl.hintMs * 1000) Object.assign(rl, { atUs, hintMs: retryAfterMs });
    else record.rateLimit = { sessionId: judge.sessionId, atUs, hintMs: retryAfterMs, opens: 0, flagged: false };
  }

  closed(judge: SessionJudge): void {
    const record = this.record(judge.client);
    if (judge.expired) record.expiry = { sessionId: judge.sessionId, atUs: judge.closedUs ?? this.clock.nowUs(), reconnected: false };
    if (judge.reconnectAfterExpiryOf !== null && !judge.restoredContext) {
      judge.report('lifecycle.reconnect_without_context', null, judge.closedUs ?? judge.lastUs, `this session reconnected after session ${judge.reconnectAfterExpiryOf} expired but created no conversation items (the earlier conversation was not restored)`);
    }
    this.onSessionEnd?.(this.summaryOf(judge), judge.findings);
  }

  // ---- results -------------------------------------------------------------------------------

  /** Decides what is still open (expired sessions never followed by a reconnect) and returns the report. Idempotent. */
  finish(): ClientFindingsReport {
    if (!this.finished) {
      this.finished = true;
      for (const [key, record] of this.clients) if (record.expiry && !record.expiry.reconnected) this.noReconnect(key, record.expiry);
    }
    return this.report();
  }

  /** The report so far. */
  report(): ClientFindingsReport {
    const findings = [...this.judges.flatMap((j) => j.findings), ...this.extra];
    const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    for (const f of findings) counts[f.severity] += 1;
    return { version: 1, generatedAt: new Date().toISOString(), sessions: this.judges.map((j) => this.summaryOf(j)), findings, counts, rules: CLIENT_RULES };
  }

  private noReconnect(key: string, expiry: NonNullable<ClientRecord['expiry']>): void {
    const judge = this.judges.find((j) => j.sessionId === expiry.sessionId && j.client === key);
    const evidence = `session ${expiry.sessionId ?? '?'} ended with session_expired and the client opened no new session within ${RECONNECT_WINDOW_MS / 1000} s`;
    if (judge) judge.report('lifecycle.no_reconnect_after_expiry', { type: 'session_expired', eventId: null, index: null }, expiry.atUs, evidence);
  }

  private record(key: string): ClientRecord {
    let r = this.clients.get(key);
    if (!r) this.clients.set(key, (r = { expiry: null, rateLimit: null }));
    return r;
  }

  private summaryOf(j: SessionJudge): ClientSessionSummary {
    const opened = j.info?.openedUs ?? this.startedUs;
    return {
      sessionId: j.sessionId,
      client: j.client,
      transport: j.info?.transport ?? 'unknown',
      endpoint: j.info?.endpoint ?? null,
      openedAtMs: Math.round((opened - this.startedUs) / 1000),
      durationMs: j.closedUs === null ? null : Math.round((j.closedUs - opened) / 1000),
      closeCode: j.closeCode,
      closeReason: j.closeReason,
      clientEvents: j.clientEvents,
      findings: j.findings.length,
    };
  }

  /** An observer call never throws into the door (a judge bug must not break the mock). */
  private safely(fn: () => void): void {
    try {
      fn();
    } catch {
      this.judgeErrors += 1;
    }
  }

  /** Observer calls that threw (a bug in the judge; reported, never fatal). */
  judgeErrors = 0;
}

/** Whether any finding is at or above `level`. */
export function hasFindingAtOrAbove(findings: readonly ClientFinding[], level: Severity): boolean {
  return findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level]);
}
