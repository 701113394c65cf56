/**
 * Records the rate limiting one session meets, the three kinds kept apart (issue 20): a handshake
 * refused with HTTP 429 (with its `Retry-After`), an in-session `rate_limit_exceeded` (a failed
 * `response.done`, as the real service reports it, docs/realtime-protocol.md §4.2, or an `error`
 * event with that code; with its "try again in" hint) and `rate_limits.updated` (§6.3: the last and
 * smallest remaining requests and tokens, and a bounded sample over time). Pure bookkeeping: the
 * driver feeds it; nothing here touches a socket.
 */
import type { RateLimitHit, RateLimitSample, SessionRateLimits } from '../contract.ts';
import type { ParsedEvent } from '../protocol/server-events.ts';
import { parseRetryAfterMs } from './recovery.ts';

/** Samples kept by halving before the last one is appended. */
export const RATE_LIMIT_SAMPLES_MAX = 64;

/** A rate-limit hit as told live to the runner (`SessionDeps.onRateLimit`). */
export interface RateLimitNotice extends RateLimitHit {
  sessionIndex: number;
  kind: 'handshake_429' | 'in_session';
}

function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One session's rate-limit record. */
export class RateLimitLog {
  private readonly handshake429: RateLimitHit[] = [];
  private readonly inSession: RateLimitHit[] = [];
  private events = 0;
  private lastRemainingRequests: number | null = null;
  private lastRemainingTokens: number | null = null;
  private limitRequests: number | null = null;
  private limitTokens: number | null = null;
  private minRemainingRequests: number | null = null;
  private minRemainingTokens: number | null = null;
  private samples: RateLimitSample[] = [];
  private last: RateLimitSample | null = null;
  /** Keep every `stride`-th update in {@link samples}. */
  private stride = 1;

  /**
   * @param sessionIndex for notices
   * @param openSessions sessions open in the thread now (default: unknown)
   * @param notify told of every hit as it happens (default none)
   */
  constructor(
    private readonly sessionIndex: number,
    private readonly openSessions: (() => number) | null = null,
    private readonly notify: ((n: RateLimitNotice) => void) | null = null,
  ) {}

  /** A handshake was refused with HTTP 429; `retryAfterMs` from its header (null without one). */
  handshakeRefused(atUs: number, retryAfterMs: number | null): void {
    this.hit('handshake_429', { atUs, openSessions: this.openSessions?.() ?? null, retryAfterMs, source: 'handshake' });
  }

  /** Every parsed server event of the session's connections. */
  observe(e: ParsedEvent): void {
    if (e.kind !== 'known') return;
    const ev = e.event as unknown as Record<string, unknown>;
    if (e.type === 'rate_limits.updated') this.update(e.receivedUs, ev['rate_limits']);
    else if (e.type === 'error') {
      const error = obj(ev['error']);
      if (error?.['code'] === 'rate_limit_exceeded') this.inSessionHit(e.receivedUs, error, 'error');
    } else if (e.type === 'response.done') {
      const response = obj(ev['response']);
      const error = obj(obj(response?.['status_details'])?.['error']);
      if (response?.['status'] === 'failed' && error?.['code'] === 'rate_limit_exceeded') this.inSessionHit(e.receivedUs, error, 'response.done');
    }
  }

  private inSessionHit(atUs: number, error: Record<string, unknown>, source: 'response.done' | 'error'): void {
    const message = typeof error['message'] === 'string' ? error['message'] : '';
    this.hit('in_session', { atUs, openSessions: this.openSessions?.() ?? null, retryAfterMs: parseRetryAfterMs(message), source });
  }

  private hit(kind: RateLimitNotice['kind'], h: RateLimitHit): void {
    (kind === 'handshake_429' ? this.handshake429 : this.inSession).push(h);
    this.notify?.({ ...h, sessionIndex: this.sessionIndex, kind });
  }

  private update(atUs: number, list: unknown): void {
    if (!Array.isArray(list)) return;
    this.events += 1;
    let requests: number | null = null;
    let tokens: number | null = null;
    for (const raw of list) {
      const entry = obj(raw);
      const remaining = finite(entry?.['remaining']);
      const limit = finite(entry?.['limit']);
      if (entry?.['name'] === 'requests') {
        requests = remaining;
        if (limit !== null) this.limitRequests = limit;
      } else if (entry?.['name'] === 'tokens') {
        tokens = remaining;
        if (limit !== null) this.limitTokens = limit;
      }
    }
    if (requests !== null) {
      this.lastRemainingRequests = requests;
      this.minRemainingRequests = Math.min(this.minRemainingRequests ?? requests, requests);
    }
    if (tokens !== null) {
      this.lastRemainingTokens = tokens;
      this.minRemainingTokens = Math.min(this.minRemainingTokens ?? tokens, tokens);
    }
    const sample: RateLimitSample = { atUs, remainingRequests: requests, remainingTokens: tokens };
    this.last = sample;
    if ((this.events - 1) % this.stride !== 0) return;
    this.samples.push(sample);
    if (this.samples.length >= RATE_LIMIT_SAMPLES_MAX) {
      // Halve: keep every second sample (the first stays) and sample half as often from now on.
      this.samples = this.samples.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** The session's record, or undefined when nothing was met or seen. */
  result(): SessionRateLimits | undefined {
    if (this.handshake429.length === 0 && this.inSession.length === 0 && this.events === 0) return undefined;
    const samples = [...this.samples];
    if (this.last !== null && samples[samples.length - 1] !== this.last) samples.push(this.last);
    return {
      handshake429: [...this.handshake429],
      inSession: [...this.inSession],
      updates: {
        events: this.events,
        lastRemainingRequests: this.lastRemainingRequests,
        lastRemainingTokens: this.lastRemainingTokens,
        limitRequests: this.limitRequests,
        limitTokens: this.limitTokens,
        minRemainingRequests: this.minRemainingRequests,
        minRemainingTokens: this.minRemainingTokens,
        samples,
      },
    };
  }
}
