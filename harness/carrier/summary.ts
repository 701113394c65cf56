/**
 * The carrier run's numbers: HDR histograms (the project's layout, µs in, ms out) of every latency
 * at the caller's ear and of the mock-trace split, call and turn outcomes, bad bridge input, SLOs
 * and the self-check, as `summary.json` (schema `rth.carrier-summary/1`). Metric definitions:
 * docs/readme/telephony.md.
 */
import { createHistogram, histogramStats, recordClamped, type Histogram, type HistogramStats } from '../metrics/histogram.ts';
import { judgeRun, type EventLoopReport } from '../metrics/self-check.ts';
import type { SloSpec } from '../scenario/schema.ts';
import { PROBLEM_KINDS, type CallResult, type CallTurn, type ProblemKind } from './call.ts';
import type { TurnSplit } from './trace-split.ts';

/** Histograms of a carrier run (names carry the unit). */
export const CARRIER_METRICS = [
  'ttfa_ms',
  'ttfa_first_frame_ms',
  'barge_in_stop_ms',
  'barge_in_dropped_audio_ms',
  'mark_echo_delay_ms',
  'call_setup_ms',
  'bridge_in_ms',
  'model_ms',
  'bridge_out_ms',
] as const;
/** One of {@link CARRIER_METRICS}. */
export type CarrierMetric = (typeof CARRIER_METRICS)[number];

/** SLO names of `slo:` that a carrier run judges, and the metric each bounds. */
const SLO_OF: Partial<Record<string, CarrierMetric>> = { ttfa_ms: 'ttfa_ms', ttfa_onset_ms: 'ttfa_ms', connect_ms: 'call_setup_ms' };

/** Per-turn metrics (a line of turns.jsonl adds them to the turn). */
export interface CarrierTurnMetrics {
  ttfa_ms: number | null;
  ttfa_first_frame_ms: number | null;
  barge_in_stop_ms: number | null;
  barge_in_dropped_audio_ms: number | null;
  bridge_in_ms: number | null;
  model_ms: number | null;
  bridge_out_ms: number | null;
  response_status: string | null;
}

const ms = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round(a - b) / 1000);

/** The metrics of one turn. */
export function turnMetrics(t: CallTurn, split: TurnSplit | undefined): CarrierTurnMetrics {
  return {
    ttfa_ms: ms(t.onsetUs, t.speechEndSentUs),
    ttfa_first_frame_ms: ms(t.firstAudioUs, t.speechEndSentUs),
    barge_in_stop_ms: t.isBargeIn ? ms(t.clearUs, t.speechStartSentUs) : null,
    barge_in_dropped_audio_ms: t.isBargeIn && t.clearUs !== null ? t.droppedAudioMs : null,
    bridge_in_ms: split?.bridgeInMs ?? null,
    model_ms: split?.modelMs ?? null,
    bridge_out_ms: split?.bridgeOutMs ?? null,
    response_status: split?.responseStatus ?? null,
  };
}

/** Accumulates histograms and counters as calls finish. */
export class CarrierTally {
  readonly histograms = new Map<CarrierMetric, Histogram>(CARRIER_METRICS.map((m) => [m, createHistogram()]));
  readonly byOutcome: Record<string, number> = {};
  readonly failureReasons: Record<string, number> = {};
  readonly turnsByStatus: Record<string, number> = {};
  readonly problems = Object.fromEntries(PROBLEM_KINDS.map((k) => [k, 0])) as Record<ProblemKind, number>;
  readonly problemExamples: string[] = [];
  readonly callsWithProblems: number[] = [];
  marks = { received: 0, echoed: 0, echoedOnClear: 0, unnamed: 0 };
  clears = 0;
  dtmfSent = 0;
  afterStop = 0;
  bargeIns = 0;
  bargeInsWithoutClear = 0;
  /**
   * Calls that ended as planned (or were hung up by the run), with at least one answered turn, every
   * other turn answered (a turn cut by the hang-up excepted) and no bad input.
   */
  validCalls = 0;
  calls = 0;
  negativeSplits = 0;

  #rec(m: CarrierMetric, valueMs: number | null): void {
    if (valueMs === null) return;
    if (valueMs < 0) this.negativeSplits++;
    recordClamped(this.histograms.get(m)!, valueMs * 1000);
  }

  /** Adds a finished call and its turns' metrics. */
  addCall(c: CallResult, metrics: readonly CarrierTurnMetrics[]): void {
    this.calls++;
    this.byOutcome[c.outcome] = (this.byOutcome[c.outcome] ?? 0) + 1;
    // A call hung up by the run (its duration, a stop request) is not a failure.
    if (c.reason !== null && c.outcome !== 'aborted') this.failureReasons[c.reason] = (this.failureReasons[c.reason] ?? 0) + 1;
    this.#rec('call_setup_ms', c.setupMs);
    for (const d of c.marks.echoDelaysMs) this.#rec('mark_echo_delay_ms', d);
    this.marks.received += c.marks.received;
    this.marks.echoed += c.marks.echoed;
    this.marks.echoedOnClear += c.marks.echoedOnClear;
    this.marks.unnamed += c.marks.unnamed;
    this.clears += c.clears;
    this.dtmfSent += c.dtmfSent;
    this.afterStop += c.afterStop;
    let bad = 0;
    for (const k of PROBLEM_KINDS) {
      this.problems[k] += c.problems[k];
      bad += c.problems[k];
    }
    if (bad > 0) this.callsWithProblems.push(c.call);
    for (const e of c.problemExamples) if (this.problemExamples.length < 10) this.problemExamples.push(`call ${c.call}: ${e}`);
    c.turns.forEach((t, i) => {
      this.turnsByStatus[t.status] = (this.turnsByStatus[t.status] ?? 0) + 1;
      const m = metrics[i]!;
      this.#rec('ttfa_ms', m.ttfa_ms);
      this.#rec('ttfa_first_frame_ms', m.ttfa_first_frame_ms);
      if (t.isBargeIn) {
        this.bargeIns++;
        if (t.clearUs === null) this.bargeInsWithoutClear++;
      }
      this.#rec('barge_in_stop_ms', m.barge_in_stop_ms);
      this.#rec('barge_in_dropped_audio_ms', m.barge_in_dropped_audio_ms);
      this.#rec('bridge_in_ms', m.bridge_in_ms);
      this.#rec('model_ms', m.model_ms);
      this.#rec('bridge_out_ms', m.bridge_out_ms);
    });
    const answered = c.turns.every((t) => t.status === 'completed' || (c.outcome === 'aborted' && t.status === 'call_ended'));
    if ((c.outcome === 'completed' || c.outcome === 'aborted') && bad === 0 && answered && c.turns.some((t) => t.status === 'completed')) this.validCalls++;
  }
}

/** What the summary needs beyond the tally. */
export interface CarrierSummaryInput {
  scenario: { name: string; file: string | null; description: string };
  transport: string;
  codec: string;
  target: string;
  startedAt: Date;
  durationS: number;
  sendLag: Histogram;
  sendLagBudgetMs: number;
  stallBudgetMs: number;
  eventLoop: EventLoopReport;
  slo: SloSpec;
  split: { matchedCalls: number; unmatchedTurns: number } | null;
  bridge: { command: string; exit: string; tail: string } | null;
  interrupted: boolean;
}

/** A breach as the rest of the project words it. */
export interface CarrierSloBreach {
  metric: string;
  stat: string;
  limitMs: number | null;
  valueMs: number | null;
  message: string;
}

function evaluateSlo(slo: SloSpec, stats: Record<string, HistogramStats>, errorRate: number): CarrierSloBreach[] {
  const out: CarrierSloBreach[] = [];
  for (const [name, spec] of Object.entries(slo)) {
    if (name === 'max_error_rate') {
      const limit = spec as number | undefined;
      if (limit !== undefined && errorRate > limit) out.push({ metric: 'error_rate', stat: 'value', limitMs: null, valueMs: null, message: `error rate ${errorRate.toFixed(3)} above ${limit}` });
      continue;
    }
    const metric = SLO_OF[name];
    for (const [stat, limit] of Object.entries((spec ?? {}) as Record<string, unknown>)) {
      if (limit === undefined) continue;
      if (metric === undefined || typeof limit !== 'number') {
        out.push({ metric: name, stat, limitMs: null, valueMs: null, message: `slo.${name}.${stat}: ${metric === undefined ? `not measured by carrier runs (ttfa_ms, ttfa_onset_ms, connect_ms are)` : 'expected one limit (efforts are the bridge’s choice, not the carrier’s)'}` });
        continue;
      }
      const value = stats[metric]![stat as keyof HistogramStats] as number | null;
      if (value === null) out.push({ metric, stat, limitMs: limit, valueMs: null, message: `${metric} ${stat}: no samples (limit ${limit} ms)` });
      else if (value > limit) out.push({ metric, stat, limitMs: limit, valueMs: value, message: `${metric} ${stat} ${value} ms above ${limit} ms` });
    }
  }
  return out;
}

/** Builds `summary.json`. */
export function buildCarrierSummary(t: CarrierTally, x: CarrierSummaryInput) {
  const metrics = Object.fromEntries(CARRIER_METRICS.map((m) => [m, histogramStats(t.histograms.get(m)!)])) as Record<CarrierMetric, HistogramStats>;
  const sendLag = histogramStats(x.sendLag);
  const judged = judgeRun({ sendLagP99Ms: sendLag.p99, budgetMs: x.sendLagBudgetMs, maxStallMs: x.eventLoop.maxStallMs, stallBudgetMs: x.stallBudgetMs });
  const failedCalls = t.calls - (t.byOutcome['completed'] ?? 0) - (t.byOutcome['aborted'] ?? 0);
  const turnsCompleted = t.turnsByStatus['completed'] ?? 0;
  const turnsFailed = (t.turnsByStatus['no_answer'] ?? 0) + (t.turnsByStatus['answer_timeout'] ?? 0);
  const badInput = Object.values(t.problems).reduce((a, b) => a + b, 0);
  const errorRate = t.calls === 0 ? 0 : (failedCalls + t.callsWithProblems.length) / t.calls;
  const breaches = evaluateSlo(x.slo, metrics, errorRate);
  return {
    schema: 'rth.carrier-summary/1',
    scenario: x.scenario,
    transport: x.transport,
    codec: x.codec,
    target: x.target,
    started_at: x.startedAt.toISOString(),
    duration_s: Math.round(x.durationS * 1000) / 1000,
    interrupted: x.interrupted,
    valid: judged.valid,
    invalid_reasons: judged.reasons,
    calls: { total: t.calls, valid: t.validCalls, failed: failedCalls, by_outcome: t.byOutcome, failure_reasons: t.failureReasons, with_bad_input: t.callsWithProblems.length },
    // `sessions`/`turns` use the names of the WebSocket summary so generic checks read both.
    sessions: { total: t.calls, failed: failedCalls },
    turns: { completed: turnsCompleted, failed: turnsFailed, by_status: t.turnsByStatus, barge_ins: t.bargeIns, barge_ins_without_clear: t.bargeInsWithoutClear },
    metrics,
    split: x.split === null ? null : { matched_calls: x.split.matchedCalls, unmatched_turns: x.split.unmatchedTurns, negative_values: t.negativeSplits },
    marks: { received: t.marks.received, echoed: t.marks.echoed, echoed_on_clear: t.marks.echoedOnClear, without_name: t.marks.unnamed },
    clears: t.clears,
    dtmf_sent: t.dtmfSent,
    /** Bridge messages after the carrier's `stop` (ignored; not bad input). */
    messages_after_stop: t.afterStop,
    bad_input: { total: badInput, by_kind: t.problems, calls: t.callsWithProblems.slice(0, 50), examples: t.problemExamples },
    send_lag_ms: sendLag,
    event_loop: x.eventLoop,
    bridge: x.bridge,
    slo: { passed: breaches.length === 0, breaches },
    // No Realtime events pass through the carrier: the passive conformance rules do not apply.
    conformance: { errors: 0, warnings: 0, applies: false },
  };
}

/** The summary's type. */
export type CarrierSummary = ReturnType<typeof buildCarrierSummary>;
