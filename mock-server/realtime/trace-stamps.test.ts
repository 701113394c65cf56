/**
 * The trace's send stamps are write times: taken when a frame reaches the socket, so a stall fault
 * that holds frames moves them, and the record is written once `response.done` is written.
 */
import { describe, expect, it } from 'vitest';
import type { FakeContext } from '../testing/fake-context.ts';
import { open, userText } from './session.testkit.ts';

/** Steps the clock 1 ms at a time until `response.done` is written; returns when each type first appeared, µs (the step's end). */
function runResponse(ctx: FakeContext): Map<string, { afterUs: number; byUs: number }> {
  const seen = new Map<string, { afterUs: number; byUs: number }>();
  let prevUs = ctx.clock.nowUs();
  let read = ctx.frames.length;
  let n = 0;
  while (!seen.has('response.done') && n++ < 120_000) {
    ctx.advanceMs(1);
    const nowUs = ctx.clock.nowUs();
    for (; read < ctx.frames.length; read++) {
      const t = (JSON.parse(ctx.frames[read]!) as { type: string }).type;
      if (!seen.has(t)) seen.set(t, { afterUs: prevUs, byUs: nowUs });
    }
    prevUs = nowUs;
  }
  return seen;
}

function within(us: number | null, w: { afterUs: number; byUs: number } | undefined): void {
  expect(us).not.toBeNull();
  expect(w).toBeDefined();
  expect(us!).toBeGreaterThan(w!.afterUs);
  expect(us!).toBeLessThanOrEqual(w!.byUs);
}

describe('trace stamps', () => {
  it('first audio is stamped when a stall releases it, not when it was generated', () => {
    // Event 6 of the response is its first audio delta (created, rate_limits, item added, conversation item added, part added).
    const ctx = open({ faults: ['stall:ms=400,at_event=6'] });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    const t0 = ctx.clock.nowUs();
    const seen = runResponse(ctx);
    const rec = ctx.trace.records.at(-1)!;
    expect(ctx.trace.records).toHaveLength(1);
    within(rec.response_created_sent_us, seen.get('response.created'));
    within(rec.first_audio_sent_us, seen.get('response.output_audio.delta'));
    within(rec.response_done_sent_us, seen.get('response.done'));
    // The stall really held the first delta: it went out 400 ms after the drawn delay.
    expect((rec.first_audio_sent_us! - t0) / 1000).toBeGreaterThanOrEqual(rec.drawn_first_audio_delay_ms! + 399);
  });

  it('without faults the stamps are the write times too, and in order', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    const t0 = ctx.clock.nowUs();
    const seen = runResponse(ctx);
    const rec = ctx.trace.records.at(-1)!;
    within(rec.first_audio_sent_us, seen.get('response.output_audio.delta'));
    expect((rec.first_audio_sent_us! - t0) / 1000).toBeCloseTo(rec.drawn_first_audio_delay_ms!, 6);
    expect(rec.response_created_sent_us!).toBeLessThanOrEqual(rec.first_audio_sent_us!);
    expect(rec.first_audio_sent_us!).toBeLessThan(rec.response_done_sent_us!);
  });

  it('a response whose response.done is still held when the connection ends is traced with null stamps', () => {
    const ctx = open({ faults: ['stall:ms=60000,at_event=2'] });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    for (let i = 0; i < 30_000 && !ctx.types.includes('response.created'); i++) ctx.advanceMs(1);
    ctx.advanceMs(20_000); // the response ends behind the stall
    expect(ctx.trace.records).toHaveLength(0);
    ctx.disconnect();
    expect(ctx.trace.records).toHaveLength(1);
    const rec = ctx.trace.records[0]!;
    expect(rec.response_created_sent_us).not.toBeNull();
    expect(rec.first_audio_sent_us).toBeNull();
    expect(rec.response_done_sent_us).toBeNull();
  });
});
