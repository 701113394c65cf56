import { describe, expect, it } from 'vitest';
import type { IdFactory } from './contract.ts';
import { ID_PATTERNS, SeededIdFactory } from './ids.ts';
import { SeededRng } from './rng.ts';

const KINDS = ['event', 'response', 'item', 'session', 'conversation', 'call', 'clientSecret'] as const satisfies readonly (keyof IdFactory)[];

describe('SeededIdFactory', () => {
  it('mints every kind in its §8.1 format', () => {
    const ids = new SeededIdFactory(new SeededRng(1));
    for (const kind of KINDS) {
      for (let i = 0; i < 20; i++) expect(ids[kind]()).toMatch(ID_PATTERNS[kind]);
    }
    expect(new SeededIdFactory(new SeededRng(1)).event()).toHaveLength('event_'.length + 21);
    expect(new SeededIdFactory(new SeededRng(1)).call()).toHaveLength('call_'.length + 16);
    expect(new SeededIdFactory(new SeededRng(1)).clientSecret()).toHaveLength('ek_'.length + 32);
  });

  it('ID_PATTERNS accept real captured ids and reject malformed ones', () => {
    expect('event_CdulTJIOI2YjBMxYUiRzZ').toMatch(ID_PATTERNS.event);
    expect('resp_CdulSkgwnvcvHPA8FsqBM').toMatch(ID_PATTERNS.response);
    expect('item_AeqL8gmRWDn9bIsUM2T35').toMatch(ID_PATTERNS.item);
    expect('sess_AMyCIBoyAwiYg02o3XwRC').toMatch(ID_PATTERNS.session);
    expect('conv_BOrBOQlwDLm5k0QHvLqgZ').toMatch(ID_PATTERNS.conversation);
    expect('call_sHlR7iaFwQ2YQOqm').toMatch(ID_PATTERNS.call);
    expect('ek_68af296e8e408191a1120ab6383263c2').toMatch(ID_PATTERNS.clientSecret);
    expect('event_1920').not.toMatch(ID_PATTERNS.event);
    expect('item_AeqL8gmRWDn9bIsUM2T3-').not.toMatch(ID_PATTERNS.item);
    expect('ek_68AF296E8E408191A1120AB6383263C2').not.toMatch(ID_PATTERNS.clientSecret);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const mint = (seed: number) => {
      const ids = new SeededIdFactory(new SeededRng(seed));
      return KINDS.map((k) => ids[k]());
    };
    expect(mint(5)).toEqual(mint(5));
    expect(mint(5)).not.toEqual(mint(6));
  });

  it('later ids of one kind sort after earlier ones (plain string order), interleaved with other kinds', () => {
    const ids = new SeededIdFactory(new SeededRng(99));
    const byKind = new Map<string, string[]>(KINDS.map((k) => [k, []]));
    for (let i = 0; i < 500; i++) {
      const kind = KINDS[i % KINDS.length]!;
      byKind.get(kind)!.push(ids[kind]());
      byKind.get('event')!.push(ids.event());
    }
    for (const [kind, list] of byKind) {
      const sorted = [...list].sort();
      expect(sorted, kind).toEqual(list);
      expect(new Set(list).size, kind).toBe(list.length);
    }
  });

  it('ids minted close together share a leading prefix, like the real time-ordered ids', () => {
    const ids = new SeededIdFactory(new SeededRng(3));
    const a = ids.event().slice('event_'.length);
    const b = ids.response().slice('resp_'.length);
    expect(a.slice(0, 4)).toBe(b.slice(0, 4));
  });

  it('does not start every factory at the same counter value', () => {
    const prefixes = new Set(Array.from({ length: 10 }, (_, i) => new SeededIdFactory(new SeededRng(i)).event().slice(6, 12)));
    expect(prefixes.size).toBeGreaterThan(5);
  });
});
