import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { RtpAudioOut, type FrameCodec } from './media-out.ts';

/** A codec that records frames instead of compressing them (160 samples = 20 ms at 8 kHz). */
const RAW: FrameCodec = { samplesPerFrame: 160, ticksPerUs: 0.008, encode: (f) => new Uint8Array(f.buffer.slice(0)) };

function setup() {
  const clock = new ManualClock();
  const sent: { atUs: number; marker: boolean; seq: number; ts: number; first: number }[] = [];
  const events: string[] = [];
  const out = new RtpAudioOut(
    clock,
    (payload, marker, seq, ts) => sent.push({ atUs: clock.nowUs(), marker, seq, ts, first: new Int16Array(payload.buffer)[0]! }),
    { responseStarted: (id) => events.push(`started ${id}`), drained: () => events.push('drained') },
    RAW,
  );
  return { clock, sent, events, out };
}

function ramp(n: number, from = 1): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => from + i);
}

describe('RtpAudioOut', () => {
  it('sends one frame per 20 ms slot from the start, never early, and reports start and drain', () => {
    const { clock, sent, events, out } = setup();
    const tag = { responseId: 'resp_1', itemId: 'item_1', contentIndex: 0 };
    let stampedUs: number | null | undefined;
    out.enqueue(ramp(480), tag, (us) => (stampedUs = us));
    expect(sent).toHaveLength(1); // slot 0 at once
    expect(stampedUs).toBe(sent[0]!.atUs);
    expect(events).toEqual(['started resp_1']);
    clock.advanceMs(19.9);
    expect(sent).toHaveLength(1);
    clock.advanceMs(0.1);
    expect(sent).toHaveLength(2);
    clock.advanceMs(20);
    expect(sent).toHaveLength(3);
    expect(sent.map((p) => p.atUs - sent[0]!.atUs)).toEqual([0, 20_000, 40_000]);
    expect(sent.map((p) => p.ts - sent[0]!.ts)).toEqual([0, 160, 320]);
    expect(sent.map((p) => p.marker)).toEqual([true, false, false]);
    expect(events).toEqual(['started resp_1', 'drained']);
    expect(out.playedMs('item_1')).toBe(60);
  });

  it('holds a partial frame until the item is flushed, then pads it', () => {
    const { clock, sent, out } = setup();
    const tag = { responseId: 'r', itemId: 'i', contentIndex: 0 };
    out.enqueue(ramp(200), tag);
    expect(sent).toHaveLength(1);
    clock.advanceMs(40);
    expect(sent).toHaveLength(1);
    out.flushItem();
    expect(sent).toHaveLength(2);
    expect(sent[1]!.first).toBe(161);
  });

  it('after a late timer sends every frame that fell due, keeping the slots', () => {
    const { clock, sent, out } = setup();
    out.enqueue(ramp(160 * 5), { responseId: 'r', itemId: 'i', contentIndex: 0 });
    clock.advanceMs(65);
    expect(sent).toHaveLength(4);
    expect(sent.map((p) => p.ts - sent[0]!.ts)).toEqual([0, 160, 320, 480]);
  });

  it('clear drops the rest, settles unsent hooks with null and says what was playing', () => {
    const { clock, sent, out } = setup();
    const tag = { responseId: 'r', itemId: 'i', contentIndex: 0 };
    const hooks: (number | null)[] = [];
    out.enqueue(ramp(160 * 3), tag, (us) => hooks.push(us));
    out.enqueue(ramp(160 * 3), tag, (us) => hooks.push(us));
    clock.advanceMs(20);
    const { tag: was, droppedMs } = out.clear();
    expect(was).toEqual(tag);
    expect(droppedMs).toBe(80);
    expect(hooks).toEqual([sent[0]!.atUs, null]);
    clock.advanceMs(200);
    expect(sent).toHaveLength(2);
    expect(out.playing).toBe(false);
  });
});
