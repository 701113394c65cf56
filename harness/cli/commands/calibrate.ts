/**
 * `rth calibrate RUN_DIR [--out FILE] [--base FILE]`: fits the mock's latency profile to a run
 * (harness/calibrate/) and writes it (default `RUN_DIR/calibrated-latency.json`); prints the fit per
 * model and effort with sample sizes and KS distances. Exit 0; a ConfigError (exit 2) when the
 * folder is not a run or holds no usable turn.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calibrateRun, formatCalibration } from '../../calibrate/calibrate.ts';
import { loadLatencyProfile } from '../../../mock-server/index.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flags of `rth calibrate`. */
export interface CalibrateFlags {
  out?: string;
  base?: string;
}

/**
 * Runs `rth calibrate` (exported for tests). Returns the path written.
 * @throws ConfigError `E_RUN_DIR`, `E_CALIBRATE`, `E_LATENCY_PROFILE` (bad `--base`)
 */
export async function runCalibrate(runDir: string, flags: CalibrateFlags, io: CliIo): Promise<string> {
  const out = path.resolve(flags.out ?? path.join(runDir, 'calibrated-latency.json'));
  const base = flags.base !== undefined ? await loadLatencyProfile(flags.base) : undefined;
  const c = await calibrateRun(path.resolve(runDir), { outFile: out, ...(base ? { base } : {}) });
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(c.profileJson, null, 2)}\n`);
  io.out(formatCalibration(c));
  io.out(`Profile: ${out} (use: rth mock --latency ${out}, or mock.latency_profile in a scenario)`);
  return out;
}

/** Registers `rth calibrate`. */
export const registerCalibrate: RegisterCommand = (program, io) => {
  program
    .command('calibrate')
    .description("Fit the mock's latency profile to a run's turns (per model and effort), with fit quality and the run's provenance")
    .argument('<run-dir>', 'run directory written by rth run')
    .option('--out <file>', 'where to write the profile JSON (default RUN_DIR/calibrated-latency.json)')
    .option('--base <file>', 'profile whose unmeasured fields are kept (default the built-in profile)')
    .action(async (runDir: string, flags: CalibrateFlags) => {
      await runCalibrate(runDir, flags, io);
    });
};
