import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { RULES } from '../../harness/conformance/catalogue.ts';

it('docs/readme/conformance.md lists exactly the catalogue rules, with their severities', () => {
  const md = readFileSync(fileURLToPath(new URL('../../docs/readme/conformance.md', import.meta.url)), 'utf8');
  const rows = [...md.matchAll(/^\| `((?:RT|LIVE)-[A-Z]+-\d{3})` \| (error|warning|info) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
  expect(rows).toEqual(RULES.map((r) => `${r.id} ${r.severity}`));
});
