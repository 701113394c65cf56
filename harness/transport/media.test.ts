import { describe, expect, it } from 'vitest';
import { RtpArrivalStats } from './media.ts';

/** 20 ms Opus packets: 960 timestamp units at 48 kHz. */
const TS = 960;

describe('RtpArrivalStats (RFC 3550 interarrival jitter, loss, gaps)', () => {
  it('an even 20 ms pace has no jitter, no loss and 20 ms gaps', () => {
    const s = new RtpArrivalStats();
    for (let i = 0; i < 50; i++) s.add(1_000_000 + i * 20_000, 100 + i, 5000 + i * TS);
    expect(s.packets).toBe(50);
    expect(s.lost).toBe(0);
    expect(s.jitterMs).toBeCloseTo(0, 9);
    expect(s.maxGapMs).toBeCloseTo(20, 9);
  });

  it('follows J += (|D| - J)/16 for a known sequence of transit differences', () => {
    const s = new RtpArrivalStats();
    // Arrivals late by 0, 4, 0, 6 ms against the sender's 20 ms clock.
    const lateMs = [0, 4, 0, 6];
    lateMs.forEach((late, i) => s.add(i * 20_000 + late * 1000, i, i * TS));
    // |D| in ms: 4, 4, 6 → J = 4/16, then + (4 - J)/16, then + (6 - J)/16.
    let j = 0;
    for (const d of [4, 4, 6]) j += (d - j) / 16;
    expect(s.jitterMs).toBeCloseTo(j, 9);
    expect(s.maxGapMs).toBeCloseTo(26, 9);
  });

  it('counts missing sequence numbers across the 16-bit wrap, and reordered packets apart', () => {
    const s = new RtpArrivalStats();
    const seqs = [65533, 65534, 1, 2, 0];
    seqs.forEach((q, i) => s.add(i * 20_000, q, i * TS));
    // 65535 and 0 were missing when 1 arrived; 0 then came late (reordered, not un-lost).
    expect(s.lost).toBe(2);
    expect(s.outOfOrder).toBe(1);
  });

  it('the RTP timestamp wrapping at 2^32 does not show as jitter', () => {
    const s = new RtpArrivalStats();
    const start = 2 ** 32 - 2 * TS;
    for (let i = 0; i < 5; i++) s.add(i * 20_000, i, (start + i * TS) % 2 ** 32);
    expect(s.jitterMs).toBeCloseTo(0, 6);
  });
});
