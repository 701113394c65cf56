import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import type { SessionPlan, TurnResult } from '../../harness/contract.ts';
import { runSession, type SessionDeps } from '../../harness/session/driver.ts';
import { TransportError } from '../../harness/transport/transport.ts';
import { ScriptedTransport } from '../../harness/transport/scripted-transport.ts';
import { advanceUntil, FakeServer, makeClip, makePlan, runUntilSettled, TestPacer, type FakeServerOptions } from './fake-server.ts';
import { startScriptedSession } from './scripted-session.ts';

function setup(plan: SessionPlan, opts: (connection: number) => FakeServerOptions = () => ({}), deps: Partial<SessionDeps> = {}) {
  return startScriptedSession(plan, opts, deps);
}

const threeTurns = [
  { clip: makeClip('a', 5, 2, 'What is the weather?'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
  { clip: makeClip('b', 5, 2, 'And tomorrow?'), thinkTimeMs: 100, bargeInAfterAudioMs: null },
  { clip: makeClip('c', 5, 2, 'Thanks.'), thinkTimeMs: 100, bargeInAfterAudioMs: null },
];

describe('runSession: recovery', () => {
  it('rate_limit_exceeded: backs off by the "try again in 1.5s" hint and retries the turn', async () => {
    const s = setup(makePlan(), () => ({ responseKind: (n) => (n === 1 ? 'rate_limit' : 'audio') }));
    const result = await s.run();
    const t = s.turns[0]!;
    expect(t.status).toBe('completed');
    expect(s.turns).toHaveLength(1);
    const sent = s.transports[0]!.sentEvents();
    const creates = sent.filter((e) => e.type === 'response.create');
    expect(creates).toHaveLength(2);
    const at = s.transports[0]!.sentAtUs;
    const createTimes = sent.map((e, i) => (e.type === 'response.create' ? at[i]! : null)).filter((x) => x !== null);
    // First response fails 15 ms after the create (10 ms created + 5 ms); the retry waits 1500 ms.
    expect(createTimes[1]! - createTimes[0]!).toBe(1_515_000);
    // Speech stamps of the original attempt stay; response stamps are the retry's.
    expect(t.milestones.commitSentUs).toBe(createTimes[0]);
    expect(t.milestones.responseCreatedUs).toBe(createTimes[1]! + 10_000);
    expect(t.responseId).toBe('resp_2');
    expect(result.recoveries).toEqual([
      { fault: 'rate_limit_exceeded', turnIndex: 1, recovered: true, recoveryMs: 1510, turnsLost: 0, attempts: 1, detail: 'rate_limit_exceeded' },
    ]);
    expect(result.turnsCompleted).toBe(1);
    expect(result.turnsFailed).toBe(0);
  });

  it('rate_limit_exceeded beyond the retry budget fails the turn with the code', async () => {
    const s = setup(makePlan(), () => ({ responseKind: () => 'rate_limit' }), { recovery: { rateLimitRetries: 2 } });
    const result = await s.run();
    expect(s.turns[0]).toMatchObject({ status: 'failed', errorCode: 'rate_limit_exceeded' });
    expect(result.recoveries).toMatchObject([{ fault: 'rate_limit_exceeded', recovered: false, attempts: 2, turnsLost: 1 }]);
    expect(s.transports[0]!.sentTypes().filter((t) => t === 'response.create')).toHaveLength(3);
  });

  it('server_error: retries once, then fails', async () => {
    const once = setup(makePlan(), () => ({ responseKind: (n) => (n === 1 ? 'server_error' : 'audio') }));
    const r1 = await once.run();
    expect(once.turns[0]!.status).toBe('completed');
    expect(r1.recoveries).toMatchObject([{ fault: 'server_error', recovered: true, attempts: 1 }]);

    const always = setup(makePlan(), () => ({ responseKind: () => 'server_error' }));
    const r2 = await always.run();
    expect(always.turns[0]).toMatchObject({ status: 'failed', errorCode: 'server_error' });
    expect(r2.recoveries).toMatchObject([{ fault: 'server_error', recovered: false, attempts: 1 }]);
  });

  it('session_expired then close 1001: reconnects at once, re-seeds earlier turns as items, goes on', async () => {
    const s = setup(makePlan({ turns: threeTurns }));
    // Let turn 1 complete, expire the session during turn 2's answer.
    await advanceUntil(s.clock, () => s.turns.length === 1 && s.events.some((e) => e.kind === 'known' && e.type === 'response.created' && e.index > 5));
    s.servers[0]!.push({ type: 'error', error: { type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 60 minutes.' } });
    s.servers[0]!.close(1001, 'Your session hit the maximum duration of 60 minutes.');
    const result = await runUntilSettled(s.clock, s.promise);
    expect(s.transports).toHaveLength(2);
    expect(s.turns.map((t) => [t.turnIndex, t.status, t.errorCode])).toEqual([
      [1, 'completed', null],
      [2, 'failed', 'session_expired'],
      [3, 'completed', null],
    ]);
    // The new connection is configured, then turn 1 comes back as a user and an assistant message.
    const sent = s.transports[1]!.sentEvents();
    expect(sent.slice(0, 3)).toMatchObject([
      { type: 'session.update' },
      { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather?' }] } },
      { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'w0 w1 w2 w3 w4 ' }] } },
    ]);
    expect(result.errors).toEqual({ session_expired: 1 });
    expect(result.recoveries).toMatchObject([{ fault: 'session_expired', turnIndex: 2, recovered: true, turnsLost: 1, attempts: 1, detail: 'close_1001' }]);
    expect(result.recoveries![0]!.recoveryMs).toBe(0);
    expect(result.outcome).toBe('completed');
    expect(result.turnsCompleted).toBe(2);
    expect(result.turnsFailed).toBe(1);
    expect(s.turns[2]!.sessionId).toBe('sess_0');
  });

  it('abnormal close 1006: reconnects with capped exponential back-off and seeded jitter', async () => {
    const plan = makePlan({ turns: threeTurns });
    // Connections 1 and 2 (the first two reconnect attempts) fail to open.
    const clock = new ManualClock(0);
    const turns: TurnResult[] = [];
    const transports: ScriptedTransport[] = [];
    const servers: FakeServer[] = [];
    const attemptsAtUs: number[] = [];
    const promise = runSession(plan, {
      clock,
      pacer: new TestPacer(clock),
      onTurn: (t) => turns.push(t),
      seed: 7,
      recovery: { reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 300, reconnectJitter: 0.5 },
      transportFactory: () => {
        attemptsAtUs.push(clock.nowUs());
        const n = transports.length;
        if (n === 1 || n === 2) {
          const t = new ScriptedTransport({ clock, failConnect: new TransportError('network', 'ECONNREFUSED') });
          transports.push(t);
          return t;
        }
        const s = new FakeServer(clock);
        servers.push(s);
        const t = s.transport();
        transports.push(t);
        return t;
      },
    });
    await advanceUntil(clock, () => turns.length === 1);
    const dropUs = clock.nowUs();
    servers[0]!.close(1006, '');
    const result = await runUntilSettled(clock, promise);
    expect(transports).toHaveLength(4);
    const delays = attemptsAtUs.slice(1).map((us, i) => (us - (i === 0 ? dropUs : attemptsAtUs[i]!)) / 1000);
    // Delay k is in [cap_k/2, cap_k) with cap = min(300, 100·2^(k-1)); ManualClock fires on 5 ms steps.
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThan(105);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThan(205);
    expect(delays[2]).toBeGreaterThanOrEqual(150);
    expect(delays[2]).toBeLessThan(305);
    expect(result.recoveries).toMatchObject([{ fault: 'abnormal_close', turnIndex: null, recovered: true, turnsLost: 0, attempts: 3, detail: 'close_1006' }]);
    expect(turns.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    expect(result.outcome).toBe('completed');
  });

  it('a fatal close (3000) is not retried: the open turn fails and the session ends closed_by_server', async () => {
    const s = setup(makePlan({ turns: threeTurns }));
    await advanceUntil(s.clock, () => s.transports[0]!.sentTypes().includes('response.create'));
    s.servers[0]!.close(3000, 'invalid_request_error.invalid_api_key');
    const result = await runUntilSettled(s.clock, s.promise);
    expect(result.outcome).toBe('closed_by_server');
    expect(result.closeCode).toBe(3000);
    expect(s.turns).toMatchObject([{ status: 'failed', errorCode: 'close_3000' }]);
    expect(s.transports).toHaveLength(1);
  });

  it('recovery disabled: faults are recorded as not recovered', async () => {
    const s = setup(makePlan({ turns: threeTurns }), () => ({}), { recovery: { enabled: false } });
    await advanceUntil(s.clock, () => s.turns.length === 1);
    s.servers[0]!.close(1006);
    const result = await runUntilSettled(s.clock, s.promise);
    expect(result.outcome).toBe('reconnect_failed');
    expect(result.recoveries).toMatchObject([{ fault: 'abnormal_close', recovered: false, attempts: 0 }]);
  });
});
