// A Twilio Media Streams bridge on @openai/agents-extensions' TwilioRealtimeTransportLayer, fed by a
// stand-in for Twilio's WebSocket that streams a μ-law 8 kHz call (the corpus clip en-set-timer
// and silence) as Twilio does: `start`, then a `media` message of 20 ms every 20 ms.
// Argument `--override`: the session config declares the format (audio.input/output.format
// g711_ulaw); without it the bridge uses RealtimeSession's defaults.
import { RealtimeAgent, RealtimeSession } from '@openai/agents/realtime';
import { TwilioRealtimeTransportLayer } from '@openai/agents-extensions';
import { corpusData, deadline, sleep, streamRealtime } from './wav.mjs';

deadline(60_000, 'twilio bridge');
const override = process.argv.includes('--override');

/** The Twilio side of the bridge: what TwilioRealtimeTransportLayer reads (addEventListener) and writes (send). */
class FakeTwilioSocket {
  #listeners = new Map();
  sent = [];
  readyState = 1;
  addEventListener(type, fn) {
    (this.#listeners.get(type) ?? this.#listeners.set(type, []).get(type)).push(fn);
  }
  removeEventListener() {}
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
    for (const fn of this.#listeners.get('close') ?? []) fn({});
  }
  emit(message) {
    for (const fn of this.#listeners.get('message') ?? []) fn({ data: JSON.stringify(message) });
  }
}

const twilio = new FakeTwilioSocket();
const transport = new TwilioRealtimeTransportLayer({ twilioWebSocket: twilio, url: `${process.env.RTH_MOCK_URL}?model=gpt-realtime` });
const agent = new RealtimeAgent({ name: 'Phone agent', instructions: 'Answer briefly.' });
const config = override ? { audio: { input: { format: 'g711_ulaw' }, output: { format: 'g711_ulaw' } } } : {};
const session = new RealtimeSession(agent, { transport, model: 'gpt-realtime', tracingDisabled: true, config });
const types = [];
session.on('transport_event', (e) => types.push(e.type));
await session.connect({ apiKey: process.env.OPENAI_API_KEY });
while (!types.includes('session.updated')) await sleep(20);
const streamSid = 'MZ00000000000000000000000000000000';
twilio.emit({ event: 'connected', protocol: 'Call', version: '1.0.0' });
twilio.emit({ event: 'start', sequenceNumber: '1', start: { streamSid, callSid: 'CA0', tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } }, streamSid });
const call = Buffer.concat([corpusData('en-set-timer.wav'), Buffer.alloc(8000 * 2, 0xff)]);
let chunk = 0;
await streamRealtime(call, 160, 20, (c) => {
  chunk += 1;
  twilio.emit({ event: 'media', sequenceNumber: String(chunk + 1), media: { track: 'inbound', chunk: String(chunk), timestamp: String((chunk - 1) * 20), payload: c.toString('base64') }, streamSid });
});
const t0 = Date.now();
while (!types.includes('response.done') && Date.now() - t0 < 10_000) await sleep(20);
console.log(`override=${override} responses=${types.filter((t) => t === 'response.done').length} twilio media out=${twilio.sent.filter((m) => m.event === 'media').length}`);
twilio.emit({ event: 'stop', streamSid });
session.close();
