/**
 * Builds `summary.json` (schema in summary-types.ts) from a recorder and the run's metadata. Pure:
 * the same recorder and meta always give the same summary.
 */
import os from 'node:os';
import type { SloSpec } from '../scenario/schema.ts';
import { compareEfforts, SESSION_METRICS, TURN_BUCKETS, TURN_METRICS, WEBRTC_METRICS, type MetricName, type Recorder } from './recorder.ts';
import { judgeRun } from './self-check.ts';
import { evaluateSlosWithIntervals } from './slo.ts';
import { SUMMARY_SCHEMA_VERSION, type ByEffort, type MetricStatsMs, type RunSummary } from './summary-types.ts';
import { buildComparisons, DEFAULT_CONFIDENCE, histogramCi, uncertaintyInfo } from './summary-uncertainty.ts';

export type { RunSummary, MetricStatsMs, ByEffort } from './summary-types.ts';
export { SUMMARY_SCHEMA_VERSION } from './summary-types.ts';

/** What the summary needs besides the recorder (the runner fills it in). */
export interface SummaryMeta {
  scenario: { name: string; file: string | null; description?: string };
  /** `mock`, `openai` or the URL used (credentials are removed here). */
  target: string;
  kind: string;
  model: string;
  /** The scenario's efforts; efforts with no samples still appear (count 0). */
  efforts: readonly string[];
  startedAt: Date | string;
  durationS: number;
  chunkMs: number;
  sendLagBudgetMs: number;
  stallBudgetMs: number;
  /** From the event-loop monitor (worst over workers); null when not monitored. */
  eventLoop: { maxStallMs: number; p99DelayMs: number } | null;
  /**
   * Confidence level of every interval, comparison and interval-based SLO verdict, in (0, 1);
   * default 0.95.
   */
  confidence?: number;
  /** SLO thresholds; default none (passed). */
  slo?: SloSpec;
  /** The run was stopped early. Default false. */
  interrupted?: boolean;
  /** More reasons the run is invalid, found by the runner (each a sentence). Default none. */
  extraInvalidReasons?: readonly string[];
  provenance: {
    toolVersion: string;
    gitCommit: string | null;
    /** Default `process.version`. */
    nodeVersion?: string;
    corpus: Readonly<Record<string, string>>;
    seed: number;
    /** Default 1. */
    workers?: number;
    /** `true` = `os.hostname()`; a string is used as is; default omitted (hostnames can be sensitive). */
    hostname?: boolean | string;
  };
}

const SECRET_PARAM = /key|token|secret|sig|auth|password|credential/i;

/** The target as safe to write: no user/password, secret-looking query values replaced by `REDACTED`. */
export function redactTarget(target: string): string {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return target;
  }
  url.username = '';
  url.password = '';
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, 'REDACTED');
  return url.toString();
}

function byEffort(recorder: Recorder, metric: MetricName, efforts: readonly string[], level: number): ByEffort {
  const out: ByEffort = {};
  for (const e of efforts) out[e] = { ...recorder.stats(metric, e), ci: histogramCi(recorder.histogram(metric, e), metric, level) };
  return out;
}

/** Builds the run summary; `valid` comes from the self-check, `slo` from {@link evaluateSlos}. */
export function buildSummary(recorder: Recorder, meta: SummaryMeta): RunSummary {
  const c = recorder.counters;
  const efforts = [...new Set([...meta.efforts, ...recorder.efforts()])].sort(compareEfforts);
  const lagStats = recorder.sendLagStats();
  const judgement = judgeRun({
    sendLagP99Ms: lagStats.count > 0 ? lagStats.p99 : null,
    budgetMs: meta.sendLagBudgetMs,
    maxStallMs: meta.eventLoop?.maxStallMs ?? null,
    stallBudgetMs: meta.stallBudgetMs,
  });
  const invalidReasons = [...judgement.reasons, ...(meta.extraInvalidReasons ?? [])];
  const level = meta.confidence ?? DEFAULT_CONFIDENCE;
  if (!(level > 0 && level < 1)) throw new RangeError(`buildSummary: confidence must be in (0, 1), got ${level}`);

  const metrics = {} as RunSummary['metrics'];
  for (const m of [...TURN_METRICS, ...SESSION_METRICS]) metrics[`${m}_ms`] = byEffort(recorder, m, efforts, level);
  metrics.ttfa_ms_by_turn = {};
  for (const e of efforts) {
    const buckets: Record<string, MetricStatsMs> = {};
    for (const b of TURN_BUCKETS) buckets[b] = { ...recorder.stats('ttfa', e, b), ci: histogramCi(recorder.histogram('ttfa', e, b), 'ttfa', level) };
    metrics.ttfa_ms_by_turn[e] = buckets;
  }
  metrics.audio_rtf = byEffort(recorder, 'audio_rtf', efforts, level);
  metrics.leading_silence_ms = byEffort(recorder, 'leading_silence', efforts, level);
  metrics.negative_clamped = { ...c.negativeClamped };
  // WebRTC metrics appear only in runs that recorded them (WebSocket summaries are unchanged).
  for (const metric of WEBRTC_METRICS) {
    if (efforts.some((e) => (recorder.histogram(metric, e)?.totalCount ?? 0) > 0)) metrics[`${metric}_ms`] = byEffort(recorder, metric, efforts, level);
  }
  if (c.rtpPackets > 0) metrics.rtp_packets = { received: c.rtpPackets, lost: c.rtpLost };

  const hostname = meta.provenance.hostname === true ? os.hostname() : typeof meta.provenance.hostname === 'string' ? meta.provenance.hostname : undefined;
  const summary: RunSummary = {
    schema_version: SUMMARY_SCHEMA_VERSION,
    valid: invalidReasons.length === 0,
    invalid_reasons: invalidReasons,
    scenario: { name: meta.scenario.name, file: meta.scenario.file, description: meta.scenario.description ?? '' },
    target: redactTarget(meta.target),
    kind: meta.kind,
    model: meta.model,
    efforts,
    started_at: typeof meta.startedAt === 'string' ? meta.startedAt : meta.startedAt.toISOString(),
    duration_s: Math.round(meta.durationS * 1000) / 1000,
    interrupted: meta.interrupted ?? false,
    sessions: {
      started: c.sessionsCompleted + c.sessionsFailed + c.sessionsAborted,
      completed: c.sessionsCompleted,
      failed: c.sessionsFailed,
      aborted: c.sessionsAborted,
      by_outcome: { ...c.sessionsByOutcome },
    },
    turns: {
      completed: c.turnsCompleted,
      failed: c.turnsFailed,
      aborted: c.turnsAborted,
      by_status: { ...c.turnsByStatus },
      by_error_code: { ...c.turnErrorCodes },
      tool_calls: c.toolCalls,
      barge_ins: c.bargeIns,
    },
    metrics,
    playback: { turns_with_audio: c.turnsWithAudio, underruns: c.playbackUnderruns, underrun_silence_ms: Math.round(c.underrunSilenceUs) / 1000 },
    pacing: {
      chunk_ms: meta.chunkMs,
      send_lag_ms: { count: lagStats.count, p50: lagStats.p50, p99: lagStats.p99, max: lagStats.max },
      send_lag_p99_budget_ms: meta.sendLagBudgetMs,
    },
    event_loop: {
      max_stall_ms: meta.eventLoop ? round3(meta.eventLoop.maxStallMs) : null,
      p99_delay_ms: meta.eventLoop ? round3(meta.eventLoop.p99DelayMs) : null,
      stall_budget_ms: meta.stallBudgetMs,
    },
    errors: { ...c.errors },
    slo: { passed: true, breaches: [], unproven: [] },
    uncertainty: uncertaintyInfo(level),
    comparisons: buildComparisons(recorder, efforts, level),
    provenance: {
      tool_version: meta.provenance.toolVersion,
      git_commit: meta.provenance.gitCommit,
      node_version: meta.provenance.nodeVersion ?? process.version,
      corpus: { ...meta.provenance.corpus },
      seed: meta.provenance.seed,
      workers: meta.provenance.workers ?? 1,
      ...(hostname !== undefined ? { hostname } : {}),
    },
  };
  if (meta.slo) {
    const { breaches, unproven } = evaluateSlosWithIntervals(summary, meta.slo);
    summary.slo = { passed: breaches.length === 0, breaches, unproven };
  }
  return summary;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
