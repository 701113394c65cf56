import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { mockClientEnv, startCommand, waitForPort } from './command.ts';

describe('startCommand', () => {
  it('passes the environment, keeps the output tail and reports the exit code', async () => {
    const cmd = startCommand({ command: 'echo "base=$OPENAI_BASE_URL"; echo oops >&2; exit 3', env: mockClientEnv('ws://127.0.0.1:4000', 'sk-mock') });
    const exit = await cmd.exited;
    expect(exit).toMatchObject({ code: 3, signal: null, stoppedByUs: false, spawnError: null });
    expect(cmd.tail()).toContain('base=http://127.0.0.1:4000/v1');
    expect(cmd.tail()).toContain('oops');
  });

  it('keeps only the last bytes of a long output', async () => {
    const cmd = startCommand({ command: 'for i in $(seq 1 2000); do echo line-$i; done', tailBytes: 100 });
    await cmd.exited;
    expect(cmd.tail().length).toBeLessThanOrEqual(100);
    expect(cmd.tail()).toContain('line-2000');
  });

  it('stops a long-running command and its children', async () => {
    const cmd = startCommand({ command: 'sleep 30 & sleep 30; wait' });
    const exit = await cmd.stop(2000);
    expect(exit.stoppedByUs).toBe(true);
    expect(exit.signal ?? exit.code).not.toBe(0);
  });
});

describe('mockClientEnv', () => {
  it('derives the HTTP base and the realtime URL', () => {
    expect(mockClientEnv('wss://127.0.0.1:9/', 'k')).toEqual({ OPENAI_BASE_URL: 'https://127.0.0.1:9/v1', OPENAI_API_KEY: 'k', RTH_MOCK_URL: 'wss://127.0.0.1:9/v1/realtime' });
  });
});

describe('waitForPort', () => {
  it('resolves once a listener accepts and names the address when none does', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    await waitForPort('127.0.0.1', port, 2000);
    await new Promise((r) => server.close(r));
    await expect(waitForPort('127.0.0.1', port, 300)).rejects.toThrow(`127.0.0.1:${port}`);
  });
});
