import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_NICENESS, findExecutable, startMockProcess, type MockProcess } from '../../harness/runner/mock-process.ts';

/** Linux scheduling policy of every thread of a process (/proc/PID/task/TID/stat field 41). */
function threadPolicies(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the parenthesised command start at field 3.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
  });
}
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** Runs `fn` with `PATH` set to `value` (the forked test worker's own environment). */
async function withPath<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env['PATH'];
  process.env['PATH'] = value;
  try {
    return await fn();
  } finally {
    process.env['PATH'] = saved;
  }
}

describe('embedded mock process', () => {
  let mock: MockProcess | null = null;
  afterEach(async () => {
    await mock?.stop();
    mock = null;
  });

  it('runs below the harness priority by default, so its wake-ups do not preempt the harness', async () => {
    mock = await startMockProcess({ seed: 1 });
    expect(mock.priority).toBe('low');
    expect(getPriority(mock.pid)).toBe(Math.min(19, getPriority() + DEFAULT_MOCK_NICENESS));
  });

  it('leaves the priority alone with niceness 0, and at priority normal', async () => {
    mock = await startMockProcess({ seed: 1, niceness: 0 });
    expect(getPriority(mock.pid)).toBe(getPriority());
    await mock.stop();
    mock = await startMockProcess({ seed: 1, priority: 'normal' });
    expect(mock.priority).toBe('normal');
    expect(getPriority(mock.pid)).toBe(getPriority());
  });

  it.runIf(process.platform === 'linux' && findExecutable('chrt') !== null)('priority idle puts every thread of the mock under SCHED_IDLE', async () => {
    mock = await startMockProcess({ seed: 1, priority: 'idle' });
    expect(mock.priority).toBe('idle');
    const policies = threadPolicies(mock.pid);
    expect(policies.length).toBeGreaterThan(1);
    expect(new Set(policies)).toEqual(new Set([SCHED_IDLE]));
    // It still answers: a handshake and a session.created.
    const { default: WebSocket } = await import('ws');
    const ws = new WebSocket(`${mock.url}/v1/realtime?model=gpt-realtime-2`, { headers: { Authorization: 'Bearer sk-test' } });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    ws.close();
    expect(JSON.parse(first).type).toBe('session.created');
  });

  it.runIf(process.platform === 'linux')('priority idle falls back to low where chrt is missing or refuses', async () => {
    mock = await withPath('/nonexistent', () => startMockProcess({ seed: 1, priority: 'idle' }));
    expect(mock.priority).toBe('low');
    expect(getPriority(mock.pid)).toBe(Math.min(19, getPriority() + DEFAULT_MOCK_NICENESS));
    expect(new Set(threadPolicies(mock.pid))).toEqual(new Set([SCHED_OTHER]));
    await mock.stop();

    // A chrt that refuses, as under a seccomp profile that forbids sched_setscheduler.
    const dir = mkdtempSync(path.join(tmpdir(), 'rth-chrt-'));
    try {
      const fake = path.join(dir, 'chrt');
      writeFileSync(fake, "#!/bin/sh\necho \"chrt: failed to set pid 0's policy: Operation not permitted\" >&2\nexit 1\n");
      chmodSync(fake, 0o755);
      mock = await withPath(`${dir}${path.delimiter}${process.env['PATH'] ?? ''}`, () => startMockProcess({ seed: 1, priority: 'idle' }));
      expect(mock.priority).toBe('low');
      expect(getPriority(mock.pid)).toBe(Math.min(19, getPriority() + DEFAULT_MOCK_NICENESS));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('findExecutable', () => {
  it('finds an executable on the search path, and only an executable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rth-path-'));
    try {
      writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
      chmodSync(path.join(dir, 'tool'), 0o755);
      writeFileSync(path.join(dir, 'plain'), 'x');
      chmodSync(path.join(dir, 'plain'), 0o644);
      const search = ['', '/nonexistent', dir].join(path.delimiter);
      expect(findExecutable('tool', search)).toBe(path.join(dir, 'tool'));
      expect(findExecutable('missing', search)).toBeNull();
      // Running as root, access(X_OK) is true for any file with an x bit; this one has none.
      expect(findExecutable('plain', search)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
