/** docs/readme/conform.md lists every probe and every default recovery fault (kept in sync by this test). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../../harness/conform/probes.ts';
import { DEFAULT_RECOVERY_FAULTS } from '../../harness/conform/recovery-suite.ts';

const doc = readFileSync(new URL('../../docs/readme/conform.md', import.meta.url), 'utf8');

describe('docs/readme/conform.md', () => {
  it('has one table row per probe, in catalogue order', () => {
    const rows = [...doc.matchAll(/^\| `(PROBE-[A-Z-]+)` \|/gm)].map((m) => m[1]);
    expect(rows).toEqual(PROBES.map((p) => p.id));
  });

  it('names every default recovery fault spec', () => {
    for (const f of DEFAULT_RECOVERY_FAULTS) expect(doc).toContain(`\`${f.spec}\``);
  });
});
