import { describe, expect, it } from 'vitest';
import type { ParsedEvent } from '../protocol/server-events.ts';
import { parseRetryAfterHeader } from '../transport/failure-reason.ts';
import { RATE_LIMIT_SAMPLES_MAX, RateLimitLog, type RateLimitNotice } from './rate-limit-log.ts';

function known(event: Record<string, unknown>, receivedUs: number): ParsedEvent {
  return { kind: 'known', type: event['type'] as string, event: event as never, raw: JSON.stringify(event), receivedUs, index: 0 } as ParsedEvent;
}

const update = (tokens: number, requests: number, us: number): ParsedEvent =>
  known(
    {
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: 100, remaining: requests, reset_seconds: 1 },
        { name: 'tokens', limit: 1000, remaining: tokens, reset_seconds: 1 },
      ],
    },
    us,
  );

describe('RateLimitLog', () => {
  it('keeps handshake 429s, in-session refusals and updates apart, with hints and concurrency', () => {
    let open = 3;
    const notices: RateLimitNotice[] = [];
    const log = new RateLimitLog(7, () => open, (n) => notices.push(n));
    expect(log.result()).toBeUndefined();
    log.handshakeRefused(100, 2000);
    open = 5;
    log.observe(
      known({ type: 'response.done', response: { status: 'failed', status_details: { type: 'failed', error: { type: 'tokens', code: 'rate_limit_exceeded', message: 'Rate limit reached … Please try again in 1.5s. Visit …' } } } }, 200),
    );
    log.observe(known({ type: 'error', error: { type: 'invalid_request_error', code: 'rate_limit_exceeded', message: 'slow down' } }, 300));
    // Neither a completed response nor another error code counts.
    log.observe(known({ type: 'response.done', response: { status: 'completed' } }, 350));
    log.observe(known({ type: 'error', error: { code: 'server_error', message: 'Please try again in 1s' } }, 360));
    log.observe(update(900, 99, 400));
    log.observe(update(400, 98, 500));
    log.observe(update(700, 97, 600));
    const r = log.result()!;
    expect(r.handshake429).toEqual([{ atUs: 100, openSessions: 3, retryAfterMs: 2000, source: 'handshake' }]);
    expect(r.inSession).toEqual([
      { atUs: 200, openSessions: 5, retryAfterMs: 1500, source: 'response.done' },
      { atUs: 300, openSessions: 5, retryAfterMs: null, source: 'error' },
    ]);
    expect(r.updates).toEqual({
      events: 3,
      lastRemainingRequests: 97,
      lastRemainingTokens: 700,
      limitRequests: 100,
      limitTokens: 1000,
      minRemainingRequests: 97,
      minRemainingTokens: 400,
      samples: [
        { atUs: 400, remainingRequests: 99, remainingTokens: 900 },
        { atUs: 500, remainingRequests: 98, remainingTokens: 400 },
        { atUs: 600, remainingRequests: 97, remainingTokens: 700 },
      ],
    });
    expect(notices.map((n) => [n.kind, n.sessionIndex, n.source])).toEqual([
      ['handshake_429', 7, 'handshake'],
      ['in_session', 7, 'response.done'],
      ['in_session', 7, 'error'],
    ]);
  });

  it('bounds the sample: evenly thinned, first and last kept, minimum exact', () => {
    const log = new RateLimitLog(0);
    const n = 1000;
    for (let i = 0; i < n; i++) log.observe(update(i === 517 ? 3 : 1000 - (i % 50), 50, i * 10));
    const u = log.result()!.updates;
    expect(u.events).toBe(n);
    expect(u.minRemainingTokens).toBe(3);
    expect(u.samples.length).toBeLessThanOrEqual(RATE_LIMIT_SAMPLES_MAX + 1);
    expect(u.samples.length).toBeGreaterThanOrEqual(RATE_LIMIT_SAMPLES_MAX / 2);
    expect(u.samples[0]!.atUs).toBe(0);
    expect(u.samples.at(-1)!.atUs).toBe((n - 1) * 10);
    // Equal strides between the kept samples (the appended last one aside).
    const gaps = u.samples.slice(0, -1).map((s, i, a) => (i === 0 ? null : s.atUs - a[i - 1]!.atUs)).filter((g) => g !== null);
    expect(new Set(gaps).size).toBe(1);
  });

  it('ignores a malformed rate_limits.updated', () => {
    const log = new RateLimitLog(0);
    log.observe(known({ type: 'rate_limits.updated', rate_limits: 'nope' }, 1));
    expect(log.result()).toBeUndefined();
  });
});

describe('parseRetryAfterHeader', () => {
  it('reads delta-seconds and HTTP dates; null when absent or unreadable', () => {
    expect(parseRetryAfterHeader('1', 0)).toBe(1000);
    expect(parseRetryAfterHeader(' 2.5 ', 0)).toBe(2500);
    expect(parseRetryAfterHeader(['3', '9'], 0)).toBe(3000);
    const now = Date.parse('Sun, 06 Dec 2026 10:00:00 GMT');
    expect(parseRetryAfterHeader('Sun, 06 Dec 2026 10:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfterHeader('Sun, 06 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterHeader(undefined, 0)).toBeNull();
    expect(parseRetryAfterHeader('', 0)).toBeNull();
    expect(parseRetryAfterHeader('soon', 0)).toBeNull();
  });
});
