/**
 * The repository stands on its own (issue 14, point 3): no file names the team's reference folder
 * that sits next to the checkout, since a link into it is dead for anyone who clones the
 * repository. The project's own versions: docs/measurement.md (metric definitions),
 * docs/realtime-protocol.md (protocol reference), bench/ws-floor.ts (the floor benchmark).
 *
 * The needles are assembled at run time so this file does not contain them and flag itself.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Folders that are not the repository's content: dependencies, git's store, run output, scratch (git-ignored). */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'reports', 'tmp']);

/** What must not appear, each with what to use instead. */
const NEEDLES: readonly { needle: string; instead: string }[] = [
  { needle: ['..', 'shared'].join('/'), instead: 'a file of this repository (docs/, bench/)' },
  { needle: ['MEASUREMENT', 'md'].join('.'), instead: 'docs/measurement.md' },
  { needle: ['ws-floor', 'mjs'].join('.'), instead: 'bench/ws-floor.ts' },
];

/** Every file under `dir` (relative to `root`), skipping {@link SKIPPED_DIRS}. */
function filesUnder(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) out.push(...filesUnder(root, rel));
    } else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** `file:line: names 'needle' (use … instead)` for every occurrence under `root`. Binary files are searched as bytes. */
function references(root: string): string[] {
  const found: string[] = [];
  for (const file of filesUnder(root)) {
    const bytes = readFileSync(path.join(root, file));
    for (const { needle, instead } of NEEDLES) {
      let at = bytes.indexOf(needle);
      while (at >= 0) {
        const line = bytes.subarray(0, at).toString('latin1').split('\n').length;
        found.push(`${file}:${line}: names '${needle}' (use ${instead} instead)`);
        at = bytes.indexOf(needle, at + needle.length);
      }
    }
  }
  return found;
}

describe('the repository is self-contained', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'rth-self-contained-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('the scanner finds a reference, with its line, and skips node_modules (it is not blind)', () => {
    mkdirSync(path.join(scratch, 'docs'));
    mkdirSync(path.join(scratch, 'node_modules'));
    writeFileSync(path.join(scratch, 'docs', 'a.md'), `title\n\nsee ${NEEDLES[0]!.needle}/x.md\n`);
    writeFileSync(path.join(scratch, 'node_modules', 'b.md'), `see ${NEEDLES[0]!.needle}/x.md\n`);
    expect(references(scratch)).toEqual([`${path.join('docs', 'a.md')}:3: names '${NEEDLES[0]!.needle}' (use ${NEEDLES[0]!.instead} instead)`]);
  });

  it('walks the whole repository (README, docs, sources, benches, this test)', () => {
    const files = filesUnder(ROOT);
    for (const f of ['README.md', 'package.json', path.join('docs', 'measurement.md'), path.join('bench', 'ws-floor.ts'), path.join('test', 'architecture', 'self-contained.test.ts')]) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => f.split(path.sep).includes('node_modules'))).toBe(false);
  });

  it('no file names the reference folder outside the repository, nor its files the project has its own versions of', () => {
    expect(references(ROOT)).toEqual([]);
  });
});
