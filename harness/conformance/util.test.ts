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
  });
});

describe('bounded collections', () => {
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
