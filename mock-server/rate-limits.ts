/**
 * Emulated account limits (`rth mock --max-concurrent-sessions N --tokens-per-minute N`). The real
 * service limits an organization/project per model and usage tier (docs/realtime-protocol.md §7):
 * a call over its limit ends as a failed `response.done` with `rate_limit_exceeded` and a "Please
 * try again in …" hint (§4.2), and `rate_limits.updated` reports what is left after each response
 * starts (§6.3). The mock stands for ONE account: every key it accepts draws on the same budget.
 *
 * Window: a fixed 60 s window on the injected clock, opened by the first response after the
 * previous window ended (the real service replenishes continuously; a fixed window is the simpler,
 * testable stand-in, and its `reset_seconds` is the time left in it). Tokens are charged from each
 * `response.done` usage `total_tokens`; a response that starts with the budget spent fails.
 *
 * The concurrent-session cap is applied at the upgrade (server.ts): it is an emulation choice —
 * the sources do not document a concurrent-session 429 for GA — modelled on an HTTP 429 with an
 * OpenAI-style JSON body and `Retry-After`, the way the platform refuses HTTP requests.
 */
import type { Clock } from '../common/clock.ts';
import { formatRetryAfter } from './errors.ts';

/** Length of the token window, ms. */
export const RATE_WINDOW_MS = 60_000;
/** `Retry-After` of a handshake refused for concurrency, seconds (the mock cannot know when a session ends). */
export const CONCURRENCY_RETRY_AFTER_S = 1;
/** The `requests` entry's limit per window (not enforced; it counts down so clients see both entries, §6.3). */
export const REQUESTS_PER_MINUTE = 20_000;

/** One entry of `rate_limits.updated` (§6.3). */
export interface RateLimitEntry {
  name: 'requests' | 'tokens';
  limit: number;
  remaining: number;
  reset_seconds: number;
}

/** Options of {@link AccountLimits}. */
export interface AccountLimitsOptions {
  /** Token budget per 60 s window; null = unlimited (the entries then show the mock's fixed figures). */
  tokensPerMinute: number | null;
  clock: Clock;
}

/** The emulated account's token and request counters (shared by every connection of a server). */
export class AccountLimits {
  private windowStartUs: number | null = null;
  private usedTokens = 0;
  private requests = 0;

  constructor(private readonly opts: AccountLimitsOptions) {}

  /** Budget per window, or null when unlimited. */
  get tokensPerMinute(): number | null {
    return this.opts.tokensPerMinute;
  }

  private roll(nowUs: number): void {
    if (this.windowStartUs !== null && nowUs - this.windowStartUs >= RATE_WINDOW_MS * 1000) {
      this.windowStartUs = null;
      this.usedTokens = 0;
      this.requests = 0;
    }
  }

  private resetS(nowUs: number): number {
    if (this.windowStartUs === null) return RATE_WINDOW_MS / 1000;
    return Math.max(0, (this.windowStartUs + RATE_WINDOW_MS * 1000 - nowUs) / 1e6);
  }

  /**
   * A response wants to start: null when it may (counted as a request), else the "try again in"
   * hint in seconds (time left in the window).
   */
  admit(): number | null {
    const nowUs = this.opts.clock.nowUs();
    this.roll(nowUs);
    this.windowStartUs ??= nowUs;
    const limit = this.opts.tokensPerMinute;
    if (limit !== null && this.usedTokens >= limit) return this.resetS(nowUs);
    this.requests += 1;
    return null;
  }

  /** Charges a finished response's `total_tokens` to the current window. */
  charge(totalTokens: number): void {
    if (!(totalTokens > 0)) return;
    const nowUs = this.opts.clock.nowUs();
    this.roll(nowUs);
    this.windowStartUs ??= nowUs;
    this.usedTokens += totalTokens;
  }

  /** The entries of a `rate_limits.updated` now, `reservedTokens` held for the starting response. */
  entries(reservedTokens: number): RateLimitEntry[] {
    const nowUs = this.opts.clock.nowUs();
    this.roll(nowUs);
    const reset = Math.round(this.resetS(nowUs) * 1000) / 1000;
    const limit = this.opts.tokensPerMinute ?? 0;
    return [
      { name: 'requests', limit: REQUESTS_PER_MINUTE, remaining: Math.max(0, REQUESTS_PER_MINUTE - this.requests), reset_seconds: reset },
      { name: 'tokens', limit, remaining: Math.max(0, limit - this.usedTokens - reservedTokens), reset_seconds: reset },
    ];
  }

  /** Tokens charged in the current window (for tests and stats). */
  get usedInWindow(): number {
    this.roll(this.opts.clock.nowUs());
    return this.usedTokens;
  }
}

/** The JSON body of a handshake refused for concurrency (OpenAI error shape). */
export function concurrencyRefusalBody(limit: number): string {
  return JSON.stringify({
    error: {
      message: `Too many concurrent sessions: the limit for this account is ${limit}. Please try again in ${formatRetryAfter(CONCURRENCY_RETRY_AFTER_S)}.`,
      type: 'requests',
      param: null,
      code: 'rate_limit_exceeded',
    },
  });
}

/**
 * Validates a positive-integer limit option; returns the problem line naming `name`, or null.
 * Absent/null means "no limit".
 */
export function limitProblem(name: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? null : `${name}: expected a positive integer, got ${String(value)}`;
}
