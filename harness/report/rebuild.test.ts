import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { Recorder } from '../metrics/recorder.ts';
import { parseJsonlLines, toSession, toTurn } from './read-run.ts';
import { rebuildRun, recordRun } from './rebuild.ts';
import { syntheticRun, writeRunDir } from './test-fixtures.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'rth-rebuild-'));
  dirs.push(d);
  return d;
}

describe('parseJsonlLines', () => {
  it('skips a torn last line and a malformed middle line, naming both', () => {
    const text = '{"a":1}\nnot json\n{"b":2}\n{"c":';
    const { values, skipped } = parseJsonlLines(text, 'turns.jsonl');
    expect(values.map((v) => v.line)).toEqual([1, 3]);
    expect(skipped).toEqual([
      { file: 'turns.jsonl', line: 2, kind: 'malformed', reason: 'not valid JSON' },
      { file: 'turns.jsonl', line: 4, kind: 'torn', reason: expect.stringContaining('killed') },
    ]);
  });

  it('ignores blank lines and a final newline', () => {
    expect(parseJsonlLines('{"a":1}\n\n{"a":2}\n', 'x').values).toHaveLength(2);
  });
});

describe('record validation', () => {
  it('rejects turns without the fields the recorder needs, with a reason', () => {
    expect(toTurn({ sessionIndex: 0, turnIndex: 1, status: 'done', milestones: {} })).toMatch(/status/);
    expect(toTurn({ sessionIndex: 0, status: 'completed', milestones: {} })).toMatch(/turnIndex/);
    expect(toTurn({ sessionIndex: 0, turnIndex: 1, status: 'completed' })).toMatch(/milestones/);
    expect(toSession({ sessionIndex: 'a', outcome: 'completed' })).toMatch(/sessionIndex/);
  });

  it('keeps recoveries and the runner fields of a session', () => {
    const s = toSession({ sessionIndex: 3, outcome: 'completed', connectedMs: 10, conformanceFindings: 2, recoveries: [{ fault: 'server_error', recovered: true, recoveryMs: 5 }] });
    expect(s).toMatchObject({ sessionIndex: 3, conformanceFindings: 2, recoveries: [{ fault: 'server_error', recovered: true, recoveryMs: 5, turnsLost: 0 }] });
  });
});

describe('rebuildRun', () => {
  it('rebuilds a finished run: the same numbers as the run, the run\'s own verdict and send lag', async () => {
    const dir = await tempDir();
    const r = syntheticRun();
    await writeRunDir(dir, r);
    const prior = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8'));
    const rebuilt = await rebuildRun(dir);
    expect(rebuilt.skipped).toEqual([]);
    expect(rebuilt.turns).toHaveLength(r.turns.length);
    expect(rebuilt.summary.metrics).toEqual(prior.metrics);
    expect(rebuilt.summary.turns).toEqual(prior.turns);
    expect(rebuilt.summary.sessions).toEqual(prior.sessions);
    expect(rebuilt.summary.valid).toBe(true);
    expect(rebuilt.summary.pacing.send_lag_ms).toEqual(prior.pacing.send_lag_ms);
    expect(rebuilt.summary.event_loop).toEqual(prior.event_loop);
    expect(rebuilt.summary.started_at).toBe(prior.started_at);
    expect(rebuilt.summary.conformance).toEqual(prior.conformance);
    expect(rebuilt.summary.measurement_error_ms).toEqual(prior.measurement_error_ms);
    expect(rebuilt.sendLag.source).toBe('hgrm');
    expect(rebuilt.sendLag.histogram!.totalCount).toBe(prior.pacing.send_lag_ms.count);
    // The recorder holds no approximated send lag: only exact data feeds summaries.
    expect(rebuilt.recorder.sendLagHistogram().totalCount).toBe(0);
    expect(rebuilt.timeBaseUs).toBe(Math.min(...r.turns.map((t) => t.milestones.turnStartUs!)));
  });

  it('keeps an invalid run invalid, with its reasons', async () => {
    const dir = await tempDir();
    await writeRunDir(dir, syntheticRun(), { sendLagUs: Array.from({ length: 100 }, () => 9000) });
    const rebuilt = await rebuildRun(dir);
    expect(rebuilt.summary.valid).toBe(false);
    expect(rebuilt.summary.invalid_reasons.join()).toMatch(/send lag p99/);
  });

  it('rebuilds a killed run: torn last line skipped and counted, marked invalid and interrupted', async () => {
    const dir = await tempDir();
    const r = syntheticRun();
    await writeRunDir(dir, r, { finished: false, tornLastLine: true });
    const rebuilt = await rebuildRun(dir);
    expect(rebuilt.turns).toHaveLength(r.turns.length);
    expect(rebuilt.skipped).toHaveLength(1);
    expect(rebuilt.skipped[0]).toMatchObject({ file: 'turns.jsonl', line: r.turns.length + 1, kind: 'torn' });
    expect(rebuilt.summary.rebuilt).toEqual({ skipped_lines: 1, notes: expect.arrayContaining([expect.stringMatching(/turns\.jsonl: 1 line skipped/)]) });
    expect(rebuilt.summary.valid).toBe(false);
    expect(rebuilt.summary.invalid_reasons[0]).toMatch(/without writing summary\.json/);
    expect(rebuilt.summary.interrupted).toBe(true);
    expect(rebuilt.summary.turns.completed + rebuilt.summary.turns.failed).toBe(r.turns.length);
    expect(rebuilt.summary.scenario.name).toBe('synthetic');
    expect(rebuilt.summary.duration_s).toBeGreaterThan(0);
    expect(rebuilt.sendLag.source).toBe('none');
  });

  it('uses a recorder snapshot for the exact send lag when the runner wrote one', async () => {
    const dir = await tempDir();
    await writeRunDir(dir, syntheticRun(), { finished: false });
    const rec = new Recorder();
    for (let i = 0; i < 500; i++) rec.recordSendLagUs(100 + i);
    await writeFile(path.join(dir, 'recorder.json'), JSON.stringify(rec.encode()));
    const rebuilt = await rebuildRun(dir);
    expect(rebuilt.sendLag.source).toBe('recorder');
    expect(rebuilt.summary.pacing.send_lag_ms.count).toBe(500);
    expect(rebuilt.summary.pacing.send_lag_ms.p99).toBe(rec.sendLagStats().p99);
    expect(rebuilt.summary.invalid_reasons[0]).toMatch(/event-loop self-check was lost/);
  });

  it('notes sessions that have turns but no record, skips invalid records and not-started sessions', async () => {
    const dir = await tempDir();
    const r = syntheticRun({ sessions: 4 });
    await writeRunDir(dir, r, { finished: false });
    const lines = r.sessions.slice(1).map((s) => JSON.stringify(s));
    lines.push(JSON.stringify({ sessionIndex: 9, outcome: 'not_started', model: 'm', effort: 'low', connectedMs: 0, errors: {} }));
    lines.push(JSON.stringify({ outcome: 'completed' }));
    await writeFile(path.join(dir, 'sessions.jsonl'), lines.join('\n') + '\n');
    const rebuilt = await rebuildRun(dir);
    expect(rebuilt.notes.join(' ')).toMatch(/1 session has turns but no sessions\.jsonl record/);
    expect(rebuilt.skipped).toEqual([expect.objectContaining({ file: 'sessions.jsonl', line: 5, kind: 'invalid' })]);
    expect(rebuilt.summary.sessions.started).toBe(3);
    expect(rebuilt.summary.sessions_not_started).toBe(1);
  });

  it('counts a stopped session as completed, like the runner', () => {
    const r = syntheticRun({ sessions: 2 });
    const rec = recordRun(r.turns, [{ ...r.sessions[0]!, outcome: 'stopped' }, { ...r.sessions[1]!, outcome: 'not_started' }]);
    expect(rec.counters.sessionsCompleted).toBe(1);
    expect(rec.counters.sessionsByOutcome).toEqual({ stopped: 1 });
  });

  it('refuses a directory without turns.jsonl', async () => {
    const dir = await tempDir();
    await expect(rebuildRun(dir)).rejects.toBeInstanceOf(ConfigError);
  });

  it('survives a truncated summary.json by rebuilding without it', async () => {
    const dir = await tempDir();
    await writeRunDir(dir, syntheticRun());
    await appendFile(path.join(dir, 'summary.json'), '{oops');
    const rebuilt = await rebuildRun(dir);
    expect(rebuilt.skipped).toEqual([expect.objectContaining({ file: 'summary.json' })]);
    expect(rebuilt.summary.valid).toBe(false);
  });
});
