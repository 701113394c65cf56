/**
 * Client rules judged over real sockets: for each rule a client that breaks it (the rule fires)
 * and a client that does it right (it stays silent), against the mock on 127.0.0.1 port 0.
 * Waits are on events; the few sleeps are stated with why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMulaw } from '../../common/audio/g711.ts';
import { TestClient, appendPcm, speechPcm } from '../mock/helpers.ts';
import { rulesOf, sleep, startJudgedMock, type JudgedMock } from './helpers.ts';

let mock: JudgedMock | null = null;
afterEach(async () => {
  await mock?.server.close();
  mock = null;
});

const MANUAL = { type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } };
const userText = (text: string) => ({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });

async function open(m: JudgedMock, path?: string, opts?: Parameters<typeof TestClient.connect>[2]): Promise<TestClient> {
  const c = await TestClient.connect(m.server.url, path, opts);
  return c;
}

describe('a correct client', () => {
  it('manual turns, one response at a time, function output answered, closed: no findings', async () => {
    mock = await startJudgedMock();
    const c = await open(mock);
    await c.waitFor('session.created');
    c.send(MANUAL);
    await c.waitFor('session.updated');
    appendPcm(c, speechPcm('What is the weather in Paris?'));
    c.send({ type: 'input_audio_buffer.commit' });
    c.send({ type: 'response.create' });
    await c.waitFor('response.done');
    const m0 = c.mark;
    c.send({
      type: 'session.update',
      session: { type: 'realtime', tools: [{ type: 'function', name: 'get_weather', description: 'w', parameters: { type: 'object', properties: {} } }], tool_choice: { type: 'function', name: 'get_weather' } },
    });
    await c.waitFor('session.updated', { from: m0 });
    const m1 = c.mark;
    c.send(userText('And tomorrow?'));
    c.send({ type: 'response.create' });
    const done = await c.waitFor('response.done', { from: m1 });
    const call = done.response.output.find((o: { type: string }) => o.type === 'function_call');
    expect(call).toBeTruthy();
    c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: '{"t":21}' } });
    await c.waitFor('conversation.item.done', { from: c.mark - 0 });
    c.close();
    await c.closed;
    const report = await mock.finish();
    expect(report.findings).toEqual([]);
    expect(report.sessions).toHaveLength(1);
    expect(report.sessions[0]!.closeCode).toBe(1005);
  });
});

describe('retired beta protocol', () => {
  it('OpenAI-Beta header: upgrade succeeds, one beta_api_shape_disabled error, close 4000, and the finding', async () => {
    mock = await startJudgedMock();
    const c = await open(mock, '/v1/realtime?model=gpt-realtime', { headers: { 'OpenAI-Beta': 'realtime=v1' } });
    const closed = await c.closed;
    expect(closed).toEqual({ code: 4000, reason: 'invalid_request_error.beta_api_shape_disabled' });
    expect(c.events).toHaveLength(1);
    expect(c.events[0]).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code: 'beta_api_shape_disabled', message: 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.', param: null } });
    const report = await mock.finish();
    expect(rulesOf(report)).toEqual(['protocol.beta_client']);
    expect(report.findings[0]!.evidence).toContain('OpenAI-Beta: realtime=v1');
    expect(report.findings[0]!.fix).toContain('Remove the OpenAI-Beta');
  });

  it('openai-beta.realtime-v1 subprotocol is refused the same way (and the browser key form is flagged too)', async () => {
    mock = await startJudgedMock();
    const c = await open(mock, '/v1/realtime?model=gpt-realtime', { protocols: ['realtime', 'openai-insecure-api-key.sk-test', 'openai-beta.realtime-v1'] });
    expect((await c.closed).code).toBe(4000);
    expect(c.events.map((e) => e.error?.code)).toEqual(['beta_api_shape_disabled']);
    expect(rulesOf(await mock.finish())).toEqual(['protocol.beta_client', 'security.standard_key_in_browser']);
  });

  it('the beta HTTP shapes answer 400 with the documented body; the GA client_secrets endpoint is not flagged', async () => {
    mock = await startJudgedMock();
    const base = mock.server.httpUrl;
    const auth = { Authorization: 'Bearer sk-test' };
    const sdp = await fetch(`${base}/v1/realtime?model=gpt-realtime`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/sdp' }, body: 'v=0\r\n' });
    expect(sdp.status).toBe(400);
    expect(await sdp.json()).toEqual({ error: { message: 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.', type: 'invalid_request_error', code: 'beta_api_shape_disabled', param: '' } });
    for (const path of ['/v1/realtime/sessions', '/v1/realtime/transcription_sessions']) {
      const r = await fetch(`${base}${path}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"model":"gpt-realtime"}' });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('beta_api_shape_disabled');
    }
    const ga = await fetch(`${base}/v1/realtime/client_secrets`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{}' });
    expect(ga.status).toBe(200);
    const report = await mock.finish();
    expect(report.findings.map((f) => f.event?.type)).toEqual(['HTTP POST /v1/realtime', 'HTTP POST /v1/realtime/sessions', 'HTTP POST /v1/realtime/transcription_sessions']);
    expect(rulesOf(report)).toEqual(['protocol.beta_client']);
  });

  it('a beta payload on a GA socket is flagged (GA names are not)', async () => {
    mock = await startJudgedMock();
    const c = await open(mock);
    await c.waitFor('session.created');
    c.send({ type: 'session.update', session: { modalities: ['text'], voice: 'alloy' } });
    await c.waitFor('error');
    c.close();
    await c.closed;
    const report = await mock.finish();
    expect(rulesOf(report)).toEqual(['protocol.beta_payload']);
  });
});

describe('security', () => {
  it('a standard key with an Origin header is flagged; an ek_ key from a browser is not', async () => {
    mock = await startJudgedMock();
    const bad = await open(mock, undefined, { headers: { Origin: 'https://app.example' } });
    await bad.waitFor('session.created');
    bad.close();
    const minted = (await (await fetch(`${mock.server.httpUrl}/v1/realtime/client_secrets`, { method: 'POST', headers: { Authorization: 'Bearer sk-test' }, body: '{}' })).json()) as { value: string };
    const good = await open(mock, undefined, { protocols: ['realtime', `openai-insecure-api-key.${minted.value}`], headers: { Origin: 'https://app.example' } });
    await good.waitFor('session.created');
    good.close();
    await Promise.all([bad.closed, good.closed]);
    const report = await mock.finish();
    expect(report.findings.map((f) => [f.rule, f.sessionId])).toEqual([['security.standard_key_in_browser', report.sessions[0]!.sessionId]]);
  });

  it('a key in the query string is flagged and never written to the report', async () => {
    mock = await startJudgedMock();
    const c = await open(mock, '/v1/realtime?model=gpt-realtime&api_key=sk-proj-SECRET123');
    await c.waitFor('session.created');
    c.close();
    await c.closed;
    const ok = await open(mock);
    await ok.waitFor('session.created');
    ok.close();
    await ok.closed;
    const report = await mock.finish();
    expect(rulesOf(report)).toEqual(['security.key_in_query']);
    expect(report.findings).toHaveLength(1);
    expect(JSON.stringify(report)).not.toContain('SECRET123');
    expect(JSON.stringify(report)).not.toContain('sk-test');
  });
});

describe('lifecycle', () => {
  it('response.create while a response is active fires; one after response.done does not', async () => {
    mock = await startJudgedMock();
    const c = await open(mock);
    await c.waitFor('session.created');
    c.send(MANUAL);
    c.send(userText('hi'));
    c.send({ type: 'response.create' });
    await c.waitFor('response.done');
    c.send({ type: 'response.create' });
    const m = c.mark;
    await c.waitFor('response.created', { from: m });
    c.send({ type: 'response.create', event_id: 'evt_second' });
    await c.waitFor((e) => e.type === 'error' && e.error.code === 'conversation_already_has_active_response');
    c.close();
    await c.closed;
    const report = await mock.finish();
    expect(rulesOf(report)).toEqual(['lifecycle.response_while_active']);
    expect(report.findings[0]!.event).toMatchObject({ type: 'response.create', eventId: 'evt_second' });
  });

  it('a voice change after assistant audio fires; a voice set before the first response does not', async () => {
    mock = await startJudgedMock();
    const c = await open(mock);
    await c.waitFor('session.created');
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null }, output: { voice: 'cedar' } } } });
    c.send(userText('hi'));
    c.send({ type: 'response.create' });
    await c.waitFor('response.done');
    const early = await mock.findings.report();
    expect(early.findings).toEqual([]);
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'marin' } } } });
    await c.waitFor((e) => e.type === 'error' && e.error.code === 'cannot_update_voice');
    c.close();
    await c.closed;
    expect(rulesOf(await mock.finish())).toEqual(['lifecycle.voice_after_audio']);
  });

  it('a function_call never answered, and an output for an unknown call_id, both fire', async () => {
    mock = await startJudgedMock();
    const c = await open(mock);
    await c.waitFor('session.created');
    c.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { input: { turn_detection: null } }, tools: [{ type: 'function', name: 'lookup', description: 'l', parameters: { type: 'object', properties: {} } }], tool_choice: 'required' },
    });
    c.send(userText('look it up'));
    c.send({ type: 'response.create' });
    const done = await c.waitFor('response.done');
    expect(done.response.output.some((o: { type: string }) => o.type === 'function_call')).toBe(true);
    c.send({ type: 'conversation.item.create', event_id: 'evt_out', item: { type: 'function_call_output', call_id: 'call_made_up', output: '{}' } });
    await c.waitFor('error');
    c.close();
    await c.closed;
    const report = await mock.finish();
    expect(rulesOf(report)).toEqual(['lifecycle.function_output_missing', 'lifecycle.function_output_unknown_call']);
    expect(report.findings.find((f) => f.rule === 'lifecycle.function_output_unknown_call')!.event).toMatchObject({ eventId: 'evt_out' });
  });

  it('a barge-in without conversation.item.truncate fires; with a truncate it does not', async () => {
    for (const truncate of [false, true]) {
      mock = await startJudgedMock({ latency: undefined, latencyScale: 0.01 });
      const c = await open(mock);
      await c.waitFor('session.created');
      appendPcm(c, speechPcm('Tell me a long story about the sea please.'));
      appendPcm(c, Buffer.alloc(800 * 48));
      const delta = await c.waitFor('response.output_audio.delta', { timeoutMs: 20_000 });
      const m = c.mark;
      appendPcm(c, speechPcm('Stop, stop.'));
      await c.waitFor('input_audio_buffer.speech_started', { from: m, timeoutMs: 20_000 });
      if (truncate) c.send({ type: 'conversation.item.truncate', item_id: delta.item_id, content_index: 0, audio_end_ms: 50 });
      await sleep(100); // let the truncate reach the server before closing (any order is fine for the judge)
      c.close();
      await c.closed;
      const rules = rulesOf(await mock.finish());
      if (truncate) expect(rules).not.toContain('lifecycle.no_truncate_after_barge_in');
      else expect(rules).toContain('lifecycle.no_truncate_after_barge_in');
      mock = null;
    }
  });

  it('session_expired: no reconnect, reconnect without context, reconnect with context', async () => {
    mock = await startJudgedMock({ maxSessionS: 0.3 });
    // 1. no reconnect.
    const a = await open(mock);
    expect((await a.closed).code).toBe(1001);
    // 2. a second client (other key) reconnects without context.
    const b = await open(mock, undefined, { key: 'sk-other' });
    expect((await b.closed).code).toBe(1001);
    const b2 = await open(mock, undefined, { key: 'sk-other' });
    await b2.waitFor('session.created');
    b2.close();
    await b2.closed;
    // 3. a third client reconnects and restores its conversation.
    const c = await open(mock, undefined, { key: 'sk-third' });
    expect((await c.closed).code).toBe(1001);
    const c2 = await open(mock, undefined, { key: 'sk-third' });
    await c2.waitFor('session.created');
    c2.send(userText('(earlier) what is the weather in Paris?'));
    await c2.waitFor('conversation.item.done');
    c2.close();
    await c2.closed;
    const report = await mock.finish();
    const of = (rule: string) => report.findings.filter((f) => f.rule === rule).map((f) => f.sessionId);
    const [sa, sb, sb2, sc, sc2] = report.sessions.map((s) => s.sessionId);
    expect(of('lifecycle.session_cap').sort()).toEqual([sa, sb, sc].sort());
    expect(of('lifecycle.no_reconnect_after_expiry')).toEqual([sa]);
    expect(of('lifecycle.reconnect_without_context')).toEqual([sb2]);
    expect(new Set([sb2, sc2]).size).toBe(2);
    expect(report.findings.filter((f) => f.sessionId === sc2)).toEqual([]);
  });

  it('a reconnect storm after rate_limit_exceeded fires; reconnects after the hint do not', async () => {
    mock = await startJudgedMock({ faults: ['rate_limit:p=1,retry_after_s=0.4'] });
    const limited = async (key: string): Promise<void> => {
      const c = await open(mock!, undefined, { key });
      await c.waitFor('session.created');
      c.send(MANUAL);
      c.send(userText('hi'));
      c.send({ type: 'response.create' });
      const done = await c.waitFor('response.done');
      expect(done.response.status_details.error.code).toBe('rate_limit_exceeded');
      c.close();
      await c.closed;
    };
    await limited('sk-stormy');
    for (let i = 0; i < 3; i++) {
      const c = await open(mock, undefined, { key: 'sk-stormy' });
      c.close();
      await c.closed;
    }
    await limited('sk-patient');
    for (let i = 0; i < 3; i++) {
      await sleep(450); // past the 0.4 s hint: the back-off the rule asks for
      const c = await open(mock, undefined, { key: 'sk-patient' });
      c.close();
      await c.closed;
    }
    const report = await mock.finish();
    const storms = report.findings.filter((f) => f.rule === 'lifecycle.reconnect_storm');
    expect(storms).toHaveLength(1);
    expect(storms[0]!.client).toBe(report.sessions[0]!.client);
    expect(report.sessions[0]!.client).not.toBe(report.sessions[4]!.client);
  });

  it('a rejected event (unknown type) is reported with the server error', async () => {
    mock = await startJudgedMock();
    const c = await open(mock);
    await c.waitFor('session.created');
    c.send({ type: 'scooby.dooby.doo' });
    await c.waitFor('error');
    c.close();
    await c.closed;
    const report = await mock.finish();
    expect(rulesOf(report)).toEqual(['protocol.rejected_event']);
    expect(report.findings[0]!.evidence).toContain('invalid_value');
  });
});

describe('audio format over a socket', () => {
  /** μ-law 8 kHz of synthesized speech (every 3rd sample of 24 kHz speech: the synth is band-limited well below 4 kHz). */
  function mulawSpeech(): Buffer {
    const pcm = speechPcm('Hello, I would like to book a table for two at seven tonight, near the window if possible.');
    const s24 = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
    const s8 = new Int16Array(Math.floor(s24.length / 3));
    for (let i = 0; i < s8.length; i++) s8[i] = s24[3 * i]!;
    return Buffer.from(encodeMulaw(s8));
  }

  it('μ-law appended to a session left at audio/pcm fires g711_as_pcm16; the same bytes declared audio/pcmu do not', async () => {
    for (const declare of [false, true]) {
      mock = await startJudgedMock();
      const c = await open(mock);
      await c.waitFor('session.created');
      c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null, ...(declare ? { format: { type: 'audio/pcmu' } } : {}) } } } });
      await c.waitFor('session.updated');
      const bytes = mulawSpeech();
      for (let i = 0; i < bytes.length; i += 160) c.send({ type: 'input_audio_buffer.append', audio: bytes.subarray(i, i + 160).toString('base64') });
      c.send({ type: 'input_audio_buffer.commit' });
      await c.waitFor('input_audio_buffer.committed');
      c.close();
      await c.closed;
      const report = await mock.finish();
      expect(rulesOf(report)).toEqual(declare ? [] : ['audio.g711_as_pcm16']);
      mock = null;
    }
  });
});
