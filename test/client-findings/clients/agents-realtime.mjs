// A correct client on @openai/agents-realtime: RealtimeSession over its WebSocket transport, with a
// tool the model calls (the SDK sends the function_call_output), speaking in real time.
import { OpenAIRealtimeWebSocket, RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';
import { z } from 'zod';
import { corpusData, deadline, sleep, streamRealtime } from './wav.mjs';

deadline(60_000, 'agents-realtime client');
const getWeather = tool({ name: 'get_weather', description: 'Weather of a city', parameters: z.object({ city: z.string() }), execute: async ({ city }) => `It is sunny in ${city}.` });
const agent = new RealtimeAgent({ name: 'Assistant', instructions: 'Answer briefly.', tools: [getWeather] });
const transport = new OpenAIRealtimeWebSocket({ url: `${process.env.RTH_MOCK_URL}?model=gpt-realtime` });
const session = new RealtimeSession(agent, { transport, model: 'gpt-realtime', tracingDisabled: true });
const types = [];
session.on('transport_event', (e) => types.push(e.type));
session.on('error', (e) => {
  console.error('session error', JSON.stringify(e.error ?? e).slice(0, 300));
  process.exitCode = 1;
});
await session.connect({ apiKey: process.env.OPENAI_API_KEY });
while (!types.includes('session.updated')) await sleep(20);
const speech = Buffer.concat([corpusData('es-restaurant.wav'), Buffer.alloc(24000 * 2 * 2)]);
await streamRealtime(speech, 4800, 100, (c) => session.sendAudio(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength)));
while (types.filter((t) => t === 'response.done').length < 2) await sleep(20);
console.log('responses', types.filter((t) => t === 'response.done').length);
session.close();
