/**
 * `rth compare BASELINE_DIR CANDIDATE_DIR [--max-regression ttfa.p95=10%]... [--metric ttfa]...`:
 * a side-by-side table per metric and effort, exit code 1 on a regression beyond a limit (for CI),
 * 0 otherwise; bad flags are a ConfigError (exit 2) naming the flag.
 */
import { resolve } from 'node:path';
import { compareSummaries, formatComparison, parseMetricList, parseRegressionLimits, readRunSummary, rebuildRun } from '../../report/index.ts';
import type { Recorder } from '../../metrics/recorder.ts';
import { parseConfidence } from './plan.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flags of `rth compare`. */
export interface CompareFlags {
  maxRegression?: string[];
  metric?: string[];
  /** Confidence level, e.g. `0.95` or `95%`; default 95 %. */
  confidence?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Registers `rth compare`. */
export const registerCompare: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('compare')
    .description('Compare two runs side by side per metric and effort; exit 1 on a regression beyond --max-regression limits')
    .argument('<baseline-dir>', 'baseline run directory')
    .argument('<candidate-dir>', 'candidate run directory')
    .option('--max-regression <limit>', 'limit as <metric>[.<effort>].<p50|p90|p95|p99|max>=<N>% or =<N>ms, e.g. ttfa.p95=10% (repeatable)', collect)
    .option('--confidence <level>', 'confidence level of intervals and tests, e.g. 0.95 or 90% (default 95%)')
    .option('--metric <name>', 'metrics to show: ttfa, vad_delay, response_start, first_text, turn, connect, configure (repeatable or comma-separated; default all with samples)', collect)
    .action(async (baseline: string, candidate: string, flags: CompareFlags) => {
      setExitCode(await runCompare(baseline, candidate, flags, io));
    });
};

/**
 * Runs `rth compare` (exported for tests).
 * @returns the exit code: 1 when a limit was broken, else 0
 * @throws ConfigError `E_FLAG` for a bad --max-regression/--metric, `E_RUN_DIR` for a directory that is not a run
 */
export async function runCompare(baseline: string, candidate: string, flags: CompareFlags, io: CliIo): Promise<number> {
  const limits = parseRegressionLimits(flags.maxRegression ?? []);
  const metrics = flags.metric?.length ? parseMetricList(flags.metric) : undefined;
  const level = flags.confidence === undefined ? undefined : parseConfidence(flags.confidence, '--confidence');
  const base = await readRunSummary(resolve(baseline));
  const cand = await readRunSummary(resolve(candidate));
  for (const [label, r] of [[baseline, base], [candidate, cand]] as const) {
    if (r.source === 'rebuilt') io.err(`note: ${label} has no summary.json; figures rebuilt from turns.jsonl`);
  }
  const recorders = { baseline: await recorderOf(resolve(baseline)), candidate: await recorderOf(resolve(candidate)) };
  for (const [label, r] of [[baseline, recorders.baseline], [candidate, recorders.candidate]] as const) {
    if (!r) io.err(`note: ${label} has no readable turns.jsonl; its intervals come from summary.json (point rule where it has none)`);
  }
  const result = compareSummaries(base.summary, cand.summary, { limits, recorders, ...(metrics ? { metrics } : {}), ...(level !== undefined ? { level } : {}) });
  for (const line of formatComparison(result, { baseline, candidate })) io.out(line);
  return result.regressions.length > 0 ? 1 : 0;
}

/** The run's recorder rebuilt from turns.jsonl (histograms for intervals and rank tests), or null. */
async function recorderOf(dir: string): Promise<Recorder | null> {
  try {
    const run = await rebuildRun(dir);
    return run.turns.length > 0 ? run.recorder : null;
  } catch {
    return null;
  }
}
