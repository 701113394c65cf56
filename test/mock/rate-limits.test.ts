/**
 * The mock's emulated account limits over real sockets: `maxConcurrentSessions` (the next upgrade
 * is refused with HTTP 429, an OpenAI-style JSON body and `Retry-After`) and `tokensPerMinute`
 * (a response starting once the window's budget is spent fails with `rate_limit_exceeded` and a
 * "try again in" hint; `rate_limits.updated` counts down; the window resets after 60 s on the
 * injected clock). Budget arithmetic is also checked on its own with a manual clock.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { ConfigError } from '../../common/errors.ts';
import { mockOptionsFromFlags } from '../../harness/cli/commands/mock.ts';
import { resolveMockOptions, type MockServerHandle } from '../../mock-server/server.ts';
import { AccountLimits, RATE_WINDOW_MS } from '../../mock-server/rate-limits.ts';
import { startFastServer, TestClient, type Ev } from './helpers.ts';

let server: MockServerHandle | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

/** Opens an upgrade and reports how the server answered it (status, headers, body) without opening. */
function refusal(url: string): Promise<{ status: number; retryAfter: string | undefined; body: string } | 'opened'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { Authorization: 'Bearer sk-test' } });
    ws.once('open', () => {
      ws.close();
      resolve('opened');
    });
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') });
        ws.terminate();
      });
    });
    ws.once('error', (e) => reject(e));
  });
}

/** Sends a user text item and a text-only `response.create`; resolves with that response's `response.done`. */
async function textTurn(c: TestClient): Promise<Ev> {
  const from = c.mark;
  c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What time is it in Lisbon?' }] } });
  c.send({ type: 'response.create', response: { output_modalities: ['text'] } });
  return c.waitFor('response.done', { from });
}

function rateLimitsAfter(c: TestClient, from: number): Ev {
  const e = c.events.slice(from).find((x) => x.type === 'rate_limits.updated');
  if (!e) throw new Error(`no rate_limits.updated after ${from}: ${c.types(from).join(', ')}`);
  return e;
}

function entry(e: Ev, name: string): { limit: number; remaining: number; reset_seconds: number } {
  return (e['rate_limits'] as { name: string; limit: number; remaining: number; reset_seconds: number }[]).find((x) => x.name === name)!;
}

describe('mock --max-concurrent-sessions', () => {
  it('refuses the (N+1)th concurrent session with 429, Retry-After and a JSON error; admits again once one closes', async () => {
    server = await startFastServer({ maxConcurrentSessions: 2 });
    const url = `${server.url}/v1/realtime?model=gpt-realtime`;
    const a = await TestClient.connect(server.url);
    const b = await TestClient.connect(server.url);
    clients.push(a, b);
    const refused = await refusal(url);
    expect(refused).not.toBe('opened');
    if (refused === 'opened') return;
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('1');
    const body = JSON.parse(refused.body) as { error: { code: string; type: string; message: string; param: null } };
    expect(body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests', param: null });
    expect(body.error.message).toMatch(/limit for this account is 2\. Please try again in 1s\./);
    // A refused upgrade never became a session.
    expect(server.stats().total).toBe(2);
    a.close();
    await a.closed;
    const s = server;
    await new Promise<void>((resolve) => {
      const poll = (): void => (s.stats().open < 2 ? resolve() : void setTimeout(poll, 5));
      poll();
    });
    expect(await refusal(url)).toBe('opened');
  });

  it('validates the option and the flag (positive integers)', () => {
    expect(() => resolveMockOptions({ maxConcurrentSessions: 0 })).toThrow(/maxConcurrentSessions: expected a positive integer, got 0/);
    expect(() => resolveMockOptions({ tokensPerMinute: 1.5 })).toThrow(/tokensPerMinute: expected a positive integer, got 1\.5/);
    const flags = { host: '127.0.0.1', port: '0', seed: '1', maxSessionS: '3600', fault: [], toolPlan: 'auto' };
    expect(() => mockOptionsFromFlags({ ...flags, maxConcurrentSessions: '0' })).toThrow(ConfigError);
    expect(() => mockOptionsFromFlags({ ...flags, maxConcurrentSessions: 'x' })).toThrow(/--max-concurrent-sessions "x": expected an integer from 1/);
    expect(() => mockOptionsFromFlags({ ...flags, tokensPerMinute: '-5' })).toThrow(/--tokens-per-minute "-5": expected an integer from 1/);
    expect(mockOptionsFromFlags({ ...flags, maxConcurrentSessions: '30', tokensPerMinute: '40000' })).toMatchObject({ maxConcurrentSessions: 30, tokensPerMinute: 40000 });
  });
});

describe('mock --tokens-per-minute', () => {
  it('counts rate_limits.updated down, then fails the next response with rate_limit_exceeded and a hint', async () => {
    // A budget below one response's total: the first response completes, the second is refused.
    server = await startFastServer({ tokensPerMinute: 50 });
    const c = await TestClient.connect(server.url);
    clients.push(c);
    await c.waitFor('session.created');
    const m1 = c.mark;
    const first = await textTurn(c);
    expect(first['response'].status).toBe('completed');
    const used = first['response'].usage.total_tokens as number;
    expect(used).toBeGreaterThan(0);
    const before = entry(rateLimitsAfter(c, m1), 'tokens');
    expect(before).toMatchObject({ limit: 50, remaining: 50 });
    expect(entry(rateLimitsAfter(c, m1), 'requests').remaining).toBe(20_000 - 1);
    const m2 = c.mark;
    const second = await textTurn(c);
    expect(second['response'].status).toBe('failed');
    const error = second['response'].status_details.error as { code: string; type: string; message: string };
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', type: 'tokens' });
    expect(error.message).toMatch(new RegExp(`Limit 50, Used ${used}, .*Please try again in \\d+(\\.\\d+)?s\\.`));
    // The hint is the time left in the 60 s window: under 60 s, and the run took far less than 50 s.
    const hintS = Number(/try again in ([\d.]+)s/.exec(error.message)![1]);
    expect(hintS).toBeGreaterThan(10);
    expect(hintS).toBeLessThanOrEqual(60);
    expect(second['response'].usage.total_tokens).toBe(0);
    expect(entry(rateLimitsAfter(c, m2), 'tokens').remaining).toBe(Math.max(0, 50 - used));
    // The session stays open (§4.2: the turn fails, the session stays).
    expect(c.types(m2)).not.toContain('error');
  });

  it('the 60 s window resets on the injected clock', async () => {
    const clock = new ManualClock();
    const limits = new AccountLimits({ tokensPerMinute: 1000, clock });
    expect(limits.admit()).toBeNull();
    limits.charge(600);
    expect(limits.entries(0).find((e) => e.name === 'tokens')).toEqual({ name: 'tokens', limit: 1000, remaining: 400, reset_seconds: 60 });
    clock.advanceMs(10_000);
    expect(limits.admit()).toBeNull();
    limits.charge(600);
    clock.advanceMs(2_500);
    // Spent: refused with the time left in the window (60 − 12.5 s).
    expect(limits.admit()).toBeCloseTo(47.5, 6);
    expect(limits.entries(0)).toEqual([
      { name: 'requests', limit: 20_000, remaining: 20_000 - 2, reset_seconds: 47.5 },
      { name: 'tokens', limit: 1000, remaining: 0, reset_seconds: 47.5 },
    ]);
    clock.advanceMs(RATE_WINDOW_MS - 12_500 - 1);
    expect(limits.admit()).not.toBeNull();
    clock.advanceMs(1);
    expect(limits.admit()).toBeNull();
    expect(limits.usedInWindow).toBe(0);
  });

  it('every key draws on one account budget (a second session is refused once the first spent it)', async () => {
    server = await startFastServer({ tokensPerMinute: 1 });
    const a = await TestClient.connect(server.url, undefined, { key: 'sk-one' });
    const b = await TestClient.connect(server.url, undefined, { key: 'sk-two' });
    clients.push(a, b);
    await a.waitFor('session.created');
    await b.waitFor('session.created');
    expect((await textTurn(a))['response'].status).toBe('completed');
    const refused = await textTurn(b);
    expect(refused['response'].status).toBe('failed');
    expect(refused['response'].status_details.error.code).toBe('rate_limit_exceeded');
  });
});
