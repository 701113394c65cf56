/**
 * `summary.json`, schema version 1. Stable: fields are only ever added (and then documented in
 * docs/readme/measurement.md); a rename or removal bumps `schema_version`. Times in ms, with the
 * unit in the key; effort keys are `minimal` … `xhigh`, or `none` for sessions without reasoning.
 */

import type { Comparisons, MetricCi, UncertaintyInfo } from './summary-uncertainty.ts';

/** Current `schema_version`. */
export const SUMMARY_SCHEMA_VERSION = 1;

/** Statistics of one histogram, ms (a ratio for `audio_rtf`); all null when `count` is 0. */
export interface MetricStatsMs {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  /**
   * Confidence intervals of p50/p90/p95/p99 (added in 0.2; absent in older summaries). The plain
   * `pNN` fields above keep their meaning (HDR nearest-rank values, whatever the sample size);
   * `ci.pNN.reason` says when the sample cannot support a percentile, and every display then shows
   * `n=… too few` instead of the number.
   */
  ci?: MetricCi;
}

/** Per-effort statistics: `<effort> → stats`. */
export type ByEffort = Record<string, MetricStatsMs>;

/** The run's summary (`OUT/summary.json`). */
export interface RunSummary {
  schema_version: typeof SUMMARY_SCHEMA_VERSION;
  /** False when the self-check found the load generator was the bottleneck; see `invalid_reasons`. */
  valid: boolean;
  invalid_reasons: string[];
  scenario: { name: string; file: string | null; description: string };
  /** `mock`, `openai`, or the URL with credentials and secret query values removed. */
  target: string;
  kind: string;
  model: string;
  /** Efforts of the run (scenario efforts, plus any seen), ordered minimal … xhigh, none. */
  efforts: string[];
  /** ISO 8601 start of the run (wall clock; only for humans, never for intervals). */
  started_at: string;
  duration_s: number;
  /** True when the run was stopped early (SIGINT). */
  interrupted: boolean;
  sessions: { started: number; completed: number; failed: number; aborted: number; by_outcome: Record<string, number> };
  turns: {
    completed: number;
    failed: number;
    aborted: number;
    by_status: Record<string, number>;
    /** Why turns did not complete, by error or status-detail code. */
    by_error_code: Record<string, number>;
    tool_calls: number;
    barge_ins: number;
  };
  metrics: {
    ttfa_ms: ByEffort;
    /** TTFA to the audio's speech onset as a listener hears it (docs/measurement.md); turns without an onset are not counted. */
    ttfa_onset_ms: ByEffort;
    vad_delay_ms: ByEffort;
    response_start_ms: ByEffort;
    turn_ms: ByEffort;
    first_text_ms: ByEffort;
    connect_ms: ByEffort;
    configure_ms: ByEffort;
    /** `<effort> → <turn bucket 1 | 2 | 3+> → stats`. */
    ttfa_ms_by_turn: Record<string, Record<string, MetricStatsMs>>;
    /** Audio real-time factor (audio received / streaming time), a ratio. */
    audio_rtf: ByEffort;
    /** Leading silence per turn: `ttfa_onset − ttfa`, ms (how much quiet audio a listener hears before speech). */
    leading_silence_ms: ByEffort;
    /** Values below 0 recorded as 0, by metric (e.g. a VAD that decided before the last speech frame). */
    negative_clamped: Record<string, number>;
    /** WebRTC runs only (absent otherwise): RFC 3550 interarrival jitter of each turn's received audio, ms. */
    rtp_jitter_ms?: ByEffort;
    /** WebRTC: longest time between two received audio packets of a turn, ms (20 at an even pace). */
    rtp_max_gap_ms?: ByEffort;
    /** WebRTC: barge-in, from the user's speech start over the assistant to its last audio packet, ms. */
    barge_in_stop_ms?: ByEffort;
    /** WebRTC setup, ms from the ephemeral key request: offer POSTed, answer received, ICE connected, channel open (then `connect_ms` = session.created). */
    setup_offer_posted_ms?: ByEffort;
    setup_answer_ms?: ByEffort;
    setup_ice_connected_ms?: ByEffort;
    setup_channel_open_ms?: ByEffort;
    /** WebRTC: audio packets received for turns, and missing by RTP sequence number. */
    rtp_packets?: { received: number; lost: number };
  };
  playback: { turns_with_audio: number; underruns: number; underrun_silence_ms: number };
  pacing: {
    chunk_ms: number;
    send_lag_ms: { count: number; p50: number | null; p99: number | null; max: number | null };
    send_lag_p99_budget_ms: number;
  };
  event_loop: { max_stall_ms: number | null; p99_delay_ms: number | null; stall_budget_ms: number };
  /** `error` events and harness/transport errors, by code. */
  errors: Record<string, number>;
  slo: {
    passed: boolean;
    breaches: { metric: string; effort: string | null; stat: string; limit: number; actual: number | null; message: string; ci?: [number | null, number | null] }[];
    /**
     * Percentile limits the run could not show to hold (the interval reaches above the limit, or the
     * sample is too small for it) without showing a breach. Not a failure (exit code unchanged).
     * Absent in older summaries.
     */
    unproven?: { metric: string; effort: string; stat: string; limit: number; actual: number | null; ci: [number | null, number | null]; message: string }[];
  };
  /** What the intervals mean: level, methods, HDR resolution (absent in older summaries). */
  uncertainty?: UncertaintyInfo;
  /** Rank comparisons of efforts and of turn 1 vs later turns, per turn metric (absent in older summaries). */
  comparisons?: Comparisons;
  provenance: {
    tool_version: string;
    git_commit: string | null;
    node_version: string;
    /** Clip id → sha256 of the clips the run used. */
    corpus: Record<string, string>;
    seed: number;
    workers: number;
    hostname?: string;
  };
}
