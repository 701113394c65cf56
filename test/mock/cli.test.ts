/**
 * `rth mock`: in process (fake IO and stop signal) and as a real child process (SIGTERM).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import type { CliIo } from '../../harness/cli/io.ts';
import { TestClient } from './helpers.ts';

function fakeIo(): { io: CliIo; out: string[]; err: string[]; stop: () => void } {
  const out: string[] = [];
  const err: string[] = [];
  let stop!: () => void;
  const soft = new Promise<void>((r) => (stop = r));
  const io: CliIo = { out: (l) => void out.push(l), err: (l) => void err.push(l), env: {}, isTty: false, stopSignal: { soft, hard: new Promise(() => undefined) } };
  return { io, out, err, stop };
}

describe('rth mock', () => {
  it('prints exactly one listening line, serves, and closes cleanly on the stop signal', async () => {
    const { io, out, stop } = fakeIo();
    const running = main(['node', 'rth', 'mock', '--port', '0', '--seed', '7', '--api-key', 'sk-cli', '--max-session-s', '600'], io);
    const started = Date.now();
    while (out.length === 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
    expect(out).toHaveLength(1);
    const m = /listening (ws:\/\/127\.0\.0\.1:\d+)/.exec(out[0]!);
    expect(m).not.toBeNull();
    expect(out[0]).not.toContain('sk-cli');
    const c = await TestClient.connect(m![1]!, '/v1/realtime?model=gpt-realtime', { key: 'sk-cli' });
    const created = await c.waitFor('session.created');
    expect(created['session'].expires_at - Date.now() / 1000).toBeGreaterThan(590);
    stop();
    expect(await running).toBe(0);
    expect((await c.closed).code).toBe(1001);
    expect(out).toHaveLength(1);
  });

  it('rejects bad flags with a ConfigError naming each flag (exit 2)', async () => {
    const { io, err } = fakeIo();
    const code = await main(['node', 'rth', 'mock', '--port', '70000', '--max-session-s', '0', '--key', 'k.pem', '--tool-plan', 'maybe'], io);
    expect(code).toBe(2);
    const text = err.join('\n');
    expect(text).toContain('E_FLAG');
    for (const flag of ['--port', '--max-session-s', '--key', '--tool-plan']) expect(text).toContain(flag);
  });

  it('runs as a process and exits 0 on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('../../bin/rth.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'mock', '--port', '0', '--tls'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      rl.on('line', (l) => {
        lines.push(l);
        const m = /listening (wss:\/\/\S+)/.exec(l);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(lines.filter((l) => l.includes('listening'))).toHaveLength(1);
  });
});
