/**
 * Socket tier: the mock's handshake, routing, authentication, client secrets, TLS, connection-loop
 * errors, session expiry and determinism, over real sockets on 127.0.0.1 port 0.
 */
import { request as httpsRequest } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MockServerHandle } from '../../mock-server/server.ts';
import { startFastServer, TestClient, type Ev } from './helpers.ts';

const servers: MockServerHandle[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function server(opts: Parameters<typeof startFastServer>[0] = {}): Promise<MockServerHandle> {
  const s = await startFastServer(opts);
  servers.push(s);
  return s;
}

async function connect(s: MockServerHandle, path?: string, opts?: Parameters<typeof TestClient.connect>[2]): Promise<TestClient> {
  const c = await TestClient.connect(s.url, path, opts);
  clients.push(c);
  return c;
}

async function post(s: MockServerHandle, path: string, body: unknown, key: string | null = 'sk-test', method = 'POST'): Promise<{ status: number; json: any }> {
  const res = await fetch(s.httpUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

/** Expects the fatal pattern of §1.2: one error event, then close 3000 `<type>.<code>`. */
async function expectFatal(c: TestClient, code: string, param?: string): Promise<Ev> {
  const closed = await c.closed;
  expect(c.types()).toEqual(['error']);
  const err = c.events[0]!['error'];
  expect(err.code).toBe(code);
  if (param) expect(err.param).toBe(param);
  expect(closed).toEqual({ code: 3000, reason: `invalid_request_error.${code}` });
  return c.events[0]!;
}

describe('endpoints and routing (§1.1)', () => {
  it('routes realtime, transcription and translation sessions', async () => {
    const s = await server();
    expect(s.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const rt = await connect(s, '/v1/realtime?model=gpt-realtime-2');
    const tr = await connect(s, '/v1/realtime?intent=transcription');
    const tl = await connect(s, '/v1/realtime/translations?model=gpt-realtime-translate');
    expect((await rt.waitFor('session.created'))['session']).toMatchObject({ type: 'realtime', model: 'gpt-realtime-2' });
    expect((await tr.waitFor('session.created'))['session'].type).toBe('transcription');
    expect((await tl.waitFor('session.created'))['session']).toMatchObject({ type: 'translation', model: 'gpt-realtime-translate' });
    expect(s.stats().open).toBe(3);
  });

  it('rejects bad query strings with an error event and close 3000', async () => {
    const s = await server();
    await expectFatal(await connect(s, '/v1/realtime'), 'missing_required_parameter', 'model');
    await expectFatal(await connect(s, '/v1/realtime?model=gpt-realtime&intent=transcription'), 'invalid_request_error');
    await expectFatal(await connect(s, '/v1/realtime?model=gpt-realtime&call_id=rtc_123'), 'invalid_request_error', 'call_id');
    await expectFatal(await connect(s, '/v1/realtime?intent=chat'), 'invalid_value', 'intent');
    await expectFatal(await connect(s, '/v1/realtime/translations?model=gpt-realtime-translate&intent=transcription'), 'unknown_parameter', 'intent');
  });

  it('answers 404 to an upgrade on an unknown path', async () => {
    const s = await server();
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${s.url}/v1/chat`, { headers: { Authorization: 'Bearer sk' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(404);
  });
});

describe('authentication (§1.2)', () => {
  it('without --api-key accepts any key but rejects a missing one like a bad key', async () => {
    const s = await server();
    const ok = await connect(s, undefined, { key: 'whatever' });
    await ok.waitFor('session.created');
    const none = await connect(s, undefined, { key: null });
    const e = await expectFatal(none, 'invalid_api_key');
    expect(e['error'].type).toBe('invalid_request_error');
  });

  it('with --api-key: a wrong key gets error invalid_api_key then close 3000, never echoing the key', async () => {
    const s = await server({ apiKey: 'sk-right' });
    const bad = await connect(s, undefined, { key: 'sk-wrong-secret-value' });
    const e = await expectFatal(bad, 'invalid_api_key');
    expect(JSON.stringify(e)).not.toContain('sk-wrong-secret-value');
    const good = await connect(s, undefined, { key: 'sk-right' });
    await good.waitFor('session.created');
  });

  it('accepts the browser subprotocol form and negotiates "realtime"', async () => {
    const s = await server({ apiKey: 'sk-right' });
    // (The beta opt-in `openai-beta.realtime-v1` is refused since the beta shutdown: test/client-findings/rules-socket.test.ts.)
    const c = await connect(s, undefined, { protocols: ['realtime', 'openai-insecure-api-key.sk-right', 'openai-agents-sdk.0.20.0'] });
    expect(c.ws.protocol).toBe('realtime');
    await c.waitFor('session.created');
  });
});

describe('client secrets (§1.3)', () => {
  it('mints ek_ keys that open sockets with the minted session config', async () => {
    const s = await server({ apiKey: 'sk-right' });
    const before = Math.floor(Date.now() / 1000);
    const { status, json } = await post(s, '/v1/realtime/client_secrets', {
      expires_after: { anchor: 'created_at', seconds: 120 },
      session: { type: 'realtime', model: 'gpt-realtime', instructions: 'Speak like a pirate.', audio: { output: { voice: 'cedar' } } },
    }, 'sk-right');
    expect(status).toBe(200);
    expect(json.value).toMatch(/^ek_[0-9a-f]{32}$/);
    // Wall-clock seconds: `before` is floored, and the request (milliseconds) may cross a second
    // boundary; + 2 allows a request of up to a second on a loaded machine.
    expect(json.expires_at).toBeGreaterThanOrEqual(before + 120);
    expect(json.expires_at).toBeLessThanOrEqual(before + 122);
    expect(json.session).toMatchObject({ type: 'realtime', object: 'realtime.session', model: 'gpt-realtime', instructions: 'Speak like a pirate.' });
    expect(json.session.id).toMatch(/^sess_/);
    expect(json.session.audio.output.voice).toBe('cedar');
    const c = await connect(s, '/v1/realtime?model=gpt-realtime', { key: json.value });
    const created = await c.waitFor('session.created');
    expect(created['session']).toMatchObject({ instructions: 'Speak like a pirate.', audio: { output: { voice: 'cedar' } } });
    const { json: again } = await post(s, '/v1/realtime/client_secrets', {}, 'sk-right');
    expect(again.value).not.toBe(json.value);
    expect(again.session.type).toBe('realtime');
    // an ek_ key cannot mint more keys, and an unknown ek_ key is just a wrong key
    expect((await post(s, '/v1/realtime/client_secrets', {}, json.value)).status).toBe(401);
    await expectFatal(await connect(s, undefined, { key: 'ek_00000000000000000000000000000000' }), 'invalid_api_key');
  });

  it('mints transcription and translation secrets', async () => {
    const s = await server();
    const t = await post(s, '/v1/realtime/client_secrets', { session: { type: 'transcription', audio: { input: { transcription: { model: 'whisper-1' } } } } });
    expect(t.status).toBe(200);
    expect(t.json.session).toMatchObject({ type: 'transcription', audio: { input: { transcription: { model: 'whisper-1' } } } });
    const tl = await post(s, '/v1/realtime/translations/client_secrets', { session: { model: 'gpt-realtime-translate', audio: { output: { language: 'de' } } } });
    expect(tl.status).toBe(200);
    expect(tl.json.session).toMatchObject({ type: 'translation', model: 'gpt-realtime-translate', audio: { output: { language: 'de' } } });
    const c = await connect(s, '/v1/realtime/translations?model=gpt-realtime-translate', { key: tl.json.value });
    await c.waitFor('session.created');
  });

  it('validates the body and the request with REST-shaped errors', async () => {
    const s = await server();
    const low = await post(s, '/v1/realtime/client_secrets', { expires_after: { seconds: 5 } });
    expect(low.status).toBe(400);
    expect(low.json.error).toMatchObject({ type: 'invalid_request_error', code: 'integer_below_min_value', param: 'expires_after.seconds' });
    const high = await post(s, '/v1/realtime/client_secrets', { expires_after: { seconds: 7201 } });
    expect(high.json.error.code).toBe('integer_above_max_value');
    expect((await post(s, '/v1/realtime/client_secrets', { foo: 1 })).json.error).toMatchObject({ code: 'unknown_parameter', param: 'foo' });
    expect((await post(s, '/v1/realtime/client_secrets', { session: { type: 'realtime', audio: { output: { voice: 'zzz' } } } })).json.error.param).toBe('session.audio.output.voice');
    expect((await post(s, '/v1/realtime/client_secrets', { session: {} })).json.error).toMatchObject({ code: 'missing_required_parameter', param: 'session.type' });
    expect((await post(s, '/v1/realtime/translations/client_secrets', {})).json.error).toMatchObject({ code: 'missing_required_parameter', param: 'session' });
    expect((await post(s, '/v1/realtime/client_secrets', '{oops')).status).toBe(400);
    expect((await post(s, '/v1/realtime/client_secrets', {}, null)).status).toBe(401);
    expect((await post(s, '/v1/realtime/client_secrets', {}, 'sk', 'GET')).status).toBe(405);
    expect((await post(s, '/v1/other', {})).status).toBe(404);
  });
});

describe('TLS', () => {
  it('serves wss:// and https:// with a self-signed certificate clients can trust as a CA', async () => {
    const s = await server({ tls: true });
    expect(s.url).toMatch(/^wss:\/\//);
    expect(s.httpUrl).toMatch(/^https:\/\//);
    expect(s.certPem).toContain('BEGIN CERTIFICATE');
    const c = await connect(s, undefined, { ca: s.certPem! });
    await c.waitFor('session.created');
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(`${s.httpUrl}/v1/realtime/client_secrets`, { method: 'POST', ca: s.certPem!, headers: { authorization: 'Bearer sk', 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(JSON.parse(body).value).toMatch(/^ek_/);
    // without trusting the certificate the handshake fails
    await expect(TestClient.connect(s.url)).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});

describe('TLS from --cert/--key files', () => {
  it('serves wss:// with the given PEM files and names a bad file in a ConfigError', async () => {
    const { generateSelfSigned } = await import('../../mock-server/tls.ts');
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'rth-tls-'));
    try {
      const m = await generateSelfSigned('127.0.0.1');
      await writeFile(join(dir, 'cert.pem'), m.certPem);
      await writeFile(join(dir, 'key.pem'), m.keyPem);
      const s = await server({ certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') });
      expect(s.url).toMatch(/^wss:/);
      expect(s.certPem).toBe(m.certPem);
      const c = await connect(s, undefined, { ca: m.certPem });
      await c.waitFor('session.created');
      await expect(startFastServer({ certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'key.pem') })).rejects.toThrow(/--cert .*missing\.pem: cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('connection loop', () => {
  it('answers bad frames with errors, stays open, and leaves other sessions alone', async () => {
    const s = await server();
    const a = await connect(s);
    const b = await connect(s);
    await a.waitFor('session.created');
    await b.waitFor('session.created');
    a.ws.send('{"type": "session.update", ');
    a.ws.send(Buffer.from([0, 1, 2]), { binary: true });
    a.send({ event_id: 'no_type' });
    a.send({ type: 'bogus.event', event_id: 'ev_bogus' });
    const errs = await a.waitFor((e) => e.type === 'error' && e['error'].event_id === 'ev_bogus');
    expect(errs['error']).toMatchObject({ code: 'invalid_value', param: 'type' });
    expect(a.events.filter((e) => e.type === 'error').map((e) => e['error'].code)).toEqual(['invalid_json', 'invalid_json', 'missing_required_parameter', 'invalid_value']);
    a.send({ type: 'session.update', session: { type: 'realtime', instructions: 'still here' } });
    expect((await a.waitFor('session.updated'))['session'].instructions).toBe('still here');
    b.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } });
    b.send({ type: 'response.create' });
    expect((await b.waitFor('response.done'))['response'].status).toBe('completed');
    expect(s.stats().handlerErrors).toBe(0);
    // every server event carries a unique event_id
    const ids = [...a.events, ...b.events].map((e) => e.event_id);
    expect(ids.every((id) => typeof id === 'string' && id.startsWith('event_'))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('expires sessions at maxSessionS: error session_expired then close 1001 (§1.4)', async () => {
    const s = await server({ maxSessionS: 0.3 });
    const c = await connect(s);
    const closed = await c.closed;
    expect(c.types()).toEqual(['session.created', 'error']);
    expect(c.events[1]!['error']).toMatchObject({ type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 0.3 seconds.' });
    expect(closed).toEqual({ code: 1001, reason: 'Your session hit the maximum duration of 0.3 seconds.' });
  });

  it('close() ends every session with 1001 and stops listening', async () => {
    const s = await startFastServer();
    const c = await TestClient.connect(s.url);
    await c.waitFor('session.created');
    await s.close();
    expect((await c.closed).code).toBe(1001);
    await expect(TestClient.connect(s.url)).rejects.toThrow();
  });
});

describe('determinism', () => {
  it('gives the same event stream (ids included) for the same seed and input', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const s = await server({ seed });
      const c = await connect(s, '/v1/realtime?model=gpt-realtime-2');
      await c.waitFor('session.created');
      c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
      await c.waitFor('session.updated');
      for (let turn = 0; turn < 2; turn++) {
        const mark = c.mark;
        c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `turn ${turn}` }] } });
        await c.waitFor('conversation.item.done', { from: mark });
        c.send({ type: 'response.create' });
        await c.waitFor('response.done', { from: mark });
      }
      return c.raw.map((f) => f.replace(/"expires_at":\d+/, ''));
    };
    const a = await run(9);
    const b = await run(9);
    const other = await run(10);
    expect(a).toEqual(b);
    expect(a).not.toEqual(other);
  });
});
