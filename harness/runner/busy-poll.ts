/**
 * Busy polling (`pacing.busy_poll`): keeps this thread's event loop turning without ever sleeping,
 * calling a function on every turn, until stopped.
 *
 * Why: on a virtual machine a thread that sleeps lets its vCPU halt, and a packet or timer for it
 * then waits until the host runs that vCPU again. On this project's 2-vCPU VM that wake-up wait,
 * not the harness's own work, made most of the receive stamps that were more than 2 ms late
 * (the harness's main thread was runnable but not running 2.4–3.4 % of a busy 200-session run,
 * 0.8–1.1 % with busy polling). A loop that never sleeps polls the sockets on every turn (libuv
 * polls without a timeout while an immediate is pending), so frames are stamped within a turn of
 * arriving and the pacer's frames go out within a turn of their deadlines. The cost is one core per harness thread for the whole run.
 *
 * Each turn allocates one `Immediate` (Node has no allocation-free way to keep the loop from
 * blocking); the young generation is collected several times more often, but those collections
 * find almost nothing alive and take well under a millisecond each.
 */

/** A running busy-poll loop. */
export interface BusyPoll {
  /** Stops the loop after the current turn; idempotent. */
  stop(): void;
  /** Turns of the event loop so far. */
  readonly turns: number;
}

/**
 * Starts calling `onTurn` once per turn of the event loop, without letting the loop sleep. The
 * loop keeps the process alive until {@link BusyPoll.stop}. An exception from `onTurn` stops the
 * loop and is rethrown from the immediate (an uncaught exception, like any other callback's).
 * @param onTurn called once per turn, after that turn's I/O callbacks
 */
export function startBusyPoll(onTurn: () => void): BusyPoll {
  let running = true;
  let turns = 0;
  let pending: NodeJS.Immediate | null = null;
  const turn = (): void => {
    pending = null;
    if (!running) return;
    turns++;
    try {
      onTurn();
    } catch (e) {
      running = false;
      throw e;
    }
    if (running) pending = setImmediate(turn);
  };
  pending = setImmediate(turn);
  return {
    stop(): void {
      running = false;
      if (pending !== null) clearImmediate(pending);
      pending = null;
    },
    get turns() {
      return turns;
    },
  };
}
