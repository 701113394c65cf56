/**
 * Two groups compared by ranks: the Hodges–Lehmann estimate of the shift between them with the
 * distribution-free interval of Moses (the Mann–Whitney interval), and the Mann–Whitney U test
 * (Wilcoxon rank-sum). References: M. Hollander & D. A. Wolfe, Nonparametric Statistical Methods,
 * 2nd ed., 1999, §4.1–4.3; W. J. Conover, Practical Nonparametric Statistics, 3rd ed., 1999, §5.1;
 * E. L. Lehmann, Nonparametrics, 1975, ch. 1–2.
 *
 * - Shift Δ of `b` relative to `a` (b − a): the median of all n_a·n_b differences b_j − a_i.
 * - Interval: [D₍C₎, D₍M+1−C₎], D₍k₎ the k-th smallest difference, M = n_a·n_b and C the largest
 *   integer with P₀(U ≤ C − 1) ≤ α/2 under no shift (exact null distribution for N ≤ 40 values,
 *   normal approximation C = ⌊M/2 − z_{1−α/2}·√(M(N+1)/12) + ½⌋ above). No valid C ≥ 1: too few.
 * - Test: U = #{b_j > a_i} + ½·#{b_j = a_i}. N = n_a + n_b ≤ 40: exact permutation p-value of the
 *   rank sum given the ties (midranks); above: normal approximation with continuity and tie
 *   correction, Var U = n_a n_b/12 · (N + 1 − Σ(t³ − t)/(N(N − 1))). Two-sided.
 *
 * Histogram buckets are ties: values at HDR resolution (±0.1 %) are compared as equal when they
 * share a bucket, so rank statistics from histogram counts are exact for the bucketed data.
 */
import { normalQuantile, normalUpperTail } from './normal.ts';
import { DEFAULT_CONFIDENCE } from './quantile-ci.ts';
import { sampleSize, type WeightedSample } from './weighted.ts';

/** Largest N = n_a + n_b for which exact null distributions are used. */
export const EXACT_MAX_N = 40;

/** Result of {@link rankCompare}. */
export interface RankComparison {
  nA: number;
  nB: number;
  level: number;
  /** Hodges–Lehmann shift b − a; null when a group is empty. */
  shift: number | null;
  /** Moses interval of the shift; null ends when the groups are too small for the level. */
  lower: number | null;
  upper: number | null;
  /** U of b over a (count of b > a, ties ½). */
  u: number;
  /** Two-sided p-value; null when a group is empty. */
  p: number | null;
  /** `exact` (permutation, N ≤ 40) or `normal` (continuity- and tie-corrected). */
  method: 'exact' | 'normal';
  /** P(b > a) + ½P(b = a) estimated as U/(n_a n_b): 0.5 means no tendency. */
  probabilityBGreater: number | null;
}

/** Number of pairs (a_i, b_j) with b_j − a_i ≤ d (weighted), by one merge pass. */
function countDiffAtMost(a: WeightedSample, b: WeightedSample, d: number): number {
  // For each b value (ascending), count a values ≥ b − d; the threshold rises with b.
  let total = 0;
  let i = 0;
  let aBelow = 0;
  const nA = sampleSize(a);
  for (let j = 0; j < b.values.length; j++) {
    const t = b.values[j]! - d;
    while (i < a.values.length && a.values[i]! < t) aBelow += a.counts[i++]!;
    total += b.counts[j]! * (nA - aBelow);
  }
  return total;
}

/** The smallest difference b_j − a_i strictly above `x`. */
function nextDiffAbove(a: WeightedSample, b: WeightedSample, x: number): number {
  let best = Infinity;
  let j = 0;
  for (let i = 0; i < a.values.length; i++) {
    const t = a.values[i]! + x;
    while (j < b.values.length && b.values[j]! <= t) j++;
    if (j === b.values.length) break;
    best = Math.min(best, b.values[j]! - a.values[i]!);
  }
  return best;
}

/**
 * The k-th smallest (1-based) of the n_a·n_b differences b_j − a_i, by bisection on the value with
 * a linear count per step, then snapped to the nearest actual difference: O((B_a + B_b)·log)
 * for B buckets, so histograms with thousands of buckets are cheap.
 */
export function kthDifference(a: WeightedSample, b: WeightedSample, k: number): number {
  const m = sampleSize(a) * sampleSize(b);
  if (!(k >= 1 && k <= m)) throw new RangeError(`kthDifference: k ${k} outside 1..${m}`);
  let lo = b.values[0]! - a.values[a.values.length - 1]! - 1; // count(lo) = 0 < k
  let hi = b.values[b.values.length - 1]! - a.values[0]!; // count(hi) = m ≥ k
  for (let it = 0; it < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi)); it++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (countDiffAtMost(a, b, mid) >= k) hi = mid;
    else lo = mid;
  }
  // The k-th difference lies in (lo, hi]; the first actual difference above lo is it.
  return Math.min(hi, nextDiffAbove(a, b, lo));
}

/**
 * Number of ways to pick `k` of the `scores` (with their multiplicity) per total, for the exact
 * permutation distribution of a rank sum: ways[s] for s = 0..Σscores. Scores are integers.
 */
function subsetSumCounts(scores: readonly number[], k: number): Float64Array {
  const total = scores.reduce((x, y) => x + y, 0);
  // dp[j][s]: ways to choose j items with sum s; rolled over items, j descending.
  const dp: Float64Array[] = Array.from({ length: k + 1 }, () => new Float64Array(total + 1));
  dp[0]![0] = 1;
  let reach = 0;
  for (const sc of scores) {
    reach += sc;
    for (let j = k; j >= 1; j--) {
      const from = dp[j - 1]!;
      const to = dp[j]!;
      for (let s = reach; s >= sc; s--) if (from[s - sc]! !== 0) to[s]! += from[s - sc]!;
    }
  }
  return dp[k]!;
}

/** Doubled midranks of the pooled sample (integers), and the sum of b's doubled ranks. */
function doubledRanks(a: WeightedSample, b: WeightedSample): { scores: number[]; bSum: number; ties: number[] } {
  const scores: number[] = [];
  const ties: number[] = [];
  let bSum = 0;
  let i = 0;
  let j = 0;
  let below = 0;
  while (i < a.values.length || j < b.values.length) {
    const v = Math.min(i < a.values.length ? a.values[i]! : Infinity, j < b.values.length ? b.values[j]! : Infinity);
    const ca = i < a.values.length && a.values[i] === v ? a.counts[i++]! : 0;
    const cb = j < b.values.length && b.values[j] === v ? b.counts[j++]! : 0;
    const t = ca + cb;
    const twiceMid = 2 * below + t + 1; // 2 × midrank of ranks below+1 … below+t
    for (let x = 0; x < t; x++) scores.push(twiceMid);
    bSum += cb * twiceMid;
    ties.push(t);
    below += t;
  }
  return { scores, bSum, ties };
}

/** U of b over a: pairs with b > a, ties counting ½ (one merge pass over both sorted samples). */
export function uStatistic(a: WeightedSample, b: WeightedSample): number {
  let u = 0;
  let i = 0;
  let aBelow = 0;
  for (let j = 0; j < b.values.length; j++) {
    const v = b.values[j]!;
    while (i < a.values.length && a.values[i]! < v) aBelow += a.counts[i++]!;
    const aEqual = i < a.values.length && a.values[i] === v ? a.counts[i]! : 0;
    u += b.counts[j]! * (aBelow + aEqual / 2);
  }
  return u;
}

/**
 * C for the Moses interval: the largest integer c ≥ 1 with P₀(U ≤ c − 1) ≤ α/2 (no ties), or null
 * when there is none (too few values for the level).
 */
export function mosesC(nA: number, nB: number, level = DEFAULT_CONFIDENCE): number | null {
  const m = nA * nB;
  const half = (1 - level) / 2;
  let c: number;
  if (nA + nB <= EXACT_MAX_N) {
    // Null distribution of the rank sum of b over ranks 1..N (doubled); U = W − nB(nB+1)/2.
    const ranks = Array.from({ length: nA + nB }, (_, i) => i + 1);
    const ways = subsetSumCounts(ranks, nB);
    const total = ways.reduce((x, y) => x + y, 0);
    const offset = (nB * (nB + 1)) / 2;
    let acc = 0;
    c = 0;
    for (let u = 0; u <= m; u++) {
      acc += ways[u + offset]! / total; // P(U ≤ u)
      if (acc > half + 1e-12) break;
      c = u + 1;
    }
  } else {
    const z = normalQuantile(1 - half);
    c = Math.floor(m / 2 - z * Math.sqrt((m * (nA + nB + 1)) / 12) + 0.5);
  }
  return c >= 1 ? c : null;
}

/**
 * Compares group b with group a (b − a): Hodges–Lehmann shift, Moses interval at `level`
 * (default 95 %) and the two-sided Mann–Whitney p-value. Both groups as value/count samples.
 */
export function rankCompare(a: WeightedSample, b: WeightedSample, level = DEFAULT_CONFIDENCE): RankComparison {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const nA = sampleSize(a);
  const nB = sampleSize(b);
  const n = nA + nB;
  const method = n <= EXACT_MAX_N ? 'exact' : 'normal';
  if (nA === 0 || nB === 0) return { nA, nB, level, shift: null, lower: null, upper: null, u: 0, p: null, method, probabilityBGreater: null };
  const m = nA * nB;
  const u = uStatistic(a, b);
  const shift = m % 2 === 1 ? kthDifference(a, b, (m + 1) / 2) : (kthDifference(a, b, m / 2) + kthDifference(a, b, m / 2 + 1)) / 2;
  const c = mosesC(nA, nB, level);
  const lower = c === null ? null : kthDifference(a, b, c);
  const upper = c === null ? null : kthDifference(a, b, m + 1 - c);

  let p: number;
  const { scores, bSum, ties } = doubledRanks(a, b);
  if (method === 'exact') {
    const ways = subsetSumCounts(scores, nB);
    const total = ways.reduce((x, y) => x + y, 0);
    const mean2 = nB * (n + 1); // E[2W]
    const observed = Math.abs(bSum - mean2);
    let extreme = 0;
    for (let s = 0; s < ways.length; s++) if (ways[s]! !== 0 && Math.abs(s - mean2) >= observed - 1e-9) extreme += ways[s]!;
    p = Math.min(1, extreme / total);
  } else {
    const tieSum = ties.reduce((x, t) => x + (t * t * t - t), 0);
    const variance = (m / 12) * (n + 1 - tieSum / (n * (n - 1)));
    const dev = Math.abs(u - m / 2);
    p = variance > 0 ? Math.min(1, 2 * normalUpperTail(Math.max(0, dev - 0.5) / Math.sqrt(variance))) : 1;
  }
  return { nA, nB, level, shift, lower, upper, u, p, method, probabilityBGreater: u / m };
}
