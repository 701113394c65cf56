/**
 * `rth report RUN_DIR [--out DIR]`: every report file rebuilt from a run's data (even a killed
 * run's); `rth report --k6-summary FILE --out DIR`: a page from a k6 summary (aggregates only);
 * `rth report merge DIR... --out DIR`: runs or shards merged by adding histograms. A thin layer
 * over harness/report.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../../../common/errors.ts';
import { importK6Summary } from '../../k6/index.ts';
import { verdictLine } from '../../metrics/summary-table.ts';
import { mergeRuns, writeK6Report, writeReportFiles, type ReportFiles } from '../../report/index.ts';
import { isCarrierRun, rebuildCarrierReport } from '../../carrier/report.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flags of `rth report` as commander hands them over. */
export interface ReportFlags {
  out?: string;
  priceCard?: string;
  transcriptionModel?: string;
  k6Summary?: string;
  hlogInterval?: string;
}

/** Flags of `rth report merge`. */
export interface MergeFlags {
  out?: string;
  priceCard?: string;
  transcriptionModel?: string;
  hlogInterval?: string;
}

function hlogInterval(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || !(n > 0)) throw new ConfigError('E_FLAG', `--hlog-interval: expected a number of seconds > 0, got '${raw}'`);
  return n;
}

function printFiles(io: CliIo, f: ReportFiles): void {
  io.out(verdictLine(f.run.summary));
  for (const n of f.run.notes) io.err(`note: ${n}`);
  if (f.costError) io.err(`note: ${f.costError}`);
  const list = [f.report, f.turnsCsv, f.sessionsCsv, ...(f.costCsv ? [f.costCsv] : []), f.hlog, ...(f.summary ? [f.summary] : [])];
  io.out(`wrote ${list.length} files${f.histograms.length ? ` and ${f.histograms.length} histograms` : ''} to ${f.outDir}:`);
  for (const p of list) io.out(`  ${p}`);
}

/**
 * Registers `rth report`. `merge` is read as the first argument rather than declared as a commander
 * subcommand: a subcommand could not have its own `--out`, because the root program hands every
 * option after the command name to `report` itself.
 */
export const registerReport: RegisterCommand = (program, io) => {
  program
    .command('report')
    .description(
      'Rebuild report.html, CSVs, HDR histograms (.hgrm, .hlog) and summary.json from a run directory (even a killed run); ' +
        '`rth report merge DIR... --out DIR` merges runs or shards by adding histograms (never averaging percentiles); ' +
        '`rth report --k6-summary FILE --out DIR` renders a k6 summary (aggregates only)',
    )
    .usage('[options] RUN_DIR | merge DIR... --out DIR | --k6-summary FILE --out DIR')
    .argument('[args...]', 'a run directory (as written by rth run), or `merge` and the run directories to merge')
    .option('--out <dir>', 'write the files here (default: the run directory; required for merge and --k6-summary)')
    .option('--price-card <file>', 'price card JSON for cost (default: the bundled card)')
    .option('--transcription-model <model>', 'model that transcribed user audio in realtime sessions (for cost)')
    .option('--hlog-interval <s>', 'interval of histograms/latency.hlog, seconds (default 5)')
    .option('--k6-summary <file>', 'render a k6 end-of-test summary JSON instead of a run directory (needs --out)')
    .action(async (args: string[], flags: ReportFlags) => {
      if (args[0] === 'merge') {
        if (flags.k6Summary !== undefined) throw new ConfigError('E_FLAG', '--k6-summary: does not apply to rth report merge (k6 summaries hold no histograms to add)');
        await runMerge(args.slice(1), flags, io);
        return;
      }
      if (args.length > 1) throw new ConfigError('E_FLAG', `rth report: expected one RUN_DIR, got ${args.length} (${args.join(' ')}); to merge runs use rth report merge DIR... --out DIR`);
      await runReport(args[0], flags, io);
    });
};

/** Runs `rth report` with parsed arguments (exported for tests). */
export async function runReport(runDir: string | undefined, flags: ReportFlags, io: CliIo): Promise<void> {
  const interval = hlogInterval(flags.hlogInterval);
  if (flags.k6Summary !== undefined) {
    const problems: string[] = [];
    if (runDir !== undefined) problems.push(`--k6-summary: renders a k6 summary on its own; drop RUN_DIR (${runDir})`);
    if (flags.out === undefined) problems.push('--k6-summary: needs --out DIR for report.html');
    for (const f of ['priceCard', 'transcriptionModel', 'hlogInterval'] as const) {
      if (flags[f] !== undefined) problems.push(`--${f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}: does not apply to --k6-summary (k6 gives only aggregates)`);
    }
    if (problems.length) throw new ConfigError('E_FLAG', problems);
    const k6 = await importK6Summary(resolve(flags.k6Summary));
    const written = await writeK6Report(k6, flags.k6Summary, resolve(flags.out!));
    io.err(`note: ${k6.note}`);
    io.out(`wrote ${written.report}`);
    io.out(`wrote ${written.csv}`);
    return;
  }
  if (runDir === undefined) throw new ConfigError('E_FLAG', 'rth report: expected RUN_DIR, or --k6-summary FILE --out DIR');
  if (isCarrierRun(resolve(runDir))) {
    // Phone-call runs (docs/readme/telephony.md) keep their own summary: only report.html is rebuilt.
    io.out(`wrote ${rebuildCarrierReport(resolve(runDir), flags.out !== undefined ? resolve(flags.out) : undefined)}`);
    return;
  }
  const files = await writeReportFiles(resolve(runDir), {
    ...(flags.out !== undefined ? { outDir: resolve(flags.out) } : {}),
    ...(flags.priceCard !== undefined ? { priceCard: resolve(flags.priceCard) } : {}),
    ...(flags.transcriptionModel !== undefined ? { inputTranscriptionModel: flags.transcriptionModel } : {}),
    ...(interval !== undefined ? { hlogIntervalS: interval } : {}),
  });
  printFiles(io, files);
}

/** Runs `rth report merge` with parsed arguments (exported for tests). */
export async function runMerge(dirs: readonly string[], flags: MergeFlags, io: CliIo): Promise<void> {
  const problems: string[] = [];
  if (dirs.length === 0) problems.push('rth report merge: expected one or more run directories');
  if (flags.out === undefined) problems.push('--out: rth report merge needs --out DIR for the merged run');
  if (problems.length) throw new ConfigError('E_FLAG', problems);
  const interval = hlogInterval(flags.hlogInterval);
  const result = await mergeRuns(dirs, resolve(flags.out!), {
    ...(flags.priceCard !== undefined ? { priceCard: resolve(flags.priceCard) } : {}),
    ...(flags.transcriptionModel !== undefined ? { inputTranscriptionModel: flags.transcriptionModel } : {}),
    ...(interval !== undefined ? { hlogIntervalS: interval } : {}),
  });
  io.out(`merged ${dirs.length} runs: ${result.run.turns.length} turns, ${result.run.sessions.length} sessions (histograms added)`);
  printFiles(io, result);
}
