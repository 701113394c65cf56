/**
 * Transcription sessions over real sockets (`/v1/realtime?intent=transcription`), on a manual clock:
 * the server's timers move only when the test advances it, so nothing depends on machine speed.
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

async function connect(clock: ManualClock, path = '/v1/realtime?intent=transcription', seed = 1): Promise<SocketTestClient> {
  server ??= await startMockServer({ port: 0, clock, seed });
  const client = await SocketTestClient.connect(`${server.url}${path}`);
  clients.push(client);
  return client;
}

const TURN = scriptedAppends([{ silenceMs: 300 }, { speech: 'what time does the train leave from central station' }, { silenceMs: 900 }]);

describe('transcription session over a socket', () => {
  it('session.created, update, a VAD turn with item events, deltas and completed', async () => {
    const clock = new ManualClock();
    const c = await connect(clock);
    const created = await c.waitFor('session.created');
    expect(created['session']).toMatchObject({ type: 'transcription', object: 'realtime.transcription_session' });

    c.send({ type: 'session.update', session: { type: 'transcription', audio: { input: { transcription: { model: 'gpt-4o-transcribe', language: 'en' } } } } });
    const updated = await c.waitFor('session.updated');
    expect((updated['session'] as any).audio.input.transcription).toEqual({ model: 'gpt-4o-transcribe', language: 'en' });

    for (const audio of TURN) c.send({ type: 'input_audio_buffer.append', audio });
    await c.waitFor('conversation.item.done');
    clock.advanceMs(10_000);
    const completed = await c.waitFor('conversation.item.input_audio_transcription.completed');
    const types = c.types.filter((t) => t !== 'conversation.item.input_audio_transcription.delta');
    expect(types).toEqual([
      'session.created',
      'session.updated',
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'conversation.item.input_audio_transcription.completed',
    ]);
    const deltas = c.events.filter((e) => e.type === 'conversation.item.input_audio_transcription.delta').map((e) => e['delta']);
    expect(deltas.join('')).toBe(completed['transcript']);
    expect((completed['usage'] as any).type).toBe('tokens');
  });

  it('rejects a realtime session.update and response.create, and stays open', async () => {
    const c = await connect(new ManualClock());
    await c.waitFor('session.created');
    c.send({ type: 'session.update', event_id: 'u1', session: { type: 'realtime', instructions: 'x' } });
    c.send({ type: 'response.create', event_id: 'r1' });
    c.send({ type: 'input_audio_buffer.clear' });
    await c.waitFor('input_audio_buffer.cleared');
    const errors = c.events.filter((e) => e.type === 'error').map((e) => e['error'] as Record<string, unknown>);
    expect(errors).toMatchObject([
      { code: 'invalid_parameter', param: 'session.type', event_id: 'u1' },
      { code: 'invalid_value', param: 'type', event_id: 'r1' },
    ]);
    expect(c.closed).toBeNull();
  });

  it('a ?model= realtime session rejects a transcription update (the mirror case)', async () => {
    const c = await connect(new ManualClock(), '/v1/realtime?model=gpt-realtime');
    await c.waitFor('session.created');
    c.send({ type: 'session.update', event_id: 'u2', session: { type: 'transcription' } });
    const error = await c.waitFor('error');
    expect(error['error']).toMatchObject({ code: 'invalid_parameter', param: 'session.type', event_id: 'u2' });
  });

  it('the same seed gives the same event stream', async () => {
    const run = async (): Promise<unknown[]> => {
      const clock = new ManualClock();
      const c = await connect(clock, undefined, 5);
      await c.waitFor('session.created');
      for (const audio of TURN) c.send({ type: 'input_audio_buffer.append', audio });
      await c.waitFor('conversation.item.done');
      clock.advanceMs(10_000);
      await c.waitFor('conversation.item.input_audio_transcription.completed');
      c.close();
      await server!.close();
      server = null;
      return c.events.map(({ event_id: _e, session, ...rest }) => ({ ...rest, session: session ? { ...(session as object), expires_at: 0 } : undefined }));
    };
    expect(await run()).toEqual(await run());
  });
});
