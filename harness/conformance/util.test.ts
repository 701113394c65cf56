import { describe, expect, it } from 'vitest';
import { base64DecodedBytes, BoundedMap, BoundedSet, TextAccumulator } from './util.ts';

describe('base64DecodedBytes', () => {
  it('counts decoded bytes without decoding and rejects non-base64', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 4800]) {
      const s = Buffer.alloc(n, 7).toString('base64');
      expect(base64DecodedBytes(s)).toBe(n);
    }
    expect(base64DecodedBytes('AAA')).toBe(-1); // not a multiple of 4
    expect(base64DecodedBytes('AA-_')).toBe(-1); // base64url alphabet
    expect(base64DecodedBytes('A===')).toBe(-1);
    expect(base64DecodedBytes('AA=A')).toBe(-1);
    expect(base64DecodedBytes('AA==')).toBe(1);
    expect(base64DecodedBytes('AAA=')).toBe(2);
    expect(base64DecodedBytes('====')).toBe(-1);
    expect(base64DecodedBytes('=AAA')).toBe(-1);
    expect(base64DecodedBytes('AAAA=AAA')).toBe(-1);
    expect(base64DecodedBytes('AA\u00e9A')).toBe(-1);
    expect(base64DecodedBytes('AA A')).toBe(-1);
    expect(base64DecodedBytes('AAAA\nAAA')).toBe(-1);
    const long = Buffer.alloc(4800, 0x5a).toString('base64');
    expect(base64DecodedBytes(`${long.slice(0, 3000)}*${long.slice(3001)}`)).toBe(-1);
    // Node's decoder accepts the base64url alphabet and skips junk; two-byte strings must not alias.
    expect(base64DecodedBytes(`${long.slice(0, 3000)}-${long.slice(3001)}`)).toBe(-1);
    expect(base64DecodedBytes('AAA\u0141')).toBe(-1);
    expect(base64DecodedBytes('AA\u4e00=')).toBe(-1);
    expect(base64DecodedBytes('AA\u00c1=')).toBe(-1);
  });

  it('agrees with the strict regular expression on random corruptions of valid base64', () => {
    const strict = /^[A-Za-z0-9+/]*={0,2}$/;
    const reference = (s: string): number =>
      s.length % 4 === 0 && strict.test(s) ? (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0) : -1;
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const junk = [' ', '\n', '*', '.', '-', '_', '=', 'A', '/', '+', '\u00e9', '\u0141', '\u4e00', '\ud83d', '\u0000', '~'];
    let disagreements = 0;
    for (const len of [3, 6, 48, 750, 4800]) {
      for (let t = 0; t < 400; t++) {
        const chars = Buffer.from(Array.from({ length: len }, () => rnd(256))).toString('base64').split('');
        for (let k = rnd(3); k > 0; k--) {
          const at = rnd(chars.length + 1);
          const c = junk[rnd(junk.length)]!;
          if (rnd(2) === 0) chars.splice(at, 0, c);
          else chars[at] = c;
        }
        const s = chars.join('');
        if (base64DecodedBytes(s) !== reference(s)) disagreements++;
      }
    }
    expect(disagreements).toBe(0);
  });
});

describe('bounded collections', () => {
  it('allocate their rings lazily and grow them up to the capacity', () => {
    const s = new BoundedSet(16_384);
    const m = new BoundedMap<number>(16_384);
    // A fresh collection must not hold its whole window (8 bytes a slot, per collection, per session).
    expect(s.allocatedSlots).toBeLessThanOrEqual(16);
    expect(m.allocatedSlots).toBeLessThanOrEqual(16);
    for (let i = 0; i < 100; i++) s.add(`k${i}`);
    expect(s.allocatedSlots).toBeGreaterThanOrEqual(100);
    expect(s.allocatedSlots).toBeLessThanOrEqual(256);
    const small = new BoundedSet(20);
    for (let i = 0; i < 1000; i++) small.add(`k${i}`);
    expect(small.allocatedSlots).toBe(20);
  });

  it('evict in insertion order across growth and wrap-around', () => {
    const s = new BoundedSet(37);
    for (let i = 0; i < 100; i++) {
      s.add(`k${i}`);
      expect(s.overflowed).toBe(i >= 37);
      for (const j of [i - 37, i - 36, i]) if (j >= 0) expect(s.has(`k${j}`)).toBe(j > i - 37);
    }
    const m = new BoundedMap<number>(10);
    for (let i = 0; i < 25; i++) m.set(`k${i}`, i);
    expect([...m.entries()].map(([, v]) => v)).toEqual([15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  });

  it('BoundedSet keeps the last N and records that it evicted', () => {
    const s = new BoundedSet(3);
    for (const k of ['a', 'b', 'c']) s.add(k);
    expect(s.overflowed).toBe(false);
    s.add('d');
    expect([s.has('a'), s.has('b'), s.has('d'), s.overflowed]).toEqual([false, true, true, true]);
  });

  it('BoundedMap evicts the oldest key and keeps updates in place', () => {
    const m = new BoundedMap<number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('a', 3);
    expect(m.overflowed).toBe(false);
    m.set('c', 4);
    expect([m.get('a'), m.get('b'), m.get('c'), m.size]).toEqual([undefined, 2, 4, 2]);
  });
});

describe('TextAccumulator', () => {
  it('compares a done value with the concatenated deltas and points at the first difference', () => {
    const acc = new TextAccumulator();
    acc.append('Hello');
    acc.append(' world');
    expect(acc.mismatch('Hello world')).toBeNull();
    expect(acc.mismatch('Hello World')).toMatch(/char 6/);
    expect(acc.mismatch('Hello world!')).toMatch(/lengths 12 vs 11/);
  });

  it('switches to a hash beyond 64 KiB and still detects differences', () => {
    const acc = new TextAccumulator();
    const chunk = "abcdefgh".repeat(1024);
    for (let i = 0; i < 10; i++) acc.append(chunk);
    const full = chunk.repeat(10);
    expect(acc.mismatch(full)).toBeNull();
    expect(acc.mismatch(`${full.slice(0, -1)}X`)).toMatch(/content differs/);
    expect(acc.mismatch(full.slice(1))).toMatch(/length/);
  });
});
