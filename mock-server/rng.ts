/**
 * Seeded pseudo-random numbers for the mock: same seed, same event stream.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's "small fast chaotic" 32-bit generator, passes PractRand to
 * terabytes), its 128-bit state filled by the cyrb128 string hash of the seed key. A fork's key is
 * the parent's key plus the label, so `fork(label)` depends only on (seed, label path) and never on
 * how many numbers the parent has drawn.
 */
import type { Rng } from './contract.ts';

/** 2^-32: turns a uint32 into [0, 1). */
const UINT32_TO_UNIT = 1 / 4294967296;

/**
 * cyrb128: a fast 128-bit non-cryptographic string hash (four interleaved 32-bit lanes), used only to
 * spread a seed key over sfc32's state so that nearby seeds give unrelated streams.
 */
function hash128(key: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i++) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** Marks the constructor call made by `fork` (not reachable from outside this module). */
const FORK_KEY: unique symbol = Symbol('fork');

/** Turns a user seed into the string key that is hashed (numbers and strings never collide). */
function seedKey(seed: number | string): string {
  return typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
}

/**
 * Deterministic {@link Rng}. `new SeededRng(42)` and `new SeededRng(42)` produce identical sequences;
 * `new SeededRng('42')` is a different stream from `new SeededRng(42)`.
 */
export class SeededRng implements Rng {
  readonly #key: string;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** @param seed any finite number or any string; the whole value matters (1 and 1.5 differ). */
  constructor(seed: number | string);
  /** @internal fork construction from an already-derived key. */
  constructor(seed: number | string, derivedKey: typeof FORK_KEY, key: string);
  constructor(seed: number | string, derivedKey?: typeof FORK_KEY, key?: string) {
    this.#key = derivedKey === FORK_KEY && key !== undefined ? key : seedKey(seed);
    [this.#a, this.#b, this.#c, this.#d] = hash128(this.#key);
    // Discard the first outputs: sfc32's state needs a few rounds to mix after seeding.
    for (let i = 0; i < 12; i++) this.#nextUint32();
  }

  #nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const rotated = (c << 21) | (c >>> 11);
    this.#c = (rotated + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.#nextUint32() * UINT32_TO_UNIT;
  }

  /**
   * Uniform integer in [minInclusive, maxExclusive). Both bounds are truncated to integers.
   * @throws RangeError when the range is empty (a caller bug, not input).
   */
  int(minInclusive: number, maxExclusive: number): number {
    const lo = Math.trunc(minInclusive);
    const hi = Math.trunc(maxExclusive);
    if (!(hi > lo)) throw new RangeError(`SeededRng.int: empty range [${minInclusive}, ${maxExclusive})`);
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /**
   * Normal deviate by the Box–Muller transform (one pair drawn per call; the second value is discarded
   * so that the stream position does not depend on call parity).
   */
  normal(mean: number, stdDev: number): number {
    // 1 - next() is in (0, 1], so the log is finite.
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + stdDev * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * One element of a non-empty array, uniformly.
   * @throws RangeError on an empty array.
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('SeededRng.pick: empty array');
    return items[this.int(0, items.length)] as T;
  }

  /**
   * An independent stream named by `label`: depends only on this generator's seed (and fork path) and
   * the label, not on how many numbers were drawn. `rng.fork('a').fork('b')` differs from `rng.fork('a/b')`.
   */
  fork(label: string): SeededRng {
    return new SeededRng(0, FORK_KEY, `f:${this.#key}\u0000${label.length}:${label}`);
  }
}
