/**
 * The rooms' import rules (README "Architecture"): `common/` imports neither side; the mock imports
 * no harness module; the harness reaches the mock only through its public entry
 * (`mock-server/index.ts`), as a user does. Tests and benches may reach into either side.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel));
    else if (/\.(ts|mts|mjs|cjs)$/.test(entry.name)) out.push(rel);
  }
  return out;
}

/** Every relative import of a file, resolved to a repository-relative path. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(IMPORT_RE)].map((m) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), m[1]!)));
}

function violations(dir: string, forbidden: (target: string) => boolean): string[] {
  return sourceFiles(dir).flatMap((file) => importsOf(file).filter(forbidden).map((target) => `${file} imports ${target}`));
}

describe('module boundaries', () => {
  it('finds imports at all (the scanner is not blind)', () => {
    expect(importsOf('harness/conform/conform.ts')).toContain('mock-server/index.ts');
    expect(importsOf('mock-server/server.ts').some((t) => t.startsWith('common/'))).toBe(true);
  });

  it('common/ imports neither the harness nor the mock', () => {
    expect(violations('common', (t) => t.startsWith('harness/') || t.startsWith('mock-server/'))).toEqual([]);
  });

  it('no mock-server module imports from harness/', () => {
    expect(violations('mock-server', (t) => t.startsWith('harness/'))).toEqual([]);
  });

  it('harness modules reach the mock only through mock-server/index.ts', () => {
    expect(violations('harness', (t) => t.startsWith('mock-server/') && t !== 'mock-server/index.ts')).toEqual([]);
  });
});
