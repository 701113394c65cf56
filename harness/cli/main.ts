import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../common/errors.ts';
import { processIo, processStopSignal, type CliIo } from './io.ts';
import { commands } from './commands/index.ts';
import { toolVersion } from '../version.ts';

/**
 * Builds the `rth` program. Each command lives in its own module under `commands/` and calls the
 * programmatic API; this file only wires them. Library code never calls `process.exit`.
 */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('rth')
    .description('Load-testing and conformance harness for OpenAI Realtime API integrations')
    .version(toolVersion())
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(s.replace(/\n$/, '')) });
  for (const register of commands) register(program, io, setExitCode);
  return program;
}

/** Runs the CLI with `argv` (as `process.argv`), returning the exit code. */
export async function main(argv: readonly string[], io?: CliIo): Promise<number> {
  const stop = io ? undefined : processStopSignal();
  const cliIo = io ?? processIo(stop!.signal);
  let exitCode = 0;
  const program = buildProgram(cliIo, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      cliIo.err(`rth: ${err.code}: ${err.message}`);
      return 2;
    }
    cliIo.err(`rth: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  } finally {
    stop?.dispose();
  }
}
