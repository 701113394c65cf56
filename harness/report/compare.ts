/**
 * `rth compare BASELINE CANDIDATE`: a side-by-side table per metric and effort (baseline,
 * candidate, delta, %) from two runs' summaries, and a regression gate for CI:
 * `--max-regression <metric>[.<effort>].<stat>=<N>%|<N>ms`, repeatable. Pure functions here; the
 * command decides the exit code from {@link CompareResult.regressions}.
 *
 * The gate uses intervals (docs/readme/report.md, "rth compare"): a percentile row regresses when
 * the candidate's interval lies above the baseline's by more than the allowance, i.e. the
 * candidate's lower end > the baseline's upper end + N ms (or × (1 + N/100)). A row whose interval
 * an end is missing (too few values) is inconclusive, not a regression. `max`, and summaries
 * without intervals and without turns.jsonl, keep the point rule (candidate − baseline > allowance).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { compareEfforts } from '../metrics/recorder.ts';
import type { MetricStatsMs, RunSummary } from '../metrics/summary-types.ts';
import { REASONING_EFFORTS } from '../../common/protocol/types.ts';
import { rebuildRun } from './rebuild.ts';
import type { Recorder } from '../metrics/recorder.ts';
import { DEFAULT_CONFIDENCE, type GroupComparison } from '../metrics/summary-uncertainty.ts';
import { intervalOf, regressionByInterval, runShifts, shiftBreaks, type RowInterval } from './compare-stats.ts';

/** Metrics that can be compared (latencies in ms, from summary.json `metrics.<metric>_ms`). */
export const COMPARE_METRICS = ['ttfa', 'ttfa_onset', 'vad_delay', 'response_start', 'first_text', 'turn', 'connect', 'configure'] as const;
/** A comparable metric. */
export type CompareMetric = (typeof COMPARE_METRICS)[number];
/** Statistics a limit may name. */
export const COMPARE_STATS = ['p50', 'p90', 'p95', 'p99', 'max'] as const;
/** A comparable statistic. */
export type CompareStat = (typeof COMPARE_STATS)[number];
/** Statistics shown by default (plus any a limit names). */
export const DEFAULT_COMPARE_STATS: readonly CompareStat[] = ['p50', 'p95', 'p99'];
/** Effort keys a limit may name. */
export const COMPARE_EFFORTS: readonly string[] = [...REASONING_EFFORTS, 'none'];

/** One `--max-regression` limit. */
export interface RegressionLimit {
  metric: CompareMetric;
  /** Null = every effort. */
  effort: string | null;
  stat: CompareStat;
  /** `pct`: candidate may exceed baseline by this many percent; `ms`: by this many ms. */
  kind: 'pct' | 'ms';
  value: number;
  /** As typed. */
  raw: string;
}

const LIMIT_RE = /^([a-z_]+)(?:\.([a-z]+))?\.([a-z0-9]+)=([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(%|ms)$/;

function metricName(raw: string): CompareMetric | null {
  const m = raw.endsWith('_ms') ? raw.slice(0, -3) : raw;
  return (COMPARE_METRICS as readonly string[]).includes(m) ? (m as CompareMetric) : null;
}

/**
 * Parses `--max-regression` values such as `ttfa.p95=10%`, `turn.high.p99=250ms`.
 * @throws ConfigError `E_FLAG` naming the flag and every bad value with what was expected
 */
export function parseRegressionLimits(specs: readonly string[], flag = '--max-regression'): RegressionLimit[] {
  const problems: string[] = [];
  const out: RegressionLimit[] = [];
  for (const raw of specs) {
    const spec = raw.trim();
    const m = LIMIT_RE.exec(spec);
    if (!m) {
      problems.push(`${flag} '${raw}': expected <metric>[.<effort>].<stat>=<number>% or =<number>ms, e.g. ttfa.p95=10% or turn.high.p99=250ms`);
      continue;
    }
    const [, metricRaw, effort, stat, num, unit] = m as unknown as [string, string, string | undefined, string, string, '%' | 'ms'];
    const metric = metricName(metricRaw);
    const bad: string[] = [];
    if (!metric) bad.push(`metric '${metricRaw}' is not one of ${COMPARE_METRICS.join(', ')}`);
    if (effort !== undefined && !COMPARE_EFFORTS.includes(effort)) bad.push(`effort '${effort}' is not one of ${COMPARE_EFFORTS.join(', ')}`);
    if (!(COMPARE_STATS as readonly string[]).includes(stat)) bad.push(`percentile '${stat}' is not one of ${COMPARE_STATS.join(', ')}`);
    if (bad.length) {
      problems.push(`${flag} '${raw}': ${bad.join('; ')}`);
      continue;
    }
    out.push({ metric: metric!, effort: effort ?? null, stat: stat as CompareStat, kind: unit === '%' ? 'pct' : 'ms', value: Number(num), raw: spec });
  }
  if (problems.length) throw new ConfigError('E_FLAG', problems);
  return out;
}

/**
 * Parses `--metric` values (repeatable, each possibly comma-separated; `ttfa` or `ttfa_ms`).
 * @throws ConfigError `E_FLAG` naming every unknown metric
 */
export function parseMetricList(specs: readonly string[], flag = '--metric'): CompareMetric[] {
  const problems: string[] = [];
  const out: CompareMetric[] = [];
  for (const item of specs.flatMap((s) => s.split(',')).map((s) => s.trim())) {
    const m = metricName(item);
    if (m) {
      if (!out.includes(m)) out.push(m);
    } else problems.push(`${flag} '${item}': expected one of ${COMPARE_METRICS.join(', ')}`);
  }
  if (problems.length) throw new ConfigError('E_FLAG', problems);
  return out;
}

/** One line of the comparison. */
export interface CompareRow {
  metric: CompareMetric;
  effort: string;
  stat: CompareStat;
  baseline: number | null;
  candidate: number | null;
  baselineCount: number;
  candidateCount: number;
  /** candidate − baseline, ms; null when either is missing. */
  deltaMs: number | null;
  /** delta / baseline × 100; null when either is missing or the baseline is 0. */
  deltaPct: number | null;
  /** Limits that apply to this row. */
  limits: RegressionLimit[];
  /** Limits this row breaks. */
  breached: RegressionLimit[];
  /** `no candidate samples` when the baseline had samples and the candidate none. */
  note: string | null;
  /** The rows' intervals at the comparison's level (null: judged by points). */
  baselineCi: RowInterval | null;
  candidateCi: RowInterval | null;
  /** Limits this row could neither show broken nor kept (an interval end missing: too few values). */
  inconclusive: RegressionLimit[];
  /** p50 rows judged by the difference: the shift's interval (candidate − baseline), null when too few. */
  shiftCi?: [number, number] | null;
}

/** The whole comparison. */
export interface CompareResult {
  rows: CompareRow[];
  /** Rows breaking at least one limit. */
  regressions: CompareRow[];
  /** Things a reader should know (an invalid run, a limit matching nothing). */
  warnings: string[];
  /** Rows with an inconclusive limit. */
  inconclusive: CompareRow[];
  /** Candidate vs baseline per metric and effort (Hodges–Lehmann, Moses, Mann–Whitney, Holm over all); empty without the runs' turns. */
  shifts: (GroupComparison & { metric: CompareMetric; effort: string })[];
  /** Confidence level of every interval and test. */
  level: number;
}

/** Options of {@link compareSummaries}. */
export interface CompareOptions {
  limits?: readonly RegressionLimit[];
  /** Metrics to show. Default every metric with samples in either run. */
  metrics?: readonly CompareMetric[];
  /** Confidence level, in (0, 1); default 0.95. */
  level?: number;
  /**
   * The runs' recorders (from turns.jsonl): intervals at `level` and the rank comparisons come from
   * their histograms. Without them, intervals come from each summary's `ci` (when at `level`).
   */
  recorders?: { baseline: Recorder | null; candidate: Recorder | null };
}

function statsOf(s: Pick<RunSummary, 'metrics'>, metric: CompareMetric, effort: string): MetricStatsMs | undefined {
  return (s.metrics[`${metric}_ms`] as Record<string, MetricStatsMs> | undefined)?.[effort];
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function breaks(limit: RegressionLimit, row: Pick<CompareRow, 'baseline' | 'candidate' | 'deltaMs' | 'baselineCount' | 'candidateCount' | 'baselineCi' | 'candidateCi'>): boolean | 'inconclusive' {
  if (row.baselineCount === 0) return false;
  if (row.candidateCount === 0 || row.candidate === null) return true;
  if (row.baselineCi && row.candidateCi) return regressionByInterval(limit, row.baselineCi, row.candidateCi);
  const delta = row.deltaMs!;
  if (limit.kind === 'ms') return delta > limit.value;
  return row.baseline! > 0 ? (delta / row.baseline!) * 100 > limit.value : delta > 0;
}

/** Compares two summaries metric by metric, effort by effort. Pure. */
export function compareSummaries(base: RunSummary, cand: RunSummary, opts: CompareOptions = {}): CompareResult {
  const limits = opts.limits ?? [];
  const level = opts.level ?? DEFAULT_CONFIDENCE;
  const efforts = [...new Set([...base.efforts, ...cand.efforts])].sort(compareEfforts);
  const has = (m: CompareMetric): boolean => efforts.some((e) => (statsOf(base, m, e)?.count ?? 0) > 0 || (statsOf(cand, m, e)?.count ?? 0) > 0);
  const metrics = opts.metrics ?? COMPARE_METRICS.filter((m) => has(m) || limits.some((l) => l.metric === m));
  const warnings: string[] = [];
  if (!base.valid) warnings.push(`baseline is an INVALID run: ${base.invalid_reasons.join('; ')}`);
  if (!cand.valid) warnings.push(`candidate is an INVALID run: ${cand.invalid_reasons.join('; ')}`);
  for (const l of limits) {
    if (l.effort !== null && !efforts.includes(l.effort)) warnings.push(`--max-regression ${l.raw}: neither run has effort '${l.effort}'; limit not applied`);
    if (!metrics.includes(l.metric)) warnings.push(`--max-regression ${l.raw}: metric '${l.metric}' is not shown (--metric); limit still applied`);
  }
  const shownMetrics = [...metrics, ...limits.map((l) => l.metric).filter((m) => !metrics.includes(m))];
  const rows: CompareRow[] = [];
  for (const metric of [...new Set(shownMetrics)]) {
    const stats = COMPARE_STATS.filter((s) => DEFAULT_COMPARE_STATS.includes(s) || limits.some((l) => l.metric === metric && l.stat === s));
    for (const effort of efforts) {
      const b = statsOf(base, metric, effort);
      const c = statsOf(cand, metric, effort);
      if ((b?.count ?? 0) === 0 && (c?.count ?? 0) === 0) continue;
      for (const stat of stats) {
        const bv = b && b.count > 0 ? b[stat] : null;
        const cv = c && c.count > 0 ? c[stat] : null;
        const deltaMs = bv !== null && cv !== null ? r3(cv - bv) : null;
        const row: CompareRow = {
          metric,
          effort,
          stat,
          baseline: bv,
          candidate: cv,
          baselineCount: b?.count ?? 0,
          candidateCount: c?.count ?? 0,
          deltaMs,
          deltaPct: deltaMs !== null && bv! > 0 ? Math.round((deltaMs / bv!) * 1000) / 10 : null,
          limits: limits.filter((l) => l.metric === metric && l.stat === stat && (l.effort === null || l.effort === effort)),
          breached: [],
          note: (b?.count ?? 0) > 0 && (c?.count ?? 0) === 0 ? 'no candidate samples' : (b?.count ?? 0) === 0 ? 'new in candidate' : null,
          baselineCi: intervalOf(b, opts.recorders?.baseline ?? null, metric, effort, stat, level),
          candidateCi: intervalOf(c, opts.recorders?.candidate ?? null, metric, effort, stat, level),
          inconclusive: [],
        };
        row.breached = row.limits.filter((l) => breaks(l, row) === true);
        row.inconclusive = row.limits.filter((l) => breaks(l, row) === 'inconclusive');
        rows.push(row);
      }
    }
  }
  const shifts = opts.recorders?.baseline && opts.recorders.candidate ? runShifts(opts.recorders.baseline, opts.recorders.candidate, [...new Set(shownMetrics)], efforts, level) : [];
  // p50 limits with both runs' histograms: the difference interval (Hodges–Lehmann/Moses) decides,
  // a sharper test than two non-overlapping percentile intervals.
  for (const row of rows) {
    const sh = row.stat === 'p50' && row.candidateCount > 0 ? shifts.find((x) => x.metric === row.metric && x.effort === row.effort) : undefined;
    if (!sh) continue;
    row.shiftCi = sh.ci;
    const judged = row.limits.map((l) => [l, shiftBreaks(l, sh.ci, row.baseline)] as const);
    row.breached = judged.filter(([, v]) => v === true).map(([l]) => l);
    row.inconclusive = judged.filter(([, v]) => v === 'inconclusive').map(([l]) => l);
  }
  return { rows, regressions: rows.filter((r) => r.breached.length > 0), warnings, inconclusive: rows.filter((r) => r.inconclusive.length > 0), shifts, level };
}

function signed(v: number | null, digits: number, suffix = ''): string {
  if (v === null) return '-';
  return `${v > 0 ? '+' : ''}${v.toFixed(digits)}${suffix}`;
}

function limitText(l: RegressionLimit): string {
  return l.kind === 'pct' ? `${l.value}%` : `${l.value}ms`;
}

/** The comparison as text lines: one table per metric, then the verdict line. */
export function formatComparison(r: CompareResult, labels: { baseline: string; candidate: string }): string[] {
  const out: string[] = [`Baseline:  ${labels.baseline}`, `Candidate: ${labels.candidate}`];
  for (const w of r.warnings) out.push(`warning: ${w}`);
  const head = ['', 'baseline', 'candidate', 'delta', '%', 'limit', ''];
  const cell = (v: number | null, ci: RowInterval | null): string => {
    if (v === null) return '-';
    if (!ci) return v.toFixed(1);
    if (ci.low === null || ci.high === null) return `n=${ci.count} too few`;
    const d = Math.abs(v) >= 100 ? 0 : 1;
    return `${v.toFixed(d)} [${ci.low.toFixed(d)}, ${ci.high.toFixed(d)}]`;
  };
  const byMetric = new Map<string, CompareRow[]>();
  for (const row of r.rows) byMetric.set(row.metric, [...(byMetric.get(row.metric) ?? []), row]);
  for (const [metric, rows] of byMetric) {
    const body = rows.map((row) => [
      `  ${row.effort.padEnd(8)} ${row.stat}`,
      cell(row.baseline, row.baselineCi),
      cell(row.candidate, row.candidateCi),
      signed(row.deltaMs, 1),
      signed(row.deltaPct, 1, '%'),
      row.limits.map(limitText).join(','),
      row.breached.length ? 'REGRESSION' : row.inconclusive.length ? 'inconclusive (too few)' : (row.note ?? ''),
    ]);
    const table = [[`${metric} (ms)`, ...head.slice(1)], ...body];
    const widths = head.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
    out.push('');
    for (const cells of table) out.push(cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
    for (const sh of r.shifts.filter((x) => x.metric === metric)) out.push(`  shift ${sh.text}`);
  }
  if (r.rows.some((row) => row.baselineCi || row.candidateCi)) {
    out.push('', `[a, b] = ${Math.round(r.level * 1000) / 10}% interval of the percentile (exact binomial order statistics). A p90–p99 limit is broken when the candidate's lower end exceeds the baseline's upper end by more than the limit, a p50 limit when the shift interval's lower end exceeds it; "too few" cannot be judged.`);
  }
  const checked = r.rows.reduce((n, row) => n + row.limits.length, 0);
  out.push('');
  const unclear = r.inconclusive.flatMap((row) => row.inconclusive.map((l) => `${row.metric}.${row.effort}.${row.stat} (${limitText(l)})`));
  if (unclear.length) out.push(`INCONCLUSIVE: ${unclear.length} limit${unclear.length === 1 ? '' : 's'} could not be judged (too few values for the interval): ${unclear.join('; ')}`);
  if (r.regressions.length === 0) out.push(checked ? `OK: no regression shown beyond the limits (${checked - unclear.length} of ${checked} checks judged).` : 'No limits given (--max-regression): nothing to gate.');
  else {
    const items = r.regressions.flatMap((row) =>
      row.breached.map((l) =>
        `${row.metric}.${row.effort}.${row.stat} ${
          row.candidate === null
            ? 'has no candidate samples'
            : row.shiftCi
              ? `shift interval [${signed(row.shiftCi[0], 1)}, ${signed(row.shiftCi[1], 1)}] ms, lower end`
              : row.baselineCi?.high != null && row.candidateCi?.low != null
              ? `candidate lower end ${row.candidateCi.low} − baseline upper end ${row.baselineCi.high} = ${signed(Math.round((row.candidateCi.low - row.baselineCi.high) * 10) / 10, 1, ' ms')}`
              : `${signed(row.deltaMs, 1, ' ms')} (${signed(row.deltaPct, 1, '%')})`
        } > ${limitText(l)}`,
      ),
    );
    out.push(`REGRESSION: ${items.length} beyond the limits: ${items.join('; ')}`);
  }
  return out;
}

/** A run's summary: its summary.json, or (a run that left none) rebuilt from turns.jsonl. */
export async function readRunSummary(dir: string): Promise<{ summary: RunSummary; source: 'summary.json' | 'rebuilt' }> {
  try {
    const s = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
    if (s && s.schema_version === 1 && typeof s.metrics === 'object') return { summary: s, source: 'summary.json' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
  }
  try {
    return { summary: (await rebuildRun(dir)).summary, source: 'rebuilt' };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError('E_RUN_DIR', `${dir}: neither summary.json nor turns.jsonl found (expected a run directory)`);
    throw err;
  }
}
