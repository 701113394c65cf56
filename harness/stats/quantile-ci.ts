/**
 * Distribution-free confidence intervals for a quantile, from order statistics: the exact binomial
 * method (W. J. Conover, Practical Nonparametric Statistics, 3rd ed., 1999, §3.2 "quantile test",
 * confidence interval for a quantile; G. J. Hahn & W. Q. Meeker, Statistical Intervals, 1991, §5.2).
 *
 * For the q-quantile ξ of a continuous distribution and n independent values, the number B of values
 * below ξ is Binomial(n, q), so P(X₍r₎ ≤ ξ < X₍s₎) = P(r ≤ B ≤ s − 1). The interval is equal-tailed:
 * r is the largest rank with P(B ≤ r − 1) ≤ α/2, s the smallest with P(B ≥ s) ≤ α/2, α = 1 − level,
 * so its coverage is at least `level` whatever the distribution (conservative: the exact coverage is
 * reported). When no rank in 1..n satisfies a side ((1 − q)ⁿ > α/2 for the lower, qⁿ > α/2 for the
 * upper) the sample cannot support the quantile at that level: the interval would reach past the
 * smallest or largest value seen. The point estimate is the nearest-rank X₍⌈qn⌉₎ (HdrHistogram's
 * definition), shown only when both ends exist.
 */
import { binomial } from './binomial.ts';
import { valueAtRank, sampleSize, type WeightedSample } from './weighted.ts';

/** Default confidence level of every interval: 95 %. */
export const DEFAULT_CONFIDENCE = 0.95;

/** The ranks of a quantile's interval, or why the sample cannot support it. */
export interface QuantileRanks {
  n: number;
  q: number;
  level: number;
  /** Nearest rank ⌈qn⌉ (at least 1); null when n = 0. */
  estimateRank: number | null;
  /** r: the interval's lower end is X₍r₎; null when no rank satisfies the lower side. */
  lowerRank: number | null;
  /** s: the interval's upper end is X₍s₎; null when no rank satisfies the upper side. */
  upperRank: number | null;
  /** P(r ≤ B ≤ s − 1) when both ranks exist (≥ level), else null. */
  coverage: number | null;
  /** Smallest n for which both ranks exist at this q and level. */
  minN: number;
  /** Both ranks exist. */
  supported: boolean;
}

/**
 * Smallest sample size whose equal-tailed interval for quantile q at `level` has both ends:
 * the least n with max(q, 1 − q)ⁿ ≤ (1 − level)/2.
 */
export function minSampleForQuantile(q: number, level = DEFAULT_CONFIDENCE): number {
  checkArgs(q, level);
  const m = Math.max(q, 1 - q);
  if (m >= 1) return Infinity;
  const half = (1 - level) / 2;
  let n = Math.max(1, Math.floor(Math.log(half) / Math.log(m)) - 1);
  while (m ** n > half) n++;
  return n;
}

function checkArgs(q: number, level: number): void {
  if (!(q > 0 && q < 1)) throw new RangeError(`quantile must be in (0, 1), got ${q}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/**
 * The order-statistic ranks of the equal-tailed exact-binomial interval for quantile q from n
 * values at `level` (default 95 %).
 * @throws RangeError for q or level outside (0, 1) or n not a non-negative integer
 */
export function quantileRanks(n: number, q: number, level = DEFAULT_CONFIDENCE): QuantileRanks {
  checkArgs(q, level);
  const minN = minSampleForQuantile(q, level);
  if (n === 0) return { n, q, level, estimateRank: null, lowerRank: null, upperRank: null, coverage: null, minN, supported: false };
  const b = binomial(n, q);
  const half = (1 - level) / 2;
  // P(B ≤ r − 1) grows with r: binary search for the largest r in 1..n with it ≤ α/2.
  let lowerRank: number | null = null;
  if (b.cdf(0) <= half) {
    let lo = 1;
    let hi = n;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (b.cdf(mid - 1) <= half) lo = mid;
      else hi = mid - 1;
    }
    lowerRank = lo;
  }
  // P(B ≥ s) falls with s: the smallest s in 1..n with it ≤ α/2.
  let upperRank: number | null = null;
  if (b.sf(n) <= half) {
    let lo = 1;
    let hi = n;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (b.sf(mid) <= half) hi = mid;
      else lo = mid + 1;
    }
    upperRank = lo;
  }
  const supported = lowerRank !== null && upperRank !== null;
  const coverage = supported ? 1 - b.cdf(lowerRank! - 1) - b.sf(upperRank!) : null;
  const estimateRank = Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9 * n)));
  return { n, q, level, estimateRank, lowerRank, upperRank, coverage, minN, supported };
}

/** A quantile's estimate and interval over raw values (see {@link quantileRanks}). */
export interface QuantileInterval extends QuantileRanks {
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** Estimate and interval of quantile q of a sample; ends are null where the sample cannot support them. */
export function quantileInterval(sample: WeightedSample, q: number, level = DEFAULT_CONFIDENCE): QuantileInterval {
  const ranks = quantileRanks(sampleSize(sample), q, level);
  const at = (r: number | null): number | null => (r === null ? null : valueAtRank(sample, r));
  return { ...ranks, estimate: ranks.supported ? at(ranks.estimateRank) : null, lower: at(ranks.lowerRank), upper: at(ranks.upperRank) };
}
