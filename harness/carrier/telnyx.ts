/**
 * Telnyx media streaming (bidirectional RTP mode), the messages Telnyx sends and the ones it accepts:
 * docs/readme/telephony.md ("Telnyx"). Snake-case fields, counters as strings, `stream_id` an
 * uppercase UUID, `call_control_id` `v2:…`; a bridge may omit `stream_id` on what it sends.
 */
import { Buffer } from 'node:buffer';
import { parseBridgeJson, randomHex, randomUuid, type BridgeMessage, type CarrierFlavour, type MediaFormat, type StreamIds } from './flavour.ts';

/** The Telnyx flavour. */
export const telnyx: CarrierFlavour = {
  name: 'telnyx',
  streamIdRequired: false,
  newIds(random) {
    return { streamId: randomUuid(random).toUpperCase(), callId: `v2:${Buffer.from(randomHex(random, 32), 'hex').toString('base64url')}`, accountId: randomUuid(random), sessionId: randomUuid(random) };
  },
  connected() {
    return '{"event":"connected","version":"1.0.0"}';
  },
  start(seq: number, ids: StreamIds, format: MediaFormat, customParameters: Readonly<Record<string, string>>) {
    const hasParams = Object.keys(customParameters).length > 0;
    return JSON.stringify({
      event: 'start',
      sequence_number: String(seq),
      start: {
        user_id: ids.accountId,
        call_control_id: ids.callId,
        call_session_id: ids.sessionId,
        from: '+15550100001',
        to: '+15550100002',
        tags: [],
        // Telnyx passes the app's own data as base64 `client_state`; the scenario's parameters go there as JSON.
        ...(hasParams ? { client_state: Buffer.from(JSON.stringify(customParameters)).toString('base64') } : {}),
        media_format: { encoding: format.encodingName, sample_rate: format.sampleRateHz, channels: 1 },
      },
      stream_id: ids.streamId,
    });
  },
  media(seq, chunk, timestampMs, payloadB64, ids) {
    return `{"event":"media","sequence_number":"${seq}","media":{"track":"inbound","chunk":"${chunk}","timestamp":"${timestampMs}","payload":"${payloadB64}"},"stream_id":"${ids.streamId}"}`;
  },
  dtmf(seq, digit, ids, occurredAt) {
    return JSON.stringify({ event: 'dtmf', stream_id: ids.streamId, occurred_at: occurredAt.toISOString(), sequence_number: String(seq), dtmf: { digit } });
  },
  mark(seq, name, ids) {
    return JSON.stringify({ event: 'mark', stream_id: ids.streamId, sequence_number: String(seq), mark: name === null ? {} : { name } });
  },
  stop(seq, ids) {
    return JSON.stringify({ event: 'stop', sequence_number: String(seq), stop: { user_id: ids.accountId, call_control_id: ids.callId }, stream_id: ids.streamId });
  },
  parse(text: string): BridgeMessage {
    return parseBridgeJson(text, 'stream_id');
  },
};
