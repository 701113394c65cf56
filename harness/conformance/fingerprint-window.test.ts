import { describe, expect, it } from 'vitest';
import { FingerprintWindow } from './fingerprint-window.ts';
import { BoundedSet } from './util.ts';

describe('FingerprintWindow', () => {
  /** A seeded xorshift, so a failure replays. */
  function rng(seed: number): () => number {
    let x = seed >>> 0 || 1;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
  }

  it('answers like a BoundedSet of the same capacity through growth, eviction and wrap-around', () => {
    // Small windows fill their 16-slot table to half, so probe runs often wrap past its end.
    for (const capacity of [1, 2, 3, 7, 8, 17, 64, 1000]) {
      const rand = rng(capacity);
      const w = new FingerprintWindow(capacity);
      const ref = new BoundedSet(capacity);
      // Ids drawn from a pool a few times the window, so adds hit present, evicted and new ids.
      const pool = capacity * 3 + 5;
      for (let op = 0; op < capacity * 20 + 5000; op++) {
        const k = `event_${Math.floor(rand() * pool).toString(36)}`;
        if (rand() < 0.3) {
          expect(w.has(k), `capacity ${capacity}, op ${op}, has ${k}`).toBe(ref.has(k));
        } else {
          expect(w.add(k), `capacity ${capacity}, op ${op}, add ${k}`).toBe(!ref.has(k));
          ref.add(k);
        }
      }
      for (let i = 0; i < pool; i++) expect(w.has(`event_${i.toString(36)}`)).toBe(ref.has(`event_${i.toString(36)}`));
      expect(w.overflowed).toBe(ref.overflowed);
    }
  });

  it('keeps the last N distinct ids and forgets the one before', () => {
    const w = new FingerprintWindow(8192);
    for (let i = 0; i < 30_000; i++) {
      w.add(`event_B${i}xyz`);
      if (i % 997 === 0 && i >= 8192) {
        expect(w.has(`event_B${i - 8191}xyz`)).toBe(true);
        expect(w.has(`event_B${i - 8192}xyz`)).toBe(false);
      }
    }
    expect(w.overflowed).toBe(true);
    // Nearly alike strings (one character apart, same length) are told apart.
    expect(w.has('event_B29999xyy')).toBe(false);
    expect(w.has('event_B29999xyz')).toBe(true);
  });

  it('allocates as it fills, up to 16 bytes a slot', () => {
    const w = new FingerprintWindow(8192);
    expect(w.allocatedBytes).toBeLessThanOrEqual(128);
    for (let i = 0; i < 100; i++) w.add(`e${i}`);
    expect(w.allocatedBytes).toBeLessThanOrEqual(4096);
    for (let i = 0; i < 20_000; i++) w.add(`f${i}`);
    expect(w.allocatedBytes).toBe(8192 * 16);
  });
});
