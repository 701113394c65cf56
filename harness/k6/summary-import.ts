/**
 * Reads k6's end-of-test summary so a k6 run can be shown beside harness runs. Two documented
 * shapes are accepted:
 * - the `handleSummary(data)` object (`JSON.stringify(data)`): `metrics.<name>.{type, contains,
 *   values: {avg, min, med, max, 'p(90)', …, count, rate, passes, fails}, thresholds: {<expr>: {ok}}}`;
 * - `k6 run --summary-export=FILE` (legacy): `metrics.<name>.{avg, min, med, max, 'p(90)', …}`,
 *   counters `{count, rate}`, rates `{passes, fails, value}`, thresholds `{<expr>: <failed?>}`.
 * Tagged sub-metrics appear as `name{tag:value,…}` (k6 lists only those a threshold names; the
 * exported script adds one per effort). Trend values of time metrics are milliseconds.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../common/errors.ts';

/** Aggregates k6 reports for one metric (and tag set). Only what k6 gave is present. */
export interface K6Aggregate {
  count?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  max?: number;
  min?: number;
  avg?: number;
  /** Counters: per second over the run; rates: the fraction of non-zero samples. */
  rate?: number;
  passes?: number;
  fails?: number;
}

/** One threshold and whether it held. */
export interface K6ThresholdResult {
  metric: string;
  /** Tag selector, e.g. `effort:low`, or `all`. */
  tags: string;
  expression: string;
  ok: boolean;
}

/** What {@link importK6Summary} returns. */
export interface K6SummaryImport {
  source: 'k6';
  format: 'handle-summary' | 'summary-export';
  /** `metrics[name][tags]`: `tags` is `all` for the untagged metric, else the selector (`effort:low`, `effort:low,turn:1`). */
  metrics: Record<string, Record<string, K6Aggregate>>;
  thresholds: K6ThresholdResult[];
  /** From `state.testRunDurationMs` (handleSummary only), else null. */
  testRunDurationMs: number | null;
  /** Metric entries that were not understood, by name. */
  skipped: string[];
  /** Always says what a k6 summary cannot give; a report shows it next to the numbers. */
  note: string;
}

/** The caveat every import carries. */
export const K6_AGGREGATES_NOTE =
  'k6 gives only aggregates: no per-turn data and no histograms, so these numbers cannot be merged with other runs or re-cut by turn; ' +
  "percentiles are k6's own, over one k6 instance's samples (each k6-operator runner reports only its segment), and statistics not in summaryTrendStats are absent.";

const STAT_KEYS: Record<string, keyof K6Aggregate> = {
  avg: 'avg',
  min: 'min',
  med: 'p50',
  'p(50)': 'p50',
  'p(90)': 'p90',
  'p(95)': 'p95',
  'p(99)': 'p99',
  max: 'max',
  count: 'count',
  rate: 'rate',
  passes: 'passes',
  fails: 'fails',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits `name{a:b,c:d}` into the name and a normalized selector (`all` when untagged). */
export function splitMetricKey(key: string): { name: string; tags: string } {
  const m = /^([^{]+)\{(.*)\}$/.exec(key);
  if (!m) return { name: key, tags: 'all' };
  const tags = m[2]!
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .sort()
    .join(',');
  return { name: m[1]!.trim(), tags: tags || 'all' };
}

function aggregateOf(values: Json, legacy: boolean): K6Aggregate | null {
  const out: K6Aggregate = {};
  for (const [k, v] of Object.entries(values)) {
    const key = STAT_KEYS[k];
    if (key && typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  // Legacy rate metrics carry the fraction as `value` (gauges too; those keep no rate).
  if (legacy && typeof values.value === 'number' && 'passes' in values) out.rate = values.value;
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * Normalizes a parsed k6 summary.
 * @param label how problems name the input (a file path)
 * @throws ConfigError `E_K6_SUMMARY` when it has no `metrics` object
 */
export function parseK6Summary(data: unknown, label: string): K6SummaryImport {
  if (!isObject(data) || !isObject(data.metrics)) {
    throw new ConfigError('E_K6_SUMMARY', `${label}: expected a k6 summary (handleSummary data or --summary-export JSON) with a "metrics" object`);
  }
  const entries = Object.entries(data.metrics);
  const handleSummary = entries.some(([, m]) => isObject(m) && isObject(m.values));
  const metrics: Record<string, Record<string, K6Aggregate>> = {};
  const thresholds: K6ThresholdResult[] = [];
  const skipped: string[] = [];
  for (const [key, m] of entries) {
    const { name, tags } = splitMetricKey(key);
    const values = isObject(m) ? (handleSummary ? m.values : m) : null;
    const agg = isObject(values) ? aggregateOf(values, !handleSummary) : null;
    if (!agg) {
      skipped.push(key);
      continue;
    }
    (metrics[name] ??= {})[tags] = agg;
    const th = isObject(m) ? m.thresholds : undefined;
    if (isObject(th)) {
      for (const [expression, r] of Object.entries(th)) {
        // handleSummary: {ok: boolean}; --summary-export: true when the threshold FAILED.
        const ok = isObject(r) ? r.ok === true : r === false;
        thresholds.push({ metric: name, tags, expression, ok });
      }
    }
  }
  const state = isObject(data.state) ? data.state : {};
  return {
    source: 'k6',
    format: handleSummary ? 'handle-summary' : 'summary-export',
    metrics,
    thresholds,
    testRunDurationMs: typeof state.testRunDurationMs === 'number' ? state.testRunDurationMs : null,
    skipped,
    note: K6_AGGREGATES_NOTE,
  };
}

/**
 * Reads a k6 end-of-test summary JSON file (`--summary-export` or `handleSummary` output).
 * @throws ConfigError `E_K6_SUMMARY` (unreadable, not JSON, no metrics)
 */
export async function importK6Summary(path: string): Promise<K6SummaryImport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('E_K6_SUMMARY', `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('E_K6_SUMMARY', `${path}: invalid JSON: ${(err as Error).message}`);
  }
  return parseK6Summary(data, path);
}

/**
 * A metric by effort, in the harness summary's shape (`metrics.<name>.<effort>`): the sub-metrics
 * tagged with exactly `effort:<e>`.
 */
export function k6MetricByEffort(imported: K6SummaryImport, name: string): Record<string, K6Aggregate> {
  const out: Record<string, K6Aggregate> = {};
  for (const [tags, agg] of Object.entries(imported.metrics[name] ?? {})) {
    const m = /^effort:([^,]+)$/.exec(tags);
    if (m) out[m[1]!] = agg;
  }
  return out;
}
