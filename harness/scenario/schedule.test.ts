import { describe, expect, it } from 'vitest';
import { sessionStartOffsetsMs, thinkTimeMsFor } from './schedule.ts';

describe('sessionStartOffsetsMs', () => {
  it('ramp: evenly over the ramp, or all at once', () => {
    expect(sessionStartOffsetsMs({ type: 'ramp', rampUpS: 2 }, 4, 1)).toEqual([0, 500, 1000, 1500]);
    expect(sessionStartOffsetsMs({ type: 'ramp', rampUpS: 0 }, 3, 1)).toEqual([0, 0, 0]);
  });
  it('rate: fixed gaps', () => {
    expect(sessionStartOffsetsMs({ type: 'rate', perS: 4, poisson: false }, 4, 1)).toEqual([0, 250, 500, 750]);
  });
  it('rate, poisson: seeded exponential gaps with the right mean', () => {
    const a = sessionStartOffsetsMs({ type: 'rate', perS: 10, poisson: true }, 2001, 9);
    expect(a).toEqual(sessionStartOffsetsMs({ type: 'rate', perS: 10, poisson: true }, 2001, 9));
    const meanGap = a.at(-1)! / 2000;
    expect(meanGap).toBeGreaterThan(90);
    expect(meanGap).toBeLessThan(110);
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[i - 1]!);
    expect(new Set(a.slice(1).map((t, i) => Math.round(t - a[i]!))).size).toBeGreaterThan(100);
  });
});

describe('thinkTimeMsFor', () => {
  it('fixed, or uniform in range, seeded per (session, turn)', () => {
    expect(thinkTimeMsFor({ minMs: 700, maxMs: 700 }, 1, 0, 1)).toBe(700);
    const draws = Array.from({ length: 500 }, (_, i) => thinkTimeMsFor({ minMs: 500, maxMs: 1500 }, 1, i, 1));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...draws)).toBeLessThan(1500);
    expect(Math.min(...draws)).toBeLessThan(600);
    expect(Math.max(...draws)).toBeGreaterThan(1400);
    expect(thinkTimeMsFor({ minMs: 0, maxMs: 100 }, 3, 5, 2)).toBe(thinkTimeMsFor({ minMs: 0, maxMs: 100 }, 3, 5, 2));
    expect(thinkTimeMsFor({ minMs: 0, maxMs: 100 }, 3, 5, 2)).not.toBe(thinkTimeMsFor({ minMs: 0, maxMs: 100 }, 4, 5, 2));
  });
});
