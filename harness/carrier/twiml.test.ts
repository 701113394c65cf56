import { describe, expect, it } from 'vitest';
import { parseTwiml, voiceWebhookForm } from './twiml.ts';

describe('parseTwiml', () => {
  it('follows <Connect><Stream url> with its <Parameter>s (entities decoded), skipping other verbs', () => {
    const xml = `<?xml version="1.0"?><Response><Say>Hi &amp; welcome</Say><Connect><Stream url="wss://b.example/media-stream">
      <Parameter name="conversationId" value="a&amp;b"/><Parameter name='lang' value='en'/></Stream></Connect></Response>`;
    expect(parseTwiml(xml, 'x')).toEqual({ url: 'wss://b.example/media-stream', parameters: { conversationId: 'a&b', lang: 'en' } });
  });

  it('accepts a self-closing <Stream/>', () => {
    expect(parseTwiml('<Response><Connect><Stream url="ws://h:1/s"/></Connect></Response>', 'x')).toEqual({ url: 'ws://h:1/s', parameters: {} });
  });

  it('refuses <Start><Stream> (receive-only), a missing stream and a non-WebSocket url, naming the source', () => {
    expect(() => parseTwiml('<Response><Start><Stream url="wss://h/s"/></Start></Response>', 'twiml_url U')).toThrow(/twiml_url U: <Start><Stream> is a receive-only stream/);
    expect(() => parseTwiml('<Response><Say>no</Say></Response>', 'twiml_url U')).toThrow(/expected <Connect><Stream/);
    expect(() => parseTwiml('<Response><Connect><Stream url="https://h/s"/></Connect></Response>', 'U')).toThrow(/expected a ws:\/\/ or wss:\/\/ URL/);
  });

  it('posts the fields of an incoming call', () => {
    const f = voiceWebhookForm({ streamId: 'MZ1', callId: 'CA1', accountId: 'AC1', sessionId: 'u' });
    expect(Object.fromEntries(f)).toMatchObject({ CallSid: 'CA1', AccountSid: 'AC1', CallStatus: 'ringing', Direction: 'inbound' });
  });
});
