/**
 * Intended times of a scenario (docs/measurement.md, "Coordinated omission"): when each session is
 * meant to start and how long each user thinks. Computed up front from the seed, so arrivals
 * follow their schedule whatever the server does.
 */
import { seededRandom } from './seeded.ts';
import type { Arrival } from './types.ts';

/** One step of a capacity search (`arrival.type: steps`). */
export interface CapacityStep {
  /** 0-based. */
  index: number;
  /** Sessions meant to be open during the step. */
  concurrency: number;
  /** Step start and end, ms after the run starts ([startMs, endMs)). */
  startMs: number;
  endMs: number;
}

/**
 * The steps of a capacity search: step k (0-based) holds `min(start + k × step, max)` sessions
 * from `k × stepS` to `(k + 1) × stepS` seconds; the last step is the first that reaches `max`.
 */
export function stepSchedule(arrival: Extract<Arrival, { type: 'steps' }>): CapacityStep[] {
  const out: CapacityStep[] = [];
  const stepMs = arrival.stepS * 1000;
  for (let k = 0; ; k++) {
    const concurrency = Math.min(arrival.start + k * arrival.step, arrival.max);
    out.push({ index: k, concurrency, startMs: k * stepMs, endMs: (k + 1) * stepMs });
    if (concurrency >= arrival.max) return out;
  }
}

/**
 * Intended start of each session, ms after the run starts.
 * Ramp: evenly over `rampUpS` (session i at `i × rampUpS / sessions`; all at 0 when 0).
 * Rate: every `1 / perS` s, or exponential gaps with mean `1 / perS` when `poisson` (seeded).
 */
export function sessionStartOffsetsMs(arrival: Arrival, sessions: number, seed: number): number[] {
  const out: number[] = [];
  if (arrival.type === 'ramp') {
    for (let i = 0; i < sessions; i++) out.push((i * arrival.rampUpS * 1000) / sessions);
    return out;
  }
  if (arrival.type === 'steps') {
    // Capacity search: `start` at 0, then `step` more at each later step, never beyond `max`.
    const steps = stepSchedule(arrival);
    for (let i = 0, k = 0; i < sessions; i++) {
      while (k < steps.length - 1 && i >= steps[k]!.concurrency) k++;
      out.push(steps[k]!.startMs);
    }
    return out;
  }
  const meanGapMs = 1000 / arrival.perS;
  const random = seededRandom(seed, 0xa771);
  let t = 0;
  for (let i = 0; i < sessions; i++) {
    out.push(t);
    // Inverse-CDF draw of an exponential gap; 1 - u avoids log(0).
    t += arrival.poisson ? -Math.log(1 - random()) * meanGapMs : meanGapMs;
  }
  return out;
}

/**
 * The think time before a turn, ms: uniform in [minMs, maxMs], seeded by (seed, session, turn) so
 * it does not depend on the order turns happen in.
 * @param sessionIndex 0-based; @param turnIndex 1-based
 */
export function thinkTimeMsFor(range: { minMs: number; maxMs: number }, seed: number, sessionIndex: number, turnIndex: number): number {
  if (range.maxMs <= range.minMs) return range.minMs;
  const random = seededRandom(seed ^ 0x7417, sessionIndex * 100_003 + turnIndex);
  return range.minMs + random() * (range.maxMs - range.minMs);
}
