/**
 * The floor benchmark's parts that decide its figure: the slot loop's scheduling (on a manual
 * clock, so nothing here depends on the machine's speed) and the capacity search.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../../common/clock.ts';
import { histogramStats } from '../../harness/metrics/histogram.ts';
import { runSlotLoop, searchCapacity, toneAppendFrame } from '../../bench/ws-floor.ts';

/** Advances `clock` in 0.25 ms steps until `p` settles. */
async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let settled = false;
  void p.then(() => (settled = true));
  for (let i = 0; i < 1_000_000 && !settled; i++) {
    clock.advanceMs(0.25);
    await Promise.resolve();
  }
  return p;
}

describe('runSlotLoop', () => {
  it('sends every session once per chunk period, in its own slot, never before the deadline', async () => {
    const clock = new ManualClock(1_000_000);
    const sends: { session: number; atUs: number }[] = [];
    const t0Us = clock.nowUs() + 2_000;
    const r = await drive(clock, runSlotLoop({ clock, sessions: 6, chunkMs: 4, durationMs: 20, leadMs: 2, send: (session) => sends.push({ session, atUs: clock.nowUs() }) }));
    // 20 slots of 1 ms; session i is due in slots i mod 4, i mod 4 + 4, …: 5 frames each.
    expect(r.sent).toBe(30);
    expect(sends).toHaveLength(30);
    for (let i = 0; i < 6; i++) {
      const mine = sends.filter((s) => s.session === i).map((s) => s.atUs);
      expect(mine).toHaveLength(5);
      mine.forEach((atUs, k) => expect(atUs).toBeGreaterThanOrEqual(t0Us + ((i % 4) + 4 * k) * 1000));
    }
    expect(r.lagUs.totalCount).toBe(30);
  });

  it('a process that falls behind sends the overdue frames late, with their lag, and skips none', async () => {
    const manual = new ManualClock(0);
    // Every send costs 3 ms of this clock: the loop cannot keep up with 1 ms slots.
    let workUs = 0;
    const clock: Clock = {
      nowUs: () => manual.nowUs() + workUs,
      setTimeout: (fn, ms) => manual.setTimeout(fn, ms),
      clearTimeout: (h) => manual.clearTimeout(h),
      setImmediate: (fn) => manual.setImmediate(fn),
      clearImmediate: (h) => manual.clearImmediate(h),
    };
    const r = await drive(manual, runSlotLoop({ clock, sessions: 2, chunkMs: 2, durationMs: 10, leadMs: 0, send: () => void (workUs += 3000) }));
    expect(r.sent).toBe(10);
    const lag = histogramStats(r.lagUs);
    expect(lag.count).toBe(10);
    // The last frame is due at 9 ms and goes out after ten sends of 3 ms: about 21 ms late.
    expect(lag.max).toBeGreaterThanOrEqual(20);
  });

  it('rejects a chunk period that is not a whole number of 1 ms slots', () => {
    expect(() => runSlotLoop({ clock: new ManualClock(), sessions: 1, chunkMs: 2.5, durationMs: 10, send: () => undefined })).toThrow(/chunkMs/);
  });
});

describe('searchCapacity', () => {
  /** A level passes up to `capacity` sessions; records the levels tried. */
  const fakeLevels = (capacity: number) => {
    const tried: number[] = [];
    const measure = async (n: number) => {
      tried.push(n);
      return { ok: n <= capacity };
    };
    return { tried, measure };
  };

  it('doubles from 100 while levels pass, then bisects to within 25 sessions or 5 %', async () => {
    const { tried, measure } = fakeLevels(437);
    const found = await searchCapacity(measure, { maxSessions: 8000 });
    expect(tried.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(found).toBeLessThanOrEqual(437);
    expect(437 - found).toBeLessThanOrEqual(25);
  });

  it('never tries more than the cap, and returns the cap when it passes', async () => {
    const { tried, measure } = fakeLevels(1_000_000);
    const found = await searchCapacity(measure, { maxSessions: 400 });
    expect(Math.max(...tried)).toBeLessThanOrEqual(400);
    expect(found).toBe(400);
  });

  it('is 0 when even the first level fails', async () => {
    const { measure } = fakeLevels(10);
    expect(await searchCapacity(measure, { maxSessions: 8000 })).toBe(0);
  });
});

describe('toneAppendFrame', () => {
  it('is an input_audio_buffer.append of chunk_ms of 24 kHz PCM16 (48 bytes per ms)', () => {
    const frame = JSON.parse(toneAppendFrame(20)) as { type: string; audio: string };
    expect(frame.type).toBe('input_audio_buffer.append');
    expect(Buffer.from(frame.audio, 'base64').length).toBe(960);
  });
});
