import { describe, expect, it, vi } from 'vitest';
import { ManualClock, type Clock, type TimerHandle } from '../../common/clock.ts';
import type { PacedStream } from '../contract.ts';
import { DeadlineHeap } from './deadline-heap.ts';
import { createPacer } from './pacer.ts';

interface Sent {
  stream: number;
  i: number;
  deadlineUs: number;
  sentUs: number;
}

/** A stream of `frames` frames that logs what was sent. */
function recording(id: number, log: Sent[], frames = Infinity, extra: Partial<PacedStream> = {}): PacedStream & { ended: number } {
  const s = {
    ended: 0,
    nextFrame: (i: number) => (i < frames ? `s${id}f${i}` : null),
    onSent: (i: number, deadlineUs: number, sentUs: number) => void log.push({ stream: id, i, deadlineUs, sentUs }),
    onEnd: () => void s.ended++,
    ...extra,
  };
  return s;
}

/** A clock whose timers fire `lateMs()` later than asked (a busy or descheduled process). */
function lateClock(manual: ManualClock, lateMs: () => number): Clock {
  return {
    nowUs: () => manual.nowUs(),
    setTimeout: (fn, delayMs) => manual.setTimeout(fn, delayMs + lateMs()),
    clearTimeout: (h) => manual.clearTimeout(h),
    setImmediate: (fn) => manual.setTimeout(fn, lateMs()),
    clearImmediate: (h) => manual.clearTimeout(h),
  };
}

describe('DeadlineHeap', () => {
  it('pops by deadline, then start order', () => {
    const h = new DeadlineHeap<{ deadlineUs: number; seq: number }>();
    const items = [5, 3, 9, 3, 1, 7, 3].map((d, seq) => ({ deadlineUs: d, seq }));
    for (const it of items) h.push(it);
    const out: number[] = [];
    while (h.size) out.push(h.pop()!.seq);
    expect(out).toEqual([4, 1, 3, 6, 0, 5, 2]);
  });
});

describe('createPacer', () => {
  it('sends frame i at startUs + i*chunkMs exactly, lag 0 on a punctual clock', () => {
    const clock = new ManualClock(1_000_000);
    const log: Sent[] = [];
    const lags: number[] = [];
    const frames: string[] = [];
    const pacer = createPacer({ clock, onLagUs: (l) => lags.push(l) });
    pacer.start(recording(0, log), (f) => frames.push(f), { startUs: 1_000_000, chunkMs: 20 });
    clock.advanceMs(0);
    expect(frames).toEqual(['s0f0']);
    clock.advanceMs(19.999);
    expect(frames).toHaveLength(1);
    clock.advanceMs(0.001);
    expect(frames).toEqual(['s0f0', 's0f1']);
    clock.advanceMs(100);
    expect(log.map((s) => s.deadlineUs)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => 1_000_000 + i * 20_000));
    expect(log.every((s) => s.sentUs === s.deadlineUs)).toBe(true);
    expect(lags).toEqual(new Array(7).fill(0));
    expect(pacer.stats()).toMatchObject({ framesSent: 7, activeStreams: 1, errors: 0 });
  });

  it('late wake-ups are recorded as lag and never accumulate into drift', () => {
    const manual = new ManualClock(0);
    const log: Sent[] = [];
    const lags: number[] = [];
    const pacer = createPacer({ clock: lateClock(manual, () => 3), onLagUs: (l) => lags.push(l) });
    pacer.start(recording(0, log), () => {}, { startUs: 0, chunkMs: 20 });
    manual.advanceMs(1000);
    // Every wake is 3 ms late, yet deadlines stay on the 20 ms grid (not 23, 46, ...).
    expect(log.length).toBeGreaterThanOrEqual(49);
    log.forEach((s, i) => {
      expect(s.deadlineUs).toBe(i * 20_000);
      expect(s.sentUs - s.deadlineUs).toBe(3000);
    });
    expect(lags.every((l) => l === 3000)).toBe(true);
    const st = pacer.stats().sendLagMs;
    expect(st.p99).toBeCloseTo(3, 2);
    expect(st.max).toBeCloseTo(3, 2);
  });

  it('a process that falls behind sends every missed frame late, in order, none skipped, none early', () => {
    const manual = new ManualClock(0);
    let stallNext = false;
    const log: Sent[] = [];
    const pacer = createPacer({ clock: lateClock(manual, () => (stallNext ? ((stallNext = false), 100) : 0)) });
    pacer.start(recording(0, log), () => {}, { startUs: 0, chunkMs: 20 });
    manual.advanceMs(40); // frames 0..2 on time; the wake for frame 3 (60 ms) is already armed
    stallNext = true; // so the timer armed at 60 ms (for frame 4, due 80 ms) fires 100 ms late
    manual.advanceMs(200);
    expect(log.map((s) => s.i)).toEqual(log.map((_, i) => i));
    expect(log.every((s) => s.sentUs >= s.deadlineUs)).toBe(true);
    const burst = log.filter((s) => s.sentUs === 180_000);
    // Woken at 180 ms: frames 4..9 all went out then, each with its own lag.
    expect(burst.map((s) => s.i)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(burst.map((s) => s.sentUs - s.deadlineUs)).toEqual([100_000, 80_000, 60_000, 40_000, 20_000, 0]);
    expect(log.at(-1)!.deadlineUs).toBe(240_000);
    expect(pacer.stats().sendLagMs.max).toBeCloseTo(100, 0);
  });

  it('a start in the past catches up at once with recorded lag', () => {
    const clock = new ManualClock(100_000);
    const log: Sent[] = [];
    createPacer({ clock }).start(recording(0, log), () => {}, { startUs: 50_000, chunkMs: 20 });
    clock.advanceMs(0);
    expect(log.map((s) => [s.i, s.sentUs - s.deadlineUs])).toEqual([
      [0, 50_000],
      [1, 30_000],
      [2, 10_000],
    ]);
  });

  it('many streams share one timer and are served in deadline order', () => {
    const clock = new ManualClock(0);
    const spy = vi.spyOn(clock, 'setTimeout');
    const log: Sent[] = [];
    const pacer = createPacer({ clock });
    const streams = Array.from({ length: 200 }, (_, k) => recording(k, log, 25));
    streams.forEach((s, k) => pacer.start(s, () => {}, { startUs: (k % 40) * 500, chunkMs: 20 }));
    expect(clock.pendingTimers).toBe(1);
    clock.advanceMs(600);
    expect(log).toHaveLength(200 * 25);
    for (let j = 1; j < log.length; j++) expect(log[j]!.deadlineUs).toBeGreaterThanOrEqual(log[j - 1]!.deadlineUs);
    // Half-millisecond offsets wake on the next 1 ms slot: late by < 1 ms, never early.
    expect(log.every((s) => s.sentUs >= s.deadlineUs && s.sentUs - s.deadlineUs < 1000)).toBe(true);
    expect(streams.every((s) => s.ended === 1)).toBe(true);
    // One wake per distinct deadline (40 offsets × 25 frames), never one timer per stream.
    expect(pacer.stats().wakeUps).toBeLessThanOrEqual(40 * 25 + 1);
    expect(spy.mock.calls.length).toBeLessThanOrEqual(40 * 25 + 2);
    expect(clock.pendingTimers).toBe(0);
    expect(pacer.stats().activeStreams).toBe(0);
  });

  it('slotMs coalesces wakes to slot boundaries: late by less than a slot, never early', () => {
    const clock = new ManualClock(0);
    const log: Sent[] = [];
    const pacer = createPacer({ clock, slotMs: 5 });
    for (let k = 0; k < 10; k++) pacer.start(recording(k, log, 10), () => {}, { startUs: 1000 + k * 400, chunkMs: 20 });
    clock.advanceMs(300);
    expect(log).toHaveLength(100);
    for (const s of log) {
      expect(s.sentUs).toBeGreaterThanOrEqual(s.deadlineUs);
      expect(s.sentUs - s.deadlineUs).toBeLessThan(5000);
      expect(s.sentUs % 5000).toBe(0);
    }
    expect(pacer.stats().wakeUps).toBeLessThanOrEqual(20);
  });

  it('a stream ends when nextFrame returns null: onEnd once, then stop() is a no-op', () => {
    const clock = new ManualClock(0);
    const log: Sent[] = [];
    const s = recording(0, log, 3);
    const h = createPacer({ clock }).start(s, () => {}, { startUs: 0, chunkMs: 20 });
    clock.advanceMs(200);
    expect(h.sentFrames).toBe(3);
    expect(s.ended).toBe(1);
    h.stop();
    expect(s.ended).toBe(1);
  });

  it('stop() from outside, twice: onEnd once, nothing more sent', () => {
    const clock = new ManualClock(0);
    const log: Sent[] = [];
    const s = recording(0, log);
    const h = createPacer({ clock }).start(s, () => {}, { startUs: 0, chunkMs: 20 });
    clock.advanceMs(30);
    h.stop();
    h.stop();
    clock.advanceMs(100);
    expect(log).toHaveLength(2);
    expect(s.ended).toBe(1);
  });

  it('stop() inside onSent ends after that frame; inside nextFrame the frame is not sent', () => {
    const clock = new ManualClock(0);
    const pacer = createPacer({ clock });
    const logA: Sent[] = [];
    const sentA: string[] = [];
    const a = recording(0, logA, Infinity, {
      onSent: (i, d, t) => {
        logA.push({ stream: 0, i, deadlineUs: d, sentUs: t });
        if (i === 1) ha.stop();
      },
    });
    const ha = pacer.start(a, (f) => sentA.push(f), { startUs: 0, chunkMs: 20 });
    const sentB: string[] = [];
    const b = recording(1, [], Infinity, {
      nextFrame: (i) => {
        if (i === 2) hb.stop();
        return `b${i}`;
      },
    });
    const hb = pacer.start(b, (f) => sentB.push(f), { startUs: 0, chunkMs: 20 });
    clock.advanceMs(200);
    expect(sentA).toEqual(['s0f0', 's0f1']);
    expect(a.ended).toBe(1);
    expect(sentB).toEqual(['b0', 'b1']);
    expect(b.ended).toBe(1);
    expect(hb.sentFrames).toBe(2);
  });

  it('one stream can stop another from its callback; streams can be started from callbacks', () => {
    const clock = new ManualClock(0);
    const pacer = createPacer({ clock });
    const log: Sent[] = [];
    const victim = recording(1, log);
    let started = false;
    const hv = pacer.start(victim, () => {}, { startUs: 10_000, chunkMs: 20 });
    const killer = recording(0, log, Infinity, {
      onSent: (i, d, t) => {
        log.push({ stream: 0, i, deadlineUs: d, sentUs: t });
        if (i === 1) {
          hv.stop();
          if (!started) pacer.start(recording(2, log, 2), () => {}, { startUs: clock.nowUs(), chunkMs: 20 });
          started = true;
        }
      },
    });
    pacer.start(killer, () => {}, { startUs: 0, chunkMs: 20 });
    clock.advanceMs(100);
    // victim sent its frame at 10 ms, then was stopped at 20 ms before its 30 ms slot.
    expect(log.filter((s) => s.stream === 1).map((s) => s.i)).toEqual([0]);
    expect(victim.ended).toBe(1);
    expect(log.filter((s) => s.stream === 2).map((s) => s.deadlineUs)).toEqual([20_000, 40_000]);
  });

  it('a throwing send or callback ends only that stream, counted and reported', () => {
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    const pacer = createPacer({ clock, onError: (e) => errors.push(e) });
    const log: Sent[] = [];
    const bad = recording(0, log);
    pacer.start(bad, (f) => {
      if (f === 's0f2') throw new Error('socket closed');
    }, { startUs: 0, chunkMs: 20 });
    const throwy = recording(1, log, Infinity, {
      nextFrame: (i) => {
        if (i === 1) throw new Error('boom');
        return 'x';
      },
    });
    pacer.start(throwy, () => {}, { startUs: 0, chunkMs: 20 });
    const good = recording(2, log, 5);
    pacer.start(good, () => {}, { startUs: 0, chunkMs: 20 });
    clock.advanceMs(200);
    expect(bad.ended).toBe(1);
    expect(throwy.ended).toBe(1);
    expect(log.filter((s) => s.stream === 2)).toHaveLength(5);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['boom', 'socket closed']);
    expect(pacer.stats().errors).toBe(2);
  });

  it('yields to I/O when a wake has been busy for maxBusyMs, then carries on', () => {
    const manual = new ManualClock(0);
    let costUs = 0;
    // Each send costs 1 ms of (fake) time: 20 due frames cannot all go out in one 5 ms wake.
    let immediates = 0;
    const clock: Clock = {
      nowUs: () => manual.nowUs() + costUs,
      setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
      clearTimeout: (h) => manual.clearTimeout(h),
      setImmediate: (fn) => {
        immediates++;
        return manual.setImmediate(fn);
      },
      clearImmediate: (h) => manual.clearImmediate(h),
    };
    const pacer = createPacer({ clock, maxBusyMs: 5 });
    const log: Sent[] = [];
    for (let k = 0; k < 20; k++) pacer.start(recording(k, log, 1), () => void (costUs += 1000), { startUs: 0, chunkMs: 20 });
    manual.advanceMs(50);
    expect(log).toHaveLength(20);
    // 5 or 6 sends per wake (the budget is checked before each send), so at least 3 yields.
    expect(pacer.stats().yields).toBeGreaterThanOrEqual(3);
    expect(pacer.stats().wakeUps).toBeGreaterThanOrEqual(4);
    // Each yield carries on through setImmediate (after pending I/O), not through a timer.
    expect(immediates).toBe(pacer.stats().yields);
    expect(log.every((s) => s.sentUs >= s.deadlineUs)).toBe(true);
  });

  it('a yield scheduled and then made moot by close() is cancelled as an immediate', () => {
    const manual = new ManualClock(0);
    let costUs = 0;
    const cleared: string[] = [];
    const clock: Clock = {
      nowUs: () => manual.nowUs() + costUs,
      setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
      clearTimeout: (h) => {
        cleared.push('timeout');
        manual.clearTimeout(h);
      },
      // Held, never run: the test decides what happens while the yield is pending.
      setImmediate: () => ({}) as TimerHandle,
      clearImmediate: () => void cleared.push('immediate'),
    };
    const pacer = createPacer({ clock, maxBusyMs: 1 });
    const log: Sent[] = [];
    for (let k = 0; k < 3; k++) pacer.start(recording(k, log, 1), () => void (costUs += 1000), { startUs: 0, chunkMs: 20 });
    // The first wake sends one frame (1 ms of fake time) and yields.
    manual.advanceMs(0);
    expect(pacer.stats().yields).toBe(1);
    pacer.close();
    expect(cleared).toEqual(['immediate']);
    manual.advanceMs(50);
    expect(log).toHaveLength(1);
  });

  it('close() ends every stream, disarms the timer, and refuses new streams', () => {
    const clock = new ManualClock(0);
    const pacer = createPacer({ clock });
    const log: Sent[] = [];
    const streams = [recording(0, log), recording(1, log)];
    for (const s of streams) pacer.start(s, () => {}, { startUs: 0, chunkMs: 20 });
    clock.advanceMs(10);
    pacer.close();
    expect(streams.map((s) => s.ended)).toEqual([1, 1]);
    expect(clock.pendingTimers).toBe(0);
    clock.advanceMs(100);
    expect(log).toHaveLength(2);
    expect(() => pacer.start(recording(3, log), () => {}, { startUs: 0, chunkMs: 20 })).toThrow(/after close/);
  });

  it('a polled pacer arms no timer and sends what is due on each poll, never early, none skipped', () => {
    const clock = new ManualClock(0);
    const pacer = createPacer({ clock, polled: true });
    const log: Sent[] = [];
    pacer.start(recording(0, log, 5), () => {}, { startUs: 0, chunkMs: 20 });
    pacer.start(recording(1, log, 5), () => {}, { startUs: 7000, chunkMs: 20 });
    expect(clock.pendingTimers).toBe(0);
    // Time passes without a poll: nothing goes out by itself.
    clock.advanceMs(30);
    expect(log).toHaveLength(0);
    // One poll at 30 ms: every frame due by then, in deadline order (0, 7, 20, 27 ms).
    pacer.poll();
    expect(log.map((x) => `${x.stream}:${x.i}`)).toEqual(['0:0', '1:0', '0:1', '1:1']);
    expect(log.map((x) => x.sentUs - x.deadlineUs)).toEqual([30000, 23000, 10000, 3000]);
    // Polls at every 1 ms: each frame goes out at its first poll at or after its deadline.
    for (let t = 31; t <= 120; t++) {
      clock.advanceMs(1);
      pacer.poll();
    }
    expect(log.filter((x) => x.stream === 0).map((x) => x.i)).toEqual([0, 1, 2, 3, 4]);
    expect(log.filter((x) => x.stream === 1).map((x) => x.i)).toEqual([0, 1, 2, 3, 4]);
    expect(log.every((x) => x.sentUs >= x.deadlineUs)).toBe(true);
    expect(log.slice(4).every((x) => x.sentUs - x.deadlineUs < 1000)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    // A poll with nothing due does not count as a wake.
    const wakes = pacer.stats().wakeUps;
    pacer.poll();
    expect(pacer.stats().wakeUps).toBe(wakes);
  });

  it('a polled pacer still yields after maxBusyMs, and the next poll carries on', () => {
    const manual = new ManualClock(0);
    let costUs = 0;
    const clock: Clock = { ...lateClock(manual, () => 0), nowUs: () => manual.nowUs() + costUs };
    const pacer = createPacer({ clock, polled: true, maxBusyMs: 2 });
    const log: Sent[] = [];
    for (let k = 0; k < 6; k++) pacer.start(recording(k, log, 1), () => void (costUs += 1000), { startUs: 0, chunkMs: 20 });
    pacer.poll();
    // The budget is checked before each send: 1 ms per send, so 2 sends, then a yield.
    expect(log).toHaveLength(2);
    expect(pacer.stats().yields).toBe(1);
    expect(manual.pendingTimers).toBe(0);
    pacer.poll();
    pacer.poll();
    expect(log).toHaveLength(6);
  });

  it('rejects a non-positive chunk', () => {
    expect(() => createPacer({ clock: new ManualClock() }).start(recording(0, []), () => {}, { startUs: 0, chunkMs: 0 })).toThrow(RangeError);
  });
});
