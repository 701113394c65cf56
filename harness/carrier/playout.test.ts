import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { Playout } from './playout.ts';

function setup() {
  const clock = new ManualClock(1_000_000);
  const echoes: { name: string | null; atMs: number; onClear: boolean; delayMs: number }[] = [];
  const p = new Playout(clock, 8, (name, receivedUs, echoedUs, onClear) => echoes.push({ name, atMs: (echoedUs - 1_000_000) / 1000, onClear, delayMs: (echoedUs - receivedUs) / 1000 }));
  return { clock, p, echoes };
}

describe('Playout: the carrier plays outbound audio at 8 bytes per ms', () => {
  it('echoes a mark once the audio queued before it has played, not before', () => {
    const { clock, p, echoes } = setup();
    p.media(1600); // 200 ms
    p.mark('a');
    p.media(800); // 100 ms more
    p.mark('b');
    clock.advanceMs(199);
    expect(echoes).toEqual([]);
    clock.advanceMs(1);
    expect(echoes).toEqual([{ name: 'a', atMs: 200, onClear: false, delayMs: 200 }]);
    clock.advanceMs(100);
    expect(echoes.map((e) => [e.name, e.atMs])).toEqual([['a', 200], ['b', 300]]);
    expect(p.playedMs()).toBe(300);
  });

  it('echoes a mark at once when nothing is queued, and a mark without a name as such', () => {
    const { p, echoes } = setup();
    p.mark(null);
    expect(echoes).toEqual([{ name: null, atMs: 0, onClear: false, delayMs: 0 }]);
  });

  it('queues audio arriving faster than real time behind what is playing', () => {
    const { clock, p } = setup();
    p.media(800);
    clock.advanceMs(50);
    const startUs = p.media(800);
    expect((startUs - 1_000_000) / 1000).toBe(100);
    expect(p.queuedMs()).toBe(150);
  });

  it('clear drops the queue, echoes every pending mark at once and says how much audio it dropped', () => {
    const { clock, p, echoes } = setup();
    p.media(8000); // 1 s
    p.mark('x');
    p.mark('y');
    clock.advanceMs(400);
    expect(p.clear()).toBe(600);
    expect(echoes.map((e) => [e.name, e.atMs, e.onClear])).toEqual([['x', 400, true], ['y', 400, true]]);
    expect(p.queuedMs()).toBe(0);
    expect(p.playedMs()).toBe(400);
    expect(p.droppedMs).toBe(600);
    clock.advanceMs(1000);
    expect(echoes).toHaveLength(2);
  });
});
