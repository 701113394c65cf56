/**
 * SLO evaluation: the scenario's `slo` thresholds checked against a run summary. Breaches set the
 * exit code of `rth run`.
 *
 * Percentile limits (p50/p90/p95/p99) are judged by the percentile's confidence interval
 * (summary-uncertainty.ts), not by its point estimate:
 * - **breach** when the interval's lower end is above the limit (the sample shows the percentile
 *   exceeds it; one-sided, at 1 − (1 − level)/2, 97.5 % for a 95 % interval);
 * - **unproven** ("not shown to hold") when the limit is inside the interval, or the sample is too
 *   small for the percentile's upper end: reported, but not a failure;
 * - held when the interval's upper end is at or below the limit.
 * `max` (an observed value) and `mean` (no distribution-free interval) are compared as values, as
 * before; so are summaries written before intervals existed (no `ci`).
 */
import { SLO_METRICS, SLO_STATS, type SloSpec } from '../scenario/schema.ts';
import type { MetricStatsMs, RunSummary } from './summary-types.ts';
import { levelText, type CiPercentile } from './summary-uncertainty.ts';

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
  /** e.g. `ttfa_ms.high.p95 = 4210.5 [95% CI 4100, 4390] > 4000`. */
  message: string;
  /** The percentile's interval [low, high] when it was judged by one. */
  ci?: [number | null, number | null];
}

/** A percentile limit the run could not show to hold, nor to be breached. */
export interface SloUnproven {
  metric: string;
  effort: string;
  stat: string;
  limit: number;
  actual: number | null;
  ci: [number | null, number | null];
  /** e.g. `ttfa_ms.high.p99: not shown to hold (n=9 too few: …; limit 4000)`. */
  message: string;
}

function fmt(v: number | null): string {
  return v === null ? '?' : String(v);
}

type StatKey = (typeof SLO_STATS)[number];

/**
 * Checks every threshold. A limit given as one number applies to every effort of the run; a
 * per-effort limit applies to the efforts the run has (others are skipped, so `--efforts` can
 * narrow a sweep). An effort of the run with no samples for a bounded metric is a breach: an SLO
 * cannot pass on no data. `max_error_rate` compares `turns.failed / (completed + failed)`.
 */
export function evaluateSlos(summary: Pick<RunSummary, 'metrics' | 'efforts' | 'turns'>, slo: SloSpec): SloBreach[] {
  return evaluateSlosWithIntervals(summary, slo).breaches;
}

/** {@link evaluateSlos} with the limits the run could not show to hold (see the module comment). */
export function evaluateSlosWithIntervals(summary: Pick<RunSummary, 'metrics' | 'efforts' | 'turns'>, slo: SloSpec): { breaches: SloBreach[]; unproven: SloUnproven[] } {
  const breaches: SloBreach[] = [];
  const unproven: SloUnproven[] = [];
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
        const ci = stats && stats.count > 0 && stats.ci && stat !== 'max' && stat !== 'mean' ? stats.ci[stat as CiPercentile] : undefined;
        if (actual === null) {
          breaches.push({ metric, effort, stat, limit, actual: null, message: `${metric}.${effort}.${stat}: no samples (limit ${limit})` });
        } else if (ci) {
          const range: [number | null, number | null] = [ci.low, ci.high];
          const lvl = levelText(stats!.ci!.level);
          const name = `${metric}.${effort}.${stat}`;
          if (ci.low !== null && ci.low > limit) {
            const shown = ci.estimate === null ? `${ci.reason}; its ${lvl} CI lower end ${ci.low}` : `${ci.estimate} [${lvl} CI ${fmt(ci.low)}, ${fmt(ci.high)}]`;
            breaches.push({ metric, effort, stat, limit, actual, ci: range, message: `${name} = ${shown} > ${limit}` });
          } else if (ci.high === null || ci.high > limit) {
            const why = ci.estimate === null ? (ci.reason ?? 'too few') : `${ci.estimate} [${lvl} CI ${fmt(ci.low)}, ${fmt(ci.high)}] reaches above it`;
            unproven.push({ metric, effort, stat, limit, actual, ci: range, message: `${name}: not shown to hold (${why}; limit ${limit})` });
          }
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
  return { breaches, unproven };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
