/** Test helpers: run `rth` in-process with an IO that captures what it prints. */
import { main } from './main.ts';
import type { CliIo } from './io.ts';

/** A CliIo that records output lines and never signals a stop. */
export function capturingIo(env: NodeJS.ProcessEnv = {}): CliIo & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  const never = new Promise<void>(() => {});
  return { out: (l) => outLines.push(l), err: (l) => errLines.push(l), env, isTty: false, stopSignal: { soft: never, hard: never }, outLines, errLines };
}

/** Runs `rth ARGS…` in-process; returns the exit code and what it printed to stdout and stderr. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const io = capturingIo(env);
  const code = await main(['node', 'rth', ...args], io);
  return { code, out: io.outLines.join('\n'), err: io.errLines.join('\n') };
}
