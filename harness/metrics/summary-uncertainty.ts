/**
 * The uncertainty of a run's figures, for `summary.json`: a distribution-free confidence interval
 * for every percentile (harness/stats/quantile-ci.ts), read from the HDR histograms by rank, and
 * rank comparisons of groups (efforts, turn 1 vs later turns) with Holm's correction
 * (harness/stats/rank-compare.ts, holm.ts). Pure: the same recorder gives the same block.
 */
import type { Histogram } from './histogram.ts';
import { SIGNIFICANT_DIGITS, createHistogram } from './histogram.ts';
import { RTF_SCALE, TURN_METRICS, type EffortLabel, type MetricName, type Recorder } from './recorder.ts';
import { DEFAULT_CONFIDENCE, holmAdjust, quantileRanks, rankCompare, type WeightedSample } from '../stats/index.ts';

export { DEFAULT_CONFIDENCE } from '../stats/index.ts';

/** Percentiles that carry an interval. */
export const CI_PERCENTILES = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p95', 0.95],
  ['p99', 0.99],
] as const;
/** A percentile key. */
export type CiPercentile = (typeof CI_PERCENTILES)[number][0];

/** Relative resolution of every histogram value: 10^−significant digits (0.001 = ±0.1 %). */
export const HDR_RELATIVE_ERROR = 10 ** -SIGNIFICANT_DIGITS;

/** One percentile with its interval, or why the sample cannot support it. */
export interface PercentileCi {
  /** Nearest-rank estimate (the same value as the plain `pNN` field); null when not supported. */
  estimate: number | null;
  /** Interval ends (values at ranks r and s); an end is null when no rank satisfies its side. */
  low: number | null;
  high: number | null;
  /** Ranks r and s of the ends (1-based order statistics). */
  low_rank: number | null;
  high_rank: number | null;
  /** Exact coverage P(r ≤ B ≤ s − 1), ≥ the level; null when not supported. */
  coverage: number | null;
  /** Values needed for this percentile at this level. */
  min_count: number;
  /** Null when supported; else e.g. `n=9 too few: p99 needs at least 368 values at 95%`. */
  reason: string | null;
}

/** Intervals of one histogram's percentiles at one level. */
export interface MetricCi {
  level: number;
  p50: PercentileCi;
  p90: PercentileCi;
  p95: PercentileCi;
  p99: PercentileCi;
}

/** The run-wide description of what the intervals mean (`summary.json` `uncertainty`). */
export interface UncertaintyInfo {
  /** Confidence level of every interval and test, e.g. 0.95. */
  level: number;
  percentile_method: string;
  comparison_method: string;
  correction: string;
  /** HDR histogram resolution: every value is within this fraction (0.001 = 0.1 %) of what was recorded. */
  hdr_relative_error: number;
  /** Where the third source, the harness's own timing error, is: `measurement_error_ms` (mock targets). */
  harness_timing: string;
}

/** One comparison of two groups of one metric. */
export interface GroupComparison {
  /** `effort` (two efforts, all turns) or `turn` (one effort, turn 1 vs turns 2 and later). */
  kind: 'effort' | 'turn';
  /** Group names: efforts, or `<effort> turn 1` / `<effort> turns 2+`. */
  a: string;
  b: string;
  n_a: number;
  n_b: number;
  /** Hodges–Lehmann shift b − a in the metric's unit; null when a group is empty. */
  shift: number | null;
  /** Moses interval of the shift; null when the groups are too small for the level. */
  ci: [number, number] | null;
  /** Two-sided Mann–Whitney p-value, and Holm-adjusted within the metric's comparisons. */
  p: number | null;
  p_holm: number | null;
  /** `real`: Holm-adjusted p ≤ 1 − level; `not distinguishable`; `too few` (no interval or test). */
  verdict: 'real' | 'not distinguishable' | 'too few';
  /** The comparison in words, e.g. `high vs low: +640 ms [95% CI +410, +880], p=0.001 (Holm) — real`. */
  text: string;
}

/** `summary.json` `comparisons`: per metric key (`ttfa_ms`, …), its comparisons. */
export type Comparisons = Record<string, GroupComparison[]>;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface HdrBuckets {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
  valueFromIndex(i: number): number;
  highestEquivalentValue(v: number): number;
}

/**
 * A histogram's buckets as a weighted sample, each bucket at its highest equivalent value (the
 * value HDR reports for percentiles), divided by `divisor` (µs → ms by default).
 */
export function histogramSample(h: Histogram, divisor = 1000): WeightedSample {
  const b = h as unknown as HdrBuckets;
  const values: number[] = [];
  const counts: number[] = [];
  if (h.totalCount === 0) return { values, counts };
  for (let i = 0; i < b.countsArrayLength; i++) {
    const c = b.getCountAtIndex(i);
    if (c > 0) {
      values.push(b.highestEquivalentValue(b.valueFromIndex(i)) / divisor);
      counts.push(c);
    }
  }
  return { values, counts };
}

/** Level as text: 0.95 → `95%`, 0.9 → `90%`, 0.999 → `99.9%`. */
export function levelText(level: number): string {
  return `${Number((level * 100).toFixed(2))}%`;
}

/** The 1-based order statistic of a weighted sample, or null. */
function at(s: WeightedSample, rank: number | null): number | null {
  if (rank === null) return null;
  let acc = 0;
  for (let i = 0; i < s.values.length; i++) if ((acc += s.counts[i]!) >= rank) return round3(s.values[i]!);
  return null;
}

/** Intervals of p50/p90/p95/p99 of a sample at `level`. */
export function sampleCi(s: WeightedSample, level: number): MetricCi {
  let n = 0;
  for (const c of s.counts) n += c;
  const out = { level } as MetricCi;
  for (const [key, q] of CI_PERCENTILES) {
    const r = quantileRanks(n, q, level);
    out[key] = {
      estimate: r.supported ? at(s, r.estimateRank) : null,
      low: at(s, r.lowerRank),
      high: at(s, r.upperRank),
      low_rank: r.lowerRank,
      high_rank: r.upperRank,
      coverage: r.coverage === null ? null : Math.round(r.coverage * 10_000) / 10_000,
      min_count: r.minN,
      reason: r.supported ? null : n === 0 ? 'no values' : `n=${n} too few: ${key} needs at least ${r.minN} values at ${levelText(level)}`,
    };
  }
  return out;
}

/** Intervals of a recorder histogram's percentiles (ms; ratio for `audio_rtf`). */
export function histogramCi(h: Histogram | undefined, metric: MetricName, level: number): MetricCi {
  return sampleCi(histogramSample(h ?? createHistogram(true), metric === 'audio_rtf' ? RTF_SCALE : 1000), level);
}

/** The `uncertainty` block. */
export function uncertaintyInfo(level: number): UncertaintyInfo {
  return {
    level,
    percentile_method:
      'distribution-free interval from order statistics, exact binomial, equal-tailed (Conover, Practical Nonparametric Statistics, 3rd ed., 1999, §3.2; Hahn & Meeker, Statistical Intervals, 1991, §5.2); a percentile is shown only when both ends exist',
    comparison_method:
      'Hodges–Lehmann shift with the Moses (Mann–Whitney) distribution-free interval; two-sided Mann–Whitney U test, exact permutation for n_a + n_b ≤ 40, else normal approximation with continuity and tie correction (Hollander & Wolfe, Nonparametric Statistical Methods, 2nd ed., 1999, §4.1–4.3); ranks from HDR histogram counts (values sharing a bucket are ties)',
    correction: 'Holm (1979) step-down, within each metric\'s comparisons',
    hdr_relative_error: HDR_RELATIVE_ERROR,
    harness_timing: 'measurement_error_ms (harness first-audio stamp − the mock\'s send stamp; mock targets only)',
  };
}

function signed(v: number, unit: string): string {
  const digits = unit === '×' ? 2 : Math.abs(v) >= 100 ? 0 : 1;
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}`;
}

function pText(p: number): string {
  return p < 0.001 ? 'p<0.001' : `p=${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** The words of a comparison; `label` names the metric (e.g. `TTFA`), unit `ms` or `×`. */
export function comparisonText(c: Omit<GroupComparison, 'text'>, label: string, unit: string, level: number): string {
  const head = `${c.b} vs ${c.a}: ${label}`;
  if (c.verdict === 'too few' || c.shift === null) return `${head}: n=${c.n_b}/${c.n_a} too few to compare at ${levelText(level)}`;
  const u = unit === '×' ? '×' : ` ${unit}`;
  const ci = c.ci ? ` [${levelText(level)} CI ${signed(c.ci[0], unit)}, ${signed(c.ci[1], unit)}]` : ` [no ${levelText(level)} CI: too few]`;
  const p = c.p_holm === null ? '' : `, ${pText(c.p_holm)} (Holm)`;
  return `${head} ${signed(c.shift, unit)}${u}${ci}${p} — ${c.verdict}`;
}

/** Display name and unit of a summary metric key. */
export function metricLabel(key: string): { label: string; unit: string } {
  const names: Record<string, string> = { ttfa: 'TTFA', ttfa_onset: 'TTFA to onset', vad_delay: 'VAD delay', response_start: 'response start', turn: 'turn time', first_text: 'first text', connect: 'connect', configure: 'configure' };
  const base = key.replace(/_ms$/, '');
  return { label: names[base] ?? base.replace(/_/g, ' '), unit: key === 'audio_rtf' ? '×' : 'ms' };
}

/** Compares the given groups of one metric; Holm across them; verdicts at `level`. */
export function compareGroups(metricKey: string, groups: { kind: GroupComparison['kind']; a: string; b: string; sa: WeightedSample; sb: WeightedSample }[], level: number): GroupComparison[] {
  const results = groups.map((g) => ({ g, r: rankCompare(g.sa, g.sb, level) }));
  const adjusted = holmAdjust(results.map(({ r }) => r.p));
  const { label, unit } = metricLabel(metricKey);
  return results.map(({ g, r }, i) => {
    const pHolm = adjusted[i] ?? null;
    const verdict: GroupComparison['verdict'] = r.p === null || r.lower === null ? 'too few' : pHolm !== null && pHolm <= 1 - level ? 'real' : 'not distinguishable';
    const base: Omit<GroupComparison, 'text'> = {
      kind: g.kind,
      a: g.a,
      b: g.b,
      n_a: r.nA,
      n_b: r.nB,
      shift: r.shift === null ? null : round3(r.shift),
      ci: r.lower === null || r.upper === null ? null : [round3(r.lower), round3(r.upper)],
      p: r.p === null ? null : Number(r.p.toPrecision(4)),
      p_holm: pHolm === null ? null : Number(pHolm.toPrecision(4)),
      verdict,
    };
    return { ...base, text: comparisonText(base, label, unit, level) };
  });
}

/**
 * The `comparisons` block: for every turn metric (so a metric added to TURN_METRICS gets them
 * too), each pair of efforts with values (the later effort minus the earlier, minimal … xhigh) and,
 * per effort, turns 2 and later minus turn 1. Holm within each metric's list.
 */
export function buildComparisons(recorder: Recorder, efforts: readonly EffortLabel[], level = DEFAULT_CONFIDENCE): Comparisons {
  const out: Comparisons = {};
  for (const metric of TURN_METRICS) {
    const sample = (e: string, bucket: 'all' | '1' | '2' | '3+'): WeightedSample => histogramSample(recorder.histogram(metric, e, bucket) ?? createHistogram(true));
    const withValues = efforts.filter((e) => (recorder.histogram(metric, e)?.totalCount ?? 0) > 0);
    const groups: Parameters<typeof compareGroups>[1] = [];
    for (let i = 0; i < withValues.length; i++)
      for (let j = i + 1; j < withValues.length; j++) groups.push({ kind: 'effort', a: withValues[i]!, b: withValues[j]!, sa: sample(withValues[i]!, 'all'), sb: sample(withValues[j]!, 'all') });
    for (const e of withValues) {
      const later = createHistogram(true);
      for (const b of ['2', '3+'] as const) {
        const h = recorder.histogram(metric, e, b);
        if (h) later.add(h);
      }
      const first = sample(e, '1');
      if (later.totalCount > 0 && first.values.length > 0) groups.push({ kind: 'turn', a: `${e} turn 1`, b: `${e} turns 2+`, sa: first, sb: histogramSample(later) });
    }
    if (groups.length > 0) out[`${metric}_ms`] = compareGroups(`${metric}_ms`, groups, level);
  }
  return out;
}
