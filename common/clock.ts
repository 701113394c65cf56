/**
 * Time, injected. Everything a run measures reads one monotonic clock in microseconds
 * (`process.hrtime.bigint()`, CLOCK_MONOTONIC, shared by all processes on the machine, so the mock's
 * trace and the harness's stamps can be compared). Tests use {@link ManualClock}.
 */
export interface Clock {
  /** Monotonic time in microseconds (a float; sub-microsecond precision is kept). */
  nowUs(): number;
  /** Calls `fn` once `delayMs` milliseconds have passed on this clock. */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer from {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Calls `fn` as soon as the I/O callbacks already due have run (Node's `setImmediate`): the way
   * to yield to the network without waiting for a timer (a 0 ms Node timer waits at least 1 ms).
   */
  setImmediate(fn: () => void): TimerHandle;
  /** Cancels a callback from {@link Clock.setImmediate}; unknown handles are ignored. */
  clearImmediate(handle: TimerHandle): void;
}

/** Opaque timer handle. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

/** The real monotonic clock: `process.hrtime.bigint()` in microseconds, Node timers. */
export const monotonicClock: Clock = {
  nowUs: () => Number(process.hrtime.bigint()) / 1000,
  setTimeout: (fn, delayMs) => setTimeout(fn, Math.max(0, delayMs)) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn) as unknown as TimerHandle,
  clearImmediate: (handle) => clearImmediate(handle as unknown as NodeJS.Immediate),
};

/** Monotonic time in microseconds of the real clock (for code that has no injected clock). */
export function hrtimeUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

interface ManualTimer {
  id: number;
  dueUs: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in due order (then creation order) during
 * {@link ManualClock.advanceMs}; a timer scheduled while advancing fires in the same advance if due.
 */
export class ManualClock implements Clock {
  private currentUs: number;
  private nextId = 1;
  private timers: ManualTimer[] = [];

  /** @param startUs the initial time in microseconds (default 0). */
  constructor(startUs = 0) {
    this.currentUs = startUs;
  }

  nowUs(): number {
    return this.currentUs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueUs: this.currentUs + Math.max(0, delayMs) * 1000, fn };
    this.timers.push(timer);
    return timer.id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    const id = handle as unknown as number;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** A 0 ms timer: it fires in the current or next {@link ManualClock.advanceMs}, after the timers already due. */
  setImmediate(fn: () => void): TimerHandle {
    return this.setTimeout(fn, 0);
  }

  clearImmediate(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Number of timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advanceMs(ms: number): void {
    const targetUs = this.currentUs + ms * 1000;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const t of this.timers) if (t.dueUs <= targetUs && (!next || t.dueUs < next.dueUs || (t.dueUs === next.dueUs && t.id < next.id))) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.currentUs = Math.max(this.currentUs, next.dueUs);
      next.fn();
    }
    this.currentUs = targetUs;
  }
}
