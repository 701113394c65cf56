/**
 * How many values a two-group rank comparison needs: G. E. Noether, "Sample size determination for
 * some common nonparametric tests", Journal of the American Statistical Association 82 (1987)
 * 645–647. For the two-sided Mann–Whitney test at level α with power 1 − β, a fraction c of the N
 * values in the first group, and p = P(B > A) + ½P(B = A) under the alternative:
 *
 *   N = (z_{1−α/2} + z_{1−β})² / (12·c·(1 − c)·(p − ½)²)
 *
 * The formula makes no assumption about the shape of the distributions; p carries all of it. Here p
 * is computed from two samples' shapes (each centred on its median) with the shift to detect
 * applied, so a wide or skewed spread needs more values than a narrow one for the same shift.
 */
import { normalQuantile } from './normal.ts';
import { DEFAULT_CONFIDENCE } from './quantile-ci.ts';
import { uStatistic } from './rank-compare.ts';
import { sampleSize, valueAtRank, type WeightedSample } from './weighted.ts';

/** Default power of the planner: 80 %. */
export const DEFAULT_POWER = 0.8;

/**
 * P(B > A) + ½·P(B = A) for independent A from `a` and B from `b` (weighted, exact over all pairs
 * by one merge pass).
 */
export function probabilityGreater(a: WeightedSample, b: WeightedSample): number {
  const nA = sampleSize(a);
  const nB = sampleSize(b);
  if (nA === 0 || nB === 0) throw new RangeError('probabilityGreater: empty sample');
  return uStatistic(a, b) / (nA * nB);
}

/** A sample moved so that its median (lower median X₍⌈n/2⌉₎) is 0. */
export function centred(s: WeightedSample): WeightedSample {
  const med = valueAtRank(s, Math.ceil(sampleSize(s) / 2));
  return { values: s.values.map((v) => v - med), counts: s.counts };
}

/** Inputs of {@link noetherSampleSize}. */
export interface SampleSizeInput {
  /** p = P(B > A) + ½P(B = A) under the alternative; must differ from ½. */
  p: number;
  /** Confidence level (1 − α); default 95 %. */
  level?: number;
  /** Power (1 − β); default 80 %. */
  power?: number;
  /** Fraction of values in group A; default ½ (equal groups). */
  fractionA?: number;
}

/** Result of {@link noetherSampleSize}. */
export interface SampleSize {
  /** Total N, rounded up. */
  total: number;
  /** Values in group A and B (N·c and N·(1 − c), each rounded up). */
  perGroupA: number;
  perGroupB: number;
}

/**
 * Noether's N. Returns Infinity per group when p = ½ (no difference can be detected).
 * @throws RangeError for p outside [0, 1], level or power outside (0, 1), fraction outside (0, 1)
 */
export function noetherSampleSize(input: SampleSizeInput): SampleSize {
  const level = input.level ?? DEFAULT_CONFIDENCE;
  const power = input.power ?? DEFAULT_POWER;
  const c = input.fractionA ?? 0.5;
  if (!(input.p >= 0 && input.p <= 1)) throw new RangeError(`p must be in [0, 1], got ${input.p}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power must be in (0, 1), got ${power}`);
  if (!(c > 0 && c < 1)) throw new RangeError(`group fraction must be in (0, 1), got ${c}`);
  const d = input.p - 0.5;
  if (d === 0) return { total: Infinity, perGroupA: Infinity, perGroupB: Infinity };
  const z = normalQuantile(1 - (1 - level) / 2) + normalQuantile(power);
  const total = Math.ceil((z * z) / (12 * c * (1 - c) * d * d) - 1e-9);
  return { total, perGroupA: Math.ceil(total * c - 1e-9), perGroupB: Math.ceil(total * (1 - c) - 1e-9) };
}

/**
 * Values per group needed to detect a shift `deltaB` of group B over group A, given the two
 * groups' shapes (each centred on its median, then B moved by the shift): Noether's formula with
 * p = P(B' > A') from {@link probabilityGreater}.
 */
export function samplesToDetectShift(a: WeightedSample, b: WeightedSample, deltaB: number, opts: Omit<SampleSizeInput, 'p'> = {}): SampleSize & { p: number } {
  const ca = centred(a);
  const cb = centred(b);
  const p = probabilityGreater(ca, { values: cb.values.map((v) => v + deltaB), counts: cb.counts });
  return { ...noetherSampleSize({ ...opts, p }), p };
}
