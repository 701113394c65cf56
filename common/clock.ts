/**
 * Time, injected. Everything a run measures reads one monotonic clock in microseconds
 * (`process.hrtime.bigint()`, CLOCK_MONOTONIC, shared by all processes on the machine, so the mock's
 * trace and the harness's stamps can be compared). Tests use {@link ManualClock}.
 */
export interface Clock {
  /** Monotonic time in microseconds (a float; sub-microsecond precision is kept). */
  nowUs(): number;
  /**
   * Calls `fn` once `delayMs` milliseconds have passed on this clock: never earlier by
   * {@link Clock.nowUs} (a delay is never short), possibly later when the process is busy.
   */
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

/** Monotonic time in microseconds of the real clock (for code that has no injected clock). */
export function hrtimeUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/**
 * The time and timers a {@link createMonotonicClock} clock is built on. Its timers may fire a little
 * before `delayMs` has passed by its `nowUs` (Node's do); the clock makes up for it.
 */
export interface RawTimers {
  /** Monotonic time, µs. */
  nowUs(): number;
  /** Calls `fn` after about `delayMs` ms. A handle with `unref()` has it called for unref'd timers. */
  setTimeout(fn: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  setImmediate(fn: () => void): unknown;
  clearImmediate(handle: unknown): void;
}

/**
 * Node's timers on `process.hrtime`. A Node timer counts whole milliseconds from the event loop's
 * clock, which is truncated to the millisecond (and, where libuv picks CLOCK_MONOTONIC_COARSE, up
 * to a tick behind), so by `hrtime` it may fire early: on this project's 2-vCPU VM, 831 of 2,000
 * timers of 0–50 ms fired early, the worst by 1.78 ms, and one suite run saw a mock delay of
 * 508.684 ms taken for 508.853 ms drawn.
 */
export const nodeRawTimers: RawTimers = {
  nowUs: hrtimeUs,
  setTimeout: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setImmediate: (fn) => setImmediate(fn),
  clearImmediate: (handle) => clearImmediate(handle as NodeJS.Immediate),
};

/** One timer of a {@link createMonotonicClock} clock (its {@link TimerHandle}). */
class NeverEarlyTimer {
  /** armed: the raw timer runs; parked: it fired early and was re-armed for the rest. */
  state: 'armed' | 'parked' | 'firing' | 'done' = 'armed';
  raw: unknown = null;
  refed = true;

  constructor(
    readonly seq: number,
    readonly dueUs: number,
    readonly fn: () => void,
  ) {}

  /** Like Node's `Timeout.unref()`: the timer no longer keeps the process alive (also once re-armed). */
  unref(): this {
    this.refed = false;
    unrefRaw(this.raw);
    return this;
  }
}

function unrefRaw(raw: unknown): void {
  (raw as { unref?: () => void } | null)?.unref?.();
}

/** Whether timer `a` is due before `b`: earlier due time, then earlier creation. */
function dueBefore(a: NeverEarlyTimer, b: NeverEarlyTimer): boolean {
  return a.dueUs < b.dueUs || (a.dueUs === b.dueUs && a.seq < b.seq);
}

/**
 * A {@link Clock} on `raw` whose timers never fire early: each timer records its due time on
 * `raw.nowUs()` when set; when its raw timer fires, the time is read again and, if the delay has not
 * fully passed, the raw timer is re-armed for the rest (as often as needed). The cost is lateness:
 * Node rounds a re-armed sub-millisecond rest up to 1 ms, so a timer that fired early may run up to
 * ~1 ms after its due time instead of before it.
 *
 * Order: a timer that fired early and waits out its rest still runs before any timer due after it
 * (later due time, or the same due time and created later) that fires meanwhile, so re-arming never
 * reorders timers that the raw source fires in due order.
 * @param raw the underlying time and timers (default {@link nodeRawTimers}); tests inject a source
 *   that fires early.
 */
export function createMonotonicClock(raw: RawTimers = nodeRawTimers): Clock {
  let nextSeq = 0;
  /** Timers whose raw timer fired early, waiting out the rest, in due order. Small: each waits < ~1 ms. */
  const parked: NeverEarlyTimer[] = [];

  const arm = (t: NeverEarlyTimer, delayMs: number): void => {
    t.raw = raw.setTimeout(() => onRawFire(t), delayMs);
    if (!t.refed) unrefRaw(t.raw);
  };
  const unpark = (t: NeverEarlyTimer): void => {
    const i = parked.indexOf(t);
    if (i >= 0) parked.splice(i, 1);
  };
  const park = (t: NeverEarlyTimer): void => {
    let i = parked.length;
    while (i > 0 && dueBefore(t, parked[i - 1]!)) i--;
    parked.splice(i, 0, t);
    t.state = 'parked';
  };

  function onRawFire(t: NeverEarlyTimer): void {
    if (t.state !== 'armed' && t.state !== 'parked') return;
    const nowUs = raw.nowUs();
    if (nowUs < t.dueUs) {
      if (t.state === 'armed') park(t);
      arm(t, (t.dueUs - nowUs) / 1000);
      return;
    }
    if (t.state === 'parked') unpark(t);
    t.state = 'firing';
    try {
      // Timers due before this one that fired early and still wait are due now too: they go first.
      while (parked.length > 0 && dueBefore(parked[0]!, t)) {
        const p = parked.shift()!;
        raw.clearTimeout(p.raw);
        p.state = 'done';
        p.fn();
      }
    } finally {
      // Unless an earlier callback cancelled it.
      if (t.state === 'firing') {
        t.state = 'done';
        t.fn();
      }
    }
  }

  return {
    nowUs: () => raw.nowUs(),
    setTimeout(fn, delayMs) {
      // NaN and negative delays mean "now" (Node's own timers treat them as 1 ms).
      const ms = delayMs > 0 ? delayMs : 0;
      const t = new NeverEarlyTimer(nextSeq++, raw.nowUs() + ms * 1000, fn);
      arm(t, ms);
      return t as unknown as TimerHandle;
    },
    clearTimeout(handle) {
      const t = handle as unknown;
      if (!(t instanceof NeverEarlyTimer) || t.state === 'done') return;
      if (t.state === 'parked') unpark(t);
      if (t.state !== 'firing') raw.clearTimeout(t.raw);
      t.state = 'done';
    },
    setImmediate: (fn) => raw.setImmediate(fn) as TimerHandle,
    clearImmediate: (handle) => raw.clearImmediate(handle),
  };
}

/**
 * The real monotonic clock: `process.hrtime.bigint()` in microseconds, Node timers made never to
 * fire early ({@link createMonotonicClock}), so no delay anywhere in the harness or the mock is short.
 */
export const monotonicClock: Clock = createMonotonicClock();

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
