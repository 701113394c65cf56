/**
 * Every rule of the catalogue (and every probe of `rth conform`) cites the project's own protocol
 * reference, docs/realtime-protocol.md: each `§N.N` it names is a heading there, each `§N.N step K`
 * is a numbered step of that section, and each S-number is in the page's sources table. A rule that
 * cites a section the page lacks fails here, so the citations cannot rot silently.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../conform/probes.ts';
import { RULES } from './catalogue.ts';

const DOC_PATH = fileURLToPath(new URL('../../docs/realtime-protocol.md', import.meta.url));

/** The parts of the reference page a citation can point at. */
interface ProtocolIndex {
  /** Section number ("3.4", "9") → the lines of its body, up to the next heading. */
  readonly sections: ReadonlyMap<string, readonly string[]>;
  /** S-numbers of the sources table ("S1", …). */
  readonly sources: ReadonlySet<string>;
}

/** Reads section headings (`## 3. …`, `### 3.4 …`) and source rows (`| S1 | …`) of the page. */
function indexOf(markdown: string): ProtocolIndex {
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
  const sources = new Set([...markdown.matchAll(/^\| (S\d+) \|/gm)].map((m) => m[1]!));
  return { sections, sources };
}

/** What in `source` does not resolve in `index`; empty when every citation does. */
function citationProblems(source: string, index: ProtocolIndex): string[] {
  const problems: string[] = [];
  const cited = [...source.matchAll(/§(\d+(?:\.\d+)*)(?:\s+steps?\s+(\d+)(?:\s*[–-]\s*(\d+))?)?/g)];
  if (cited.length === 0) problems.push('cites no § section');
  for (const [, section, firstStep, lastStep] of cited) {
    const body = index.sections.get(section!);
    if (!body) {
      problems.push(`§${section} is not a heading of docs/realtime-protocol.md`);
      continue;
    }
    for (const step of [firstStep, lastStep]) {
      if (step !== undefined && !body.some((line) => new RegExp(`^\\s*${step}\\. `).test(line))) {
        problems.push(`§${section} has no numbered step ${step}`);
      }
    }
  }
  for (const [, n] of source.matchAll(/\bS(\d+)\b/g)) {
    if (!index.sources.has(`S${n}`)) problems.push(`S${n} is not in the sources table (§0)`);
  }
  return problems;
}

const INDEX = indexOf(readFileSync(DOC_PATH, 'utf8'));

describe('docs/realtime-protocol.md resolves every catalogue citation', () => {
  it('has the numbered sections the code cites and a sources table', () => {
    for (const section of ['1', '1.1', '2.6', '3.4', '3.11', '4.3', '5', '6.3', '7', '8.4', '9', '9.17']) {
      expect(INDEX.sections.has(section), `§${section}`).toBe(true);
    }
    expect([...INDEX.sources]).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10', 'S11', 'S12', 'S13', 'S14']);
  });

  it.each(RULES.map((r) => [r.id, r.source] as const))('%s: %s', (_id, source) => {
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
