import { describe, expect, it } from 'vitest';
import {
  BETA_SERVER_EVENT_TYPES,
  isKnownServerEventType,
  KNOWN_SERVER_EVENT_TYPES,
  parseServerEvent,
  REALTIME_SERVER_EVENT_TYPES,
  TRANSLATION_SERVER_EVENT_TYPES,
} from './server-events.ts';

describe('parseServerEvent', () => {
  it('returns a known event with its type, raw text, stamp and index', () => {
    const raw = '{"type":"response.done","event_id":"event_1","response":{"id":"resp_1"}}';
    const p = parseServerEvent(raw, 123.5, 7);
    expect(p).toEqual({ kind: 'known', type: 'response.done', event: JSON.parse(raw), raw, receivedUs: 123.5, index: 7 });
  });

  it('knows translation-session events', () => {
    expect(parseServerEvent('{"type":"session.output_audio.delta","delta":""}', 0, 0).kind).toBe('known');
    expect(parseServerEvent('{"type":"session.closed"}', 0, 0).kind).toBe('known');
  });

  it('returns unknown for an unlisted type, flagging beta-era names with their GA replacement', () => {
    const beta = parseServerEvent('{"type":"response.audio.delta","delta":"AA=="}', 0, 1);
    expect(beta).toMatchObject({ kind: 'unknown', type: 'response.audio.delta', betaOf: 'response.output_audio.delta' });
    const novel = parseServerEvent('{"type":"scooby.dooby.doo"}', 0, 2);
    expect(novel).toMatchObject({ kind: 'unknown', type: 'scooby.dooby.doo', betaOf: undefined, event: { type: 'scooby.dooby.doo' } });
    expect(parseServerEvent('{"type":"transcription_session.created"}', 0, 0)).toMatchObject({ betaOf: 'session.created' });
  });

  it.each([
    ['{nope', 'invalid JSON'],
    ['[1,2]', 'event is an array'],
    ['null', 'event is null'],
    ['42', 'event is number'],
    ['"text"', 'event is string'],
    ['{"event_id":"e"}', 'event has no "type"'],
    ['{"type":5}', 'event "type" is number'],
  ])('returns malformed for %s, never throws', (raw, problem) => {
    const p = parseServerEvent(raw, 1, 3);
    expect(p.kind).toBe('malformed');
    if (p.kind === 'malformed') {
      expect(p.problem).toContain(problem);
      expect(p.raw).toBe(raw);
      expect(p.index).toBe(3);
    }
  });

  it('returns malformed for a binary frame, keeping its bytes as text', () => {
    const p = parseServerEvent(Buffer.from('{"type":"error"}'), 9, 0);
    expect(p).toMatchObject({ kind: 'malformed', problem: 'binary frame of 16 bytes (events are JSON text frames)', raw: '{"type":"error"}', receivedUs: 9 });
  });

  it('does not treat prototype keys as known types', () => {
    expect(isKnownServerEventType('constructor')).toBe(false);
    expect(parseServerEvent('{"type":"toString"}', 0, 0).kind).toBe('unknown');
    expect(parseServerEvent('{"type":"__proto__"}', 0, 0).kind).toBe('unknown');
  });
});

describe('known type sets', () => {
  it('cover the official unions (46 realtime + 7 translation types, 5 shared names)', () => {
    expect(REALTIME_SERVER_EVENT_TYPES.size).toBe(46);
    expect(TRANSLATION_SERVER_EVENT_TYPES.size).toBe(7);
    expect(KNOWN_SERVER_EVENT_TYPES.size).toBe(46 + 7 - 3);
    for (const t of ['response.output_audio.delta', 'conversation.item.added', 'input_audio_buffer.timeout_triggered', 'response.mcp_call.failed']) {
      expect(REALTIME_SERVER_EVENT_TYPES.has(t as never)).toBe(true);
    }
  });

  it('list no beta name as known', () => {
    for (const beta of Object.keys(BETA_SERVER_EVENT_TYPES)) expect(isKnownServerEventType(beta)).toBe(false);
  });
});
