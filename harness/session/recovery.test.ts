import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RECOVERY_POLICY,
  faultOfClose,
  parseRetryAfterMs,
  rateLimitBackoffMs,
  reconnectDelayMs,
  RecoveryLog,
  resolveRecoveryPolicy,
  seededRandom,
} from './recovery.ts';

describe('parseRetryAfterMs', () => {
  it.each([
    ['Rate limit reached … Please try again in 1m26.4s. Visit …', 86_400],
    ['Please try again in 1.2s.', 1200],
    ['please try again in 20ms', 20],
    ['Try again in 6s', 6000],
    ['try again in 1h2m', 3_720_000],
    ['try again in 2m', 120_000],
  ])('%s → %d ms', (message, ms) => {
    expect(parseRetryAfterMs(message)).toBe(ms);
  });

  it('returns null without a hint', () => {
    expect(parseRetryAfterMs('Rate limit reached for requests')).toBeNull();
    expect(parseRetryAfterMs('try again in a moment')).toBeNull();
  });

  it('back-off: the hint capped by the policy, else the default', () => {
    const p = resolveRecoveryPolicy({ rateLimitMaxBackoffMs: 10_000, rateLimitDefaultBackoffMs: 750 });
    expect(rateLimitBackoffMs('try again in 1.5s', p)).toBe(1500);
    expect(rateLimitBackoffMs('try again in 1m', p)).toBe(10_000);
    expect(rateLimitBackoffMs('no hint', p)).toBe(750);
  });
});

describe('faultOfClose', () => {
  it('maps the SDK recoverable set, 1001 by whether session_expired was seen', () => {
    expect(faultOfClose(1001, true)).toBe('session_expired');
    expect(faultOfClose(1001, false)).toBe('going_away');
    for (const c of [1005, 1006, 1011, 1012, 1013]) expect(faultOfClose(c, false)).toBe('abnormal_close');
    for (const c of [1000, 1002, 1003, 1007, 1008, 1009, 1010, 1015, 3000, 4000]) expect(faultOfClose(c, false)).toBeNull();
  });
});

describe('reconnectDelayMs', () => {
  it('is capped exponential with equal jitter, reproducible with a seed', () => {
    const p = resolveRecoveryPolicy({ reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1000, reconnectJitter: 0.5 });
    const r1 = seededRandom(42);
    const r2 = seededRandom(42);
    const d1 = [1, 2, 3, 4, 5, 6].map((a) => reconnectDelayMs(a, p, r1));
    const d2 = [1, 2, 3, 4, 5, 6].map((a) => reconnectDelayMs(a, p, r2));
    expect(d1).toEqual(d2);
    const caps = [100, 200, 400, 800, 1000, 1000];
    d1.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(caps[i]! / 2);
      expect(d).toBeLessThan(caps[i]!);
    });
    expect(new Set(d1.slice(4)).size).toBe(2); // jitter differs at the cap
    expect(reconnectDelayMs(3, { ...p, reconnectJitter: 0 }, r1)).toBe(400);
  });

  it('seeded random is uniform-ish in [0,1) and differs by seed', () => {
    const r = seededRandom(1);
    const xs = Array.from({ length: 1000 }, () => r());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(seededRandom(2)()).not.toBe(seededRandom(1)());
  });
});

describe('RecoveryLog', () => {
  it('records attempts, outcome, time and turns lost; ends once', () => {
    const log = new RecoveryLog();
    const r = log.begin('abnormal_close', 3, 'close_1006', 1_000_000);
    r.attempt();
    r.attempt();
    r.succeed(1_250_000, 1);
    r.fail(9_000_000, 5);
    log.note('turn_timeout', 4, null, true, 1);
    expect(log.records).toEqual([
      { fault: 'abnormal_close', turnIndex: 3, recovered: true, recoveryMs: 250, turnsLost: 1, attempts: 2, detail: 'close_1006' },
      { fault: 'turn_timeout', turnIndex: 4, recovered: true, recoveryMs: 0, turnsLost: 1, attempts: 0, detail: null },
    ]);
  });

  it('defaults are as documented', () => {
    expect(DEFAULT_RECOVERY_POLICY).toMatchObject({ enabled: true, rateLimitRetries: 3, serverErrorRetries: 1, reconnectAttempts: 5 });
  });
});
