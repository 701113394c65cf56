/**
 * The statistics behind `rth compare`: each row's percentile interval (from the run's recorder,
 * else from its summary's `ci`), the interval rule of the regression gate, and the candidate-vs-
 * baseline rank comparison per metric and effort.
 */
import type { LatencyMetric, Recorder } from '../metrics/recorder.ts';
import type { MetricStatsMs } from '../metrics/summary-types.ts';
import { compareGroups, histogramCi, histogramSample, type CiPercentile, type GroupComparison } from '../metrics/summary-uncertainty.ts';
import { createHistogram } from '../metrics/histogram.ts';
import type { CompareMetric, CompareStat, RegressionLimit } from './compare.ts';

/** A row's interval: ends null when the sample cannot support them. */
export interface RowInterval {
  low: number | null;
  high: number | null;
  count: number;
}

/**
 * The interval of `stat` for one side, or null when the row is judged by points: `max` (an observed
 * value), or no recorder and no summary `ci` at this level.
 */
export function intervalOf(stats: MetricStatsMs | undefined, recorder: Recorder | null, metric: CompareMetric, effort: string, stat: CompareStat, level: number): RowInterval | null {
  if (stat === 'max' || !stats || stats.count === 0) return null;
  const key = stat as CiPercentile;
  if (recorder) {
    const h = recorder.histogram(metric as LatencyMetric, effort);
    if (h && h.totalCount > 0) {
      const ci = histogramCi(h, metric as LatencyMetric, level)[key];
      return { low: ci.low, high: ci.high, count: h.totalCount };
    }
  }
  const ci = stats.ci;
  if (ci && Math.abs(ci.level - level) < 1e-9) return { low: ci[key].low, high: ci[key].high, count: stats.count };
  return null;
}

/**
 * The interval rule: broken when candidate.low > baseline.high + N ms (`ms`) or
 * > baseline.high × (1 + N/100) (`%`); inconclusive when either end is missing.
 */
export function regressionByInterval(limit: RegressionLimit, base: RowInterval, cand: RowInterval): boolean | 'inconclusive' {
  if (base.high === null || cand.low === null) return 'inconclusive';
  const threshold = limit.kind === 'ms' ? base.high + limit.value : base.high * (1 + limit.value / 100);
  return cand.low > threshold;
}

/** Candidate − baseline per metric and effort with values in both runs; Holm over all of them. */
export function runShifts(base: Recorder, cand: Recorder, metrics: readonly CompareMetric[], efforts: readonly string[], level: number): (GroupComparison & { metric: CompareMetric; effort: string })[] {
  const groups: Parameters<typeof compareGroups>[1] = [];
  const keys: { metric: CompareMetric; effort: string }[] = [];
  for (const metric of metrics) {
    for (const effort of efforts) {
      const hb = base.histogram(metric as LatencyMetric, effort);
      const hc = cand.histogram(metric as LatencyMetric, effort);
      if (!hb?.totalCount || !hc?.totalCount) continue;
      groups.push({ kind: 'effort', a: `baseline ${effort}`, b: `candidate ${effort}`, sa: histogramSample(hb ?? createHistogram(true)), sb: histogramSample(hc) });
      keys.push({ metric, effort });
    }
  }
  if (groups.length === 0) return [];
  // One family over every metric and effort compared: the gate's question is "did anything move".
  const out = compareGroups('ttfa_ms', groups, level);
  return out.map((c, i) => {
    const { metric, effort } = keys[i]!;
    const label = metric === 'ttfa' ? 'TTFA' : metric.replace(/_/g, ' ');
    return { ...c, text: c.text.replace(/: TTFA(?=[ :])/, `: ${label}`), metric, effort };
  });
}

/**
 * The difference rule of p50 limits: broken when the shift interval's lower end exceeds the
 * allowance (N ms, or N % of the baseline p50); inconclusive without an interval.
 */
export function shiftBreaks(limit: RegressionLimit, ci: [number, number] | null, baselineP50: number | null): boolean | 'inconclusive' {
  if (ci === null) return 'inconclusive';
  const allowance = limit.kind === 'ms' ? limit.value : ((baselineP50 ?? 0) * limit.value) / 100;
  return ci[0] > allowance;
}
