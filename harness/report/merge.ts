/**
 * `rth report merge`: several runs (or shards of one run from several machines) as one. Histograms
 * are ADDED (`Recorder.merge`) and turns concatenated; percentiles are never averaged. Each input's
 * monotonic stamps are moved onto one time axis by its wall-clock start (monotonic clocks of
 * different machines are unrelated), so merged stamps are µs since the earliest input's start.
 * A merged run is valid only if every input was: the self-check judges one load generator at a time.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TurnMilestones, TurnResult } from '../contract.ts';
import { buildConformanceReport, type ConformanceReport } from '../conformance/report.ts';
import type { Finding } from '../conformance/types.ts';
import { ConfigError } from '../../common/errors.ts';
import { createHistogram, histogramStats, type Histogram } from '../metrics/histogram.ts';
import { percentileDistribution } from '../metrics/hgrm.ts';
import { compareEfforts, Recorder } from '../metrics/recorder.ts';
import { buildSummary } from '../metrics/summary.ts';
import type { SloSpec } from '../scenario/schema.ts';
import type { MergedInput, ReportSummary, RunRecordFile, SessionRecord } from './read-run.ts';
import { rebuildRun, type RebuiltRun } from './rebuild.ts';
import { writeRebuiltReport, type ReportFiles, type WriteReportOptions } from './write-report.ts';

const MILESTONE_KEYS: readonly (keyof TurnMilestones)[] = ['turnStartUs', 'speechEndSentUs', 'commitSentUs', 'speechStoppedUs', 'committedUs', 'responseCreatedUs', 'firstAudioUs', 'firstTextUs', 'responseDoneUs'];

function shiftTurn(t: TurnResult, byUs: number, indexOffset: number): TurnResult {
  const milestones = { ...t.milestones };
  for (const k of MILESTONE_KEYS) if (milestones[k] !== null) milestones[k] = milestones[k]! + byUs;
  return { ...t, sessionIndex: t.sessionIndex + indexOffset, milestones, audioDeltas: t.audioDeltas.map((d) => ({ ...d, receivedUs: d.receivedUs + byUs })) };
}

function shiftSession(s: SessionRecord, byUs: number, indexOffset: number): SessionRecord {
  const out: SessionRecord = { ...s, sessionIndex: s.sessionIndex + indexOffset };
  if (s.startedUs !== undefined) out.startedUs = s.startedUs + byUs;
  if (s.endedUs !== undefined) out.endedUs = s.endedUs + byUs;
  return out;
}

function startMs(r: RebuiltRun): number {
  const t = Date.parse(r.summary.started_at);
  return Number.isFinite(t) ? t : 0;
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * Merges rebuilt runs into one (pure; no files). Session indices that collide between inputs are
 * offset (listed in `merged_from[].session_index_offset`).
 * @param labels how each input is named in reasons and provenance (its directory)
 */
export function mergeRebuilt(inputs: readonly RebuiltRun[], labels: readonly string[], outDir: string): RebuiltRun {
  if (inputs.length === 0) throw new ConfigError('E_FLAG', 'rth report merge: expected at least one run directory');
  const t0 = Math.min(...inputs.map(startMs));
  const turns: TurnResult[] = [];
  const sessions: SessionRecord[] = [];
  const mergedFrom: MergedInput[] = [];
  const used = new Set<number>();
  let nextFree = 0;
  const notes: string[] = [];
  inputs.forEach((r, k) => {
    const indices = uniq([...r.sessions.map((s) => s.sessionIndex), ...r.turns.map((t) => t.sessionIndex)]);
    const collides = indices.some((i) => used.has(i));
    const offset = collides ? nextFree : 0;
    for (const i of indices) used.add(i + offset);
    nextFree = Math.max(nextFree, ...indices.map((i) => i + offset + 1));
    const shiftUs = r.timeBaseUs === null ? 0 : (startMs(r) - t0) * 1000 - r.timeBaseUs;
    for (const t of r.turns) turns.push(shiftTurn(t, shiftUs, offset));
    for (const s of r.sessions) sessions.push(shiftSession(s, shiftUs, offset));
    mergedFrom.push({
      dir: labels[k] ?? r.dir,
      scenario: r.summary.scenario.name,
      started_at: r.summary.started_at,
      git_commit: r.summary.provenance.git_commit,
      turns: r.turns.length,
      sessions: r.sessions.length,
      valid: r.summary.valid,
      session_index_offset: offset,
    });
    for (const n of r.notes) notes.push(`${labels[k] ?? r.dir}: ${n}`);
  });

  // Histograms added; the send lag joins the recorder only if every input's was exact.
  const allExact = inputs.every((r) => r.sendLag.source === 'recorder');
  const empty = new Recorder().encode();
  const recorder = Recorder.merge(inputs.map((r) => (allExact ? r.recorder.encode() : { ...r.recorder.encode(), sendLag: empty.sendLag })));
  let lag: Histogram | null = null;
  for (const r of inputs) {
    if (!r.sendLag.histogram) continue;
    lag ??= createHistogram(true);
    lag.add(r.sendLag.histogram);
  }
  const lagSource: RebuiltRun['sendLag']['source'] = allExact ? 'recorder' : inputs.some((r) => r.sendLag.histogram) ? 'hgrm' : 'none';
  if (lagSource === 'hgrm') notes.push('Send lag added from inputs\' send_lag.hgrm distributions where no recorder snapshot existed (exact at their percentile ticks).');

  const first = inputs[0]!;
  const s0 = first.summary;
  const same = <T>(xs: readonly T[]): boolean => uniq(xs).length === 1;
  const names = uniq(inputs.map((r) => r.summary.scenario.name));
  const models = uniq(inputs.map((r) => r.summary.model));
  if (!same(inputs.map((r) => r.summary.pacing.chunk_ms))) notes.push('Inputs used different chunk sizes; the merged send-lag budget is the first input\'s.');
  if (models.length > 1) notes.push(`Inputs ran different models (${models.join(', ')}); per-effort figures mix them.`);
  const loops = inputs.map((r) => r.summary.event_loop).filter((e) => e.max_stall_ms !== null);
  const durationS = Math.max(...inputs.map((r) => (startMs(r) - t0) / 1000 + r.summary.duration_s));
  const corpus: Record<string, string> = {};
  for (const r of inputs) Object.assign(corpus, r.summary.provenance.corpus);
  const summary: ReportSummary = buildSummary(recorder, {
    scenario: { name: names.length === 1 ? names[0]! : `merged: ${names.join(' + ')}`, file: s0.scenario.file, description: s0.scenario.description },
    target: uniq(inputs.map((r) => r.summary.target)).join(', '),
    kind: uniq(inputs.map((r) => r.summary.kind)).join(', '),
    model: models.join(', '),
    efforts: uniq(inputs.flatMap((r) => r.summary.efforts)).sort(compareEfforts),
    startedAt: new Date(t0).toISOString(),
    durationS,
    chunkMs: s0.pacing.chunk_ms,
    sendLagBudgetMs: s0.pacing.send_lag_p99_budget_ms,
    stallBudgetMs: s0.event_loop.stall_budget_ms,
    eventLoop: null,
    ...(first.run?.scenario?.slo ? { slo: first.run.scenario.slo as SloSpec } : {}),
    interrupted: inputs.some((r) => r.summary.interrupted),
    provenance: {
      toolVersion: s0.provenance.tool_version,
      gitCommit: same(inputs.map((r) => r.summary.provenance.git_commit)) ? s0.provenance.git_commit : null,
      nodeVersion: s0.provenance.node_version,
      corpus,
      seed: s0.provenance.seed,
      workers: inputs.reduce((n, r) => n + r.summary.provenance.workers, 0),
    },
  });
  // Validity is each input's own self-check; merged stalls are the worst input's.
  summary.invalid_reasons = inputs.flatMap((r, k) => r.summary.invalid_reasons.map((reason) => `${labels[k] ?? r.dir}: ${reason}`));
  summary.valid = summary.invalid_reasons.length === 0;
  summary.event_loop = {
    max_stall_ms: loops.length ? Math.max(...loops.map((e) => e.max_stall_ms!)) : null,
    p99_delay_ms: loops.length ? Math.max(...loops.map((e) => e.p99_delay_ms ?? 0)) : null,
    stall_budget_ms: s0.event_loop.stall_budget_ms,
  };
  if (lag && !allExact) {
    const st = histogramStats(lag);
    summary.pacing.send_lag_ms = { count: st.count, p50: st.p50, p99: st.p99, max: st.max };
  }

  // Conformance: findings concatenated, counts re-derived.
  let conformance: ConformanceReport | null = null;
  if (inputs.some((r) => r.conformance)) {
    const findings: Finding[] = inputs.flatMap((r) => (r.conformance?.findings ?? []) as Finding[]);
    conformance = buildConformanceReport(findings);
    const c = conformance.counts;
    summary.conformance = { findings: c.findings, errors: c.bySeverity.error, warnings: c.bySeverity.warning, info: c.bySeverity.info, by_rule: { ...c.byRule } };
  } else if (inputs.some((r) => r.summary.conformance)) {
    const by_rule: Record<string, number> = {};
    const sum = { findings: 0, errors: 0, warnings: 0, info: 0 };
    for (const r of inputs) {
      const c = r.summary.conformance;
      if (!c) continue;
      sum.findings += c.findings;
      sum.errors += c.errors;
      sum.warnings += c.warnings;
      sum.info += c.info;
      addCounts(by_rule, c.by_rule);
    }
    summary.conformance = { ...sum, by_rule };
  }
  summary.sessions_not_started = inputs.reduce((n, r) => n + (r.summary.sessions_not_started ?? 0), 0);
  const late = inputs.map((r) => r.summary.arrival_lateness_ms?.max).filter((v): v is number => v !== undefined);
  if (late.length) summary.arrival_lateness_ms = { max: Math.max(...late) };
  if (inputs.some((r) => r.summary.measurement_error_ms)) notes.push('Measurement error against the mock trace is per input (percentiles cannot be added); see each input\'s summary.json.');
  summary.merged_from = mergedFrom;
  summary.rebuilt = { skipped_lines: inputs.reduce((n, r) => n + r.skipped.length, 0), notes };

  const run: RunRecordFile = { ...(first.run ?? {}), run_start_us: 0, merged_from: mergedFrom.map((m) => m.dir) };
  return {
    dir: outDir,
    recorder,
    summary,
    turns,
    sessions,
    run,
    conformance,
    sendLag: { histogram: lag, source: lagSource },
    timeBaseUs: 0,
    skipped: inputs.flatMap((r) => r.skipped),
    notes,
  };
}

/** What {@link mergeRuns} wrote. */
export interface MergeResult extends ReportFiles {
  /** The merged run's own data files. */
  data: { turns: string; sessions: string; run: string; conformance: string | null };
}

/**
 * Rebuilds every input directory, merges them and writes the merged run to `outDir`: its data
 * (turns.jsonl, sessions.jsonl, run.json, conformance.json) so it can be reported or merged again,
 * and every report file (summary.json with `merged_from`, histograms, hlog, CSVs, report.html).
 * @throws ConfigError `E_RUN_DIR` for an input that is not a run directory; `E_FLAG` when `outDir` is one of the inputs
 */
export async function mergeRuns(dirs: readonly string[], outDir: string, opts: Omit<WriteReportOptions, 'outDir' | 'regenerateSummary'> = {}): Promise<MergeResult> {
  const out = path.resolve(outDir);
  const resolved = dirs.map((d) => path.resolve(d));
  if (resolved.includes(out)) throw new ConfigError('E_FLAG', `--out: ${outDir} is one of the inputs; merge into a new directory`);
  const inputs: RebuiltRun[] = [];
  for (const d of resolved) inputs.push(await rebuildRun(d));
  const merged = mergeRebuilt(inputs, dirs, out);
  await mkdir(path.join(out, 'histograms'), { recursive: true });
  const data = {
    turns: path.join(out, 'turns.jsonl'),
    sessions: path.join(out, 'sessions.jsonl'),
    run: path.join(out, 'run.json'),
    conformance: merged.conformance ? path.join(out, 'conformance.json') : null,
  };
  await writeFile(data.turns, merged.turns.map((t) => JSON.stringify(t) + '\n').join(''));
  await writeFile(data.sessions, merged.sessions.map((s) => JSON.stringify(s) + '\n').join(''));
  await writeFile(data.run, `${JSON.stringify(merged.run, null, 2)}\n`);
  if (data.conformance) await writeFile(data.conformance, `${JSON.stringify(merged.conformance, null, 2)}\n`);
  const files = await writeRebuiltReport(merged, out, { ...opts, regenerateSummary: true });
  if (merged.sendLag.source === 'hgrm' && merged.sendLag.histogram) {
    const file = path.join(out, 'histograms', 'send_lag.hgrm');
    await writeFile(file, percentileDistribution(merged.sendLag.histogram));
    files.histograms = [...files.histograms, file].sort();
  }
  return { ...files, data };
}
