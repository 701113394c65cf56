import { describe, expect, it } from 'vitest';
import { base64AudioMs, PlaybackSimulator } from './playback.ts';

describe('base64AudioMs', () => {
  it('decodes the byte length from base64 length and padding', () => {
    expect(base64AudioMs(Buffer.alloc(4800).toString('base64'), 48)).toBe(100);
    expect(base64AudioMs(Buffer.alloc(47).toString('base64'), 1)).toBe(47);
    expect(base64AudioMs(Buffer.alloc(46).toString('base64'), 1)).toBe(46);
    expect(base64AudioMs('', 48)).toBe(0);
    expect(base64AudioMs(Buffer.alloc(80).toString('base64'), 8)).toBe(10);
  });
});

describe('PlaybackSimulator', () => {
  it('plays at 1× from the first delta, never more than received', () => {
    const p = new PlaybackSimulator();
    expect(p.playedMs(0)).toBe(0);
    p.onDelta(1_000_000, 100, 'a');
    expect(p.playedMs(1_050_000)).toBe(50);
    expect(p.playedMs(1_300_000)).toBe(100); // ran dry
    p.onDelta(1_300_000, 100, 'a'); // stalled 200 ms, resumes
    expect(p.playedMs(1_350_000)).toBe(150);
    expect(p.receivedMs).toBe(200);
  });

  it('dueUs: when a target will be reached if nothing else arrives, null if not buffered', () => {
    const p = new PlaybackSimulator();
    expect(p.dueUs(10)).toBeNull();
    p.onDelta(0, 100, 'a');
    expect(p.dueUs(150)).toBeNull();
    p.onDelta(20_000, 100, 'a');
    expect(p.dueUs(150)).toBe(150_000);
  });

  it('stop returns the playing item and its own played ms', () => {
    const p = new PlaybackSimulator();
    p.onDelta(0, 100, 'a');
    p.onDelta(0, 100, 'b'); // second item starts at 100 ms of the queue
    expect(p.stop(130_000)).toEqual({ itemId: 'b', audioEndMs: 30 });
    expect(p.playedMs(500_000)).toBe(130);
    expect(new PlaybackSimulator().stop(5)).toBeNull();
  });
});
