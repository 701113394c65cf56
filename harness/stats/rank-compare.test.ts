import { describe, expect, it } from 'vitest';
import { holmAdjust } from './holm.ts';
import { kthDifference, mosesC, rankCompare } from './rank-compare.ts';
import { seededNormal, seededUniform } from './test-util.ts';
import { weightedFromValues, type WeightedSample } from './weighted.ts';

/** Every subset of `size` of 0..n−1 (small n only). */
function* subsets(n: number, size: number, start = 0, acc: number[] = []): Generator<number[]> {
  if (acc.length === size) {
    yield acc;
    return;
  }
  for (let i = start; i <= n - (size - acc.length); i++) yield* subsets(n, size, i + 1, [...acc, i]);
}

/** Brute force: U, HL shift, sorted differences and the exact permutation p-value of the midrank sum. */
function brute(a: number[], b: number[]): { u: number; shift: number; diffs: number[]; p: number } {
  let u = 0;
  const diffs: number[] = [];
  for (const x of a) for (const y of b) {
    u += y > x ? 1 : y === x ? 0.5 : 0;
    diffs.push(y - x);
  }
  diffs.sort((x, y) => x - y);
  const m = diffs.length;
  const shift = m % 2 ? diffs[(m - 1) / 2]! : (diffs[m / 2 - 1]! + diffs[m / 2]!) / 2;
  const pooled = [...a, ...b];
  const sorted = [...pooled].sort((x, y) => x - y);
  const midrank = (v: number): number => {
    const first = sorted.indexOf(v) + 1;
    const last = sorted.lastIndexOf(v) + 1;
    return (first + last) / 2;
  };
  const ranks = pooled.map(midrank);
  const n = pooled.length;
  const mean = (b.length * (n + 1)) / 2;
  const obs = Math.abs(b.map(midrank).reduce((s, r) => s + r, 0) - mean);
  let extreme = 0;
  let total = 0;
  for (const idx of subsets(n, b.length)) {
    total++;
    if (Math.abs(idx.reduce((s, i) => s + ranks[i]!, 0) - mean) >= obs - 1e-9) extreme++;
  }
  return { u, shift, diffs, p: extreme / total };
}

describe('rankCompare', () => {
  it('matches brute force on small samples with ties (exact branch)', () => {
    const a = [12, 15, 15, 18, 20, 22];
    const b = [15, 19, 24, 25, 25, 31, 33];
    const r = rankCompare(weightedFromValues(a), weightedFromValues(b));
    const x = brute(a, b);
    expect(r.method).toBe('exact');
    expect(r.u).toBe(x.u);
    expect(r.shift).toBe(x.shift);
    expect(r.p!).toBeCloseTo(x.p, 12);
    const c = mosesC(6, 7)!;
    expect(r.lower).toBe(x.diffs[c - 1]);
    expect(r.upper).toBe(x.diffs[42 - c]);
  });

  it('uses the tabulated Moses constant for 5 vs 5 and none when too few', () => {
    // P(U ≤ 2) = 4/252 ≤ 0.025 < P(U ≤ 3) = 7/252 → C = 3 (coverage 1 − 8/252 = 0.968).
    expect(mosesC(5, 5)).toBe(3);
    // 3 vs 3: P(U ≤ 0) = 1/20 > 0.025 → no interval at 95 %.
    expect(mosesC(3, 3)).toBeNull();
    const r = rankCompare(weightedFromValues([1, 2, 3]), weightedFromValues([4, 5, 6]));
    expect(r.lower).toBeNull();
    expect(r.p).toBeCloseTo(0.1, 12); // the most extreme of 20 arrangements, two-sided
  });

  it('finds the k-th pairwise difference of weighted samples', () => {
    const u = seededUniform(3);
    const a = Array.from({ length: 40 }, () => Math.round(u() * 50));
    const b = Array.from({ length: 35 }, () => Math.round(u() * 50) + 7);
    const diffs = a.flatMap((x) => b.map((y) => y - x)).sort((x, y) => x - y);
    const wa = weightedFromValues(a);
    const wb = weightedFromValues(b);
    for (const k of [1, 2, 100, 700, 701, 1399, 1400]) expect(kthDifference(wa, wb, k)).toBe(diffs[k - 1]);
  });

  it('rejects about 5 % of seeded same-distribution pairs and finds a real shift (normal branch)', () => {
    // 600 pairs of 30 vs 30 normal values: the rejection rate's standard error is about 0.009, so
    // [0.025, 0.08] is a wide band; seeded, so the figure never changes between runs.
    const z = seededNormal(9);
    let rejected = 0;
    for (let i = 0; i < 600; i++) {
      const a = weightedFromValues(Array.from({ length: 30 }, () => 1000 + 100 * z()));
      const b = weightedFromValues(Array.from({ length: 30 }, () => 1000 + 100 * z()));
      const r = rankCompare(a, b);
      expect(r.method).toBe('normal');
      if (r.p! <= 0.05) rejected++;
    }
    expect(rejected / 600).toBeGreaterThan(0.025);
    expect(rejected / 600).toBeLessThan(0.08);
    const a = weightedFromValues(Array.from({ length: 200 }, () => 1000 + 100 * z()));
    const b = weightedFromValues(Array.from({ length: 200 }, () => 1150 + 100 * z()));
    const r = rankCompare(a, b);
    expect(r.p!).toBeLessThan(1e-6);
    expect(r.lower!).toBeLessThan(150);
    expect(r.upper!).toBeGreaterThan(150);
    expect(r.shift!).toBeGreaterThan(r.lower!);
  });

  it('interval covers the true shift in about 95 % of seeded samples', () => {
    const z = seededNormal(5);
    let covered = 0;
    for (let i = 0; i < 500; i++) {
      const a = weightedFromValues(Array.from({ length: 25 }, () => 50 * z()));
      const b = weightedFromValues(Array.from({ length: 25 }, () => 30 + 50 * z()));
      const r = rankCompare(a, b);
      if (r.lower! <= 30 && 30 <= r.upper!) covered++;
    }
    // SE ≈ 0.01 at 500 samples; nominal coverage ≥ 0.95 (normal-approximation C).
    expect(covered / 500).toBeGreaterThan(0.92);
    expect(covered / 500).toBeLessThan(0.985);
  });

  it('handles empty groups and tie-only data', () => {
    const empty: WeightedSample = { values: [], counts: [] };
    expect(rankCompare(empty, weightedFromValues([1])).p).toBeNull();
    const same = rankCompare({ values: [5], counts: [50] }, { values: [5], counts: [60] });
    expect(same.p).toBe(1);
    expect(same.shift).toBe(0);
  });
});

describe('holmAdjust', () => {
  it('steps down as Holm (1979) defines', () => {
    // sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → monotone 0.02, 0.03, 0.06, 0.06
    const adj = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    expect(adj[0]).toBeCloseTo(0.03, 12);
    expect(adj[1]).toBeCloseTo(0.06, 12);
    expect(adj[2]).toBeCloseTo(0.06, 12);
    expect(adj[3]).toBeCloseTo(0.02, 12);
    // m = 2: 0.5 × 2 = 1; 0.9 × 1 = 0.9, raised to 1 to stay monotone.
    expect(holmAdjust([0.5, null, 0.9])).toEqual([1, null, 1]);
    expect(holmAdjust([0.2, null, 0.01])).toEqual([0.2, null, 0.02]);
  });
});
