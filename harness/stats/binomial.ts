/**
 * Binomial(n, q) probabilities, exact to double precision, for the order-statistic intervals.
 * Probabilities are summed over a window of ±14 standard deviations (plus 25) around the mean, the
 * mass outside it being below 1e-30, so a CDF costs O(√n) and n may be in the millions.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error about 1e-15). */
export function logGamma(x: number): number {
  const g = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = g[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += g[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The distribution of B ~ Binomial(n, q): P(B ≤ k) and P(B ≥ k), each summed from its own tail (no cancellation). */
export interface Binomial {
  readonly n: number;
  readonly q: number;
  /** P(B ≤ k); 0 for k < 0, 1 for k ≥ n. */
  cdf(k: number): number;
  /** P(B ≥ k); 1 for k ≤ 0, 0 for k > n. */
  sf(k: number): number;
}

/**
 * Binomial(n, q) with its probabilities tabulated over the window where they are not negligible.
 * @throws RangeError for n not a non-negative integer or q outside [0, 1]
 */
export function binomial(n: number, q: number): Binomial {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial: n must be a non-negative integer, got ${n}`);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`binomial: q must be in [0, 1], got ${q}`);
  const mean = n * q;
  const sd = Math.sqrt(n * q * (1 - q));
  const lo = Math.max(0, Math.floor(mean - 14 * sd - 25));
  const hi = Math.min(n, Math.ceil(mean + 14 * sd + 25));
  const pmf = new Float64Array(hi - lo + 1);
  if (q === 0 || q === 1) {
    if (q === 0 && lo === 0) pmf[0] = 1;
    if (q === 1 && hi === n) pmf[n - lo] = 1;
  } else {
    const lnN = logGamma(n + 1);
    const lq = Math.log(q);
    const l1q = Math.log1p(-q);
    for (let k = lo; k <= hi; k++) pmf[k - lo] = Math.exp(lnN - logGamma(k + 1) - logGamma(n - k + 1) + k * lq + (n - k) * l1q);
  }
  // Prefix sums from the left (for the CDF) and from the right (for the upper tail).
  const left = new Float64Array(pmf.length);
  const right = new Float64Array(pmf.length);
  let acc = 0;
  for (let i = 0; i < pmf.length; i++) left[i] = acc += pmf[i]!;
  acc = 0;
  for (let i = pmf.length - 1; i >= 0; i--) right[i] = acc += pmf[i]!;
  return {
    n,
    q,
    cdf(k: number): number {
      if (k < lo) return 0;
      if (k >= hi) return 1;
      return Math.min(1, left[k - lo]!);
    },
    sf(k: number): number {
      if (k > hi) return 0;
      if (k <= lo) return 1;
      return Math.min(1, right[k - lo]!);
    },
  };
}
