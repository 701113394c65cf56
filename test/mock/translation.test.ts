/**
 * Translation sessions over real sockets (`/v1/realtime/translations?model=gpt-realtime-translate`),
 * on a manual clock: the output is paced by the server's clock, which only the test moves.
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

async function connect(clock: ManualClock): Promise<SocketTestClient> {
  server ??= await startMockServer({ port: 0, clock });
  const client = await SocketTestClient.connect(`${server.url}/v1/realtime/translations?model=gpt-realtime-translate`);
  clients.push(client);
  return client;
}

describe('translation session over a socket', () => {
  it('update, appends, streamed output, session.close → session.closed → close 1000', async () => {
    const clock = new ManualClock();
    const c = await connect(clock);
    const created = await c.waitFor('session.created');
    expect(created['session']).toMatchObject({ type: 'translation', model: 'gpt-realtime-translate' });
    c.send({ type: 'session.update', session: { audio: { output: { language: 'de' }, input: { transcription: { model: 'gpt-realtime-whisper' } } } } });
    await c.waitFor('session.updated');

    for (const audio of scriptedAppends([{ silenceMs: 200 }, { speech: 'where is the nearest pharmacy please' }, { silenceMs: 800 }], 200)) {
      c.send({ type: 'session.input_audio_buffer.append', audio });
    }
    await c.barrier();
    expect(c.types).toContain('session.input_transcript.delta');
    expect(c.types).not.toContain('session.output_audio.delta');
    clock.advanceMs(1000);
    await c.waitFor('session.output_audio.delta');

    c.send({ type: 'session.close' });
    await c.barrier();
    clock.advanceMs(10_000);
    await c.waitFor('session.closed');
    const closed = await c.waitClosed();
    expect(closed.code).toBe(1000);
    const audio = c.events.filter((e) => e.type === 'session.output_audio.delta');
    expect(audio.length).toBeGreaterThan(3);
    expect(audio[0]).toMatchObject({ format: 'pcm16', sample_rate: 24000, channels: 1 });
    expect(c.types.at(-1)).toBe('session.closed');
  });

  it('rejects realtime events with invalid_value and a model change', async () => {
    const c = await connect(new ManualClock());
    await c.waitFor('session.created');
    c.send({ type: 'response.create', event_id: 'r1' });
    c.send({ type: 'session.update', event_id: 'u1', session: { model: 'gpt-realtime' } });
    await c.waitUntil(() => c.types.filter((t) => t === 'error').length === 2, 'two errors');
    expect(c.events.filter((e) => e.type === 'error').map((e) => e['error'])).toMatchObject([
      { code: 'invalid_value', param: 'type', event_id: 'r1' },
      { code: 'invalid_value', param: 'session.model', event_id: 'u1' },
    ]);
  });
});
