/**
 * Every `--fault` over real sockets, on a manual clock. Transcription sessions give a short,
 * deterministic "response" (a transcription turn: committed … completed), so each fault's effect
 * is visible on the wire without depending on the realtime responder's latency model.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/server.ts';
import { scriptedAppends } from '../../mock-server/testing/fake-context.ts';
import { SocketTestClient } from '../../mock-server/testing/socket-client.ts';

let server: MockServerHandle | null = null;
const clients: SocketTestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
});

const TURN = scriptedAppends([{ silenceMs: 300 }, { speech: 'please send me a short summary of our meeting' }, { silenceMs: 900 }]);
const COMPLETED = 'conversation.item.input_audio_transcription.completed';
const DELTA = 'conversation.item.input_audio_transcription.delta';

async function session(faults: string[], clock = new ManualClock(), path = '/v1/realtime?intent=transcription'): Promise<SocketTestClient> {
  server = await startMockServer({ port: 0, clock, faults });
  const c = await SocketTestClient.connect(`${server.url}${path}`);
  clients.push(c);
  await c.waitUntil(() => c.frames.length > 0, 'first frame');
  return c;
}

function speak(c: SocketTestClient): void {
  for (const audio of TURN) c.send({ type: 'input_audio_buffer.append', audio });
}

describe('faults over sockets', () => {
  it('drop: the TCP connection is cut after N events of the turn (client sees 1006)', async () => {
    const c = await session(['drop:after_events=2']);
    speak(c);
    const closed = await c.waitClosed();
    expect(closed.code).toBe(1006);
    expect(c.types.slice(-2)).toEqual(['input_audio_buffer.committed', 'conversation.item.added']);
  });

  it('stall: frames are held for ms, then all delivered in order', async () => {
    const clock = new ManualClock();
    const c = await session(['stall:ms=200,at_event=2'], clock);
    speak(c);
    await c.waitFor('input_audio_buffer.committed');
    // Unstalled, item.added would have left in the same tick as committed. (A slow machine can only
    // make this check pass vacuously, never fail it.)
    await new Promise((r) => setTimeout(r, 100));
    expect(c.types.at(-1)).toBe('input_audio_buffer.committed');
    clock.advanceMs(199);
    expect(c.types.at(-1)).toBe('input_audio_buffer.committed');
    clock.advanceMs(1);
    await c.waitFor('conversation.item.done');
    expect(c.types.slice(c.types.indexOf('input_audio_buffer.committed'))).toEqual(['input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done']);
    clock.advanceMs(5000);
    await c.waitFor(COMPLETED);
  });

  it('malformed: broken frames are injected before real events, never before session.created', async () => {
    const c = await session(['malformed:p=1,kind=json']);
    c.send({ type: 'input_audio_buffer.clear' });
    await c.waitFor('input_audio_buffer.cleared');
    expect(() => JSON.parse(c.frames[0]!)).not.toThrow();
    expect(() => JSON.parse(c.frames[1]!)).toThrow();
    expect(JSON.parse(c.frames[2]!).type).toBe('input_audio_buffer.cleared');
  });

  it('disorder: a delta arrives after its completed', async () => {
    const clock = new ManualClock();
    const c = await session(['disorder:kind=delta_after_completed'], clock);
    speak(c);
    await c.waitFor('conversation.item.done');
    clock.advanceMs(5000);
    await c.waitFor(DELTA);
    await c.waitUntil(() => c.types.at(-1) === DELTA && c.types.includes(COMPLETED), 'the held delta');
    expect(c.types.indexOf(COMPLETED)).toBeLessThan(c.types.lastIndexOf(DELTA));
  });

  it.each([
    ['rate_limit:retry_after_s=2.5', { code: 'rate_limit_exceeded' }],
    ['server_error', { type: 'server_error' }],
  ])('%s: the turn fails', async (spec, error) => {
    const clock = new ManualClock();
    const c = await session([spec], clock);
    speak(c);
    await c.waitFor('conversation.item.done');
    clock.advanceMs(5000);
    const failed = await c.waitFor('conversation.item.input_audio_transcription.failed');
    expect(failed['error']).toMatchObject(error);
    expect(c.types).not.toContain(COMPLETED);
  });

  it('slow_audio: the transcription is paced factor times slower', async () => {
    const clock = new ManualClock();
    const c = await session(['slow_audio:factor=4'], clock);
    speak(c);
    await c.waitFor('conversation.item.done');
    clock.advanceMs(999); // the first delta is due at 250 ms × 4
    await c.barrier();
    expect(c.types).not.toContain(DELTA);
    clock.advanceMs(1);
    await c.waitFor(DELTA);
  });

  it('expire: session_expired, then close 1001', async () => {
    const clock = new ManualClock();
    const c = await session(['expire:after_s=2'], clock);
    clock.advanceMs(2000);
    const error = await c.waitFor('error');
    expect(error['error']).toMatchObject({ code: 'session_expired' });
    expect((await c.waitClosed()).code).toBe(1001);
  });

  it('drop on a realtime response: cut mid-response', async () => {
    const clock = new ManualClock();
    const c = await session(['drop:after_events=3'], clock, '/v1/realtime?model=gpt-realtime');
    c.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    await c.waitFor('session.updated');
    c.send({ type: 'response.create' });
    await c.barrier();
    for (let i = 0; i < 60 && !c.closed; i++) {
      clock.advanceMs(1000);
      await new Promise((r) => setImmediate(r));
    }
    const closed = await c.waitClosed();
    expect(closed.code).toBe(1006);
    expect(c.types).toContain('response.created');
    expect(c.types).not.toContain('response.done');
  });
});
