/**
 * The mock's Live door over a raw WebSocket: strict configuration, lifecycle errors and model
 * routing between the two APIs (docs/live-protocol.md §1.1, §2.1, §3.3, §8.3).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';

let mock: MockServerHandle;
beforeAll(async () => {
  mock = await startMockServer({ seed: 4, latencyScale: 0.02 });
});
afterAll(async () => {
  await mock?.close();
});

interface Client {
  ws: WebSocket;
  events: Record<string, unknown>[];
  next(type: string): Promise<Record<string, unknown>>;
  closed: Promise<number>;
}

async function connect(path: string): Promise<Client> {
  const ws = new WebSocket(`${mock.url}${path}`, { headers: { Authorization: 'Bearer sk-test' } });
  const events: Record<string, unknown>[] = [];
  let seen = 0;
  const waiters: (() => void)[] = [];
  ws.on('message', (d) => {
    events.push(JSON.parse(String(d)) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await new Promise<void>((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
  const next = async (type: string): Promise<Record<string, unknown>> => {
    for (;;) {
      while (seen < events.length) {
        const e = events[seen++]!;
        if (e.type === type) return e;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { ws, events, next, closed };
}

describe('mock Live door', () => {
  it('refuses a command before session.start, then an unknown field, without starting', async () => {
    const c = await connect('/v1/live/sessions');
    c.ws.send(JSON.stringify({ type: 'session.input_audio.append', audio: 'AAAA', event_id: 'a1' }));
    const e1 = (await c.next('error')) as { error: { code: string; client_event_id?: string }; client_event_id?: string; event_id: string };
    expect(e1.error.code).toBe('session_not_started');
    expect(e1.client_event_id).toBe('a1');
    expect(e1.event_id).toMatch(/^event_/);
    c.ws.send(JSON.stringify({ type: 'session.start', event_id: 's1', session: { model: 'gpt-live-1', voice: 'marin' } }));
    const e2 = (await c.next('error')) as { error: { code: string; param: string; message: string } };
    expect(e2.error).toMatchObject({ code: 'unknown_parameter', param: 'session.voice', message: "Unknown parameter: 'session.voice'." });
    c.ws.send(JSON.stringify({ type: 'session.start', session: { model: 'gpt-live-1', audio: { format: { type: 'audio/pcm', rate: 44100 } } } }));
    const e3 = (await c.next('error')) as { error: { code: string; param: string } };
    expect(e3.error).toMatchObject({ code: 'invalid_value', param: 'session.audio.format.rate' });
    expect(c.events.some((e) => e.type === 'session.started')).toBe(false);
    c.ws.close();
  });

  it('answers a realtime model on the Live endpoint with invalid_model and no session', async () => {
    const c = await connect('/v1/live/sessions');
    c.ws.send(JSON.stringify({ type: 'session.start', session: { model: 'gpt-realtime-2' } }));
    const e = (await c.next('error')) as { error: { code: string; param: string } };
    expect(e.error).toMatchObject({ code: 'invalid_model', param: 'session.model' });
    c.ws.close();
  });

  it('answers a Live model on /v1/realtime with invalid_model and close 3000', async () => {
    const c = await connect('/v1/realtime?model=gpt-live-1');
    const e = (await c.next('error')) as { error: { code: string } };
    expect(e.error.code).toBe('invalid_model');
    expect(await c.closed).toBe(3000);
  });

  it('starts, refuses a second start, Responses-only commands and a delegation type change, lists client events for an unknown type, and closes', async () => {
    const c = await connect('/v1/live/sessions');
    c.ws.send(JSON.stringify({ type: 'session.start', session: { model: 'gpt-live-1.1' } }));
    const started = (await c.next('session.started')) as { session: Record<string, unknown> };
    expect(started.session).toMatchObject({ model: 'gpt-live-1.1', status: 'active', instructions: '', input: [], delegation: { type: 'client' }, audio: { format: { type: 'audio/pcm', rate: 24000 }, output: { voice: 'marin' } } });
    c.ws.send(JSON.stringify({ type: 'session.start', session: { model: 'gpt-live-1' } }));
    expect(((await c.next('error')) as { error: { code: string } }).error.code).toBe('session_already_started');
    c.ws.send(JSON.stringify({ type: 'response.create' }));
    expect(((await c.next('error')) as { error: { message: string } }).error.message).toBe('response.create requires Responses delegation.');
    c.ws.send(JSON.stringify({ type: 'session.update', session: { delegation: { type: 'responses', responses: { model: 'gpt-5' } } } }));
    expect(((await c.next('error')) as { error: { code: string } }).error.code).toBe('immutable_field_update');
    c.ws.send(JSON.stringify({ type: 'session.input_audio.commit' }));
    const unknown = (await c.next('error')) as { error: { message: string } };
    expect(unknown.error.message).toContain("'session.start'");
    expect(unknown.error.message).toContain("'session.commentary.append'");
    c.ws.send(JSON.stringify({ type: 'session.update', event_id: 'u1', session: { delegation: { type: 'client', acknowledgement_delay_ms: 200 } } }));
    const updated = (await c.next('session.updated')) as { client_event_id: string; session: { delegation: unknown } };
    expect(updated.client_event_id).toBe('u1');
    expect(updated.session.delegation).toEqual({ type: 'client', acknowledgement_delay_ms: 200 });
    c.ws.send(JSON.stringify({ type: 'session.close' }));
    const closed = (await c.next('session.closed')) as { reason: string; session: { status: string } };
    expect(closed).toMatchObject({ reason: 'close_requested', session: { status: 'active' } });
    expect(await c.closed).toBe(1000);
  });
});

describe('mock Live door: expiry and injected failures', () => {
  it('ends a session at its cap with session.closed{reason:"expired"} and close 1000', async () => {
    const capped = await startMockServer({ seed: 5, latencyScale: 0.02, maxSessionS: 0.3 });
    try {
      const ws = new WebSocket(`${capped.url}/v1/live/sessions`, { headers: { Authorization: 'Bearer sk-test' } });
      const events: Record<string, unknown>[] = [];
      ws.on('message', (d) => events.push(JSON.parse(String(d)) as Record<string, unknown>));
      const code = new Promise<number>((r) => ws.on('close', (c) => r(c)));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'session.start', session: { model: 'gpt-live-1' } }));
      expect(await code).toBe(1000);
      expect(events.map((e) => e.type)).toEqual(['session.started', 'session.closed']);
      expect(events[1]).toMatchObject({ reason: 'expired', session: { status: 'active' }, usage: { seconds: 0 } });
    } finally {
      await capped.close();
    }
  });

  it('answers an injected server_error fault at the end of a user turn with a Live-shaped error and no answer', async () => {
    const faulty = await startMockServer({ seed: 6, latencyScale: 0.02, faults: ['server_error:p=1'], toolPlan: 'never' });
    try {
      const ws = new WebSocket(`${faulty.url}/v1/live/sessions`, { headers: { Authorization: 'Bearer sk-test' } });
      const events: Record<string, unknown>[] = [];
      ws.on('message', (d) => events.push(JSON.parse(String(d)) as Record<string, unknown>));
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'session.start', session: { model: 'gpt-live-1' } }));
      while (!events.some((e) => e.type === 'session.started')) await new Promise((r) => setTimeout(r, 5));
      // 1 s of a 220 Hz tone, then 1 s of silence: one user turn.
      const frame = (voiced: boolean): string => {
        const pcm = new Int16Array(480);
        if (voiced) for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 24000));
        return JSON.stringify({ type: 'session.input_audio.append', audio: Buffer.from(pcm.buffer).toString('base64') });
      };
      for (let i = 0; i < 100; i++) ws.send(frame(i < 50));
      while (!events.some((e) => e.type === 'error')) await new Promise((r) => setTimeout(r, 5));
      const err = events.find((e) => e.type === 'error') as { error: Record<string, unknown> };
      expect(err.error).toMatchObject({ type: 'server_error', code: 'server_error' });
      expect(err.error).not.toHaveProperty('param');
      expect(events.some((e) => e.type === 'session.input_transcript.delta')).toBe(true);
      expect(events.some((e) => e.type === 'session.output_transcript.delta')).toBe(false);
      ws.close();
    } finally {
      await faulty.close();
    }
  });
});
