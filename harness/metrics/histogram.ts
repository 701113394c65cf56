/**
 * HDR histograms with the project's explicit ranges: values in µs from 1 µs to 10 min at 3
 * significant digits (±0.1 %), reported in ms. One place so that every histogram of a run, of
 * every worker and shard, has the same layout and can be added.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

export type { Histogram } from 'hdr-histogram-js';

/** Lowest discernible value, µs. */
export const LOWEST_US = 1;
/** Highest trackable value, µs (10 minutes); larger values are clamped to it. */
export const HIGHEST_US = 600_000_000;
/** Significant decimal digits kept. */
export const SIGNIFICANT_DIGITS = 3;

/**
 * A new histogram with the standard range.
 * @param packed `true` (default) for the packed layout (a few KiB when sparse; for per-turn
 *   metrics), `false` for plain 32-bit counters (faster recording; for the per-frame send lag)
 */
export function createHistogram(packed = true): Histogram {
  return build({
    bitBucketSize: packed ? 'packed' : 32,
    autoResize: false,
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
  });
}

/** Records a value, rounded and clamped to [0, HIGHEST_US] (HDR cannot hold negatives). */
export function recordClamped(h: Histogram, value: number): void {
  if (!Number.isFinite(value)) return;
  h.recordValue(Math.min(HIGHEST_US, Math.max(0, Math.round(value))));
}

/** Summary statistics of a histogram, scaled (µs → ms by default); all null when empty. */
export interface HistogramStats {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * Count, min, mean, p50/p90/p95/p99 and max, divided by `divisor` (default 1000: µs in, ms out),
 * rounded to 3 decimals. Percentiles (and max) are HDR's: the highest value equivalent to the
 * percentile's bucket, so within 0.1 % above the recorded value.
 */
export function histogramStats(h: Histogram, divisor = 1000): HistogramStats {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, max: null };
  const at = (p: number): number => round3(h.getValueAtPercentile(p) / divisor);
  // Max as the 100th percentile (highest equivalent value), not `maxValue`: a decoded or merged
  // histogram only knows bucket bounds, and a run must report the same max whether or not its
  // histograms went through a worker's snapshot.
  return { count, min: at(0), mean: round3(h.mean / divisor), p50: at(50), p90: at(90), p95: at(95), p99: at(99), max: at(100) };
}

/** The histogram as base64 of the compressed HDR encoding (JSON-safe, mergeable). */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** Decodes {@link encodeHistogram}'s output into a packed histogram with the standard range. */
export function decodeHistogram(base64: string): Histogram {
  const decoded = decodeFromCompressedBase64(base64, 'packed', false);
  // Re-home into the standard layout so later adds never meet a narrower range.
  const h = createHistogram(true);
  h.add(decoded);
  return h;
}
