/**
 * When each session of a run is meant to start, as offsets from the run's start. Sessions start at
 * these intended times whatever happened to the sessions before them (coordinated omission,
 * docs/measurement.md): a slow or failing session never delays another's arrival.
 */
import { seededRandom } from '../scenario/seeded.ts';
import { stepSchedule } from '../scenario/schedule.ts';
import type { Arrival } from '../scenario/types.ts';

export { stepSchedule, type CapacityStep } from '../scenario/schedule.ts';

/** Stream number of the arrival process in the scenario's seeded randomness. */
const ARRIVAL_STREAM = 0xa441;

/**
 * Intended start offsets, ms, one per session, non-decreasing.
 * - `ramp`: session i at `i * rampUpS / sessions` (all at 0 when `rampUpS` is 0), so the ramp's
 *   rate is the same whatever the count and the last session starts one step before the ramp ends;
 * - `rate`: session i at `i / perS` s, or, with `poisson`, after exponential gaps of mean `1 / perS`
 *   drawn from `seed` (the first at 0);
 * - `steps`: the first `start` sessions at 0, then `step` more at the start of each later step
 *   ({@link stepSchedule}); sessions beyond `max` (none when `sessions` is `max`) never arrive
 *   before the last step.
 * @param sessions number of sessions (≥ 0)
 */
export function arrivalOffsetsMs(arrival: Arrival, sessions: number, seed: number): number[] {
  const out: number[] = [];
  if (arrival.type === 'steps') {
    const steps = stepSchedule(arrival);
    let k = 0;
    for (let i = 0; i < sessions; i++) {
      while (k < steps.length - 1 && i >= steps[k]!.concurrency) k++;
      out.push(steps[k]!.startMs);
    }
    return out;
  }
  if (arrival.type === 'ramp') {
    const stepMs = sessions > 0 ? (arrival.rampUpS * 1000) / sessions : 0;
    for (let i = 0; i < sessions; i++) out.push(i * stepMs);
    return out;
  }
  const meanGapMs = 1000 / arrival.perS;
  if (!arrival.poisson) {
    for (let i = 0; i < sessions; i++) out.push(i * meanGapMs);
    return out;
  }
  const random = seededRandom(seed, ARRIVAL_STREAM);
  let t = 0;
  for (let i = 0; i < sessions; i++) {
    out.push(t);
    // 1 - u is in (0, 1], so the log is finite.
    t += -Math.log(1 - random()) * meanGapMs;
  }
  return out;
}
