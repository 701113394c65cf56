import { describe, expect, it } from 'vitest';
import {
  BETA_SERVER_EVENT_TYPES,
  isKnownServerEventType,
  KNOWN_SERVER_EVENT_TYPES,
  parseAroundDelta,
  parseServerEvent,
  REALTIME_SERVER_EVENT_TYPES,
  TRANSLATION_SERVER_EVENT_TYPES,
  SPLICE_MIN_DELTA_CHARS,
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

describe('output audio deltas (parsed around the delta)', () => {
  const b64 = (n: number, seed = 0): string => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[(i * 7 + seed) % 64];
    return out;
  };
  const delta = b64(6400);
  const frame = `{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"${delta}"}`;

  it('gives exactly what JSON.parse gives, key order included, without the ordinary path', () => {
    const spliced = parseAroundDelta(frame);
    expect(spliced).toEqual(JSON.parse(frame));
    expect(Object.keys(spliced as object)).toEqual(Object.keys(JSON.parse(frame) as object));
    expect(parseServerEvent(frame, 1, 2)).toEqual({ kind: 'known', type: 'response.output_audio.delta', event: JSON.parse(frame), raw: frame, receivedUs: 1, index: 2 });
    const translation = `{"type":"session.output_audio.delta","delta":"${delta}","format":"pcm16","sample_rate":24000,"channels":1}`;
    expect(parseAroundDelta(translation)).toEqual(JSON.parse(translation));
  });

  it('declines every frame where a splice could differ from JSON.parse, and parseServerEvent still agrees with it', () => {
    const declined = [
      // escapes anywhere (a key could be spelt with \u escapes, a value could hold an escaped quote)
      frame.replace('"item_1"', '"it\\u0065m"'),
      frame.replace(delta, delta.slice(0, 400) + '\\/' + delta.slice(400)),
      // a second "delta" after or around the first, nested or duplicated
      frame.replace('}', ',"delta":"AAAA"}'),
      frame.replace('"output_index":0', '"x":{"delta":""},"output_index":0').replace(`"delta":"${delta}"`, `"y":{"delta":"${delta}"}`),
      frame.replace(`"delta":"${delta}"`, `"y":{"delta":"${delta}"},"delta":""`),
      // not the plain key form
      frame.replace('"delta":"', '"delta": "'),
      frame.replace(`"delta":"${delta}"`, `"delta":7,"d":"${delta}"`),
      // short delta, unterminated, invalid JSON, not an object
      frame.replace(delta, b64(SPLICE_MIN_DELTA_CHARS - 4)),
      frame.slice(0, frame.length - 2),
      frame.replace('"output_index":0', '"output_index":'),
    ];
    for (const raw of declined) {
      expect(parseAroundDelta(raw), raw.slice(0, 80)).toBeUndefined();
      const parsed = parseServerEvent(raw, 0, 0);
      let expected: unknown;
      try {
        expected = JSON.parse(raw);
      } catch {
        expected = undefined;
      }
      if (expected === undefined) expect(parsed.kind).toBe('malformed');
      else expect((parsed as { event: unknown }).event).toEqual(expected);
    }
  });

  it('agrees with JSON.parse on many generated frames (fields shuffled, deltas of every length, stray tokens)', () => {
    let state = 12345;
    const rnd = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const extras = ['"output_index":1', '"content_index":0', '"item_id":"item_9"', '"x":{"delta":""}', '"note":"delta"', '"n":null', '"a":[1,{"b":"c"}]', '"t":"\\""', '"delta":"AA=="'];
    let spliced = 0;
    for (let i = 0; i < 500; i++) {
      const fields = [`"delta":"${b64(rnd(2) ? rnd(SPLICE_MIN_DELTA_CHARS * 2) : 2000 + rnd(9000), i)}"`, '"event_id":"event_' + i + '"', '"response_id":"resp_' + rnd(9) + '"'];
      for (let k = rnd(3); k > 0; k--) fields.push(extras[rnd(extras.length)]!);
      for (let k = fields.length - 1; k > 0; k--) {
        const j = rnd(k + 1);
        [fields[k], fields[j]] = [fields[j]!, fields[k]!];
      }
      const raw = `{"type":"response.output_audio.delta",${fields.join(',')}}`;
      const fast = parseAroundDelta(raw);
      if (fast !== undefined) spliced++;
      expect(parseServerEvent(raw, 0, 0)).toMatchObject({ kind: 'known', event: JSON.parse(raw) });
      if (fast !== undefined) expect(fast).toEqual(JSON.parse(raw));
    }
    // Most plain frames take the splice; the rest show it declines rather than guesses.
    expect(spliced).toBeGreaterThan(150);
    expect(spliced).toBeLessThan(500);
  });
});
