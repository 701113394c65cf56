/**
 * What a CLI command may touch of the outside world. Commands receive it instead of using
 * `process` directly, so tests can run a command in-process and read what it printed.
 */
import { createInterface } from 'node:readline/promises';

export interface CliIo {
  /** Standard output (results, tables, the mock's `listening` line). */
  readonly out: (line: string) => void;
  /** Standard error (progress, warnings, errors). */
  readonly err: (line: string) => void;
  /** Environment variables (API keys come from here; they are never printed). */
  readonly env: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal (live progress display) or not (plain periodic lines). */
  readonly isTty: boolean;
  /**
   * Resolves when the user asks the command to stop (SIGINT/SIGTERM). The second request
   * resolves `hardStop`.
   */
  readonly stopSignal: StopSignal;
  /**
   * Asks a question on the terminal and resolves with the line typed. Present only when stdin and
   * stderr are terminals; absent (CI, pipes, tests) means nobody can be asked.
   */
  readonly ask?: (question: string) => Promise<string>;
}

/** Cooperative stop requests from the user (first: finish gracefully; second: exit now). */
export interface StopSignal {
  /** Resolves on the first SIGINT/SIGTERM. */
  readonly soft: Promise<void>;
  /** Resolves on the second SIGINT/SIGTERM. */
  readonly hard: Promise<void>;
}

/** A `StopSignal` driven by process signals; the returned `dispose` removes the listeners. */
export function processStopSignal(): { signal: StopSignal; dispose: () => void } {
  let count = 0;
  let resolveSoft!: () => void;
  let resolveHard!: () => void;
  const soft = new Promise<void>((r) => (resolveSoft = r));
  const hard = new Promise<void>((r) => (resolveHard = r));
  const onSignal = (): void => {
    count += 1;
    if (count === 1) resolveSoft();
    else resolveHard();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: { soft, hard },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Reads one line from the terminal after printing `question` on stderr. */
async function askOnTerminal(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** The IO of the real process. */
export function processIo(stopSignal: StopSignal): CliIo {
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    env: process.env,
    isTty: Boolean(process.stdout.isTTY),
    stopSignal,
    ...(process.stdin.isTTY && process.stderr.isTTY ? { ask: askOnTerminal } : {}),
  };
}
