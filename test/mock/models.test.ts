/**
 * Socket tier: the gpt-realtime-2.1 models in a mock session. Each is accepted in `?model=`, is a
 * reasoning model (default effort `low`, every effort and `parallel_tool_calls` accepted) and gets
 * its own section of the latency profile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseLatencyProfile, scaleLatencyProfile } from '../../mock-server/latency-profile.ts';
import type { MockServerHandle } from '../../mock-server/server.ts';
import { startFastServer, TestClient, type Ev } from './helpers.ts';

const NEW_MODELS = ['gpt-realtime-2.1', 'gpt-realtime-2.1-mini'] as const;

let server: MockServerHandle | null = null;
const clients: TestClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await server?.close();
  server = null;
});

async function open(model: string): Promise<{ client: TestClient; created: Ev }> {
  const client = await TestClient.connect(server!.url, `/v1/realtime?model=${encodeURIComponent(model)}`);
  clients.push(client);
  return { client, created: await client.waitFor('session.created') };
}

/** Adds a user message, asks for a response in the default conversation and returns its `response.done`. */
async function respond(client: TestClient): Promise<Ev> {
  const from = client.mark;
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather in Paris?' }] } });
  client.send({ type: 'response.create' });
  return client.waitFor('response.done', { from });
}

describe.each(NEW_MODELS)('%s in a mock session', (model) => {
  it('is accepted as a reasoning model: effort low by default, every effort and parallel_tool_calls settable, audio answered', async () => {
    server = await startFastServer();
    const { client, created } = await open(model);
    expect(created.session.model).toBe(model);
    expect(created.session.reasoning).toEqual({ effort: 'low' });

    for (const effort of ['minimal', 'medium', 'high', 'xhigh']) {
      const from = client.mark;
      client.send({ type: 'session.update', session: { type: 'realtime', reasoning: { effort }, parallel_tool_calls: true } });
      const updated = await client.waitFor((e) => e.type === 'session.updated' || e.type === 'error', { from });
      expect(updated.type, JSON.stringify(updated)).toBe('session.updated');
      expect(updated.session.reasoning).toEqual({ effort });
      expect(updated.session.parallel_tool_calls).toBe(true);
    }

    const done = await respond(client);
    expect(done.response.status).toBe('completed');
    expect(client.events.some((e) => e.type === 'response.output_audio.delta')).toBe(true);
    expect(client.events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it("times its responses by the profile's section for the model, not by the top level", async () => {
    // Top level: never a commentary preamble; the model's section: always one at `low`. Whether a
    // preamble is spoken is behaviour we can see on the wire (an extra output item, phase
    // "commentary"), so this shows which part of the profile the session uses without timing it.
    const never = { minimal: 0, low: 0, medium: 0, high: 0, xhigh: 0 };
    const profile = parseLatencyProfile({ commentaryProbability: never, models: { [model]: { commentaryProbability: { low: 1 } } } }, 'per-model.json');
    server = await startFastServer({ latency: scaleLatencyProfile(profile, 0.01) });

    const withSection = (await open(model)).client;
    const dated = (await open(`${model}-2026-12-01`)).client;
    const without = (await open('gpt-realtime-2')).client;
    const phases = async (c: TestClient): Promise<string[]> => ((await respond(c)).response.output as { phase?: string }[]).map((o) => o.phase ?? '');

    expect(await phases(withSection)).toEqual(['commentary', 'final_answer']);
    expect(await phases(dated)).toEqual(['commentary', 'final_answer']);
    expect(await phases(without)).toEqual(['final_answer']);
  });
});
