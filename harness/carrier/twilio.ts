/**
 * Twilio Media Streams (bidirectional, `<Connect><Stream>`), the messages Twilio sends and the ones it
 * accepts: docs/readme/telephony.md ("Twilio"). Counters are strings, `mediaFormat` numbers are
 * numbers, SIDs are a two-letter prefix plus 32 hex digits.
 */
import { parseBridgeJson, randomHex, type BridgeMessage, type CarrierFlavour, type MediaFormat, type StreamIds } from './flavour.ts';
import { randomUuid } from './flavour.ts';

/** The Twilio flavour. */
export const twilio: CarrierFlavour = {
  name: 'twilio',
  streamIdRequired: true,
  newIds(random) {
    return { streamId: `MZ${randomHex(random, 32)}`, callId: `CA${randomHex(random, 32)}`, accountId: `AC${randomHex(random, 32)}`, sessionId: randomUuid(random) };
  },
  connected() {
    return '{"event":"connected","protocol":"Call","version":"1.0.0"}';
  },
  start(seq: number, ids: StreamIds, format: MediaFormat, customParameters: Readonly<Record<string, string>>) {
    return JSON.stringify({
      event: 'start',
      sequenceNumber: String(seq),
      start: {
        accountSid: ids.accountId,
        streamSid: ids.streamId,
        callSid: ids.callId,
        tracks: ['inbound'],
        mediaFormat: { encoding: format.encodingName, sampleRate: format.sampleRateHz, channels: 1 },
        customParameters,
      },
      streamSid: ids.streamId,
    });
  },
  media(seq, chunk, timestampMs, payloadB64, ids) {
    return `{"event":"media","sequenceNumber":"${seq}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${timestampMs}","payload":"${payloadB64}"},"streamSid":"${ids.streamId}"}`;
  },
  dtmf(seq, digit, ids) {
    return JSON.stringify({ event: 'dtmf', streamSid: ids.streamId, sequenceNumber: String(seq), dtmf: { track: 'inbound_track', digit } });
  },
  mark(seq, name, ids) {
    return JSON.stringify({ event: 'mark', sequenceNumber: String(seq), streamSid: ids.streamId, mark: name === null ? {} : { name } });
  },
  stop(seq, ids) {
    return JSON.stringify({ event: 'stop', sequenceNumber: String(seq), stop: { accountSid: ids.accountId, callSid: ids.callId }, streamSid: ids.streamId });
  },
  parse(text: string): BridgeMessage {
    return parseBridgeJson(text, 'streamSid');
  },
};
