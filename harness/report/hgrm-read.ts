/**
 * Reads back an `.hgrm` percentile distribution (HdrHistogram's `outputPercentileDistribution`
 * text). Used for the send lag of runs that left no recorder snapshot: turns.jsonl does not carry
 * per-frame lag, but `histograms/send_lag.hgrm` does, at its percentile ticks.
 */
import { createHistogram, HIGHEST_US, type Histogram } from '../metrics/histogram.ts';

/** One row of a percentile distribution. */
export interface HgrmRow {
  /** Value at the percentile, in the file's unit (ms for the project's files). */
  value: number;
  /** 0 … 1. */
  percentile: number;
  /** Samples at or below `value`. */
  totalCount: number;
}

/** Rows of an `.hgrm` text; lines that are not data rows (header, `#[…]` footer) are ignored. */
export function parseHgrm(text: string): HgrmRow[] {
  const rows: HgrmRow[] = [];
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 3) continue;
    const [v, p, c] = cells.map(Number) as [number, number, number];
    if (Number.isFinite(v) && Number.isFinite(p) && Number.isInteger(c) && p >= 0 && p <= 1) rows.push({ value: v, percentile: p, totalCount: c });
  }
  return rows;
}

/**
 * An approximation of the histogram an `.hgrm` was printed from: each row's new samples are
 * recorded at the row's value. The total count and the value at every printed percentile tick are
 * exact; between ticks values are rounded up to the next tick's value.
 * @param scale multiplier from the file's unit to the histogram's (default 1000: ms in the file, µs recorded)
 */
export function histogramFromHgrm(rows: readonly HgrmRow[], scale = 1000): Histogram {
  const h = createHistogram(true);
  let prev = 0;
  for (const r of rows) {
    const n = r.totalCount - prev;
    if (n > 0) h.recordValueWithCount(Math.min(HIGHEST_US, Math.max(0, Math.round(r.value * scale))), n);
    prev = Math.max(prev, r.totalCount);
  }
  return h;
}
