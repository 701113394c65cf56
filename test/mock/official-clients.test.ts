/**
 * Official-clients tier: the `openai` SDK's `OpenAIRealtimeWS` (over `--tls`, since it always dials
 * `wss:`) and `@openai/agents-realtime`'s `RealtimeSession` on its WebSocket transport drive the mock
 * through a voice turn (audio in and out), a tool call round trip and an interruption, and must see
 * no error.
 *
 * Trusting the self-signed certificate: `OpenAIRealtimeWS` passes its `options` to the `ws` client,
 * so the test hands it the server's certificate as a CA (`options.ca`). Nothing is disabled
 * process-wide (no NODE_TLS_REJECT_UNAUTHORIZED), so no other test is affected.
 */
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { OpenAIRealtimeWebSocket, RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LatencyProfile } from '../../mock-server/latency-profile.ts';
import type { MockServerHandle } from '../../mock-server/server.ts';
import { FAST_PROFILE, speechPcm, startFastServer } from './helpers.ts';

/** Fast delays, but audio at 2× real time so an interruption lands while audio is still streaming. */
const BARGE_PROFILE: LatencyProfile = { ...FAST_PROFILE, audio: { deltaMs: 100, realtimeFactor: 2 } };

let server: MockServerHandle | null = null;
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
  server = null;
});

function waitUntil(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = (): void => {
      if (pred()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** 100 ms PCM16 chunks of an utterance followed by `silenceMs` of silence. */
function utteranceChunks(text: string, silenceMs = 1200): Buffer[] {
  const pcm = Buffer.concat([speechPcm(text), Buffer.alloc(silenceMs * 48)]);
  const out: Buffer[] = [];
  for (let i = 0; i < pcm.length; i += 4800) out.push(pcm.subarray(i, i + 4800));
  return out;
}

describe('openai OpenAIRealtimeWS over wss', () => {
  async function open(profile: LatencyProfile = FAST_PROFILE) {
    server = await startFastServer({ tls: true, latency: profile, apiKey: 'sk-official' });
    const client = new OpenAI({ apiKey: 'sk-official', baseURL: `${server.httpUrl}/v1` });
    const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime', options: { ca: server.certPem! } }, client);
    const events: { type: string; [k: string]: any }[] = [];
    const errors: unknown[] = [];
    rt.on('event', (e) => void events.push(e as never));
    rt.on('error', (err) => void errors.push(err));
    cleanups.push(() => rt.close());
    await waitUntil(() => events.some((e) => e.type === 'session.created'), 'session.created');
    return { rt, events, errors };
  }
  const appendAll = (rt: OpenAIRealtimeWS, chunks: Buffer[]): void => {
    for (const c of chunks) rt.send({ type: 'input_audio_buffer.append', audio: c.toString('base64') });
  };

  it('voice turn: audio in, VAD, audio and transcript out', async () => {
    const { rt, events, errors } = await open();
    expect(rt.url.toString()).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/v1\/realtime\?model=gpt-realtime$/);
    appendAll(rt, utteranceChunks('Hello, could you tell me a little about the weather today?'));
    await waitUntil(() => events.some((e) => e.type === 'response.done'), 'response.done');
    const types = events.map((e) => e.type);
    expect(types).toContain('input_audio_buffer.speech_stopped');
    const audioBytes = events.filter((e) => e.type === 'response.output_audio.delta').reduce((n, e) => n + Buffer.from(e['delta'], 'base64').length, 0);
    expect(audioBytes).toBeGreaterThan(24_000);
    expect(events.find((e) => e.type === 'response.done')!['response'].status).toBe('completed');
    expect(errors).toEqual([]);
    expect(types).not.toContain('error');
  });

  it('tool call round trip', async () => {
    const { rt, events, errors } = await open();
    rt.send({ type: 'session.update', session: { type: 'realtime', tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] } });
    await waitUntil(() => events.some((e) => e.type === 'session.updated'), 'session.updated');
    appendAll(rt, utteranceChunks('What is the weather in Paris?'));
    await waitUntil(() => events.some((e) => e.type === 'response.function_call_arguments.done'), 'function call');
    const call = events.find((e) => e.type === 'response.function_call_arguments.done')!;
    expect(JSON.parse(call['arguments']).city).toEqual(expect.any(String));
    await waitUntil(() => events.some((e) => e.type === 'response.done'), 'first response.done');
    rt.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call['call_id'], output: JSON.stringify({ temp_c: 21 }) } });
    rt.send({ type: 'response.create' });
    await waitUntil(() => events.filter((e) => e.type === 'response.done').length === 2, 'second response.done');
    const second = events.filter((e) => e.type === 'response.done')[1]!['response'];
    expect(second.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(errors).toEqual([]);
  });

  it('interruption: barge-in cancels with turn_detected and the client truncates', async () => {
    const { rt, events, errors } = await open(BARGE_PROFILE);
    appendAll(rt, utteranceChunks('Please give me a long answer about trains.'));
    await waitUntil(() => events.some((e) => e.type === 'response.output_audio.delta'), 'first audio');
    const itemId = events.find((e) => e.type === 'response.output_audio.delta')!['item_id'];
    appendAll(rt, utteranceChunks('Stop, stop, wait a moment please.'));
    await waitUntil(() => events.some((e) => e.type === 'response.done'), 'cancelled response.done');
    const done = events.find((e) => e.type === 'response.done')!['response'];
    expect(done.status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
    const playedMs = Math.floor(events.filter((e) => e.type === 'response.output_audio.delta' && e['item_id'] === itemId).reduce((n, e) => n + Buffer.from(e['delta'], 'base64').length, 0) / 48 / 2);
    rt.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: playedMs });
    await waitUntil(() => events.some((e) => e.type === 'conversation.item.truncated'), 'truncated');
    await waitUntil(() => events.filter((e) => e.type === 'response.created').length === 2, 'the next turn');
    expect(errors).toEqual([]);
  });
});

describe('@openai/agents-realtime RealtimeSession over the WebSocket transport', () => {
  async function open(profile: LatencyProfile = FAST_PROFILE) {
    server = await startFastServer({ latency: profile });
    const toolCalls: string[] = [];
    const getWeather = tool({
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        toolCalls.push(city);
        return `It is sunny in ${city}.`;
      },
    });
    const agent = new RealtimeAgent({ name: 'Assistant', instructions: 'Answer briefly.', tools: [getWeather] });
    const transport = new OpenAIRealtimeWebSocket({ url: `${server.url}/v1/realtime?model=gpt-realtime` });
    const session = new RealtimeSession(agent, { transport, model: 'gpt-realtime', tracingDisabled: true });
    const errors: unknown[] = [];
    const events: { type: string; [k: string]: any }[] = [];
    let audioBytes = 0;
    let interrupted = 0;
    session.on('error', (e) => void errors.push(e));
    session.on('transport_event', (e) => void events.push(e as never));
    session.on('audio', (e) => void (audioBytes += e.data.byteLength));
    session.on('audio_interrupted', () => void (interrupted += 1));
    await session.connect({ apiKey: 'sk-agents' });
    cleanups.push(() => session.close());
    await waitUntil(() => events.some((e) => e.type === 'session.created'), 'session.created');
    const speak = (text: string): void => {
      for (const c of utteranceChunks(text, 2000)) session.sendAudio(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength) as ArrayBuffer);
    };
    return { session, events, errors, toolCalls, speak, audio: () => audioBytes, interrupted: () => interrupted };
  }

  it('voice turn with a tool call round trip: the SDK runs the tool and the model then speaks', async () => {
    const s = await open();
    s.speak('What is the weather like in Paris today, please?');
    await waitUntil(() => s.events.filter((e) => e.type === 'response.done').length >= 2, 'tool call and spoken answer');
    expect(s.toolCalls).toHaveLength(1);
    const dones = s.events.filter((e) => e.type === 'response.done').map((e) => e['response']);
    expect(dones[0].output[0].type).toBe('function_call');
    expect(dones[1].output[0]).toMatchObject({ type: 'message', role: 'assistant' });
    expect(s.audio()).toBeGreaterThan(24_000);
    const outputSent = s.events.some((e) => e.type === 'conversation.item.added' && e['item'].type === 'function_call_output');
    expect(outputSent).toBe(true);
    expect(s.errors).toEqual([]);
    expect(s.events.map((e) => e.type)).not.toContain('error');
  });

  it('interruption: speaking over the answer cancels it and the SDK truncates', async () => {
    const s = await open(BARGE_PROFILE);
    s.session.updateAgent(new RealtimeAgent({ name: 'Assistant', instructions: 'Answer briefly.' }));
    await waitUntil(() => s.events.filter((e) => e.type === 'session.updated').length >= 1, 'session.updated');
    s.speak('Tell me a long story about the sea and the ships on it.');
    await waitUntil(() => s.events.some((e) => e.type === 'response.output_audio.delta'), 'first audio');
    s.speak('Wait, wait, stop there.');
    await waitUntil(() => s.events.some((e) => e.type === 'response.done'), 'cancelled response');
    const first = s.events.find((e) => e.type === 'response.done')!['response'];
    expect(first.status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
    await waitUntil(() => s.interrupted() > 0, 'audio_interrupted');
    await waitUntil(() => s.events.some((e) => e.type === 'conversation.item.truncated'), 'the SDK truncate');
    await waitUntil(() => s.events.filter((e) => e.type === 'response.created').length >= 2, 'the answer to the interruption');
    expect(s.errors).toEqual([]);
    expect(s.events.map((e) => e.type)).not.toContain('error');
  });
});
