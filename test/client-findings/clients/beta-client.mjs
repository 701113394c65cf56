// A beta-protocol client: the npm `openai-realtime-api` package (RealtimeClient), written for the
// retired beta API. In Node without a global WebSocket it sends `OpenAI-Beta: realtime=v1`; with one
// (Node 22+) it offers the `openai-beta.realtime-v1` subprotocol. Prints how the server answered.
import { RealtimeClient } from 'openai-realtime-api';
import { deadline } from './wav.mjs';

deadline(30_000, 'beta client');
const client = new RealtimeClient({ url: process.env.RTH_MOCK_URL, apiKey: process.env.OPENAI_API_KEY, sessionConfig: { voice: 'alloy' } });
const errors = [];
client.realtime.on('server.error', (e) => errors.push(e.error));
const closed = new Promise((resolve) => client.realtime.on('close', resolve));
try {
  await client.connect();
} catch (err) {
  console.error('connect failed:', err.message);
  process.exit(2);
}
await closed;
console.log('server errors:', JSON.stringify(errors));
// The refusal is the expected outcome here; exit 1 like a client whose session was refused.
process.exit(errors.some((e) => e.code === 'beta_api_shape_disabled') ? 1 : 4);
