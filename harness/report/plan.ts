/**
 * `rth plan`: how many turns a scenario needs to tell a difference of a given size apart between
 * two efforts, at a confidence level and power, and roughly how long a run that takes. The spread
 * comes from a previous run's histograms (`--from RUN_DIR`) or from the mock's latency profile.
 * Method: Noether's (1987) sample-size formula for the two-sided Mann–Whitney test
 * (harness/stats/sample-size.ts), with P(B > A) computed from the two efforts' shapes, each
 * centred on its median, the later effort moved by the difference to detect.
 */
import { DEFAULT_LATENCY_PROFILE, type DelayDistribution, type LatencyProfile } from '../../mock-server/index.ts';
import type { ReasoningEffort } from '../../common/protocol/types.ts';
import { createHistogram } from '../metrics/histogram.ts';
import type { LatencyMetric, Recorder } from '../metrics/recorder.ts';
import { histogramSample, levelText } from '../metrics/summary-uncertainty.ts';
import { DEFAULT_CONFIDENCE, DEFAULT_POWER, normalQuantile, samplesToDetectShift, type WeightedSample } from '../stats/index.ts';

/** Where the spread came from. */
export type SpreadSource = { kind: 'run'; dir: string; counts: [number, number] } | { kind: 'profile'; name: string };

/** Inputs of {@link planTurns}. */
export interface PlanInput {
  /** Difference to detect, in the metric's unit (ms), > 0. */
  detectMs: number;
  /** The two efforts; the difference is the second's shift over the first. */
  efforts: [string, string];
  /** Default 0.95. */
  level?: number;
  /** Default 0.8. */
  power?: number;
  /** Shapes of the two groups. */
  a: WeightedSample;
  b: WeightedSample;
  source: SpreadSource;
  /** Efforts the scenario interleaves (turns split evenly between them); default the two. */
  scenarioEfforts?: readonly string[];
  /** Seconds one session takes per turn (speech, waits, response, think time), for the duration; null = unknown. */
  secondsPerTurnPerSession?: number | null;
  /** Concurrent sessions of the scenario, for the duration. Default 1. */
  sessions?: number;
}

/** The plan. */
export interface Plan {
  detectMs: number;
  efforts: [string, string];
  level: number;
  power: number;
  /** P(B > A) under the alternative, from the shapes. */
  p: number;
  /** Turns per effort (each of the two). */
  turnsPerEffort: number;
  /** Turns of the whole run: per effort × the scenario's efforts. */
  turnsTotal: number;
  /** Rough run length, s; null when the turn timing is unknown. */
  runSeconds: number | null;
  source: SpreadSource;
  method: string;
}

/** The method statement printed with every plan. */
export const PLAN_METHOD =
  "Noether (1987) sample size for the two-sided Mann–Whitney test, N = (z₁₋α/₂ + z₁₋β)² / (3·(p − ½)²) for equal groups, with p = P(B > A) from the two efforts' shapes (each centred on its median, the second moved by the difference to detect)";

/** Computes the plan. @throws RangeError for detectMs ≤ 0 */
export function planTurns(input: PlanInput): Plan {
  if (!(input.detectMs > 0)) throw new RangeError(`detectMs must be > 0, got ${input.detectMs}`);
  const level = input.level ?? DEFAULT_CONFIDENCE;
  const power = input.power ?? DEFAULT_POWER;
  const r = samplesToDetectShift(input.a, input.b, input.detectMs, { level, power });
  const groups = Math.max(2, new Set([...(input.scenarioEfforts ?? []), ...input.efforts]).size);
  const turnsTotal = r.perGroupA * groups;
  const spt = input.secondsPerTurnPerSession ?? null;
  const runSeconds = spt === null || !Number.isFinite(turnsTotal) ? null : Math.ceil((turnsTotal * spt) / Math.max(1, input.sessions ?? 1));
  return { detectMs: input.detectMs, efforts: input.efforts, level, power, p: r.p, turnsPerEffort: r.perGroupA, turnsTotal, runSeconds, source: input.source, method: PLAN_METHOD };
}

/** A run's shape of a metric for one effort (all turns), from its recorder. */
export function runShape(recorder: Recorder, metric: LatencyMetric, effort: string): WeightedSample {
  return histogramSample(recorder.histogram(metric, effort) ?? createHistogram(true));
}

/**
 * The first-audio shape of an effort under a latency profile: the log-normal the mock draws from
 * (median, p95; clamped at ±4 σ as the mock clamps), discretised at 2,000 equal-probability points.
 * The constant parts of TTFA (the VAD's silence wait) do not change the shape.
 */
export function profileShape(profile: LatencyProfile, effort: string): WeightedSample {
  const d: DelayDistribution = (profile.firstAudio.efforts as Record<string, DelayDistribution>)[effort as ReasoningEffort] ?? profile.firstAudio.default;
  const points = 2000;
  const values: number[] = [];
  if (d.p95Ms <= d.medianMs || d.medianMs <= 0) return { values: [d.medianMs], counts: [points] };
  const sigma = Math.log(d.p95Ms / d.medianMs) / normalQuantile(0.95);
  for (let i = 0; i < points; i++) {
    const z = Math.max(-4, Math.min(4, normalQuantile((i + 0.5) / points)));
    values.push(d.medianMs * Math.exp(sigma * z));
  }
  return { values, counts: values.map(() => 1) };
}

/** The default profile the mock ships with (re-exported for the command). */
export const MOCK_PROFILE: LatencyProfile = DEFAULT_LATENCY_PROFILE;

function duration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The plan as text lines. */
export function formatPlan(plan: Plan, extra: { scenario: string | null; sessions: number; secondsPerTurnSource: string | null }): string[] {
  const [a, b] = plan.efforts;
  const src = plan.source.kind === 'run' ? `the spread of ${plan.source.dir} (${plan.source.counts[0]} ${a} and ${plan.source.counts[1]} ${b} values)` : `the mock's latency profile '${plan.source.name}' (first-audio log-normals)`;
  const lines = [`To tell a ${plan.detectMs} ms TTFA difference between ${b} and ${a} apart at ${levelText(plan.level)} confidence with ${levelText(plan.power)} power:`];
  if (!Number.isFinite(plan.turnsPerEffort)) {
    lines.push(`  cannot be planned: with this spread a ${plan.detectMs} ms shift does not change P(${b} > ${a}) from ½.`);
  } else {
    lines.push(`  ${plan.turnsPerEffort} turns per effort (P(${b} > ${a}) = ${plan.p.toFixed(3)} under that difference)`);
    lines.push(`  ${plan.turnsTotal} turns in all${extra.scenario ? ` with scenario ${extra.scenario}'s efforts interleaved` : ''}`);
    if (plan.runSeconds !== null) lines.push(`  about ${duration(plan.runSeconds)} at ${extra.sessions} concurrent session${extra.sessions === 1 ? '' : 's'} (${extra.secondsPerTurnSource})`);
    else lines.push('  run length unknown: give --scenario or --from for the turn timing');
  }
  lines.push(`Spread: ${src}.`, `Method: ${plan.method}.`);
  return lines;
}
