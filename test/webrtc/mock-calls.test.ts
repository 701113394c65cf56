/**
 * The mock's WebRTC door on loopback with a real peer (werift: ICE, DTLS-SRTP, SCTP): the calls
 * endpoint's forms and errors, a voice turn with Opus RTP both ways, the WebRTC-only events,
 * barge-in with automatic truncation, the sideband socket, hangup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { MockServerHandle } from '../../mock-server/index.ts';
import { speechPcm, startFastServer, TestClient } from '../mock/helpers.ts';
import { RtcTestClient } from './rtc-test-client.ts';

let server: MockServerHandle;
const clients: RtcTestClient[] = [];

beforeAll(async () => {
  server = await startFastServer();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
});

async function mintKey(session: object = { type: 'realtime', model: 'gpt-realtime' }): Promise<string> {
  const res = await fetch(`${server.httpUrl}/v1/realtime/client_secrets`, { method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body: JSON.stringify({ session }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: string }).value;
}

function newClient(): RtcTestClient {
  const c = new RtcTestClient();
  clients.push(c);
  return c;
}

function pcm16(buf: Buffer): Int16Array {
  return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Speech then 1 s of silence, so server VAD ends the turn. */
function turnAudio(): Int16Array {
  const speech = pcm16(speechPcm('Hello there, can you hear me over this call?'));
  const out = new Int16Array(speech.length + 24_000);
  out.set(speech);
  return out;
}

describe('POST /v1/realtime/calls', () => {
  it('answers a raw SDP offer with an ek_ key: 201, application/sdp, Location with the call id, loopback candidates only', async () => {
    const c = newClient();
    const res = await c.connect(server.httpUrl, await mintKey());
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/sdp');
    expect(res.headers.get('location')).toMatch(/^\/v1\/realtime\/calls\/rtc_u0_[A-Za-z0-9]+$/);
    expect(res.body).toMatch(/^v=0\r\n/);
    const candidates = res.body.split('\r\n').filter((l) => l.startsWith('a=candidate:'));
    expect(candidates.length).toBeGreaterThan(0);
    for (const l of candidates) expect(l.split(' ')[4]).toBe('127.0.0.1');
    await c.opened();
    const created = await c.waitFor('session.created');
    expect(created['session'].model).toBe('gpt-realtime');
    expect(c.events[0]!.type).toBe('session.created');
  });

  it('accepts the unified multipart form (sdp + session parts) with the standard key and applies the session', async () => {
    const c = newClient();
    const sdp = await c.offer();
    const form = new FormData();
    form.set('sdp', sdp);
    form.set('session', JSON.stringify({ type: 'realtime', model: 'gpt-realtime', instructions: 'Be brief.' }));
    const res = await fetch(`${server.httpUrl}/v1/realtime/calls`, { method: 'POST', headers: { authorization: 'Bearer sk-test' }, body: form });
    expect(res.status).toBe(201);
    await c.pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    await c.opened();
    const created = await c.waitFor('session.created');
    expect(created['session'].instructions).toBe('Be brief.');
  });

  it('refuses bad requests with clear HTTP errors and keeps serving', async () => {
    const c = newClient();
    const sdp = await c.offer();
    const post = (init: RequestInit) => fetch(`${server.httpUrl}/v1/realtime/calls`, { method: 'POST', ...init }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { code: string; message: string; param: unknown } } }));
    const noKey = await post({ headers: { 'content-type': 'application/sdp' }, body: sdp });
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.code).toBe('invalid_api_key');
    const json = await post({ headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body: JSON.stringify({ sdp }) });
    expect(json.status).toBe(415);
    expect(json.body.error.message).toContain('application/sdp');
    const garbage = await post({ headers: { authorization: 'Bearer sk-test', 'content-type': 'application/sdp' }, body: 'hello' });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toBe('invalid_offer');
    const noAudio = sdp.replace(/m=audio[\s\S]*?(?=m=application)/, '');
    const na = await post({ headers: { authorization: 'Bearer sk-test', 'content-type': 'application/sdp' }, body: noAudio });
    expect(na.status).toBe(400);
    expect(na.body.error.message).toContain('no audio m-line');
    const form = new FormData();
    form.set('session', JSON.stringify({ type: 'realtime' }));
    const noSdp = await post({ headers: { authorization: 'Bearer sk-test' }, body: form });
    expect(noSdp.status).toBe(400);
    expect(noSdp.body.error.param).toBe('sdp');
    const badSession = new FormData();
    badSession.set('sdp', sdp);
    badSession.set('session', JSON.stringify({ type: 'realtime', voice: 3 }));
    const bs = await post({ headers: { authorization: 'Bearer sk-test' }, body: badSession });
    expect(bs.status).toBe(400);
    expect(bs.body.error.code).toBe('unknown_parameter');
    const hangupUnknown = await fetch(`${server.httpUrl}/v1/realtime/calls/rtc_u0_nope/hangup`, { method: 'POST', headers: { authorization: 'Bearer sk-test' } });
    expect(hangupUnknown.status).toBe(404);
    // Still serving.
    const ok = newClient();
    expect((await ok.connect(server.httpUrl, 'sk-test')).status).toBe(201);
  });

  it('answers CORS preflights on calls and client_secrets', async () => {
    for (const path of ['/v1/realtime/calls', '/v1/realtime/client_secrets']) {
      const res = await fetch(`${server.httpUrl}${path}`, { method: 'OPTIONS', headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://app.example');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    }
  });
});

describe('a voice turn over WebRTC', () => {
  it('hears the RTP audio, answers on the media track in real time, and sends the WebRTC-only events in order', async () => {
    const c = newClient();
    expect((await c.connect(server.httpUrl, await mintKey())).status).toBe(201);
    await c.opened();
    await c.waitFor('session.created');
    await c.stream(turnAudio());
    const done = await c.waitFor('response.done');
    const stopped = await c.waitFor('output_audio_buffer.stopped');
    const types = c.types();
    expect(types).toContain('input_audio_buffer.speech_started');
    expect(types).toContain('input_audio_buffer.committed');
    expect(types).not.toContain('response.output_audio.delta');
    expect(types).toContain('response.output_audio.done');
    const started = c.events.findIndex((e) => e.type === 'output_audio_buffer.started');
    expect(started).toBeGreaterThan(c.events.findIndex((e) => e.type === 'response.content_part.added'));
    expect(types.indexOf('output_audio_buffer.stopped')).toBeGreaterThan(types.indexOf('response.done'));
    expect(stopped['response_id']).toBe(done['response'].id);
    // The answer is audible, and it came at real-time pace, not in a burst: over WebSocket the same
    // audio arrives about 5× faster than real time. The packets must span at least half their
    // audio's duration in wall time. Half, not all: the receive stamps are taken by a client on the
    // same two cores, and under load the first packet can be read late while later ones bunch up
    // (the sender's never-early slots are unit-tested on a manual clock in media-out.test.ts).
    const speech = c.rx.filter((p) => p.rmsDbfs > -45);
    expect(speech.length).toBeGreaterThan(10);
    const spanMs = c.rx.at(-1)!.atMs - c.rx[0]!.atMs;
    expect(spanMs).toBeGreaterThanOrEqual((c.rx.length - 1) * 20 * 0.5);
    const tsSpan = (c.rx.at(-1)!.timestamp - c.rx[0]!.timestamp) >>> 0;
    expect(tsSpan).toBe((c.rx.length - 1) * 960);
  });

  it('refuses input_audio_buffer.append on the channel with an error, and the session goes on', async () => {
    const c = newClient();
    await c.connect(server.httpUrl, await mintKey());
    await c.opened();
    await c.waitFor('session.created');
    c.send({ type: 'input_audio_buffer.append', event_id: 'evt_a', audio: Buffer.alloc(480).toString('base64') });
    const err = await c.waitFor('error');
    expect(err['error'].event_id).toBe('evt_a');
    expect(err['error'].message).toContain('media track');
    c.send({ type: 'session.update', session: { type: 'realtime', instructions: 'x' } });
    await c.waitFor('session.updated');
  });

  it('on barge-in clears the playing audio, sends output_audio_buffer.cleared and truncates the item to what was played', async () => {
    const c = newClient();
    await c.connect(server.httpUrl, await mintKey());
    await c.opened();
    await c.waitFor('session.created');
    // A long answer, so the user can speak over it.
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Tell me a long story.' }] } });
    c.send({ type: 'response.create' });
    const started = await c.waitFor('output_audio_buffer.started');
    await new Promise((r) => setTimeout(r, 300));
    c.send({ type: 'output_audio_buffer.clear' });
    const cleared = await c.waitFor('output_audio_buffer.cleared');
    expect(cleared['response_id']).toBe(started['response_id']);
    const packetsAtClear = c.rx.length;
    await new Promise((r) => setTimeout(r, 200));
    // At most the packets already in flight arrive after the clear (tolerance: 3 packets = 60 ms).
    expect(c.rx.length - packetsAtClear).toBeLessThanOrEqual(3);
    expect(c.types()).not.toContain('conversation.item.truncated');
    // The item was cut to what was played: retrieve it and compare with the packets heard.
    const itemId = c.events.find((e) => e.type === 'response.output_item.added')!['item'].id;
    c.send({ type: 'conversation.item.retrieve', item_id: itemId });
    const retrieved = await c.waitFor('conversation.item.retrieved');
    expect(retrieved['item'].id).toBe(itemId);
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 60_000 });
    const tooFar = await c.waitFor((e) => e.type === 'error' && /already shorter/.test(e['error'].message));
    const playedMs = Number(/of (\d+) ?ms/.exec(tooFar['error'].message)?.[1]);
    expect(Math.abs(playedMs - packetsAtClear * 20)).toBeLessThanOrEqual(60);
  });
});

describe('sideband and hangup', () => {
  it('a sideband socket with the standard key sees the call events and controls the session; hangup ends both', async () => {
    const c = newClient();
    await c.connect(server.httpUrl, await mintKey());
    await c.opened();
    await c.waitFor('session.created');
    const refused = new WebSocket(`${server.url}/v1/realtime?call_id=rtc_u0_unknown`, { headers: { authorization: 'Bearer sk-test' } });
    const status = await new Promise<number>((resolve) => refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
    const side = await TestClient.connect(server.url, `/v1/realtime?call_id=${c.callId}`);
    const first = await side.waitFor(() => true);
    expect(first.type).toBe('session.created');
    side.send({ type: 'session.update', session: { type: 'realtime', instructions: 'From the server.' } });
    const updated = await c.waitFor((e) => e.type === 'session.updated' && e['session'].instructions === 'From the server.');
    expect(updated).toBeTruthy();
    await side.waitFor((e) => e.type === 'session.updated');
    const res = await fetch(`${server.httpUrl}/v1/realtime/calls/${c.callId}/hangup`, { method: 'POST', headers: { authorization: 'Bearer sk-test' } });
    expect(res.status).toBe(200);
    expect((await side.closed).code).toBe(1000);
  });

  it('refuses a sideband with an ephemeral key (404 call_id_not_found, as measured)', async () => {
    const key = await mintKey();
    const c = newClient();
    await c.connect(server.httpUrl, key);
    await c.opened();
    const ws = new WebSocket(`${server.url}/v1/realtime?call_id=${c.callId}`, { headers: { authorization: `Bearer ${key}` } });
    const body = await new Promise<string>((resolve) =>
      ws.on('unexpected-response', (_req, res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      }),
    );
    expect(JSON.parse(body).error.code).toBe('call_id_not_found');
  });
});
