import { seededRandom, shuffled } from './seeded.ts';

/**
 * Assigns one of `efforts` to each of `n` sessions, interleaved (docs/measurement.md: "interleave what
 * you compare"): sessions are taken in blocks of `efforts.length`, each block a seeded shuffle of
 * all efforts. Every effort therefore gets the same number of sessions ±1, neighbours in time
 * differ, and the same seed gives the same assignment.
 * @param n number of sessions (≥ 0)
 * @param efforts the efforts to compare (non-empty)
 * @param seed the scenario seed
 * @returns `result[i]` is session i's effort
 */
export function assignEfforts<T>(n: number, efforts: readonly T[], seed: number): T[] {
  if (efforts.length === 0) throw new RangeError('assignEfforts: efforts must not be empty');
  const random = seededRandom(seed, 0x0e44);
  const out: T[] = [];
  while (out.length < n) {
    for (const e of shuffled(efforts, random)) {
      if (out.length === n) break;
      out.push(e);
    }
  }
  return out;
}
