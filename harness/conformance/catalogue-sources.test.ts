/**
 * Every rule of the catalogue (and every probe of `rth conform`) cites the project's own protocol
 * reference, docs/realtime-protocol.md: each `§N.N` it names is a heading there, each `§N.N step K`
 * is a numbered step of that section, and each S-number is in the page's sources table. GPT-Live
 * rules (session kind `live` only) cite docs/live-protocol.md and its L-numbers the same way. A rule
 * that cites a section its page lacks fails here, so the citations cannot rot silently.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../conform/probes.ts';
import { RULES } from './catalogue.ts';

const DOC_PATH = fileURLToPath(new URL('../../docs/realtime-protocol.md', import.meta.url));
const LIVE_DOC_PATH = fileURLToPath(new URL('../../docs/live-protocol.md', import.meta.url));

/** The parts of the reference page a citation can point at. */
interface ProtocolIndex {
  /** Section number ("3.4", "9") → the lines of its body, up to the next heading. */
  readonly sections: ReadonlyMap<string, readonly string[]>;
  /** Source numbers of the sources table ("S1", … or "L1", …). */
  readonly sources: ReadonlySet<string>;
  /** The page's file name (for messages) and the letter of its source numbers. */
  readonly page: string;
  readonly letter: 'S' | 'L';
}

/** Reads section headings (`## 3. …`, `### 3.4 …`) and source rows (`| S1 | …`) of the page. */
function indexOf(markdown: string, page = 'realtime-protocol.md', letter: 'S' | 'L' = 'S'): ProtocolIndex {
  const sections = new Map<string, string[]>();
  let body: string[] | null = null;
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,4} (\d+(?:\.\d+)*)\.?\s/.exec(line);
    if (heading) {
      body = [];
      sections.set(heading[1]!, body);
    } else if (/^#{1,6} /.test(line)) body = null;
    else body?.push(line);
  }
  const sources = new Set([...markdown.matchAll(new RegExp(`^\\| (${letter}\\d+) \\|`, 'gm'))].map((m) => m[1]!));
  return { sections, sources, page, letter };
}

/** What in `source` does not resolve in `index`; empty when every citation does. */
function citationProblems(source: string, index: ProtocolIndex): string[] {
  const problems: string[] = [];
  const cited = [...source.matchAll(/§(\d+(?:\.\d+)*)(?:\s+steps?\s+(\d+)(?:\s*[–-]\s*(\d+))?)?/g)];
  if (cited.length === 0) problems.push('cites no § section');
  for (const [, section, firstStep, lastStep] of cited) {
    const body = index.sections.get(section!);
    if (!body) {
      problems.push(`§${section} is not a heading of docs/${index.page}`);
      continue;
    }
    for (const step of [firstStep, lastStep]) {
      if (step !== undefined && !body.some((line) => new RegExp(`^\\s*${step}\\. `).test(line))) {
        problems.push(`§${section} has no numbered step ${step}`);
      }
    }
  }
  for (const [, n] of source.matchAll(new RegExp(`\\b${index.letter}(\\d+)\\b`, 'g'))) {
    if (!index.sources.has(`${index.letter}${n}`)) problems.push(`${index.letter}${n} is not in the sources table (§0)`);
  }
  return problems;
}

const INDEX = indexOf(readFileSync(DOC_PATH, 'utf8'));
const LIVE_INDEX = indexOf(readFileSync(LIVE_DOC_PATH, 'utf8'), 'live-protocol.md', 'L');
const isLiveRule = (r: (typeof RULES)[number]): boolean => r.sessionKinds.length === 1 && r.sessionKinds[0] === 'live';

describe('docs/realtime-protocol.md resolves every catalogue citation', () => {
  it('has the numbered sections the code cites and a sources table', () => {
    for (const section of ['1', '1.1', '2.6', '3.4', '3.11', '4.3', '5', '6.3', '7', '8.4', '9', '9.17']) {
      expect(INDEX.sections.has(section), `§${section}`).toBe(true);
    }
    expect([...INDEX.sources]).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10', 'S11', 'S12', 'S13', 'S14']);
  });

  it.each(RULES.filter((r) => !isLiveRule(r)).map((r) => [r.id, r.source] as const))('%s: %s', (_id, source) => {
    expect(citationProblems(source, INDEX)).toEqual([]);
  });

  it.each(PROBES.map((p) => [p.id, p.source] as const))('probe %s: %s', (_id, source) => {
    expect(citationProblems(source, INDEX)).toEqual([]);
  });

  it('flags a missing section, a missing step and an unknown source', () => {
    expect(citationProblems('§3.4 step 11, §9.4 [T S1]', INDEX)).toEqual([]);
    expect(citationProblems('§9.99 [T S1]', INDEX)).toEqual(['§9.99 is not a heading of docs/realtime-protocol.md']);
    expect(citationProblems('§3.4 steps 7–12', INDEX)).toEqual(['§3.4 has no numbered step 12']);
    expect(citationProblems('§2.1 [M S42]', INDEX)).toEqual(['S42 is not in the sources table (§0)']);
    expect(citationProblems('[T S1]', INDEX)).toEqual(['cites no § section']);
  });
});

describe('docs/live-protocol.md resolves every GPT-Live rule citation', () => {
  it('has the sections the Live rules cite and an L-numbered sources table', () => {
    for (const section of ['1.2', '2.2', '3.2', '3.3', '5.1', '8.2']) expect(LIVE_INDEX.sections.has(section), `§${section}`).toBe(true);
    expect([...LIVE_INDEX.sources]).toEqual(['L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9']);
  });

  it.each(RULES.filter(isLiveRule).map((r) => [r.id, r.source] as const))('%s: %s', (_id, source) => {
    expect(citationProblems(source, LIVE_INDEX)).toEqual([]);
  });

  it('flags a Live rule citing a section or source the page lacks', () => {
    expect(citationProblems('§8.2 step 12 [T L1]', LIVE_INDEX)).toEqual(['§8.2 has no numbered step 12']);
    expect(citationProblems('§42 [T L10]', LIVE_INDEX)).toEqual(['§42 is not a heading of docs/live-protocol.md', 'L10 is not in the sources table (§0)']);
  });
});
