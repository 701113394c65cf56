// A correct client on the official `openai` SDK's OpenAIRealtimeWS (openai/realtime/ws), configured
// only through the environment rth check-client provides (OPENAI_BASE_URL, OPENAI_API_KEY,
// NODE_EXTRA_CA_CERTS): waits for session.created, declares its format, waits for session.updated,
// streams a spoken request in real time with server VAD, waits for the answer and closes.
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import { corpusData, deadline, streamRealtime } from './wav.mjs';

deadline(60_000, 'openai-sdk client');
const rt = new OpenAIRealtimeWS({ model: 'gpt-realtime' }, new OpenAI());
const next = (type) => new Promise((resolve) => rt.on(type, resolve));
rt.on('error', (err) => {
  console.error('realtime error', err.message);
  process.exitCode = 1;
});
await next('session.created');
rt.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['audio'], audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: { type: 'server_vad' } }, output: { voice: 'marin' } } } });
await next('session.updated');
const done = next('response.done');
const speech = Buffer.concat([corpusData('es-restaurant.wav'), Buffer.alloc(24000 * 2)]);
await streamRealtime(speech, 4800, 100, (c) => rt.send({ type: 'input_audio_buffer.append', audio: c.toString('base64') }));
const response = await done;
console.log('answer', response.response.status);
rt.close();
