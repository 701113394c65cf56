/**
 * docs/client-findings.md lists every rule of the catalogue with its severity, and every source a
 * rule cites exists: `CFn` in that page's source table, `§n.n` as a heading of
 * docs/realtime-protocol.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_RULES } from '../../mock-server/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const page = readFileSync(path.join(ROOT, 'docs/client-findings.md'), 'utf8');
const protocol = readFileSync(path.join(ROOT, 'docs/realtime-protocol.md'), 'utf8');

describe('docs/client-findings.md', () => {
  it('has a table row for every rule, with its severity', () => {
    const missing = CLIENT_RULES.filter((r) => !new RegExp(`^\\| \`${r.id.replace(/\./g, '\\.')}\` \\| ${r.severity} \\|`, 'm').test(page)).map((r) => r.id);
    expect(missing).toEqual([]);
    const rows = [...page.matchAll(/^\| `([a-z_]+\.[a-z_0-9]+)` \| (error|warning|info) \|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(CLIENT_RULES.map((r) => r.id).sort());
  });

  it('every CFn and § a rule cites exists', () => {
    const problems: string[] = [];
    for (const r of CLIENT_RULES) {
      for (const cf of r.source.match(/CF\d+/g) ?? []) if (!new RegExp(`^\\| ${cf} \\|`, 'm').test(page)) problems.push(`${r.id}: ${cf} not in the source table`);
      for (const sec of r.source.match(/§\d+\.\d+/g) ?? []) if (!new RegExp(`^###? ${sec.slice(1).replace('.', '\\.')} `, 'm').test(protocol)) problems.push(`${r.id}: ${sec} is no heading of realtime-protocol.md`);
    }
    expect(problems).toEqual([]);
  });
});
