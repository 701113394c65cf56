import { createServer, connect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { monotonicClock } from '../../common/clock.ts';
import { startBusyPoll, type BusyPoll } from './busy-poll.ts';

describe('startBusyPoll (real event loop)', () => {
  let poll: BusyPoll | null = null;
  let server: Server | null = null;
  afterEach(async () => {
    poll?.stop();
    poll = null;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = null;
  });

  it('calls its function on every turn of the loop while timers and sockets keep working', async () => {
    let calls = 0;
    poll = startBusyPoll(() => void calls++);
    // A timer still fires, and socket I/O still flows, while the loop spins. The clock's timers
    // never fire before their delay (common/clock.ts), so the bound has no slack; how late the
    // timer fires is not checked (a busy machine only makes it later).
    const t0Us = monotonicClock.nowUs();
    await new Promise((r) => monotonicClock.setTimeout(() => r(null), 30));
    expect(monotonicClock.nowUs() - t0Us).toBeGreaterThanOrEqual(30_000);
    server = createServer((sock) => sock.end('pong'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const reply = await new Promise<string>((resolve, reject) => {
      const c = connect(port, '127.0.0.1');
      let got = '';
      c.on('data', (d) => (got += String(d)));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
    expect(reply).toBe('pong');
    // Many turns: a loop that slept until the next timer would have turned a handful of times.
    expect(calls).toBeGreaterThan(200);
    expect(poll.turns).toBe(calls);
  });

  it('stop() ends the loop: no call after it, and it is idempotent', async () => {
    let calls = 0;
    poll = startBusyPoll(() => void calls++);
    await new Promise((r) => setTimeout(r, 5));
    poll.stop();
    const at = calls;
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(at);
    poll.stop();
  });

  it('can be stopped from inside its own function', async () => {
    let calls = 0;
    const p = startBusyPoll(() => {
      calls++;
      if (calls === 3) p.stop();
    });
    poll = p;
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toBe(3);
  });
});
