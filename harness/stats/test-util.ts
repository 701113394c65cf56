/** Seeded draws for the statistics tests (deterministic, so simulation checks cannot flake). */
import { seededRandom } from '../scenario/seeded.ts';

/** A seeded standard-normal generator (Box–Muller over mulberry32). */
export function seededNormal(seed: number): () => number {
  const u = seededRandom(seed, 17);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A seeded uniform generator in [0, 1). */
export function seededUniform(seed: number): () => number {
  return seededRandom(seed, 23);
}
