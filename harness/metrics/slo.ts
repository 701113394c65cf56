/**
 * SLO evaluation: the scenario's `slo` thresholds checked against a run summary. Breaches set the
 * exit code of `rth run`.
 */
import { SLO_METRICS, SLO_STATS, type SloSpec } from '../scenario/schema.ts';
import type { MetricStatsMs, RunSummary } from './summary-types.ts';

/** One threshold the run did not meet. */
export interface SloBreach {
  /** `ttfa_ms`, …, or `error_rate`. */
  metric: string;
  /** Effort key, or null for run-wide limits. */
  effort: string | null;
  /** `p95`, …, or `rate`. */
  stat: string;
  limit: number;
  /** Measured value, or null when there were no samples. */
  actual: number | null;
  /** e.g. `ttfa_ms.high.p95 = 4210.5 > 4000`. */
  message: string;
}

type StatKey = (typeof SLO_STATS)[number];

/**
 * Checks every threshold. A limit given as one number applies to every effort of the run; a
 * per-effort limit applies to the efforts the run has (others are skipped, so `--efforts` can
 * narrow a sweep). An effort of the run with no samples for a bounded metric is a breach: an SLO
 * cannot pass on no data. `max_error_rate` compares `turns.failed / (completed + failed)`.
 */
export function evaluateSlos(summary: Pick<RunSummary, 'metrics' | 'efforts' | 'turns'>, slo: SloSpec): SloBreach[] {
  const breaches: SloBreach[] = [];
  for (const metric of SLO_METRICS) {
    const spec = slo[metric];
    if (!spec) continue;
    for (const stat of SLO_STATS) {
      const limitSpec = spec[stat];
      if (limitSpec === undefined) continue;
      const limits: [string, number][] =
        typeof limitSpec === 'number'
          ? summary.efforts.map((e) => [e, limitSpec])
          : (Object.entries(limitSpec) as [string, number | undefined][]).filter((e): e is [string, number] => e[1] !== undefined && summary.efforts.includes(e[0]));
      for (const [effort, limit] of limits) {
        const stats: MetricStatsMs | undefined = summary.metrics[metric][effort];
        const actual = stats && stats.count > 0 ? stats[stat as StatKey] : null;
        if (actual === null) {
          breaches.push({ metric, effort, stat, limit, actual: null, message: `${metric}.${effort}.${stat}: no samples (limit ${limit})` });
        } else if (actual > limit) {
          breaches.push({ metric, effort, stat, limit, actual, message: `${metric}.${effort}.${stat} = ${actual} > ${limit}` });
        }
      }
    }
  }
  if (slo.max_error_rate !== undefined) {
    const total = summary.turns.completed + summary.turns.failed;
    const rate = total > 0 ? summary.turns.failed / total : null;
    const limit = slo.max_error_rate;
    if (rate === null) breaches.push({ metric: 'error_rate', effort: null, stat: 'rate', limit, actual: null, message: `error_rate: no turns (limit ${limit})` });
    else if (rate > limit)
      breaches.push({ metric: 'error_rate', effort: null, stat: 'rate', limit, actual: rate, message: `error_rate = ${round4(rate)} > ${limit} (${summary.turns.failed} of ${total} turns failed)` });
  }
  return breaches;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
