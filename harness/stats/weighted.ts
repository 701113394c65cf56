/**
 * A sample as distinct values with counts: what an HDR histogram holds (one value per bucket), and
 * enough for every rank statistic here. Raw values become one with {@link weightedFromValues}.
 */

/** Distinct values in increasing order, each with a positive count. */
export interface WeightedSample {
  readonly values: readonly number[];
  readonly counts: readonly number[];
}

/** The sample of raw values (sorted, equal values merged). Non-finite values are dropped. */
export function weightedFromValues(xs: readonly number[]): WeightedSample {
  const sorted = xs.filter(Number.isFinite).sort((a, b) => a - b);
  const values: number[] = [];
  const counts: number[] = [];
  for (const x of sorted) {
    if (values.length > 0 && values[values.length - 1] === x) counts[counts.length - 1]! += 1;
    else {
      values.push(x);
      counts.push(1);
    }
  }
  return { values, counts };
}

/** Number of observations. */
export function sampleSize(s: WeightedSample): number {
  let n = 0;
  for (const c of s.counts) n += c;
  return n;
}

/**
 * The `rank`-th smallest observation, 1-based (the order statistic X₍rank₎).
 * @throws RangeError when rank is not in 1..n
 */
export function valueAtRank(s: WeightedSample, rank: number): number {
  let acc = 0;
  for (let i = 0; i < s.values.length; i++) {
    acc += s.counts[i]!;
    if (acc >= rank && rank >= 1) return s.values[i]!;
  }
  throw new RangeError(`valueAtRank: rank ${rank} is outside 1..${acc}`);
}

/** The same sample with every value moved by `delta` (for shift alternatives). */
export function shifted(s: WeightedSample, delta: number): WeightedSample {
  return { values: s.values.map((v) => v + delta), counts: s.counts };
}
