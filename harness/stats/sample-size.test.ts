import { describe, expect, it } from 'vitest';
import { normalCdf } from './normal.ts';
import { rankCompare } from './rank-compare.ts';
import { noetherSampleSize, probabilityGreater, samplesToDetectShift } from './sample-size.ts';
import { seededNormal } from './test-util.ts';
import { weightedFromValues } from './weighted.ts';

describe('noetherSampleSize', () => {
  it('computes Noether (1987) N by hand', () => {
    // (1.959964 + 0.841621)² / (12 × ¼ × 0.2²) = 7.84888 / 0.12 = 65.41 → 66, 33 per group.
    expect(noetherSampleSize({ p: 0.7 })).toEqual({ total: 66, perGroupA: 33, perGroupB: 33 });
    expect(noetherSampleSize({ p: 0.3 }).total).toBe(66);
    expect(noetherSampleSize({ p: 0.5 }).total).toBe(Infinity);
    expect(() => noetherSampleSize({ p: 0.7, power: 1 })).toThrow(RangeError);
  });

  it('gives about the stated power in seeded simulations', () => {
    // Normal groups, σ = 1, shift δ with P(B > A) = Φ(δ/√2) = 0.7 → 33 per group for 80 % power.
    // 500 simulated experiments: SE of the power ≈ 0.018; [0.72, 0.9] allows Noether's
    // approximation error plus 4 SE. Seeded: no flake.
    const delta = Math.SQRT2 * 0.5244005127080407;
    expect(normalCdf(delta / Math.SQRT2)).toBeCloseTo(0.7, 6);
    const z = seededNormal(21);
    let detected = 0;
    for (let i = 0; i < 500; i++) {
      const a = weightedFromValues(Array.from({ length: 33 }, () => z()));
      const b = weightedFromValues(Array.from({ length: 33 }, () => delta + z()));
      if (rankCompare(a, b).p! <= 0.05) detected++;
    }
    expect(detected / 500).toBeGreaterThan(0.72);
    expect(detected / 500).toBeLessThan(0.9);
  });
});

describe('samplesToDetectShift', () => {
  it('estimates p from the shapes and needs more values for a wider spread', () => {
    const z = seededNormal(4);
    const narrow = weightedFromValues(Array.from({ length: 4000 }, () => 1000 + 100 * z()));
    const wide = weightedFromValues(Array.from({ length: 4000 }, () => 1000 + 300 * z()));
    const n = samplesToDetectShift(narrow, narrow, 100);
    // Φ(100/(100√2)) = 0.760; sampling error of a 4000-value shape is well under 0.01.
    expect(n.p).toBeCloseTo(normalCdf(1 / Math.SQRT2), 2);
    expect(samplesToDetectShift(wide, wide, 100).perGroupA).toBeGreaterThan(n.perGroupA * 5);
    expect(probabilityGreater(weightedFromValues([1, 2]), weightedFromValues([2, 3]))).toBeCloseTo(0.875, 12);
  });
});
