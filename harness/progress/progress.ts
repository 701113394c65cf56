/**
 * The progress display: a run listener plus a timer. On a terminal it redraws a small block in
 * place about twice a second (cursor up, clear to the end of the screen, print); otherwise it
 * prints one plain line every 5 s. Events only update counters; text is built on the timer, so
 * the cost does not grow with the turn rate.
 */
import { monotonicClock, type Clock } from '../../common/clock.ts';
import type { RunEvent, RunListener } from '../runner/events.ts';
import { ProgressState } from './progress-state.ts';
import { renderLive, renderPlain } from './render.ts';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Writes one chunk of text as a line (a newline is appended), e.g. `io.err`. */
  write: (text: string) => void;
  /** Live redraw (true) or plain periodic lines (false). */
  isTty: boolean;
  /** The run's clock (elapsed time). Default the monotonic clock. */
  clock?: Clock;
  /** Redraw interval on a terminal, ms. Default 500. */
  liveIntervalMs?: number;
  /** Line interval otherwise, ms. Default 5000. */
  plainIntervalMs?: number;
}

/** A progress display attached to a run. */
export interface Progress {
  /** Pass to `runScenario({ onEvent })`. */
  readonly listener: RunListener;
  readonly state: ProgressState;
  /** Draws a last time and stops the timer. Idempotent. */
  stop(): void;
}

const CSI = '\x1b[';

/** Creates a progress display; its timer starts with the run's `started` event. */
export function createProgress(opts: ProgressOptions): Progress {
  const clock = opts.clock ?? monotonicClock;
  const state = new ProgressState();
  let timer: NodeJS.Timeout | null = null;
  let drawnLines = 0;
  let stopped = false;

  const elapsedS = (): number => (state.runStartUs === null ? 0 : Math.max(0, (clock.nowUs() - state.runStartUs) / 1e6));
  const draw = (): void => {
    if (opts.isTty) {
      const lines = renderLive(state, elapsedS());
      // Move to the start of the block drawn last time and clear below it, then draw anew.
      const prefix = drawnLines > 0 ? `${CSI}${drawnLines}F${CSI}J` : '';
      opts.write(prefix + lines.join('\n'));
      drawnLines = lines.length;
    } else {
      opts.write(renderPlain(state, elapsedS()));
    }
  };

  const listener = (e: RunEvent): void => {
    state.onEvent(e);
    if (stopped) return;
    if (e.type === 'started' && timer === null) {
      timer = setInterval(draw, opts.isTty ? (opts.liveIntervalMs ?? 500) : (opts.plainIntervalMs ?? 5000));
      timer.unref();
      if (opts.isTty) draw();
    } else if (opts.isTty && (e.type === 'stopping' || e.type === 'drain-timeout' || e.type === 'hard-stop')) {
      draw();
    }
  };

  return {
    listener,
    state,
    stop(): void {
      if (stopped) return;
      stopped = true;
      if (timer !== null) {
        clearInterval(timer);
        timer = null;
        draw();
      }
    },
  };
}
