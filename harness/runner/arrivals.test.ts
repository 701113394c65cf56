import { describe, expect, it } from 'vitest';
import { arrivalOffsetsMs, stepSchedule } from './arrivals.ts';
import { sessionStartOffsetsMs } from '../scenario/schedule.ts';

describe('arrivalOffsetsMs', () => {
  it('ramp: evenly over the ramp, all at once without one', () => {
    expect(arrivalOffsetsMs({ type: 'ramp', rampUpS: 2 }, 4, 1)).toEqual([0, 500, 1000, 1500]);
    expect(arrivalOffsetsMs({ type: 'ramp', rampUpS: 0 }, 3, 1)).toEqual([0, 0, 0]);
  });

  it('rate: evenly spaced at 1/perS', () => {
    expect(arrivalOffsetsMs({ type: 'rate', perS: 4, poisson: false }, 3, 1)).toEqual([0, 250, 500]);
  });

  it('poisson: seeded, non-decreasing, mean gap near 1/perS', () => {
    const a = arrivalOffsetsMs({ type: 'rate', perS: 10, poisson: true }, 2000, 7);
    expect(a).toEqual(arrivalOffsetsMs({ type: 'rate', perS: 10, poisson: true }, 2000, 7));
    expect(a).not.toEqual(arrivalOffsetsMs({ type: 'rate', perS: 10, poisson: true }, 2000, 8));
    expect(a[0]).toBe(0);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[i - 1]!);
    const meanGapMs = a.at(-1)! / (a.length - 1);
    expect(meanGapMs).toBeGreaterThan(90);
    expect(meanGapMs).toBeLessThan(110);
  });
});

describe('steps (capacity search)', () => {
  const steps = { type: 'steps', start: 10, step: 10, stepS: 3, max: 40 } as const;

  it('holds start, then step more per step_s, up to max', () => {
    expect(stepSchedule(steps)).toEqual([
      { index: 0, concurrency: 10, startMs: 0, endMs: 3000 },
      { index: 1, concurrency: 20, startMs: 3000, endMs: 6000 },
      { index: 2, concurrency: 30, startMs: 6000, endMs: 9000 },
      { index: 3, concurrency: 40, startMs: 9000, endMs: 12000 },
    ]);
  });

  it('a last step that does not divide evenly stops at max', () => {
    expect(stepSchedule({ type: 'steps', start: 5, step: 10, stepS: 2, max: 22 }).map((s) => s.concurrency)).toEqual([5, 15, 22]);
    expect(stepSchedule({ type: 'steps', start: 7, step: 3, stepS: 1, max: 7 })).toEqual([{ index: 0, concurrency: 7, startMs: 0, endMs: 1000 }]);
  });

  it('sessions arrive at the start of the step that first holds them', () => {
    const offsets = arrivalOffsetsMs(steps, 40, 1);
    expect(offsets.filter((o) => o === 0)).toHaveLength(10);
    expect(offsets.filter((o) => o === 3000)).toHaveLength(10);
    expect(offsets.filter((o) => o === 9000)).toHaveLength(10);
    expect(offsets[9]).toBe(0);
    expect(offsets[10]).toBe(3000);
    expect(offsets[39]).toBe(9000);
    // The uneven last step: 22 sessions as 5 + 10 + 7.
    const uneven = arrivalOffsetsMs({ type: 'steps', start: 5, step: 10, stepS: 2, max: 22 }, 22, 1);
    expect(uneven.filter((o) => o === 4000)).toHaveLength(7);
  });

  it('the scenario-side schedule agrees', () => {
    const a = { type: 'steps', start: 5, step: 10, stepS: 2, max: 22 } as const;
    expect(sessionStartOffsetsMs(a, 22, 1)).toEqual(arrivalOffsetsMs(a, 22, 1));
    expect(sessionStartOffsetsMs(steps, 40, 1)).toEqual(arrivalOffsetsMs(steps, 40, 1));
  });
});
