/**
 * Small seeded randomness for scenario decisions (effort assignment, clip picks, think times).
 * The harness keeps its own generator so that a seed means the same plan whatever the mock does.
 */

/**
 * A deterministic generator of floats in [0, 1) (mulberry32 over a seed mixed with a stream
 * number): the same `(seed, stream)` always yields the same sequence.
 */
export function seededRandom(seed: number, stream = 0): () => number {
  let state = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul((stream | 0) + 0x632be5ab, 0x85ebca6b)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher-Yates shuffle of a copy of `items`, driven by `random`. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
