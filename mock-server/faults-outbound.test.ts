import { describe, expect, it } from 'vitest';
import { ManualClock } from '../common/clock.ts';
import type { WireEvent } from './contract.ts';
import { DISORDER_MAX_HOLD_MS, type FaultyOutboundFilter } from './faults-outbound.ts';
import { parseFaultSpecs } from './faults.ts';
import { SeededRng } from './rng.ts';

/** One audio response as §3.4 orders it. */
const RESPONSE: readonly string[] = [
  'response.created',
  'rate_limits.updated',
  'response.output_item.added',
  'conversation.item.added',
  'response.content_part.added',
  'response.output_audio.delta',
  'response.output_audio_transcript.delta',
  'response.output_audio.delta',
  'response.output_audio_transcript.delta',
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.content_part.done',
  'response.output_item.done',
  'conversation.item.done',
  'response.done',
];

interface Harness {
  clock: ManualClock;
  filter: FaultyOutboundFilter;
  /** Frames written, in order; `TERMINATED` marks the socket cut. */
  wire: string[];
  send(event: WireEvent): void;
  /** Sends session.created then `responses` scripted responses. */
  script(responses: number, sessionType?: string): void;
}

function harness(specs: string[], seed = 1): Harness {
  const clock = new ManualClock();
  const wire: string[] = [];
  const faults = parseFaultSpecs(specs).forConnection(new SeededRng(seed));
  const filter = faults.wrapOutbound((f) => wire.push(f), () => wire.push('TERMINATED'), clock) as FaultyOutboundFilter;
  let n = 0;
  const send = (event: WireEvent): void => filter(event, JSON.stringify({ ...event, event_id: `event_${n++}` }));
  return {
    clock,
    filter,
    wire,
    send,
    script(responses, sessionType = 'realtime') {
      send({ type: 'session.created', session: { type: sessionType } });
      for (let r = 0; r < responses; r++) for (const type of RESPONSE) send({ type, response_id: `resp_${r}` });
    },
  };
}

const types = (wire: string[]): string[] =>
  wire.map((f) => {
    try {
      const t = (JSON.parse(f) as { type?: unknown }).type;
      return typeof t === 'string' ? t : `<bad type ${JSON.stringify(t)}>`;
    } catch {
      return f === 'TERMINATED' ? f : '<not json>';
    }
  });

describe('drop', () => {
  it('cuts the socket right after N events of the response and sends nothing more', () => {
    const h = harness(['drop:after_events=6']);
    h.script(2);
    expect(types(h.wire)).toEqual(['session.created', ...RESPONSE.slice(0, 6), 'TERMINATED']);
  });

  it('after_events=0 cuts before response.created', () => {
    const h = harness(['drop:after_events=0']);
    h.script(1);
    expect(types(h.wire)).toEqual(['session.created', 'TERMINATED']);
  });

  it('a short response is left alone; p=0 never drops', () => {
    const h = harness(['drop:after_events=100']);
    h.script(2);
    expect(h.wire).not.toContain('TERMINATED');
    const never = harness(['drop:p=0,after_events=1']);
    never.script(3);
    expect(never.wire).not.toContain('TERMINATED');
  });

  it('p<1 drops in a seeded response: same seed, same response', () => {
    const at = (seed: number): number => {
      const h = harness(['drop:p=0.3,after_events=2'], seed);
      h.script(40);
      return h.wire.length;
    };
    expect(at(5)).toBe(at(5));
    const lengths = new Set([1, 2, 3, 4, 5, 6].map(at));
    expect(lengths.size).toBeGreaterThan(1);
  });
});

describe('stall', () => {
  it('holds every frame for ms at the chosen event, then sends them all in order', () => {
    const h = harness(['stall:ms=500,at_event=4']);
    h.script(1);
    expect(types(h.wire)).toEqual(['session.created', ...RESPONSE.slice(0, 3)]);
    h.clock.advanceMs(499);
    expect(h.wire).toHaveLength(4);
    h.clock.advanceMs(1);
    expect(types(h.wire)).toEqual(['session.created', ...RESPONSE]);
  });

  it('stalls once per response, before response.done if the response is shorter', () => {
    const h = harness(['stall:ms=100,at_event=50']);
    h.script(1);
    expect(types(h.wire)).toEqual(['session.created', ...RESPONSE.slice(0, -1)]);
    h.clock.advanceMs(100);
    expect(types(h.wire).at(-1)).toBe('response.done');
    h.script(1);
    expect(types(h.wire).at(-1)).toBe('conversation.item.done');
  });

  it('a random stall point still delivers every frame in order', () => {
    const h = harness(['stall:ms=200'], 9);
    h.script(3);
    h.clock.advanceMs(200);
    h.clock.advanceMs(200);
    h.clock.advanceMs(200);
    const all = types(h.wire);
    expect(all).toEqual(['session.created', ...RESPONSE, ...RESPONSE, ...RESPONSE]);
  });

  it('whenIdle waits for the stall to end', () => {
    const h = harness(['stall:ms=300,at_event=2']);
    h.script(1);
    let idle = false;
    h.filter.whenIdle(() => (idle = true));
    expect(idle).toBe(false);
    h.clock.advanceMs(300);
    expect(idle).toBe(true);
    expect(h.wire).toHaveLength(1 + RESPONSE.length);
  });
});

describe('malformed', () => {
  it('injects a broken frame before real events, never before session.created', () => {
    const h = harness(['malformed:p=1,kind=json']);
    h.script(1);
    expect(h.wire).toHaveLength(1 + 2 * RESPONSE.length);
    expect(types(h.wire)[0]).toBe('session.created');
    for (let i = 1; i < h.wire.length; i += 2) {
      expect(() => JSON.parse(h.wire[i]!)).toThrow();
      expect(JSON.parse(h.wire[i + 1]!).type).toBe(RESPONSE[(i - 1) / 2]);
    }
  });

  it('no_type drops the type, wrong_type changes a field to another JSON type; ids stay unique', () => {
    const missing = harness(['malformed:p=1,kind=no_type']);
    missing.script(1);
    const bad = JSON.parse(missing.wire[1]!);
    expect(bad.type).toBeUndefined();
    expect(bad.response_id).toBe('resp_0');
    const wrong = harness(['malformed:p=1,kind=wrong_type']);
    wrong.script(1);
    const w = JSON.parse(wrong.wire[1]!);
    expect(w.type).toBe('response.created');
    expect(typeof w.response_id).toBe('number');
    const ids = wrong.wire.map((f) => JSON.parse(f).event_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('default p injects occasionally', () => {
    const h = harness(['malformed'], 4);
    h.script(20);
    const injected = h.wire.length - (1 + 20 * RESPONSE.length);
    expect(injected).toBeGreaterThan(0);
    expect(injected).toBeLessThan(60);
  });
});

describe('disorder', () => {
  const firstIndex = (t: string[], type: string) => t.indexOf(type);

  it('part_after_delta sends the first delta before content_part.added', () => {
    const h = harness(['disorder:kind=part_after_delta']);
    h.script(1);
    const t = types(h.wire);
    expect(t).toHaveLength(1 + RESPONSE.length);
    expect(firstIndex(t, 'response.output_audio.delta')).toBeLessThan(firstIndex(t, 'response.content_part.added'));
    expect([...t].sort()).toEqual(['session.created', ...RESPONSE].sort());
  });

  it('done_before_item sends response.done before response.output_item.done', () => {
    const h = harness(['disorder:kind=done_before_item']);
    h.script(1);
    expect(types(h.wire).slice(-3)).toEqual(['conversation.item.done', 'response.done', 'response.output_item.done']);
  });

  it('created_late sends response.output_item.added before response.created', () => {
    const h = harness(['disorder:kind=created_late']);
    h.script(1);
    expect(types(h.wire).slice(1, 5)).toEqual(['rate_limits.updated', 'response.output_item.added', 'response.created', 'conversation.item.added']);
  });

  it('any picks a reordering per response; every response is reordered with p=1', () => {
    const h = harness(['disorder'], 21);
    h.script(6);
    const t = types(h.wire).slice(1);
    for (let r = 0; r < 6; r++) expect(t.slice(r * RESPONSE.length, (r + 1) * RESPONSE.length)).not.toEqual(RESPONSE);
  });

  it('a held frame is released after a timeout when the release event never comes', () => {
    const h = harness(['disorder:kind=part_after_delta']);
    h.send({ type: 'session.created', session: { type: 'realtime' } });
    for (const type of RESPONSE.slice(0, 5)) h.send({ type });
    expect(types(h.wire).at(-1)).toBe('conversation.item.added');
    h.clock.advanceMs(DISORDER_MAX_HOLD_MS);
    expect(types(h.wire).at(-1)).toBe('response.content_part.added');
  });

  it('transcription: delta_after_completed', () => {
    const h = harness(['disorder:kind=delta_after_completed']);
    h.send({ type: 'session.created', session: { type: 'transcription' } });
    for (const type of [
      'input_audio_buffer.committed',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.completed',
    ])
      h.send({ type });
    expect(types(h.wire).slice(1)).toEqual([
      'input_audio_buffer.committed',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.completed',
      'conversation.item.input_audio_transcription.delta',
    ]);
  });

  it('translation: audio_swapped makes elapsed_ms go backwards once', () => {
    const h = harness(['disorder']);
    h.send({ type: 'session.created', session: { type: 'translation' } });
    for (let i = 0; i < 4; i++) h.send({ type: 'session.output_audio.delta', elapsed_ms: i * 200 });
    expect(h.wire.slice(1).map((f) => JSON.parse(f).elapsed_ms)).toEqual([200, 0, 400, 600]);
  });
});

describe('combined', () => {
  it('stall then drop: the drop still counts written events of the response', () => {
    const h = harness(['stall:ms=100,at_event=2', 'drop:after_events=5']);
    h.script(1);
    expect(h.wire).toHaveLength(2);
    h.clock.advanceMs(100);
    expect(types(h.wire)).toEqual(['session.created', ...RESPONSE.slice(0, 5), 'TERMINATED']);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('dispose discards queued frames and timers', () => {
    const h = harness(['stall:ms=100,at_event=1']);
    h.script(1);
    h.filter.dispose();
    h.clock.advanceMs(200);
    expect(h.wire).toHaveLength(1);
  });
});
