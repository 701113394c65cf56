/**
 * TEST DOUBLE of `k6/timers`: Node timers that belong to the calling VU's iteration (k6 keeps an
 * iteration alive while its timers are pending).
 */
import { currentVu, runInVu } from './runtime.ts';

const live = new Map<number, { handle: NodeJS.Timeout; done: () => void }>();
let nextId = 1;

function arm(fn: (...args: unknown[]) => void, delay: number, args: unknown[], repeat: boolean): number {
  const ctx = currentVu(repeat ? 'setInterval' : 'setTimeout');
  const id = nextId++;
  const ms = Math.max(0, Number(delay) || 0);
  const done = (): void => {
    live.delete(id);
    ctx.pending.delete(id);
  };
  const handle = (repeat ? setInterval : setTimeout)(() => {
    if (!repeat) done();
    runInVu(ctx, () => fn(...args));
  }, ms);
  live.set(id, { handle, done });
  ctx.pending.add(id);
  return id;
}

function disarm(id: number): void {
  const t = live.get(id);
  if (!t) return;
  clearTimeout(t.handle);
  clearInterval(t.handle);
  t.done();
  currentVu('clearTimeout').checkIdle();
}

export function setTimeout_(fn: (...args: unknown[]) => void, delay: number, ...args: unknown[]): number {
  return arm(fn, delay, args, false);
}
export function setInterval_(fn: (...args: unknown[]) => void, delay: number, ...args: unknown[]): number {
  return arm(fn, delay, args, true);
}
export { setTimeout_ as setTimeout, setInterval_ as setInterval, disarm as clearTimeout, disarm as clearInterval };
