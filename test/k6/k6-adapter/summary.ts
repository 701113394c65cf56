/**
 * TEST DOUBLE of k6's end-of-test summary: the `handleSummary(data)` object built from a double
 * run's samples, with k6's trend statistics (percentiles interpolated between closest ranks, as
 * k6's trend sink does) for every metric and for every tagged sub-metric a threshold names, and
 * the thresholds evaluated. A metric without samples passes its thresholds here.
 */
import type { DoubleRun } from './runner.ts';
import type { MetricSample } from './runtime.ts';

type Values = Record<string, number>;

/** k6's percentile: linear interpolation at rank `p * (n - 1)` of the sorted values. */
export function k6Percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = p * (sorted.length - 1);
  const lo = sorted[Math.floor(i)]!;
  const hi = sorted[Math.ceil(i)]!;
  return lo + (hi - lo) * (i - Math.floor(i));
}

function trendStat(sorted: readonly number[], stat: string): number | null {
  if (stat === 'count') return sorted.length;
  if (sorted.length === 0) return null;
  if (stat === 'avg') return sorted.reduce((a, b) => a + b, 0) / sorted.length;
  if (stat === 'min') return sorted[0]!;
  if (stat === 'max') return sorted[sorted.length - 1]!;
  if (stat === 'med') return k6Percentile(sorted, 0.5);
  const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  return m ? k6Percentile(sorted, Number(m[1]) / 100) : null;
}

function valuesOf(type: MetricSample['type'], samples: readonly MetricSample[], trendStats: readonly string[], durationS: number): Values {
  const vs = samples.map((s) => s.value);
  if (type === 'trend') {
    const sorted = [...vs].sort((a, b) => a - b);
    const out: Values = {};
    for (const stat of trendStats) {
      const v = trendStat(sorted, stat);
      if (v !== null) out[stat] = v;
    }
    return out;
  }
  if (type === 'counter') {
    const count = vs.reduce((a, b) => a + b, 0);
    return { count, rate: durationS > 0 ? count / durationS : 0 };
  }
  if (type === 'rate') {
    const passes = vs.filter((v) => v !== 0).length;
    return { rate: vs.length ? passes / vs.length : 0, passes, fails: vs.length - passes };
  }
  return { value: vs[vs.length - 1] ?? 0, min: Math.min(...vs), max: Math.max(...vs) };
}

/** Whether a threshold expression (`p(95)<=2500`, `rate>=0.95`, `count>=0`) holds. */
export function thresholdHolds(expression: string, type: MetricSample['type'], samples: readonly MetricSample[], durationS: number): boolean {
  const m = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|>=|<|>|===|==|!=)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expression);
  if (!m) throw new Error(`threshold '${expression}': not understood by the test double`);
  if (samples.length === 0) return true;
  const [, stat, op, limitText] = m as unknown as [string, string, string, string];
  const actual = type === 'trend' ? trendStat([...samples.map((s) => s.value)].sort((a, b) => a - b), stat) : valuesOf(type, samples, [], durationS)[stat];
  if (actual === null || actual === undefined) throw new Error(`threshold '${expression}': no statistic ${stat} for a ${type}`);
  const limit = Number(limitText);
  switch (op) {
    case '<=':
      return actual <= limit;
    case '>=':
      return actual >= limit;
    case '<':
      return actual < limit;
    case '>':
      return actual > limit;
    case '!=':
      return actual !== limit;
    default:
      return actual === limit;
  }
}

/** Splits `name{a:b,c:d}` into the name and tag pairs. */
function parseKey(key: string): { name: string; tags: [string, string][] } {
  const m = /^([^{]+)(?:\{(.*)\})?$/.exec(key)!;
  const tags = (m[2] ?? '')
    .split(',')
    .filter((t) => t.trim() !== '')
    .map((t) => {
      const i = t.indexOf(':');
      return [t.slice(0, i).trim(), t.slice(i + 1).trim()] as [string, string];
    });
  return { name: m[1]!, tags };
}

/** The `handleSummary(data)` object of a double run. */
export function summarize(run: DoubleRun): { metrics: Record<string, unknown>; state: { testRunDurationMs: number }; options: { summaryTrendStats: string[] } } {
  const trendStats = (run.options.summaryTrendStats as string[] | undefined) ?? ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const thresholds = (run.options.thresholds as Record<string, string[]> | undefined) ?? {};
  const durationS = run.durationMs / 1000;
  const byName = new Map<string, MetricSample[]>();
  for (const s of run.samples) byName.set(s.metric, [...(byName.get(s.metric) ?? []), s]);
  const metrics: Record<string, unknown> = {};
  const keys = new Set([...byName.keys(), ...Object.keys(thresholds)]);
  for (const key of keys) {
    const { name, tags } = parseKey(key);
    const all = byName.get(name) ?? [];
    const type = all[0]?.type ?? 'trend';
    const samples = all.filter((s) => tags.every(([k, v]) => s.tags[k] === v));
    const entry: Record<string, unknown> = { type, contains: 'default', values: valuesOf(type, samples, trendStats, durationS) };
    const exprs = thresholds[key];
    if (exprs) entry.thresholds = Object.fromEntries(exprs.map((e) => [e, { ok: thresholdHolds(e, type, samples, durationS) }]));
    metrics[key] = entry;
  }
  return { metrics, state: { testRunDurationMs: run.durationMs }, options: { summaryTrendStats: trendStats } };
}
