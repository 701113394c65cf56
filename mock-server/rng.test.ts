import { describe, expect, it } from 'vitest';
import { SeededRng } from './rng.ts';

function draw(rng: SeededRng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

describe('SeededRng', () => {
  it('repeats the same sequence for the same seed', () => {
    expect(draw(new SeededRng(42), 50)).toEqual(draw(new SeededRng(42), 50));
    expect(draw(new SeededRng('run-a'), 50)).toEqual(draw(new SeededRng('run-a'), 50));
  });

  it('gives unrelated sequences for nearby or equal-looking seeds', () => {
    const a = draw(new SeededRng(1), 20);
    expect(a).not.toEqual(draw(new SeededRng(2), 20));
    expect(a).not.toEqual(draw(new SeededRng('1'), 20));
    expect(draw(new SeededRng(1), 20)).not.toEqual(draw(new SeededRng(1.5), 20));
  });

  it('next() stays in [0, 1) with a roughly uniform mean and spread', () => {
    const rng = new SeededRng(7);
    const n = 20_000;
    let sum = 0;
    const buckets = new Array<number>(10).fill(0);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
      buckets[Math.floor(x * 10)]! += 1;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 1);
    for (const b of buckets) expect(Math.abs(b - n / 10)).toBeLessThan(n / 10 * 0.1);
  });

  it('int() covers exactly [min, max)', () => {
    const rng = new SeededRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(-2, 3);
      expect(Number.isInteger(v)).toBe(true);
      seen.add(v);
    }
    expect([...seen].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2]);
    expect(() => rng.int(5, 5)).toThrow(RangeError);
  });

  it('normal() has the requested mean and standard deviation', () => {
    const rng = new SeededRng(11);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => rng.normal(100, 15));
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 100)).toBeLessThan(0.5);
    expect(Math.abs(sd - 15)).toBeLessThan(0.5);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('pick() returns members, all of them eventually, and rejects empty arrays', () => {
    const rng = new SeededRng(5);
    const items = ['a', 'b', 'c'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(rng.pick(items));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(() => rng.pick([])).toThrow(RangeError);
  });

  it('fork(label) depends only on seed and label, not on draws already made', () => {
    const fresh = new SeededRng(9);
    const used = new SeededRng(9);
    draw(used, 37);
    expect(draw(fresh.fork('conn-1'), 20)).toEqual(draw(used.fork('conn-1'), 20));
  });

  it('forks are independent of each other and of the parent', () => {
    const rng = new SeededRng(9);
    const parent = draw(new SeededRng(9), 20);
    const a = draw(rng.fork('a'), 20);
    const b = draw(rng.fork('b'), 20);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(parent);
    expect(draw(new SeededRng(10).fork('a'), 20)).not.toEqual(a);
    // Nested forks are a path, not a string concatenation.
    expect(draw(rng.fork('a').fork('b'), 10)).not.toEqual(draw(rng.fork('ab'), 10));
    expect(draw(rng.fork('a').fork('b'), 10)).toEqual(draw(new SeededRng(9).fork('a').fork('b'), 10));
    // A fork is not reachable by choosing a clever string seed.
    expect(draw(rng.fork('a'), 10)).not.toEqual(draw(new SeededRng('n:9\u00001:a'), 10));
  });

  it('is pinned: the first values for seed 42 do not change between releases', () => {
    // Changing the generator changes every seeded mock run; this test makes that a deliberate act.
    const first = draw(new SeededRng(42), 3).map((x) => Math.round(x * 1e9));
    expect(first).toMatchInlineSnapshot(`
      [
        861584510,
        460966339,
        816088365,
      ]
    `);
  });
});
