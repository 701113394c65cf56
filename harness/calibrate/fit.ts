/**
 * The statistics of `rth calibrate`: log-normal fits to a sample of delays (the mock's delay model,
 * mock-server/latency-profile.ts: a median and a p95, σ = ln(p95/median) / 1.645), the
 * Kolmogorov–Smirnov distance of a fit from its data, the later-turn factor, and the monotone
 * repair the profile format needs (efforts' medians strictly increasing). Pure functions.
 */

/** z of the 95th percentile of a standard normal. */
export const Z95 = 1.6448536269514722;
/** Interquartile range of a standard normal (2 × z of the 75th percentile). */
const NORMAL_IQR = 1.3489795003921634;
/** Delays at or below this are taken as this before logs are taken, ms (1 µs: the stamps' resolution). */
export const MIN_DELAY_MS = 0.001;

/** The `p`-quantile (0…1) of sorted values, linear between order statistics (Hyndman–Fan type 7). */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Median (mean of the middle two for even counts); NaN for no values. */
export function median(xs: readonly number[]): number {
  return quantileSorted([...xs].sort((a, b) => a - b), 0.5);
}

/** A log-normal fitted to a sample. */
export interface LogNormalFit {
  /** Sample size. */
  n: number;
  /** The sample median, ms. */
  medianMs: number;
  /** σ of ln(delay): the interquartile range of the logs / 1.349 (robust to a few stalls); 0 below 4 values. */
  sigma: number;
  /** medianMs × e^(1.645 σ), ms: the profile's p95. */
  p95Ms: number;
  /** Kolmogorov–Smirnov distance between the fitted CDF and the sample's (0…1). */
  ks: number;
  /**
   * 1.36/√n: the KS distance above which a fully specified distribution would be rejected at 5 %.
   * The parameters come from the same data, so this reference is conservative (Lilliefors): a fit
   * above it is certainly poor; one below it is not proven good.
   */
  ksCritical5: number;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** KS distance of `sample` from the log-normal with this median and σ (a point mass at the median when σ = 0). */
export function ksDistance(sample: readonly number[], medianMs: number, sigma: number): number {
  const xs = [...sample].sort((a, b) => a - b);
  const n = xs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.max(MIN_DELAY_MS, xs[i]!);
    const f = sigma > 0 ? normalCdf(Math.log(x / medianMs) / sigma) : x < medianMs ? 0 : 1;
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  return d;
}

/** Fits the profile's log-normal to delays (ms); throws RangeError on an empty sample. */
export function fitLogNormal(sample: readonly number[]): LogNormalFit {
  const n = sample.length;
  if (n === 0) throw new RangeError('fitLogNormal: empty sample');
  const medianMs = Math.max(MIN_DELAY_MS, median(sample));
  const logs = sample.map((x) => Math.log(Math.max(MIN_DELAY_MS, x))).sort((a, b) => a - b);
  const sigma = n >= 4 ? (quantileSorted(logs, 0.75) - quantileSorted(logs, 0.25)) / NORMAL_IQR : 0;
  return { n, medianMs, sigma, p95Ms: medianMs * Math.exp(Z95 * sigma), ks: ksDistance(sample, medianMs, sigma), ksCritical5: 1.36 / Math.sqrt(n) };
}

/** One group's first-audio delays split by turn: turn 1, and later turns. */
export interface TurnSplit {
  first: readonly number[];
  later: readonly number[];
}

/** The later-turn factor and how it was estimated. */
export interface LaterTurnFit {
  /** Multiplier on later turns' first-audio delay, or null when no group has both turn-1 and later turns. */
  factor: number | null;
  /** Turn-1 and later-turn delays used (over the groups that had both). */
  nFirst: number;
  nLater: number;
}

/**
 * The later-turn factor f of the mock's model (later turns' delay = f × the turn-1 delay): per group
 * (an effort) the difference of median log delay between later turns and turn 1, averaged over the
 * groups with weights 1/(1/n₁ + 1/n_later) (inverse variance of the difference); f = e^that.
 */
export function fitLaterTurnFactor(groups: readonly TurnSplit[]): LaterTurnFit {
  let sum = 0;
  let weights = 0;
  let nFirst = 0;
  let nLater = 0;
  for (const g of groups) {
    if (g.first.length === 0 || g.later.length === 0) continue;
    const logMedian = (xs: readonly number[]): number => median(xs.map((x) => Math.log(Math.max(MIN_DELAY_MS, x))));
    const w = 1 / (1 / g.first.length + 1 / g.later.length);
    sum += w * (logMedian(g.later) - logMedian(g.first));
    weights += w;
    nFirst += g.first.length;
    nLater += g.later.length;
  }
  return { factor: weights > 0 ? Math.exp(sum / weights) : null, nFirst, nLater };
}

/**
 * The closest non-decreasing sequence to `ys` by weighted least squares (pool adjacent violators),
 * then nudged to strictly increasing by `step` where neighbours tie. Returns a new array.
 */
export function increasingFit(ys: readonly number[], weights: readonly number[], step: number): number[] {
  const blocks: { sum: number; w: number; count: number }[] = [];
  ys.forEach((y, i) => {
    const w = weights[i]! > 0 ? weights[i]! : 1e-9;
    blocks.push({ sum: y * w, w, count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sum / a.w <= b.sum / b.w) break;
      blocks.splice(blocks.length - 2, 2, { sum: a.sum + b.sum, w: a.w + b.w, count: a.count + b.count });
    }
  });
  const out: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.count; k++) out.push(b.sum / b.w);
  for (let i = 1; i < out.length; i++) if (out[i]! <= out[i - 1]!) out[i] = out[i - 1]! + step;
  return out;
}
