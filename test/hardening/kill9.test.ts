/**
 * Hardening (issue 7): nothing lost. `rth run` (a child process) against a mock in this process,
 * `kill -9` once turns.jsonl has some lines: the file holds only complete lines, every turn whose
 * `response.done` the mock sent (its trace, same monotonic clock) well before the kill is there,
 * and `rth report RUN_DIR` rebuilds a report from what is on disk. Flush policy: one synchronous
 * write(2) per finished turn (harness/runner/jsonl-log.ts), so a finished turn is in the page
 * cache before the next event is handled.
 *
 * Also: the embedded mock (`--target mock`, a grandchild) does not outlive a killed `rth run`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startMockServer, type MockServerHandle } from '../../mock-server/server.ts';
import { FAST_PROFILE } from '../mock/helpers.ts';
import { isAlive } from './proc.ts';

const RTH = fileURLToPath(new URL('../../bin/rth.mjs', import.meta.url));
/**
 * A turn whose `response.done` left the mock this long before the kill must be on disk. The turn
 * line is written synchronously once the harness has read `response.done` (loopback: well under a
 * millisecond); 1 s covers the harness's event-loop delay on a loaded 2-core machine (stalls of a
 * few hundred ms at worst) with room to spare.
 */
const DELIVERY_MARGIN_US = 1_000_000;

let dir: string;
let mock: MockServerHandle;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rth-kill9-'));
  mock = await startMockServer({ latency: FAST_PROFILE, tracePath: path.join(dir, 'trace.jsonl'), seed: 9 });
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

function startRun(name: string, fields: Record<string, unknown>): { child: ChildProcess; out: string; exited: Promise<number | null> } {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, stringify({ name, ...fields, out: path.join(dir, name) }));
  const child = spawn(process.execPath, [RTH, 'run', file, '--no-progress'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, out: '', exited: new Promise<number | null>((r) => child.on('exit', (code) => r(code))) };
  child.stdout!.on('data', (d: Buffer) => (run.out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (run.out += d.toString()));
  return run;
}

function lineCount(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8').split('\n').length - 1;
}

async function waitUntil(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

describe('kill -9 of rth run mid-run', () => {
  let turnsText: string;
  let killUs: number;
  let runDir: string;

  beforeAll(async () => {
    runDir = path.join(dir, 'k9');
    const run = startRun('k9', {
      target: `${mock.url}/v1/realtime`,
      headers: { Authorization: 'Bearer sk-kill9' },
      sessions: 4,
      duration_s: 120,
      think_time_ms: 50,
      efforts: ['low', 'high'],
      clips: { random: true },
    });
    const turns = path.join(runDir, 'turns.jsonl');
    try {
      await waitUntil(() => lineCount(turns) >= 6, 60_000, 'six turns in turns.jsonl');
    } catch (err) {
      run.child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${run.out}`);
    }
    killUs = nowUs();
    run.child.kill('SIGKILL');
    expect(await run.exited).toBeNull();
    turnsText = readFileSync(turns, 'utf8');
    // Let the mock notice the dead sockets and write its last trace records.
    await new Promise((r) => setTimeout(r, 300));
  }, 90_000);

  it('leaves only complete lines of JSON', () => {
    expect(turnsText.endsWith('\n')).toBe(true);
    const lines = turnsText.split('\n').slice(0, -1);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('holds every turn the mock finished before the kill', async () => {
    await mock.close(); // flushes the trace
    const trace = readFileSync(path.join(dir, 'trace.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { response_id: string; status: string; response_done_sent_us: number | null });
    const onDisk = new Set(
      turnsText
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as { responseId: string | null }).responseId),
    );
    const finishedBefore = trace.filter((r) => r.status === 'completed' && r.response_done_sent_us !== null && r.response_done_sent_us < killUs - DELIVERY_MARGIN_US);
    expect(finishedBefore.length).toBeGreaterThanOrEqual(3);
    const missing = finishedBefore.filter((r) => !onDisk.has(r.response_id));
    expect(missing).toEqual([]);
  });

  it('rth report rebuilds a report from the killed run', async () => {
    expect(existsSync(path.join(runDir, 'summary.json'))).toBe(false);
    const report = spawn(process.execPath, [RTH, 'report', runDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    report.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    report.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => report.on('exit', (c) => r(c)));
    expect(code, out).toBe(0);
    expect(existsSync(path.join(runDir, 'report.html'))).toBe(true);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { turns: { completed: number; failed: number; aborted: number } };
    const lines = turnsText.split('\n').filter((l) => l !== '');
    expect(summary.turns.completed + summary.turns.failed + summary.turns.aborted).toBe(lines.length);
  }, 60_000);
});

describe('kill -9 of rth run with the embedded mock', () => {
  it('takes the mock child with it', async () => {
    const run = startRun('k9-embedded', { target: 'mock', sessions: 2, duration_s: 120, think_time_ms: 50, clips: { random: true }, mock: { latency_profile: writeFastProfile() } });
    const turns = path.join(dir, 'k9-embedded', 'turns.jsonl');
    try {
      await waitUntil(() => lineCount(turns) >= 1, 60_000, 'a turn in turns.jsonl');
    } catch (err) {
      run.child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${run.out}`);
    }
    const mockPid = childPids(run.child.pid!).find((pid) => readCmdline(pid).includes(' mock '));
    expect(mockPid, 'the embedded mock process').toBeDefined();
    run.child.kill('SIGKILL');
    await run.exited;
    await waitUntil(() => !isAlive(mockPid!), 10_000, `the orphaned mock (pid ${mockPid}) to exit`);
  }, 90_000);
});

function writeFastProfile(): string {
  const file = path.join(dir, 'fast-latency.json');
  writeFileSync(file, JSON.stringify({ ...FAST_PROFILE, name: 'fast' }));
  return file;
}

/** Children of a process (Linux /proc). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}
