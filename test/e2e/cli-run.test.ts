/**
 * `rth run` through `main()`: flag errors name the flag and exit 2 before anything starts; a small
 * run prints the table (verdict first) on stdout and progress lines on stderr.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { captureIo, e2eDir, type E2eDir } from './e2e-helpers.ts';

const dirs: E2eDir[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

async function rth(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIo(env);
  const code = await main(['node', 'rth', ...args], io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

describe('rth run: configuration errors exit 2', () => {
  it.each([
    [['run', '--sessions', '0'], /--sessions: sessions: expected/],
    [['run', '--chunk-ms', 'abc'], /--chunk-ms: chunk_ms: expected/],
    [['run', '--turns', '0'], /--turns: turns_per_session: expected .*>=\s*1, got 0/],
    [['run', '--efforts', 'low,turbo'], /--efforts: efforts\[1\]/],
    [['run', '--target', 'ftp://example.com'], /--target: target: expected mock, openai or a ws:\/\/ or wss:\/\/ URL/],
    [['run', 'no-such-scenario'], /scenario 'no-such-scenario': no such file/],
    [['run', '--header', 'sk-secret-value'], /--header: header 1: expected 'Name: value'/],
  ])('%j', async (args, message) => {
    const r = await rth(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/sk-secret-value/);
    expect(r.stdout).toBe('');
  });

  it('--target openai without OPENAI_API_KEY fails before any socket', async () => {
    const out = path.join(e2eDirFor().dir, 'never');
    const r = await rth(['run', '--target', 'openai', '--out', out], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_TARGET: --target openai: OPENAI_API_KEY is not set/);
    expect(existsSync(out)).toBe(false);
  });
});

function e2eDirFor(): E2eDir {
  const e = e2eDir();
  dirs.push(e);
  return e;
}

describe('rth run: a small run', () => {
  it('prints the table on stdout, progress on stderr, and exits by the verdict', async () => {
    const e = e2eDirFor();
    await e.scenario('cli-small', { sessions: 1, turns_per_session: 3, think_time_ms: 50, turn_detection: 'manual', efforts: ['low'] });
    const out = path.join(e.dir, 'cli-out');
    const r = await rth(['run', path.join(e.dir, 'cli-small.yaml'), '--turns', '1', '--out', out, '--header', 'X-Trace: secret-trace-value']);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as { valid: boolean; slo: { passed: boolean }; turns: { completed: number } };
    expect(r.code).toBe(summary.valid && summary.slo.passed ? 0 : 1);
    expect(summary.turns.completed).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^(PASS|FAIL|INVALID RUN)/);
    expect(r.stdout).toMatch(/TTFA \(ms\)/);
    expect(r.stdout).toContain(`Output: ${out}`);
    expect(r.stderr).toMatch(/sessions \d+ active/);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) as { header_names: string[]; scenario: { turnsPerSession: number } };
    expect(run.header_names).toEqual(['Authorization', 'X-Trace']);
    expect(run.scenario.turnsPerSession).toBe(1);
    for (const f of ['run.json', 'summary.json', 'turns.jsonl', 'sessions.jsonl']) expect(readFileSync(path.join(out, f), 'utf8')).not.toContain('secret-trace-value');
    expect(r.stdout + r.stderr).not.toContain('secret-trace-value');
  });
});
