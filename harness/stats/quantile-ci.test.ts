import { describe, expect, it } from 'vitest';
import { binomial } from './binomial.ts';
import { normalCdf, normalQuantile } from './normal.ts';
import { minSampleForQuantile, quantileInterval, quantileRanks } from './quantile-ci.ts';
import { seededUniform } from './test-util.ts';
import { weightedFromValues } from './weighted.ts';

/** C(n, k) q^k (1 − q)^(n − k) summed directly: an independent check of the tabulated binomial. */
function bruteCdf(n: number, q: number, k: number): number {
  let sum = 0;
  let c = 1; // C(n, 0)
  for (let i = 0; i <= k; i++) {
    sum += c * q ** i * (1 - q) ** (n - i);
    c = (c * (n - i)) / (i + 1);
  }
  return sum;
}

describe('normal distribution', () => {
  it('matches tabulated quantiles and CDF values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729143, 6);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 5);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 6);
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('binomial', () => {
  it('agrees with direct summation', () => {
    for (const [n, q] of [[20, 0.3], [9, 0.5], [50, 0.95], [300, 0.99]] as const) {
      const b = binomial(n, q);
      for (let k = 0; k <= n; k += Math.max(1, Math.floor(n / 17))) {
        expect(b.cdf(k)).toBeCloseTo(bruteCdf(n, q, k), 10);
        expect(b.sf(k)).toBeCloseTo(1 - bruteCdf(n, q, k - 1), 10);
      }
    }
  });
});

describe('quantileRanks (exact binomial, equal-tailed)', () => {
  it('gives the textbook median intervals', () => {
    // n = 9: P(B ≤ 1) = 10/512 ≤ 0.025 < P(B ≤ 2) = 46/512 → (X(2), X(8)), coverage 1 − 20/512.
    const r9 = quantileRanks(9, 0.5);
    expect([r9.lowerRank, r9.upperRank]).toEqual([2, 8]);
    expect(r9.coverage).toBeCloseTo(1 - 20 / 512, 12);
    // n = 20: (X(6), X(15)), coverage 1 − 2 × 21700/2^20 = 0.9586.
    const r20 = quantileRanks(20, 0.5);
    expect([r20.lowerRank, r20.upperRank]).toEqual([6, 15]);
    expect(r20.coverage).toBeCloseTo(1 - (2 * 21700) / 2 ** 20, 12);
    expect(r20.estimateRank).toBe(10);
  });

  it('flags percentiles the sample cannot support, with the smallest n that can', () => {
    const p99 = quantileRanks(9, 0.99);
    expect(p99.supported).toBe(false);
    expect(p99.upperRank).toBeNull();
    // The lower side exists: (0.01)^9 ≤ 0.025.
    expect(p99.lowerRank).not.toBeNull();
    // Independent: the least n with 0.99^n ≤ 0.025.
    expect(0.99 ** 367).toBeGreaterThan(0.025);
    expect(0.99 ** 368).toBeLessThanOrEqual(0.025);
    expect(minSampleForQuantile(0.99)).toBe(368);
    expect(minSampleForQuantile(0.95)).toBe(72);
    expect(minSampleForQuantile(0.5)).toBe(6);
    expect(quantileRanks(368, 0.99).supported).toBe(true);
    expect(quantileRanks(367, 0.99).supported).toBe(false);
    expect(quantileRanks(0, 0.5).estimateRank).toBeNull();
  });

  it('keeps each tail at most α/2 and is the tightest such pair', () => {
    for (const [n, q, level] of [[100, 0.9, 0.95], [1000, 0.99, 0.95], [57, 0.5, 0.9], [5000, 0.95, 0.99]] as const) {
      const r = quantileRanks(n, q, level);
      const b = binomial(n, q);
      const half = (1 - level) / 2;
      expect(b.cdf(r.lowerRank! - 1)).toBeLessThanOrEqual(half);
      expect(b.cdf(r.lowerRank!)).toBeGreaterThan(half);
      expect(b.sf(r.upperRank!)).toBeLessThanOrEqual(half);
      expect(b.sf(r.upperRank! - 1)).toBeGreaterThan(half);
      expect(r.coverage!).toBeGreaterThanOrEqual(level);
    }
  });

  it('covers the true quantile in about the stated share of seeded samples', () => {
    // Exponential(1) samples of 60 values; true 0.9-quantile ln 10. 2000 samples: the observed
    // coverage has a binomial standard error of about 0.0045, so ±0.025 is over 5 SE. Seeded: no flake.
    const u = seededUniform(42);
    const truth = Math.log(10);
    let covered = 0;
    const reps = 2000;
    let nominal = 0;
    for (let i = 0; i < reps; i++) {
      const xs = Array.from({ length: 60 }, () => -Math.log(1 - u()));
      const ci = quantileInterval(weightedFromValues(xs), 0.9);
      nominal = ci.coverage!;
      if (ci.lower! <= truth && truth <= ci.upper!) covered++;
    }
    expect(nominal).toBeGreaterThanOrEqual(0.95);
    expect(covered / reps).toBeGreaterThan(nominal - 0.025);
    expect(covered / reps).toBeLessThan(nominal + 0.025);
  });

  it('reads interval ends from a weighted sample', () => {
    const s = weightedFromValues([5, 1, 3, 3, 9, 7, 2, 8, 6]); // sorted 1 2 3 3 5 6 7 8 9
    const ci = quantileInterval(s, 0.5);
    expect([ci.lower, ci.estimate, ci.upper]).toEqual([2, 5, 8]);
    const p99 = quantileInterval(s, 0.99);
    expect(p99.estimate).toBeNull();
    expect(p99.upper).toBeNull();
  });
});
