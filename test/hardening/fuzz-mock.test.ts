/**
 * Hardening (issue 7): the mock under hostile input, short run. About 7,000 seeded random and
 * mutated frames over twelve concurrent sessions of all three kinds (fuzz-gen.ts): every bad frame
 * gets a well-formed `error` naming the problem, valid frames get none, no handler throws, no
 * session is closed, and a control session completes a normal voice turn meanwhile. Frames over
 * the size limit and invalid UTF-8 close only their own connection. The long run (≥ 100,000
 * frames, figures) is `bench/fuzz-mock.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_EVENT_DEPTH } from '../../mock-server/connection.ts';
import type { MockServerHandle } from '../../mock-server/server.ts';
import { speakTurn, startFastServer, TestClient } from '../mock/helpers.ts';
import { deepJson, FuzzGenerator, FuzzRng } from './fuzz-gen.ts';
import { oversizeFrame, runFuzz, type FuzzReport } from './fuzz-run.ts';

/** The mock's `maxPayload` (server.ts): 15 MiB of base64 per append is legal (§8.2), so 32 MiB. */
const MOCK_MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;

let mock: MockServerHandle;
beforeAll(async () => {
  mock = await startFastServer();
});
afterAll(async () => {
  await mock.close();
});

describe('fuzzing the mock', () => {
  let report: FuzzReport;
  let control: { types: string[]; errors: unknown[] };

  beforeAll(async () => {
    const fuzzing = runFuzz({ url: mock.url, sessions: 12, framesPerSession: 600, seed: 7, generator: { hugeChars: 128 * 1024 } });
    // A normal session during the fuzzing: one voice turn, answered in full, no error.
    const client = await TestClient.connect(mock.url);
    await client.waitFor('session.created');
    speakTurn(client);
    await client.waitFor('response.done', { timeoutMs: 20_000 });
    control = { types: client.types(), errors: client.events.filter((e) => e.type === 'error') };
    client.close();
    report = await fuzzing;
  }, 120_000);

  it('answers every bad frame with a well-formed error naming the problem, and no valid one', () => {
    expect(report.violations).toEqual([]);
    expect(report.violationCount).toBe(0);
    expect(report.framesSent).toBeGreaterThanOrEqual(7000);
    // Roughly half the frames are bad on purpose; each was matched to its own error.
    expect(report.errorsAnswered).toBeGreaterThan(report.framesSent * 0.35);
  });

  it('never throws in a handler, never closes a fuzzed session, keeps serving', () => {
    expect(report.serverErrors).toBe(0);
    expect(mock.stats().handlerErrors).toBe(0);
    expect(report.unexpectedCloses).toEqual([]);
    expect(control.errors).toEqual([]);
    expect(control.types).toContain('input_audio_buffer.speech_stopped');
    expect(control.types.at(-1)).toBe('response.done');
  });

  it('covers every family of hostile frames', () => {
    for (const family of ['valid', 'wrong_type', 'invalid_json', 'not_object', 'bad_type_field', 'bad_event_id', 'unknown_type', 'huge_string', 'deep', 'invalid_base64', 'odd_pcm16', 'binary', 'out_of_order', 'mutation']) {
      expect(report.byFamily[family], family).toBeGreaterThan(0);
    }
  });
});

describe('frames that end only their own connection', () => {
  it('closes a frame over the 32 MiB limit with 1009 and keeps serving', async () => {
    const closed = await oversizeFrame(mock.url, MOCK_MAX_PAYLOAD_BYTES + 1024);
    expect(closed.code).toBe(1009);
    const after = await TestClient.connect(mock.url);
    await after.waitFor('session.created');
    after.close();
  });

  it('accepts a frame just under the limit as an event (an over-long append is an error, not a close)', async () => {
    const client = await TestClient.connect(mock.url);
    await client.waitFor('session.created');
    client.send({ type: 'input_audio_buffer.append', event_id: 'big', audio: 'A'.repeat(MOCK_MAX_PAYLOAD_BYTES - 1024) });
    const err = await client.waitFor('error', { timeoutMs: 20_000 });
    expect(err['error']).toMatchObject({ code: 'string_above_max_length', param: 'audio', event_id: 'big' });
    client.close();
  });

  it('closes a text frame of invalid UTF-8 with 1007 (RFC 6455 §8.1) and keeps serving', async () => {
    const ws = new WebSocket(`${mock.url}/v1/realtime?model=gpt-realtime`, { headers: { Authorization: 'Bearer sk-fuzz' } });
    ws.on('error', () => undefined);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.send(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    expect(await closed).toBe(1007);
    expect(mock.stats().handlerErrors).toBe(0);
  });

  it(`rejects nesting deeper than ${MAX_EVENT_DEPTH} levels but accepts realistic depth`, async () => {
    const client = await TestClient.connect(mock.url);
    await client.waitFor('session.created');
    // A tool schema of ten nested objects (about 25 levels) is legal.
    let schema: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10; i++) schema = { type: 'object', properties: { x: schema } };
    client.send({ type: 'session.update', event_id: 'ok', session: { type: 'realtime', tools: [{ type: 'function', name: 'f', parameters: schema }] } });
    await client.waitFor('session.updated');
    client.ws.send(`{"type":"session.update","event_id":"deep","session":{"type":"realtime","tools":[{"type":"function","name":"f","parameters":${deepJson(10_000, 'object')}}]}}`);
    const err = await client.waitFor('error');
    expect(err['error']).toMatchObject({ code: 'invalid_value', event_id: 'deep' });
    expect(err['error'].message).toContain(`nested more than ${MAX_EVENT_DEPTH} levels`);
    client.close();
  });
});

describe('the generator', () => {
  it('is deterministic for a seed', () => {
    const frames = (seed: number): string[] => {
      const g = new FuzzGenerator('realtime', new FuzzRng(seed), 'x', { hugeChars: 16 });
      return Array.from({ length: 200 }, () => g.next().map((f) => (typeof f.data === 'string' ? f.data : f.data.toString('hex')))).flat();
    };
    expect(frames(3)).toEqual(frames(3));
    expect(frames(3)).not.toEqual(frames(4));
  });
});
