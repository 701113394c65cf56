/**
 * `writeReportFiles`: every report file of a run directory, regenerated from its data —
 * `report.html`, `turns.csv`, `sessions.csv`, `cost.csv`, `histograms/latency.hlog` and (unless
 * told not to) `summary.json` and `histograms/*.hgrm`. What `rth report RUN_DIR` runs, and what the
 * runner calls at the end of a run.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { loadPriceCard, type PriceCard } from '../cost/price-card.ts';
import { computeRunCost, type RunCost } from '../cost/run-cost.ts';
import { writeCostCsv } from '../cost/cost-csv.ts';
import { writeHgrm } from '../metrics/hgrm.ts';
import { writeSessionsCsv, writeTurnsCsv } from './csv.ts';
import { writeHlog, DEFAULT_HLOG_INTERVAL_S } from './hlog.ts';
import { renderReportHtml } from './html.ts';
import { buildReportData } from './model.ts';
import { readRunFiles } from './read-run.ts';
import { rebuildFromFiles, type RebuiltRun } from './rebuild.ts';

/** Options of {@link writeReportFiles} and {@link writeRebuiltReport}. */
export interface WriteReportOptions {
  /** Where to write. Default: the run directory itself. */
  outDir?: string;
  /** Also write summary.json and histograms/*.hgrm from the rebuilt recorder. Default true (the runner passes false: it wrote them). */
  regenerateSummary?: boolean;
  /** A price card, or the path of one. Default the bundled card. */
  priceCard?: PriceCard | string;
  /** Model that transcribed user audio in realtime sessions (for cost). Default unknown. */
  inputTranscriptionModel?: string | null;
  /** Interval of latency.hlog, s. Default {@link DEFAULT_HLOG_INTERVAL_S}. */
  hlogIntervalS?: number;
  /** Wall clock of "generated at". Default `() => new Date()`. */
  now?: () => Date;
}

/** What was written. */
export interface ReportFiles {
  outDir: string;
  report: string;
  turnsCsv: string;
  sessionsCsv: string;
  /** Null when cost could not be computed (see `costError`). */
  costCsv: string | null;
  hlog: string;
  /** Null when not regenerated. */
  summary: string | null;
  histograms: string[];
  /** The rebuilt run the files were written from. */
  run: RebuiltRun;
  cost: RunCost | null;
  costError: string | null;
}

function priceCardOf(opt: WriteReportOptions['priceCard']): PriceCard {
  return opt === undefined ? loadPriceCard() : typeof opt === 'string' ? loadPriceCard(opt) : opt;
}

/**
 * Writes every report file of an already rebuilt (or merged) run to `outDir`.
 * @throws ConfigError when a price card given by the caller is invalid (a bundled-card problem is reported in `costError` instead)
 */
export async function writeRebuiltReport(run: RebuiltRun, outDir: string, opts: WriteReportOptions = {}): Promise<ReportFiles> {
  await mkdir(path.join(outDir, 'histograms'), { recursive: true });
  let cost: RunCost | null = null;
  let costError: string | null = null;
  try {
    const card = priceCardOf(opts.priceCard);
    cost = computeRunCost(run.turns, run.sessions, card, { inputTranscriptionModel: opts.inputTranscriptionModel ?? null });
  } catch (err) {
    if (err instanceof ConfigError && opts.priceCard !== undefined) throw err;
    costError = `Cost not computed: ${err instanceof Error ? err.message : String(err)}`;
  }

  const files = {
    report: path.join(outDir, 'report.html'),
    turnsCsv: path.join(outDir, 'turns.csv'),
    sessionsCsv: path.join(outDir, 'sessions.csv'),
    costCsv: path.join(outDir, 'cost.csv'),
    hlog: path.join(outDir, 'histograms', 'latency.hlog'),
    summary: path.join(outDir, 'summary.json'),
  };
  await writeTurnsCsv(files.turnsCsv, run.turns, run.timeBaseUs, cost);
  await writeSessionsCsv(files.sessionsCsv, run.sessions, run.timeBaseUs, cost);
  if (cost) await writeCostCsv(cost, files.costCsv);
  const startedAt = new Date(run.summary.started_at);
  await writeHlog(files.hlog, run.turns, run.timeBaseUs, {
    intervalS: opts.hlogIntervalS ?? DEFAULT_HLOG_INTERVAL_S,
    startTime: Number.isNaN(startedAt.getTime()) || startedAt.getTime() === 0 ? null : startedAt,
  });
  let histograms: string[] = [];
  const regenerate = opts.regenerateSummary ?? true;
  if (regenerate) {
    await writeFile(files.summary, `${JSON.stringify(run.summary, null, 2)}\n`);
    histograms = await writeHgrm(run.recorder, outDir);
  }
  const data = buildReportData(run, { cost, costError, generatedAt: (opts.now ?? (() => new Date()))() });
  await writeFile(files.report, renderReportHtml(data));
  return {
    outDir,
    report: files.report,
    turnsCsv: files.turnsCsv,
    sessionsCsv: files.sessionsCsv,
    costCsv: cost ? files.costCsv : null,
    hlog: files.hlog,
    summary: regenerate ? files.summary : null,
    histograms,
    run,
    cost,
    costError,
  };
}

/**
 * Rebuilds a run directory from its data (see rebuild.ts) and writes every report file.
 * @throws ConfigError `E_RUN_DIR` when `runDir` has no turns.jsonl
 */
export async function writeReportFiles(runDir: string, opts: WriteReportOptions = {}): Promise<ReportFiles> {
  const dir = path.resolve(runDir);
  const outDir = path.resolve(opts.outDir ?? dir);
  const files = await readRunFiles(dir);
  const run = rebuildFromFiles(files);
  const written = await writeRebuiltReport(run, outDir, opts);
  // The send lag is not in turns.jsonl: carry the run's own distribution over to a new folder.
  if (outDir !== dir && run.sendLag.source === 'hgrm' && (opts.regenerateSummary ?? true)) {
    const target = path.join(outDir, 'histograms', 'send_lag.hgrm');
    await copyFile(path.join(dir, 'histograms', 'send_lag.hgrm'), target);
    written.histograms = [...written.histograms, target].sort();
  }
  return written;
}
