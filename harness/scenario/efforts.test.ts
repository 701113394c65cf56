import { describe, expect, it } from 'vitest';
import { assignEfforts } from './efforts.ts';
import { clipIdForTurn, clipIdProblems, validateClipIds } from './clips.ts';
import { toWireFormat, toWireTurnDetection } from './wire.ts';
import { ConfigError } from '../../common/errors.ts';

const FIVE = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;

function counts<T>(xs: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

describe('assignEfforts', () => {
  it('every effort gets the same count ±1, for many n and seeds', () => {
    for (const seed of [1, 2, 99]) {
      for (let n = 0; n <= 23; n++) {
        const a = assignEfforts(n, FIVE, seed);
        expect(a).toHaveLength(n);
        const c = [...counts(a).values()];
        if (n >= FIVE.length) expect(c).toHaveLength(FIVE.length);
        expect(Math.max(...c, 0) - Math.min(...c, Math.max(...c, 0))).toBeLessThanOrEqual(1);
      }
    }
  });
  it('interleaves: every full block of k sessions holds all k efforts', () => {
    const a = assignEfforts(50, FIVE, 7);
    for (let b = 0; b < 10; b++) expect(new Set(a.slice(b * 5, b * 5 + 5)).size).toBe(5);
  });
  it('is deterministic per seed, and the seed matters', () => {
    expect(assignEfforts(20, FIVE, 3)).toEqual(assignEfforts(20, FIVE, 3));
    expect(assignEfforts(20, FIVE, 3)).not.toEqual(assignEfforts(20, FIVE, 4));
  });
  it('is shuffled, not plain round-robin in list order', () => {
    const plain = Array.from({ length: 50 }, (_, i) => FIVE[i % 5]);
    expect(assignEfforts(50, FIVE, 1)).not.toEqual(plain);
  });
  it('rejects an empty effort list', () => {
    expect(() => assignEfforts(3, [], 1)).toThrow(RangeError);
  });
});

describe('clips', () => {
  const corpus = ['en-1', 'en-2', 'uk-1', 'de-1'];
  it('a list cycles, each session one further along', () => {
    const sel = { type: 'list', ids: ['a', 'b', 'c'] } as const;
    expect([1, 2, 3, 4].map((t) => clipIdForTurn(sel, corpus, 0, t))).toEqual(['a', 'b', 'c', 'a']);
    expect([1, 2, 3].map((t) => clipIdForTurn(sel, corpus, 1, t))).toEqual(['b', 'c', 'a']);
  });
  it('random picks are seeded by (seed, session, turn) and cover the corpus', () => {
    const sel = { type: 'random', seed: 5 } as const;
    const picks = Array.from({ length: 200 }, (_, i) => clipIdForTurn(sel, corpus, i % 10, 1 + Math.floor(i / 10)));
    expect(new Set(picks)).toEqual(new Set(corpus));
    expect(clipIdForTurn(sel, corpus, 3, 4)).toBe(clipIdForTurn(sel, corpus, 3, 4));
    const other = Array.from({ length: 200 }, (_, i) => clipIdForTurn({ type: 'random', seed: 6 }, corpus, i % 10, 1 + Math.floor(i / 10)));
    expect(other).not.toEqual(picks);
  });
  it('unknown ids are named with file and index', () => {
    const s = { sourceLabel: 'scenarios/x.yaml', clips: { type: 'list', ids: ['en-1', 'foo'] } } as const;
    expect(clipIdProblems(s, corpus)).toEqual(["scenarios/x.yaml: clips[1]: unknown clip id 'foo' (expected a manifest id: en-1, en-2, uk-1, de-1)"]);
    expect(() => validateClipIds(s, corpus)).toThrow(ConfigError);
    expect(() => validateClipIds({ ...s, clips: { type: 'list', ids: ['de-1'] } }, corpus)).not.toThrow();
    expect(clipIdProblems({ sourceLabel: 'y', clips: { type: 'random', seed: 1 } }, [])).toEqual(['y: clips: the corpus has no clips']);
  });
});

describe('wire values', () => {
  it('formats', () => {
    expect(toWireFormat('pcm16')).toEqual({ type: 'audio/pcm', rate: 24000 });
    expect(toWireFormat('pcmu')).toEqual({ type: 'audio/pcmu' });
    expect(toWireFormat('pcma')).toEqual({ type: 'audio/pcma' });
  });
  it('turn detection: manual is null, VAD objects in wire names', () => {
    expect(toWireTurnDetection({ type: 'manual' })).toBeNull();
    expect(
      toWireTurnDetection({ type: 'server_vad', threshold: 0.6, prefixPaddingMs: 200, silenceDurationMs: 400, createResponse: true, interruptResponse: false }),
    ).toEqual({ type: 'server_vad', threshold: 0.6, prefix_padding_ms: 200, silence_duration_ms: 400, create_response: true, interrupt_response: false });
    expect(toWireTurnDetection({ type: 'semantic_vad', eagerness: 'high', createResponse: true, interruptResponse: true })).toEqual({
      type: 'semantic_vad',
      eagerness: 'high',
      create_response: true,
      interrupt_response: true,
    });
  });
});
