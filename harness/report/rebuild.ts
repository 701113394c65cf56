/**
 * `rebuildRun`: a run's recorder and summary rebuilt from its data files, so every report file can
 * be regenerated after the fact, even after a `kill -9` left no summary (turns.jsonl is written one
 * synchronous line per finished turn). The recorder is fed exactly as the runner feeds it
 * (harness/runner/shard.ts): turns as they are, sessions except `not_started`, `stopped` counted as
 * completed. What turns.jsonl cannot give (per-frame send lag, event-loop stalls) comes from the
 * run's summary.json / recorder.json / send_lag.hgrm when they exist, and the summary says so.
 */
import type { TurnResult } from '../contract.ts';
import type { ConformanceReport } from '../conformance/report.ts';
import { decodeHistogram, type Histogram } from '../metrics/histogram.ts';
import { Recorder, type RecorderSnapshot } from '../metrics/recorder.ts';
import { DEFAULT_STALL_BUDGET_MS, defaultSendLagBudgetMs } from '../metrics/self-check.ts';
import { buildSummary, type SummaryMeta } from '../metrics/summary.ts';
import { computeMeasurementError, readTraceFirstAudio } from '../runner/measurement-error.ts';
import { measurementErrorBlock } from '../runner/outputs.ts';
import type { SloSpec } from '../scenario/schema.ts';
import { toolVersion } from '../version.ts';
import path from 'node:path';
import { histogramFromHgrm, parseHgrm } from './hgrm-read.ts';
import { turnEndUs, turnFirstUs } from './turn-times.ts';
import { readRunFiles, type ReportSummary, type RunFiles, type RunRecordFile, type SessionRecord, type SkippedLine } from './read-run.ts';

/** Where the send-lag distribution came from: a recorder snapshot (exact), the `.hgrm` (exact at its ticks), or nowhere. */
export type SendLagSource = 'recorder' | 'hgrm' | 'none';

/** A run rebuilt from its files (or several runs merged, see merge.ts). */
export interface RebuiltRun {
  /** The run directory (for a merge: the output directory). */
  dir: string;
  /** Every turn and session histogram and counter; the send lag only when exact (`sendLag.source === 'recorder'`). */
  recorder: Recorder;
  summary: ReportSummary;
  turns: TurnResult[];
  sessions: SessionRecord[];
  run: RunRecordFile | null;
  conformance: ConformanceReport | null;
  /** Send-lag histogram (µs) for the report's chart, or null. */
  sendLag: { histogram: Histogram | null; source: SendLagSource };
  /** The run's start on the monotonic clock, µs (timelines and CSV times are relative to it), or null with no stamps. */
  timeBaseUs: number | null;
  /** Lines of the JSONL files that were not used. */
  skipped: SkippedLine[];
  /** What was reconstructed or could not be, one sentence each (also in `summary.rebuilt.notes`). */
  notes: string[];
}

/** Outcome of sessions the runner never started; the recorder does not count them. */
const NOT_STARTED = 'not_started';

/** Feeds turns and sessions into a new recorder the way the runner's shard does. */
export function recordRun(turns: readonly TurnResult[], sessions: readonly SessionRecord[]): Recorder {
  const recorder = new Recorder();
  for (const t of turns) recorder.recordTurn(t);
  for (const s of sessions) {
    if (s.outcome === NOT_STARTED) continue;
    const { conformanceFindings: _c, startedUs: _s, endedUs: _e, ...result } = s;
    recorder.recordSession(result);
  }
  return recorder;
}

function isSnapshot(v: unknown): v is RecorderSnapshot {
  return typeof v === 'object' && v !== null && (v as { schema?: unknown }).schema === 'rth.recorder/1' && typeof (v as { sendLag?: unknown }).sendLag === 'string';
}

/** Adds only the send lag of a snapshot to `recorder` (its turn histograms are rebuilt from turns.jsonl instead). */
function addSendLag(recorder: Recorder, snapshot: RecorderSnapshot): void {
  recorder.add({ schema: 'rth.recorder/1', histograms: {}, sendLag: snapshot.sendLag, counters: new Recorder().encode().counters });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Human sentences about skipped lines, one per file. */
export function skippedNotes(skipped: readonly SkippedLine[]): string[] {
  const byFile = new Map<string, SkippedLine[]>();
  for (const s of skipped) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  return [...byFile].map(([file, list]) => {
    const shown = list.slice(0, 3).map((s) => `line ${s.line}: ${s.reason}`).join('; ');
    return `${file}: ${plural(list.length, 'line')} skipped (${shown}${list.length > 3 ? '; …' : ''})`;
  });
}

/** Reads a run directory and rebuilds it; see {@link rebuildFromFiles}. */
export async function rebuildRun(runDir: string): Promise<RebuiltRun> {
  return rebuildFromFiles(await readRunFiles(runDir));
}

/**
 * Rebuilds the recorder and summary from read files. The summary is `buildSummary`'s, with the
 * run's metadata from run.json and, where turns.jsonl cannot say, from the run's own summary.json
 * (start time, duration, event loop, send lag, provenance). A run without summary.json is marked
 * invalid: its self-check data died with it.
 */
export function rebuildFromFiles(files: RunFiles): RebuiltRun {
  const { turns, sessions, run, summary: prior } = files;
  const scenario = run?.scenario ?? {};
  const notes = skippedNotes(files.skipped);
  const recorder = recordRun(turns, sessions);

  // ---- send lag ---------------------------------------------------------------------------------
  let sendLag: RebuiltRun['sendLag'] = { histogram: null, source: 'none' };
  if (isSnapshot(files.recorderSnapshot)) {
    addSendLag(recorder, files.recorderSnapshot);
    sendLag = { histogram: decodeHistogram(files.recorderSnapshot.sendLag), source: 'recorder' };
  } else if (files.sendLagHgrm !== null) {
    const rows = parseHgrm(files.sendLagHgrm);
    if (rows.length > 0) {
      sendLag = { histogram: histogramFromHgrm(rows), source: 'hgrm' };
      notes.push('Send-lag distribution read from histograms/send_lag.hgrm (exact at its percentile ticks); the verdict uses the run\'s own summary.');
    }
  }

  // ---- time base ----------------------------------------------------------------------------------
  const firsts = [
    ...sessions.map((s) => s.startedUs ?? null),
    ...turns.map(turnFirstUs),
  ].filter((v): v is number => v !== null);
  const ends = [...sessions.map((s) => s.endedUs ?? null), ...turns.map(turnEndUs)].filter((v): v is number => v !== null);
  const timeBaseUs = typeof run?.run_start_us === 'number' ? run.run_start_us : firsts.length > 0 ? Math.min(...firsts) : null;
  const lastUs = ends.length > 0 ? Math.max(...ends) : null;

  // ---- what only the run's own files know -----------------------------------------------------------
  const chunkMs = scenario.chunkMs ?? prior?.pacing.chunk_ms ?? 20;
  const sendLagBudgetMs = scenario.pacing?.sendLagP99BudgetMs ?? prior?.pacing.send_lag_p99_budget_ms ?? defaultSendLagBudgetMs(chunkMs);
  const stallBudgetMs = scenario.pacing?.stallBudgetMs ?? prior?.event_loop.stall_budget_ms ?? DEFAULT_STALL_BUDGET_MS;
  const extraInvalid: string[] = [];
  if (!prior) {
    extraInvalid.push(
      sendLag.source === 'recorder'
        ? 'the run ended without writing summary.json (killed?): its event-loop self-check was lost, so the numbers cannot be shown to be the target\'s'
        : 'the run ended without writing summary.json (killed?): its send-lag and event-loop self-check data were lost, so the numbers cannot be shown to be the target\'s',
    );
    notes.push(
      `No summary.json: the run did not finish; start time taken from run.json's file time, duration from the turn stamps${files.run ? '' : ' (run.json missing too: scenario metadata unknown)'}.`,
    );
  }
  const loggedSessions = new Set(sessions.map((s) => s.sessionIndex));
  const orphanSessions = new Set(turns.filter((t) => !loggedSessions.has(t.sessionIndex)).map((t) => t.sessionIndex));
  if (orphanSessions.size > 0) {
    notes.push(`${plural(orphanSessions.size, 'session')} ha${orphanSessions.size === 1 ? 's' : 've'} turns but no sessions.jsonl record (still running when the run ended); not counted in sessions.`);
  }

  const efforts = scenario.efforts ?? prior?.efforts ?? [];
  const meta: SummaryMeta = {
    scenario: {
      name: scenario.name ?? prior?.scenario.name ?? path.basename(files.dir),
      file: scenario.sourceLabel && scenario.sourceLabel !== '<inline>' ? scenario.sourceLabel : (prior?.scenario.file ?? null),
      description: scenario.description ?? prior?.scenario.description ?? '',
    },
    target: typeof run?.target === 'string' ? run.target : (prior?.target ?? 'unknown'),
    kind: scenario.kind ?? prior?.kind ?? 'realtime',
    model: scenario.model ?? prior?.model ?? turns[0]?.model ?? sessions[0]?.model ?? 'unknown',
    efforts,
    startedAt: prior?.started_at ?? (files.runFileTime ?? new Date(0)).toISOString(),
    durationS: prior?.duration_s ?? (timeBaseUs !== null && lastUs !== null ? Math.max(0, lastUs - timeBaseUs) / 1e6 : 0),
    chunkMs,
    sendLagBudgetMs,
    stallBudgetMs,
    eventLoop:
      prior && prior.event_loop.max_stall_ms !== null ? { maxStallMs: prior.event_loop.max_stall_ms, p99DelayMs: prior.event_loop.p99_delay_ms ?? 0 } : null,
    ...(scenario.slo ? { slo: scenario.slo as SloSpec } : {}),
    interrupted: prior?.interrupted ?? true,
    extraInvalidReasons: extraInvalid,
    provenance: {
      toolVersion: prior?.provenance.tool_version ?? toolVersion(),
      gitCommit: prior?.provenance.git_commit ?? null,
      ...(prior?.provenance.node_version ? { nodeVersion: prior.provenance.node_version } : {}),
      corpus: prior?.provenance.corpus ?? {},
      seed: prior?.provenance.seed ?? scenario.seed ?? 0,
      workers: prior?.provenance.workers ?? scenario.workers ?? 1,
      ...(prior?.provenance.hostname !== undefined ? { hostname: prior.provenance.hostname } : {}),
    },
  };
  const summary: ReportSummary = buildSummary(recorder, meta);
  if (sendLag.source !== 'recorder' && prior) summary.pacing.send_lag_ms = { ...prior.pacing.send_lag_ms };
  if (prior) {
    // The self-check judged the run's own data (incl. reasons a merge or the runner added): keep its verdict.
    summary.invalid_reasons = [...prior.invalid_reasons];
    summary.valid = prior.valid && prior.invalid_reasons.length === 0;
  }

  // ---- runner blocks ------------------------------------------------------------------------------
  if (prior?.measurement_error_ms !== undefined) summary.measurement_error_ms = prior.measurement_error_ms;
  else if (files.hasMockTrace) summary.measurement_error_ms = measurementErrorBlock(computeMeasurementError(turns, readTraceFirstAudio(path.join(files.dir, 'mock-trace.jsonl'))));
  if (files.conformance) {
    const c = files.conformance.counts;
    summary.conformance = { findings: c.findings, errors: c.bySeverity.error, warnings: c.bySeverity.warning, info: c.bySeverity.info, by_rule: { ...c.byRule } };
  } else if (prior?.conformance) summary.conformance = prior.conformance;
  summary.sessions_not_started = sessions.filter((s) => s.outcome === NOT_STARTED).length;
  if (prior?.arrival_lateness_ms) summary.arrival_lateness_ms = prior.arrival_lateness_ms;
  // The capacity search's per-step verdicts were made live (runner/capacity.ts): carried over as written.
  if (prior?.capacity) summary.capacity = prior.capacity;
  // The cost guard's spend, cap and pre-run estimate were decided live (cost/budget.ts): carried over too.
  if (prior?.budget) summary.budget = prior.budget;
  if (prior?.merged_from) summary.merged_from = prior.merged_from;
  summary.rebuilt = { skipped_lines: files.skipped.length, notes };

  return { dir: files.dir, recorder, summary, turns, sessions, run, conformance: files.conformance, sendLag, timeBaseUs, skipped: files.skipped, notes };
}
