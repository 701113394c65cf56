/**
 * The generated script's k6 `options`: one scenario whose executor follows the arrival model, and
 * thresholds from the scenario's SLOs.
 *
 * Arrival models:
 * - `ramp` with `duration_s` → `ramping-vus` (ramp to `sessions` VUs over `ramp_up_s`, hold until
 *   `duration_s`). A VU whose session ended before the deadline opens another one, keeping
 *   `sessions` concurrent (k6's closed model); the harness does not replace finished sessions.
 * - `ramp` bounded by turns only → `per-vu-iterations` (`sessions` VUs, one session each); the ramp
 *   is a start delay of `i * ramp_up_s / sessions` in session i, the harness's own offsets.
 * - `rate` → `constant-arrival-rate` at `per_s`, for `sessions / per_s` seconds (`sessions`
 *   arrivals). `poisson: true` has no k6 executor: exported at the same mean rate, evenly spaced.
 *
 * SLO thresholds use `<=`: the harness breaches an SLO when the value is strictly above the limit.
 */
import { stepSchedule } from '../runner/arrivals.ts';
import { SLO_METRICS } from '../scenario/schema.ts';
import type { ResolvedScenario } from '../scenario/types.ts';

/** Trend statistics k6 keeps in its end-of-test summary (`count` and `p(99)` are not defaults). */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'] as const;

/** How a harness SLO statistic is written in a k6 threshold. */
const STAT_EXPRESSION: Record<string, string> = { p50: 'med', p90: 'p(90)', p95: 'p(95)', p99: 'p(99)', max: 'max', mean: 'avg' };

/** Name of the script's single k6 scenario. */
export const K6_SCENARIO_NAME = 'rth';

/** Clip durations the executor estimates need, ms. */
export interface ClipDurations {
  meanMs: number;
  maxMs: number;
}

/** The executor of the arrival model. */
export interface ExecutorPlan {
  executor: 'ramping-vus' | 'per-vu-iterations' | 'constant-arrival-rate';
  /** The k6 scenario object. */
  scenario: Record<string, unknown>;
  /** Per-session start delay step (per-vu-iterations ramp), ms; 0 otherwise. */
  startSpacingMs: number;
  notes: string[];
}

/** A k6 duration string: whole seconds when exact, else milliseconds. */
export function k6Duration(ms: number): string {
  const r = Math.max(0, Math.ceil(ms));
  return r % 1000 === 0 ? `${r / 1000}s` : `${r}ms`;
}

/** `rate` per `timeUnit` equal to `perS` per second (k6 wants an integer rate). */
export function arrivalRate(perS: number): { rate: number; timeUnit: string; exact: boolean } {
  for (const unitS of [1, 10, 60, 100, 1000]) {
    const rate = perS * unitS;
    if (Math.abs(rate - Math.round(rate)) < 1e-9 && Math.round(rate) >= 1) return { rate: Math.round(rate), timeUnit: `${unitS}s`, exact: true };
  }
  return { rate: Math.max(1, Math.round(perS * 1000)), timeUnit: '1000s', exact: false };
}

/** Picks the executor for the scenario's arrival model (see the module comment). */
export function executorFor(s: ResolvedScenario, clips: ClipDurations): ExecutorPlan {
  const thinkMeanMs = (s.thinkTimeMs.minMs + s.thinkTimeMs.maxMs) / 2;
  const turns = s.turnsPerSession ?? Math.ceil(((s.durationS ?? 0) * 1000) / Math.max(100, clips.meanMs + thinkMeanMs));
  const typicalSessionMs = s.durationS !== null ? s.durationS * 1000 : turns * (clips.meanMs + thinkMeanMs + 2000);
  // Longest a session may need: every turn at its timeout (its last turn is let finish).
  const boundSessionMs =
    s.durationS !== null ? s.durationS * 1000 + s.timeouts.turnMs : turns * (clips.maxMs + s.thinkTimeMs.maxMs + s.timeouts.turnMs) + s.timeouts.connectMs;
  const graceful = k6Duration(s.timeouts.turnMs + s.timeouts.drainMs);
  const notes: string[] = [];
  if (s.arrival.type === 'ramp') {
    const rampMs = s.arrival.rampUpS * 1000;
    if (s.durationS !== null) {
      const holdMs = Math.max(0, s.durationS * 1000 - rampMs);
      const stages = [...(rampMs > 0 ? [{ duration: k6Duration(rampMs), target: s.sessions }] : []), ...(holdMs > 0 || rampMs === 0 ? [{ duration: k6Duration(holdMs), target: s.sessions }] : [])];
      return {
        executor: 'ramping-vus',
        scenario: { executor: 'ramping-vus', startVUs: rampMs > 0 ? 0 : s.sessions, stages, gracefulRampDown: graceful, gracefulStop: graceful },
        startSpacingMs: 0,
        notes: s.turnsPerSession !== null ? ['ramping-vus: a VU whose session ends before duration_s opens a new one (the harness does not)'] : notes,
      };
    }
    return {
      executor: 'per-vu-iterations',
      scenario: { executor: 'per-vu-iterations', vus: s.sessions, iterations: 1, maxDuration: k6Duration(rampMs + boundSessionMs), gracefulStop: graceful },
      startSpacingMs: s.sessions > 0 ? rampMs / s.sessions : 0,
      notes,
    };
  }
  if (s.arrival.type === 'steps') {
    // A capacity search as k6 stages: each step jumps to its concurrency (k6 ramps linearly over a
    // stage, so the jump is a 1 ms stage) and holds it. k6 has no stop rule: `stop_when` is not exported.
    const stages = stepSchedule(s.arrival).flatMap((st) => [
      { duration: k6Duration(1), target: st.concurrency },
      { duration: k6Duration(st.endMs - st.startMs - 1), target: st.concurrency },
    ]);
    if (s.stopWhen !== null) notes.push('stop_when: k6 has no capacity stop rule; every step runs to max');
    return {
      executor: 'ramping-vus',
      scenario: { executor: 'ramping-vus', startVUs: 0, stages, gracefulRampDown: graceful, gracefulStop: graceful },
      startSpacingMs: 0,
      notes,
    };
  }
  const { rate, timeUnit, exact } = arrivalRate(s.arrival.perS);
  if (!exact) notes.push(`arrival rate ${s.arrival.perS}/s rounded to ${rate} per ${timeUnit}`);
  if (s.arrival.poisson) notes.push('poisson arrivals: k6 has no Poisson executor; exported as constant-arrival-rate at the same mean rate');
  const preAllocatedVUs = Math.max(1, Math.min(s.sessions, Math.ceil(s.arrival.perS * (typicalSessionMs / 1000)) + 1));
  return {
    executor: 'constant-arrival-rate',
    scenario: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit,
      duration: k6Duration((s.sessions / s.arrival.perS) * 1000),
      preAllocatedVUs,
      maxVUs: s.sessions,
      // The last arrival still runs its whole session.
      gracefulStop: k6Duration(boundSessionMs),
    },
    startSpacingMs: 0,
    notes,
  };
}

/** Rounds a threshold limit for printing (no binary-fraction tails). */
function num(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}

/**
 * Thresholds: every SLO (`'ttfa_ms{effort:low}': ['p(95)<=2500']`; a single limit applies to every
 * effort of the run, as in the harness), `max_error_rate` as `turn_success` rate, the send-lag
 * self-check, and an always-true `max>=0` / `count>=0` on every metric × effort that has no SLO:
 * k6 puts a tagged sub-metric in its summary only when a threshold names it.
 */
export function thresholdsFor(s: ResolvedScenario): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (key: string, expr: string): void => {
    (out[key] ??= []).push(expr);
  };
  for (const metric of SLO_METRICS) {
    const spec = s.slo[metric];
    for (const [stat, limitSpec] of Object.entries(spec ?? {})) {
      if (limitSpec === undefined) continue;
      const expr = STAT_EXPRESSION[stat];
      if (!expr) continue;
      for (const effort of s.efforts) {
        const limit = typeof limitSpec === 'number' ? limitSpec : (limitSpec as Partial<Record<string, number>>)[effort];
        if (limit !== undefined) add(`${metric}{effort:${effort}}`, `${expr}<=${num(limit)}`);
      }
    }
    for (const effort of s.efforts) if (!out[`${metric}{effort:${effort}}`]) add(`${metric}{effort:${effort}}`, 'max>=0');
  }
  for (const counter of ['turns_completed', 'turns_failed']) for (const effort of s.efforts) add(`${counter}{effort:${effort}}`, 'count>=0');
  if (s.slo.max_error_rate !== undefined) add('turn_success', `rate>=${num(1 - s.slo.max_error_rate)}`);
  // The load generator was the bottleneck if sessions' own p99 send lag exceeds the budget.
  add('send_lag_p99_ms', `p(95)<=${num(s.pacing.sendLagP99BudgetMs)}`);
  return out;
}

/** The script's `options` and what the executor choice implies. */
export function buildK6Options(s: ResolvedScenario, clips: ClipDurations): { options: Record<string, unknown>; plan: ExecutorPlan } {
  const plan = executorFor(s, clips);
  const options = {
    scenarios: { [K6_SCENARIO_NAME]: plan.scenario },
    thresholds: thresholdsFor(s),
    summaryTrendStats: [...SUMMARY_TREND_STATS],
  };
  return { options, plan };
}
