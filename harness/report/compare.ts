/**
 * `rth compare BASELINE CANDIDATE`: a side-by-side table per metric and effort (baseline,
 * candidate, delta, %) from two runs' summaries, and a regression gate for CI:
 * `--max-regression <metric>[.<effort>].<stat>=<N>%|<N>ms`, repeatable. Pure functions here; the
 * command decides the exit code from {@link CompareResult.regressions}.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { compareEfforts } from '../metrics/recorder.ts';
import type { MetricStatsMs, RunSummary } from '../metrics/summary-types.ts';
import { REASONING_EFFORTS } from '../../common/protocol/types.ts';
import { rebuildRun } from './rebuild.ts';

/** Metrics that can be compared (latencies in ms, from summary.json `metrics.<metric>_ms`). */
export const COMPARE_METRICS = ['ttfa', 'vad_delay', 'response_start', 'first_text', 'turn', 'connect', 'configure'] as const;
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
}

/** The whole comparison. */
export interface CompareResult {
  rows: CompareRow[];
  /** Rows breaking at least one limit. */
  regressions: CompareRow[];
  /** Things a reader should know (an invalid run, a limit matching nothing). */
  warnings: string[];
}

/** Options of {@link compareSummaries}. */
export interface CompareOptions {
  limits?: readonly RegressionLimit[];
  /** Metrics to show. Default every metric with samples in either run. */
  metrics?: readonly CompareMetric[];
}

function statsOf(s: Pick<RunSummary, 'metrics'>, metric: CompareMetric, effort: string): MetricStatsMs | undefined {
  return (s.metrics[`${metric}_ms`] as Record<string, MetricStatsMs> | undefined)?.[effort];
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function breaks(limit: RegressionLimit, row: Pick<CompareRow, 'baseline' | 'candidate' | 'deltaMs' | 'baselineCount' | 'candidateCount'>): boolean {
  if (row.baselineCount === 0) return false;
  if (row.candidateCount === 0 || row.candidate === null) return true;
  const delta = row.deltaMs!;
  if (limit.kind === 'ms') return delta > limit.value;
  return row.baseline! > 0 ? (delta / row.baseline!) * 100 > limit.value : delta > 0;
}

/** Compares two summaries metric by metric, effort by effort. Pure. */
export function compareSummaries(base: RunSummary, cand: RunSummary, opts: CompareOptions = {}): CompareResult {
  const limits = opts.limits ?? [];
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
        };
        row.breached = row.limits.filter((l) => breaks(l, row));
        rows.push(row);
      }
    }
  }
  return { rows, regressions: rows.filter((r) => r.breached.length > 0), warnings };
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
  const byMetric = new Map<string, CompareRow[]>();
  for (const row of r.rows) byMetric.set(row.metric, [...(byMetric.get(row.metric) ?? []), row]);
  for (const [metric, rows] of byMetric) {
    const body = rows.map((row) => [
      `  ${row.effort.padEnd(8)} ${row.stat}`,
      row.baseline === null ? '-' : row.baseline.toFixed(1),
      row.candidate === null ? '-' : row.candidate.toFixed(1),
      signed(row.deltaMs, 1),
      signed(row.deltaPct, 1, '%'),
      row.limits.map(limitText).join(','),
      row.breached.length ? 'REGRESSION' : (row.note ?? ''),
    ]);
    const table = [[`${metric} (ms)`, ...head.slice(1)], ...body];
    const widths = head.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
    out.push('');
    for (const cells of table) out.push(cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  }
  const checked = r.rows.reduce((n, row) => n + row.limits.length, 0);
  out.push('');
  if (r.regressions.length === 0) out.push(checked ? `OK: no regression beyond the limits (${checked} checks).` : 'No limits given (--max-regression): nothing to gate.');
  else {
    const items = r.regressions.flatMap((row) =>
      row.breached.map((l) => `${row.metric}.${row.effort}.${row.stat} ${row.candidate === null ? 'has no candidate samples' : `${signed(row.deltaMs, 1, ' ms')} (${signed(row.deltaPct, 1, '%')})`} > ${limitText(l)}`),
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
