/**
 * One deadline scheduler for every paced stream of the process (docs/measurement.md, "Pacing"): streams
 * wait in a min-heap by the deadline of their next frame and a single timer is armed for the
 * earliest one. Frame i of a stream is due at `startUs + i * chunkMs * 1000`, computed from the
 * start and never from the previous send, so lateness never accumulates into drift. A frame is
 * never sent before its deadline; when the process falls behind, frames go out late (and the lag
 * says so), never skipped.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { PacedFrame, PacedStream, Pacer, StreamHandle } from '../contract.ts';
import { createHistogram, histogramStats, recordClamped, type Histogram, type HistogramStats } from '../metrics/histogram.ts';
import { DeadlineHeap } from './deadline-heap.ts';

/** Default {@link PacerOptions.maxBusyMs}. */
export const DEFAULT_MAX_BUSY_MS = 0.5;

/** Options of {@link createPacer}. */
export interface PacerOptions {
  /** The clock deadlines and lags are read from (monotonic µs). */
  clock: Clock;
  /** Called with every frame's send lag (sent minus deadline, µs, ≥ 0). Default none. */
  onLagUs?: (lagUs: number) => void;
  /**
   * Wake-up granularity, ms. A wake is set for the earliest deadline rounded up to a multiple of
   * `slotMs`, so streams due within one slot share one wake. It adds at most `slotMs` of lag
   * and never sends early. Default 1 (Node timers have millisecond resolution anyway).
   */
  slotMs?: number;
  /**
   * Longest a single wake keeps sending before it yields to I/O, ms; it carries on right after the
   * I/O already waiting ({@link Clock.setImmediate}). Default 0.5. When the process falls behind
   * (after a GC pause, say), a catch-up burst of overdue frames would otherwise hold back every
   * received event for as long as it lasts, and those events' receive stamps with it. Paired
   * e2e runs (200 sessions): 10 ms with a 0 ms-timer yield → 2 ms with this yield moved the median
   * measurement-error p99 from 3.40 to 2.87 ms at the same send lag (5 pairs); 2 → 0.5 ms moved it
   * from 3.79 to 3.12 ms (8 pairs on a busy machine, better or equal in each pair) with send lag
   * within noise (3.40 → 3.60 ms). A steady-state wake sends a handful of frames well inside 0.5 ms,
   * so only catch-up bursts ever yield.
   */
  maxBusyMs?: number;
  /** A stream's callback or `send` threw: the stream is ended and this is told. Default: only counted. */
  onError?: (error: unknown) => void;
  /**
   * Leave waking to the caller: no timer is ever armed, and frames go out only when
   * {@link RunningPacer.poll} is called. For busy polling (`pacing.busy_poll`), where the runner
   * calls `poll()` on every turn of an event loop that never sleeps, so a frame goes out within
   * one turn of its deadline. `maxBusyMs` still applies: a poll that hits it returns, and the next
   * poll carries on after the I/O in between. Default false.
   */
  polled?: boolean;
}

/** Counters and the send-lag distribution of a pacer. */
export interface PacerStats {
  /** Streams started and not yet ended. */
  activeStreams: number;
  streamsStarted: number;
  framesSent: number;
  /** Timer firings (for a `polled` pacer: polls that found a frame due or a stopped stream to drop). */
  wakeUps: number;
  /** Firings that found nothing due (the timer fired early, or only stopped streams were due). */
  idleWakeUps: number;
  /** Wakes that hit `maxBusyMs` and yielded with frames still due (the process is behind). */
  yields: number;
  /** Callbacks or sends that threw. */
  errors: number;
  /** Send lag, ms. */
  sendLagMs: HistogramStats;
}

/** A pacer with its statistics and shutdown. */
export type RunningPacer = Pacer & {
  /** Counters and send-lag percentiles so far. */
  stats(): PacerStats;
  /** The send-lag histogram (µs), live; for merging into a recorder or writing `.hgrm`. */
  sendLagHistogram(): Histogram;
  /** Sends every frame due now (up to `maxBusyMs`); a no-op when nothing is due. For `polled` pacers. */
  poll(): void;
  /** Ends every stream (their `onEnd` is called) and disarms the timer; `start` then throws. */
  close(): void;
};

interface StreamState {
  readonly seq: number;
  // Frames are opaque here: the pacer only passes them from nextFrame to send.
  readonly stream: PacedStream<PacedFrame>;
  readonly send: (frame: PacedFrame) => void;
  readonly startUs: number;
  readonly chunkUs: number;
  index: number;
  deadlineUs: number;
  sent: number;
  ended: boolean;
}

/**
 * Creates the process's pacer.
 * @example
 * const pacer = createPacer({ clock: monotonicClock, onLagUs: (us) => recorder.recordSendLagUs(us) });
 * const handle = pacer.start(stream, (f) => socket.send(f), { startUs: clock.nowUs(), chunkMs: 20 });
 */
export function createPacer(opts: PacerOptions): RunningPacer {
  const { clock, onLagUs, onError } = opts;
  const slotUs = Math.max(0, (opts.slotMs ?? 1) * 1000);
  const maxBusyUs = Math.max(0, (opts.maxBusyMs ?? DEFAULT_MAX_BUSY_MS) * 1000);
  const polled = opts.polled ?? false;
  const heap = new DeadlineHeap<StreamState>();
  const active = new Set<StreamState>();
  const lag = createHistogram(false);
  let timer: TimerHandle | null = null;
  /** Whether {@link timer} is a `setImmediate` (a yield) rather than a timer. */
  let timerIsImmediate = false;
  let armedWakeUs = Infinity;
  let inWake = false;
  let closed = false;
  let seq = 0;
  let framesSent = 0;
  let wakeUps = 0;
  let idleWakeUps = 0;
  let yields = 0;
  let errors = 0;

  const end = (s: StreamState): void => {
    if (s.ended) return;
    s.ended = true;
    active.delete(s);
    try {
      s.stream.onEnd?.();
    } catch (e) {
      errors++;
      onError?.(e);
    }
  };

  const fail = (s: StreamState, e: unknown): void => {
    errors++;
    onError?.(e);
    end(s);
  };

  const disarm = (): void => {
    if (timer !== null) {
      if (timerIsImmediate) clock.clearImmediate(timer);
      else clock.clearTimeout(timer);
    }
    timer = null;
    armedWakeUs = Infinity;
  };

  const arm = (immediately: boolean): void => {
    if (inWake || closed || polled) return;
    // Stopped streams are removed lazily; drop them here so they never hold a wake.
    while (heap.size > 0 && heap.peek()!.ended) heap.pop();
    const top = heap.peek();
    if (!top) return disarm();
    const wakeUs = immediately ? clock.nowUs() : slotUs > 0 ? Math.ceil(top.deadlineUs / slotUs) * slotUs : top.deadlineUs;
    if (timer !== null && armedWakeUs <= wakeUs) return;
    disarm();
    armedWakeUs = wakeUs;
    if (immediately) {
      // A yield: carry on right after the I/O that is already waiting (received events get
      // stamped), not after a 0 ms timer, which Node rounds up to 1 ms of added lag.
      timerIsImmediate = true;
      timer = clock.setImmediate(wake);
      return;
    }
    timerIsImmediate = false;
    timer = clock.setTimeout(wake, Math.max(0, (wakeUs - clock.nowUs()) / 1000));
  };

  /** Sends stream `s`'s due frame; returns the time after sending. */
  const serve = (s: StreamState, nowUs: number): number => {
    const i = s.index;
    let frame: PacedFrame | null;
    try {
      frame = s.stream.nextFrame(i);
    } catch (e) {
      fail(s, e);
      return nowUs;
    }
    if (s.ended) return nowUs; // stopped from inside nextFrame: its frame is discarded
    if (frame === null) {
      end(s);
      return nowUs;
    }
    try {
      s.send(frame);
    } catch (e) {
      fail(s, e);
      return clock.nowUs();
    }
    const sentUs = clock.nowUs();
    const lagUs = sentUs - s.deadlineUs;
    recordClamped(lag, lagUs);
    s.sent++;
    framesSent++;
    try {
      onLagUs?.(lagUs);
      s.stream.onSent?.(i, s.deadlineUs, sentUs);
    } catch (e) {
      fail(s, e);
      return sentUs;
    }
    if (s.ended) return sentUs;
    s.index = i + 1;
    s.deadlineUs = s.startUs + s.index * s.chunkUs;
    heap.push(s);
    return sentUs;
  };

  function wake(): void {
    timer = null;
    armedWakeUs = Infinity;
    wakeUps++;
    const beganUs = clock.nowUs();
    let nowUs = beganUs;
    let served = 0;
    let yielded = false;
    inWake = true;
    try {
      while (heap.size > 0) {
        const s = heap.peek()!;
        if (s.ended) {
          heap.pop();
          continue;
        }
        if (s.deadlineUs > nowUs) {
          nowUs = clock.nowUs();
          if (s.deadlineUs > nowUs) break;
        }
        if (nowUs - beganUs >= maxBusyUs && served > 0) {
          yielded = true;
          break;
        }
        heap.pop();
        nowUs = serve(s, nowUs);
        served++;
      }
    } finally {
      inWake = false;
    }
    if (served === 0) idleWakeUps++;
    if (yielded) yields++;
    arm(yielded);
  }

  return {
    start<F extends PacedFrame = string>(stream: PacedStream<F>, send: (frame: F) => void, { startUs, chunkMs }: { startUs: number; chunkMs: number }): StreamHandle {
      if (closed) throw new Error('pacer: start() after close()');
      if (!(chunkMs > 0)) throw new RangeError(`pacer: chunkMs must be > 0, got ${chunkMs}`);
      // Frames are opaque to the pacer (never inspected): erasing F here is sound.
      const s: StreamState = { seq: seq++, stream: stream as unknown as PacedStream<PacedFrame>, send: send as (frame: PacedFrame) => void, startUs, chunkUs: chunkMs * 1000, index: 0, deadlineUs: startUs, sent: 0, ended: false };
      active.add(s);
      heap.push(s);
      arm(false);
      return {
        stop: () => end(s),
        get sentFrames() {
          return s.sent;
        },
      };
    },
    stats: () => ({
      activeStreams: active.size,
      streamsStarted: seq,
      framesSent,
      wakeUps,
      idleWakeUps,
      yields,
      errors,
      sendLagMs: histogramStats(lag),
    }),
    sendLagHistogram: () => lag,
    poll(): void {
      if (closed || inWake) return;
      const top = heap.peek();
      // The common case of a busy-poll turn: nothing due, nothing to do.
      if (!top || (!top.ended && top.deadlineUs > clock.nowUs())) return;
      wake();
    },
    close(): void {
      if (closed) return;
      closed = true;
      disarm();
      for (const s of [...active]) end(s);
      heap.clear();
    },
  };
}
