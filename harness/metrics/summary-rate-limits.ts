/**
 * `summary.json` `rate_limits`: the rate limiting of a run, the three kinds counted apart (issue
 * 20), built from the sessions' `rateLimits` records (harness/session/rate-limit-log.ts):
 *
 * - `handshake_429`: upgrades refused with HTTP 429 — how many, in how many sessions, the
 *   concurrency (connections open in the runner thread, the refused one not counted) at the first one,
 *   and the `Retry-After` asked for (p50, max);
 * - `in_session`: `rate_limit_exceeded` inside a session (a failed `response.done`, or an `error`
 *   event) — the same figures with the "try again in" hint;
 * - `updates`: `rate_limits.updated` — events, and the smallest remaining requests and tokens seen
 *   by any session (with the limits reported).
 *
 * Pure: sessions go in as they end, the block comes out at the end.
 */
import type { RateLimitHit, SessionResult } from '../contract.ts';

/** One kind of refusal in the summary. */
export interface RateLimitKindSummary {
  /** Refusals counted. */
  count: number;
  /** Sessions that met at least one. */
  sessions: number;
  /** Connections open in the runner thread at the earliest one (`RateLimitHit.openSessions`); null when none or unknown. */
  first_at_concurrency: number | null;
  /** Seconds from the run's start to the earliest one; null when none. */
  first_at_s: number | null;
  /** Wait asked for (handshake: `Retry-After`; in session: the "try again in" hint), ms, over the refusals that gave one. */
  retry_after_ms: { count: number; p50: number | null; max: number | null };
}

/** `summary.json` `rate_limits`. */
export interface RateLimitsSummary {
  handshake_429: RateLimitKindSummary;
  in_session: RateLimitKindSummary & { by_source: Record<string, number> };
  updates: {
    events: number;
    sessions: number;
    min_remaining_requests: number | null;
    min_remaining_tokens: number | null;
    limit_requests: number | null;
    limit_tokens: number | null;
  };
}

/** The lower median of sorted values, or null. */
function p50(sorted: readonly number[]): number | null {
  return sorted.length === 0 ? null : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

class KindTally {
  count = 0;
  sessions = 0;
  first: RateLimitHit | null = null;
  waits: number[] = [];
  readonly bySource: Record<string, number> = {};

  add(hits: readonly RateLimitHit[]): void {
    if (hits.length === 0) return;
    this.sessions += 1;
    for (const h of hits) {
      this.count += 1;
      this.bySource[h.source] = (this.bySource[h.source] ?? 0) + 1;
      if (h.retryAfterMs !== null) this.waits.push(h.retryAfterMs);
      if (this.first === null || h.atUs < this.first.atUs) this.first = h;
    }
  }

  block(runStartUs: number): RateLimitKindSummary {
    const waits = [...this.waits].sort((a, b) => a - b);
    return {
      count: this.count,
      sessions: this.sessions,
      first_at_concurrency: this.first?.openSessions ?? null,
      first_at_s: this.first ? Math.round((this.first.atUs - runStartUs) / 1000) / 1000 : null,
      retry_after_ms: { count: waits.length, p50: p50(waits), max: waits.length > 0 ? waits[waits.length - 1]! : null },
    };
  }
}

/** Collects the sessions' rate-limit records; {@link block} gives the summary's `rate_limits`. */
export class RateLimitTally {
  private readonly handshake = new KindTally();
  private readonly inSession = new KindTally();
  private events = 0;
  private updateSessions = 0;
  private minRequests: number | null = null;
  private minTokens: number | null = null;
  private limitRequests: number | null = null;
  private limitTokens: number | null = null;

  /** Adds one ended session (sessions without a record add nothing). */
  add(session: SessionResult): void {
    const r = session.rateLimits;
    if (!r) return;
    this.handshake.add(r.handshake429);
    this.inSession.add(r.inSession);
    if (r.updates.events > 0) {
      this.updateSessions += 1;
      this.events += r.updates.events;
      this.minRequests = minOf(this.minRequests, r.updates.minRemainingRequests);
      this.minTokens = minOf(this.minTokens, r.updates.minRemainingTokens);
      this.limitRequests = r.updates.limitRequests ?? this.limitRequests;
      this.limitTokens = r.updates.limitTokens ?? this.limitTokens;
    }
  }

  /** The summary block; times relative to `runStartUs` (same clock as the records). */
  block(runStartUs: number): RateLimitsSummary {
    return {
      handshake_429: this.handshake.block(runStartUs),
      in_session: { ...this.inSession.block(runStartUs), by_source: { ...this.inSession.bySource } },
      updates: {
        events: this.events,
        sessions: this.updateSessions,
        min_remaining_requests: this.minRequests,
        min_remaining_tokens: this.minTokens,
        limit_requests: this.limitRequests,
        limit_tokens: this.limitTokens,
      },
    };
  }
}

/** The console lines of a `rate_limits` block: empty when nothing was met or seen. */
export function rateLimitLines(r: RateLimitsSummary | undefined): string[] {
  if (!r) return [];
  const lines: string[] = [];
  const wait = (k: RateLimitKindSummary, what: string): string => (k.retry_after_ms.p50 === null ? `no ${what}` : `${what} p50 ${k.retry_after_ms.p50} ms, max ${k.retry_after_ms.max} ms`);
  const at = (k: RateLimitKindSummary): string => (k.first_at_concurrency === null ? '' : `, first at ${k.first_at_concurrency} open sessions`);
  const h = r.handshake_429;
  if (h.count > 0) lines.push(`Rate limits, handshake 429: ${h.count} in ${h.sessions} sessions${at(h)} (${h.first_at_s} s into the run); ${wait(h, 'Retry-After')}`);
  const s = r.in_session;
  if (s.count > 0) lines.push(`Rate limits, in session (rate_limit_exceeded): ${s.count} in ${s.sessions} sessions${at(s)} (${s.first_at_s} s into the run); ${wait(s, '"try again in"')}`);
  const u = r.updates;
  if (u.events > 0) {
    const of = (v: number | null, limit: number | null): string => (v === null ? '-' : limit === null ? `${v}` : `${v} of ${limit}`);
    lines.push(`Rate limits, rate_limits.updated: ${u.events} events; least remaining: requests ${of(u.min_remaining_requests, u.limit_requests)}, tokens ${of(u.min_remaining_tokens, u.limit_tokens)}`);
  }
  return lines;
}
