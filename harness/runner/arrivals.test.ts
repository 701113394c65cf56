import { describe, expect, it } from 'vitest';
import { arrivalOffsetsMs } from './arrivals.ts';

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
