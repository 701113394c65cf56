import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJsonl, readRunRecords } from './read-run.ts';
import { smallRun } from './test-fixtures.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('parseJsonl', () => {
  it('skips a torn last line and a malformed middle line with warnings naming the line', () => {
    const r = parseJsonl('{"a":1}\nnot json\n\n{"a":2}\n{"a":', 'f.jsonl');
    expect(r.records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.warnings).toEqual(['f.jsonl:2: not valid JSON, line skipped', 'f.jsonl:5: incomplete last line (torn write), ignored']);
  });
});

describe('readRunRecords', () => {
  it('reads turns and sessions, tolerating a torn last line and skipping records without the needed fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rth-cost-run-'));
    dirs.push(dir);
    const { turns, sessions } = smallRun();
    const lines = turns.map((t) => JSON.stringify(t));
    writeFileSync(join(dir, 'turns.jsonl'), [...lines, JSON.stringify({ turnIndex: 1 }), lines[0]!.slice(0, 40)].join('\n'));
    writeFileSync(join(dir, 'sessions.jsonl'), sessions.map((s) => JSON.stringify(s)).join('\n') + '\n');
    const r = await readRunRecords(dir);
    expect(r.turns).toEqual(turns);
    expect(r.sessions).toEqual(sessions);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/turns\.jsonl:8: incomplete last line/);
    expect(r.warnings[1]).toMatch(/turns\.jsonl: record 7: sessionIndex\/turnIndex missing/);
  });

  it('fails with E_RUN_DIR without turns.jsonl and warns without sessions.jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rth-cost-run-'));
    dirs.push(dir);
    await expect(readRunRecords(dir)).rejects.toMatchObject({ code: 'E_RUN_DIR', message: expect.stringMatching(/turns\.jsonl: not found/) });
    writeFileSync(join(dir, 'turns.jsonl'), '');
    const r = await readRunRecords(dir);
    expect(r.turns).toEqual([]);
    expect(r.warnings[0]).toMatch(/sessions\.jsonl: not found/);
  });
});
