import { describe, expect, it } from 'vitest';
import { fitLaterTurnFactor, fitLogNormal, increasingFit, ksDistance, median, normalCdf, Z95 } from './fit.ts';

/** Exact log-normal quantiles at (i + 0.5)/n: a sample with no sampling noise, so the fit's error is the method's alone. */
function lognormalQuantiles(medianMs: number, sigma: number, n: number): number[] {
  const inv = (p: number): number => {
    // Bisection on the CDF: slow, exact enough (1e-9) for a test.
    let lo = -10;
    let hi = 10;
    for (let k = 0; k < 100; k++) {
      const mid = (lo + hi) / 2;
      if (normalCdf(mid) < p) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  return Array.from({ length: n }, (_, i) => medianMs * Math.exp(sigma * inv((i + 0.5) / n)));
}

describe('fitLogNormal', () => {
  it('recovers the median and p95 of a log-normal sample', () => {
    const f = fitLogNormal(lognormalQuantiles(1430, Math.log(2290 / 1430) / Z95, 401));
    expect(f.medianMs).toBeCloseTo(1430, 0);
    // The IQR of 401 evenly spaced quantiles differs from the population's by < 1 %.
    expect(Math.abs(f.p95Ms - 2290) / 2290).toBeLessThan(0.01);
    expect(f.ks).toBeLessThan(0.01);
    expect(f.n).toBe(401);
  });

  it('reports a poor fit: a bimodal sample is far from any log-normal', () => {
    const f = fitLogNormal([...Array(50).fill(100), ...Array(50).fill(1000)]);
    expect(f.ks).toBeGreaterThan(f.ksCritical5);
  });

  it('a single value fits with no spread', () => {
    expect(fitLogNormal([42])).toMatchObject({ medianMs: 42, sigma: 0, p95Ms: 42 });
  });

  it('rejects an empty sample', () => {
    expect(() => fitLogNormal([])).toThrow(RangeError);
  });
});

describe('ksDistance', () => {
  it('is 0.5 for one value against a distribution whose median it is', () => {
    expect(ksDistance([100], 100, 0.3)).toBeCloseTo(0.5, 6);
  });
});

describe('fitLaterTurnFactor', () => {
  it('finds the ratio of later turns to first turns, pooled over groups', () => {
    const a = { first: [100, 110, 90], later: [80, 88, 72, 80] };
    const b = { first: [200, 220, 180], later: [160, 176, 144] };
    const f = fitLaterTurnFactor([a, b]);
    expect(f.factor).toBeCloseTo(0.8, 6);
    expect(f.nFirst).toBe(6);
    expect(f.nLater).toBe(7);
  });

  it('is null without a group holding both', () => {
    expect(fitLaterTurnFactor([{ first: [1, 2], later: [] }]).factor).toBeNull();
  });
});

describe('increasingFit', () => {
  it('pools violators by weight and makes ties strictly increasing', () => {
    const out = increasingFit([1, 3, 2, 4], [1, 1, 1, 1], 0.01);
    expect(out[0]).toBe(1);
    expect(out[1]).toBeCloseTo(2.5);
    expect(out[2]).toBeCloseTo(2.51);
    expect(out[3]).toBe(4);
  });

  it('leaves an increasing sequence alone', () => {
    expect(increasingFit([1, 2, 3], [5, 1, 1], 0.01)).toEqual([1, 2, 3]);
  });
});

describe('median', () => {
  it('averages the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
