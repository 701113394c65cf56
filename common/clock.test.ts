/**
 * The monotonic clock's promise that a delay is never short, checked deterministically on an
 * injected raw timer source that fires early (as Node's timers may, by up to about a millisecond),
 * plus one check of the real Node timers.
 */
import { describe, expect, it } from 'vitest';
import { createMonotonicClock, ManualClock, monotonicClock, type RawTimers } from './clock.ts';

interface RawTimer {
  id: number;
  fireAtUs: number;
  fn: () => void;
  unrefed: boolean;
}

/**
 * Raw timers on a manual time. The n-th timer set (0-based) fires `earlyUs(n, delayUs)` before its
 * delay has passed (clamped to the delay: never before it was set), then in fire-time order, then
 * creation order.
 */
class EarlyRawTimers implements RawTimers {
  now = 0;
  readonly timers: RawTimer[] = [];
  private nextId = 1;
  /** Raw timers set so far. */
  armed = 0;

  constructor(private readonly earlyUs: (n: number, delayUs: number) => number) {}

  nowUs(): number {
    return this.now;
  }
  setTimeout(fn: () => void, delayMs: number): RawTimer {
    const delayUs = delayMs * 1000;
    const early = Math.min(delayUs, Math.max(0, this.earlyUs(this.armed, delayUs)));
    const t = { id: this.nextId++, fireAtUs: this.now + delayUs - early, fn, unrefed: false };
    this.armed++;
    this.timers.push(t);
    const handle = t as RawTimer & { unref(): void };
    handle.unref = () => void (t.unrefed = true);
    return handle;
  }
  clearTimeout(handle: unknown): void {
    const i = this.timers.indexOf(handle as RawTimer);
    if (i >= 0) this.timers.splice(i, 1);
  }
  setImmediate(fn: () => void): RawTimer {
    return this.setTimeout(fn, 0);
  }
  clearImmediate(handle: unknown): void {
    this.clearTimeout(handle);
  }
  /** Fires every raw timer due by `now + us`, in order, moving the time to each. */
  advanceUs(us: number): void {
    const target = this.now + us;
    for (;;) {
      let next: RawTimer | undefined;
      for (const t of this.timers) if (t.fireAtUs <= target && (!next || t.fireAtUs < next.fireAtUs || (t.fireAtUs === next.fireAtUs && t.id < next.id))) next = t;
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.now = Math.max(this.now, next.fireAtUs);
      next.fn();
    }
    this.now = target;
  }
}

describe('createMonotonicClock: a delay is never short', () => {
  it('waits out the rest when the raw timer fires early', () => {
    const raw = new EarlyRawTimers((n) => (n === 0 ? 800 : 0));
    const clock = createMonotonicClock(raw);
    raw.now = 1_000_000.4;
    const calledAt: number[] = [];
    clock.setTimeout(() => calledAt.push(clock.nowUs()), 508.853);
    raw.advanceUs(508_853 - 800); // the raw timer fires here, 0.8 ms early
    expect(calledAt).toEqual([]);
    expect(raw.armed).toBe(2); // re-armed for the remaining 0.8 ms
    raw.advanceUs(1000);
    expect(calledAt).toHaveLength(1);
    expect(calledAt[0]!).toBeGreaterThanOrEqual(1_000_000.4 + 508_853); // the clock's own sum: no rounding slack
  });

  it('re-arms as often as the raw source keeps firing early, and runs once', () => {
    // The first eight raw timers fire halfway through their delay: eight re-arms.
    const raw = new EarlyRawTimers((n, d) => (n < 8 ? d / 2 : 0));
    const clock = createMonotonicClock(raw);
    const calledAt: number[] = [];
    clock.setTimeout(() => calledAt.push(raw.now), 10);
    raw.advanceUs(9_999);
    expect(calledAt).toEqual([]);
    raw.advanceUs(1);
    expect(calledAt).toEqual([10_000]);
    expect(raw.armed).toBe(9);
    raw.advanceUs(100_000);
    expect(calledAt).toHaveLength(1);
  });

  it('a timer on time runs at once; 0, negative and NaN delays run on the first raw firing', () => {
    const raw = new EarlyRawTimers(() => 0);
    const clock = createMonotonicClock(raw);
    const calls: string[] = [];
    clock.setTimeout(() => calls.push('five'), 5);
    clock.setTimeout(() => calls.push('zero'), 0);
    clock.setTimeout(() => calls.push('negative'), -3);
    clock.setTimeout(() => calls.push('nan'), Number.NaN);
    raw.advanceUs(0);
    expect(calls).toEqual(['zero', 'negative', 'nan']);
    raw.advanceUs(5000);
    expect(calls).toEqual(['zero', 'negative', 'nan', 'five']);
    expect(raw.armed).toBe(4);
  });

  it('clearTimeout cancels a timer while it waits out its rest', () => {
    const raw = new EarlyRawTimers((n) => (n === 0 ? 500 : 0));
    const clock = createMonotonicClock(raw);
    let called = false;
    const h = clock.setTimeout(() => (called = true), 2);
    raw.advanceUs(1_600); // fired early, parked
    expect(raw.armed).toBe(2);
    clock.clearTimeout(h);
    expect(raw.timers).toHaveLength(0);
    raw.advanceUs(10_000);
    expect(called).toBe(false);
    clock.clearTimeout(h); // twice is harmless
  });

  it('a timer that fired early still runs before a later-created timer of the same due time', () => {
    // A's raw timer fires 0.9 ms early, B's (created after, same due time) on time: B's firing
    // finds A waiting and due, and runs it first.
    const raw = new EarlyRawTimers((n) => (n === 0 ? 900 : 0));
    const clock = createMonotonicClock(raw);
    const calls: string[] = [];
    clock.setTimeout(() => calls.push('A'), 3);
    clock.setTimeout(() => calls.push('B'), 3);
    raw.advanceUs(2_100);
    expect(calls).toEqual([]);
    raw.advanceUs(900);
    expect(calls).toEqual(['A', 'B']);
    raw.advanceUs(10_000);
    expect(calls).toEqual(['A', 'B']); // A's re-armed raw timer was cleared
  });

  it('an earlier callback that cancels the firing timer stops it; one that throws does not', () => {
    // Timers 0 (A), 3 (C) fire 0.9 ms early; 2 is A's re-arm, 5 is C's.
    const raw = new EarlyRawTimers((n) => (n === 0 || n === 3 ? 900 : 0));
    const clock = createMonotonicClock(raw);
    const calls: string[] = [];
    // Pair 1: A (early) cancels B.
    const b = { h: null as unknown as ReturnType<typeof clock.setTimeout> };
    clock.setTimeout(() => {
      calls.push('A');
      clock.clearTimeout(b.h);
    }, 3);
    b.h = clock.setTimeout(() => calls.push('B'), 3);
    raw.advanceUs(3_000);
    expect(calls).toEqual(['A']);
    // Pair 2: C (early) throws; D still runs, then the error surfaces.
    clock.setTimeout(() => {
      calls.push('C');
      throw new Error('boom');
    }, 3);
    clock.setTimeout(() => calls.push('D'), 3);
    raw.advanceUs(2_100);
    expect(() => raw.advanceUs(900)).toThrow('boom');
    expect(calls).toEqual(['A', 'C', 'D']);
  });

  it('unref reaches the raw timer, also once re-armed', () => {
    const raw = new EarlyRawTimers((n) => (n === 0 ? 500 : 0));
    const clock = createMonotonicClock(raw);
    const h = clock.setTimeout(() => {}, 2) as unknown as { unref(): unknown };
    h.unref();
    expect(raw.timers[0]!.unrefed).toBe(true);
    raw.advanceUs(1_500);
    expect(raw.timers).toHaveLength(1);
    expect(raw.timers[0]!.unrefed).toBe(true);
  });

  it('on Node timers: 200 timers of fractional delays never run before their delay by hrtime', async () => {
    // Not a speed test: it asserts only the lower bound the clock guarantees, which holds however
    // busy the machine is; lateness is not checked.
    const checks: Promise<number>[] = [];
    for (let i = 0; i < 200; i++) {
      const delayMs = (i % 20) + ((i * 0.37) % 1);
      checks.push(
        new Promise((resolve) => {
          const setUs = monotonicClock.nowUs();
          monotonicClock.setTimeout(() => resolve(monotonicClock.nowUs() - setUs - delayMs * 1000), delayMs);
        }),
      );
    }
    const slackUs = await Promise.all(checks);
    expect(Math.min(...slackUs)).toBeGreaterThanOrEqual(0);
  });
});

describe('ManualClock', () => {
  it('fires timers in due order, then creation order, never before their due time', () => {
    const clock = new ManualClock(1000);
    const calls: [string, number][] = [];
    clock.setTimeout(() => calls.push(['b', clock.nowUs()]), 2);
    clock.setTimeout(() => calls.push(['a', clock.nowUs()]), 1);
    clock.setTimeout(() => calls.push(['c', clock.nowUs()]), 2);
    clock.advanceMs(1.999);
    expect(calls).toEqual([['a', 2000]]);
    clock.advanceMs(0.001);
    expect(calls).toEqual([['a', 2000], ['b', 3000], ['c', 3000]]);
    expect(clock.pendingTimers).toBe(0);
  });
});
