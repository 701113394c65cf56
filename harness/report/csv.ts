/**
 * `turns.csv` (one row per turn) and `sessions.csv` (one row per session), written with
 * `csv-stringify` (RFC 4180 quoting). Times are ms with µs precision (3 decimals). Milestone
 * columns `t_*_ms` are ms since the run's start on the monotonic clock (run.json `run_start_us`,
 * else the run's earliest stamp), so rows of different sessions share one time axis; derived
 * metrics are exact per-turn values (a negative VAD delay stays negative here; histograms clamp it).
 * Empty cell = not reached / not reported. `cost.csv` is the cost module's (`writeCostCsv`).
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { TurnResult } from '../contract.ts';
import type { RunCost } from '../cost/run-cost.ts';
import { classifyTurn } from '../metrics/recorder.ts';
import { errorCodeCounts } from '../metrics/summary-failures.ts';
import { deriveTurnMetrics } from '../metrics/turn-metrics.ts';
import type { SessionRecord } from './read-run.ts';

type Cell = string | number | boolean | null;

/** Milestone columns of turns.csv and the milestone each holds. */
const MILESTONE_COLUMNS = [
  ['t_turn_start_ms', 'turnStartUs'],
  ['t_speech_end_sent_ms', 'speechEndSentUs'],
  ['t_commit_sent_ms', 'commitSentUs'],
  ['t_speech_stopped_ms', 'speechStoppedUs'],
  ['t_committed_ms', 'committedUs'],
  ['t_response_created_ms', 'responseCreatedUs'],
  ['t_first_audio_ms', 'firstAudioUs'],
  ['t_first_text_ms', 'firstTextUs'],
  ['t_response_done_ms', 'responseDoneUs'],
] as const;

/** Column names of turns.csv, in order. */
export const TURNS_CSV_COLUMNS = [
  'session_index',
  'session_id',
  'turn_index',
  'effort',
  'model',
  'clip_id',
  'mode',
  'status',
  'counted_as',
  'error_code',
  'response_id',
  'barged_in',
  'tool_calls',
  'user_speech_ms',
  ...MILESTONE_COLUMNS.map(([c]) => c),
  'ttfa_ms',
  'ttfa_onset_ms',
  'leading_silence_ms',
  'vad_delay_ms',
  'response_start_ms',
  'first_text_ms',
  'turn_ms',
  'audio_rtf',
  'audio_received_ms',
  'audio_deltas',
  'playback_underruns',
  'underrun_silence_ms',
  'usage_total_tokens',
  'usage_input_tokens',
  'usage_input_text_tokens',
  'usage_input_audio_tokens',
  'usage_input_image_tokens',
  'usage_input_cached_tokens',
  'usage_output_tokens',
  'usage_output_text_tokens',
  'usage_output_audio_tokens',
  'transcription_usage_type',
  'transcription_input_tokens',
  'transcription_output_tokens',
  'transcription_seconds',
  'cost_usd',
  'cost_estimated',
  // WebRTC turns only (empty otherwise): the received track.
  'rtp_packets',
  'rtp_lost',
  'rtp_jitter_ms',
  'rtp_max_gap_ms',
  'barge_in_stop_ms',
] as const;

/** Column names of sessions.csv, in order. */
export const SESSIONS_CSV_COLUMNS = [
  'session_index',
  'session_id',
  'model',
  'effort',
  'outcome',
  'close_code',
  'connect_ms',
  'configure_ms',
  'connected_ms',
  't_started_ms',
  't_ended_ms',
  'turns_completed',
  'turns_failed',
  'error_events',
  'errors',
  'recoveries',
  'recoveries_succeeded',
  'recovery_ms_total',
  'turns_lost',
  'faults',
  'conformance_findings',
  'cost_usd',
  'usd_per_connected_min',
  'failure',
  // WebRTC sessions only (empty otherwise): setup phases, ms from the key request.
  'setup_offer_posted_ms',
  'setup_answer_ms',
  'setup_ice_connected_ms',
  'setup_channel_open_ms',
] as const;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const ms3 = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : round3(x));

function get(o: unknown, ...keys: string[]): number | null {
  let v: unknown = o;
  for (const k of keys) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** turns.csv rows (header first). `timeBaseUs` null = milestone columns empty. `cost` optional (cost columns empty without it). */
export function turnsCsvRows(turns: readonly TurnResult[], timeBaseUs: number | null, cost: RunCost | null = null): Cell[][] {
  const costOf = new Map<string, RunCost['responses'][number]>();
  for (const r of cost?.responses ?? []) costOf.set(`${r.sessionIndex}:${r.turnIndex}`, r);
  const rel = (us: number | null): number | null => (us === null || timeBaseUs === null ? null : round3((us - timeBaseUs) / 1000));
  const rows: Cell[][] = [[...TURNS_CSV_COLUMNS]];
  const ordered = [...turns].sort((a, b) => a.sessionIndex - b.sessionIndex || a.turnIndex - b.turnIndex);
  for (const t of ordered) {
    const m = deriveTurnMetrics(t);
    const u = t.usage;
    const tu = t.transcriptionUsage;
    const c = costOf.get(`${t.sessionIndex}:${t.turnIndex}`);
    rows.push([
      t.sessionIndex,
      t.sessionId,
      t.turnIndex,
      t.arm ?? t.effort ?? 'none',
      t.model,
      t.clipId,
      t.mode,
      t.status,
      classifyTurn(t),
      t.errorCode,
      t.responseId,
      t.bargedIn,
      t.toolCalls,
      ms3(t.userSpeechMs),
      ...MILESTONE_COLUMNS.map(([, k]) => rel(t.milestones[k])),
      ms3(m.ttfaMs),
      ms3(m.ttfaOnsetMs),
      ms3(m.leadingSilenceMs),
      ms3(m.vadDelayMs),
      ms3(m.responseStartMs),
      ms3(m.firstTextMs),
      ms3(m.turnMs),
      m.audioRealtimeFactor === null ? null : Math.round(m.audioRealtimeFactor * 10_000) / 10_000,
      ms3(m.audioReceivedMs),
      t.audioDeltas.length,
      m.playbackUnderruns,
      ms3(m.underrunSilenceMs),
      get(u, 'total_tokens'),
      get(u, 'input_tokens'),
      get(u, 'input_token_details', 'text_tokens'),
      get(u, 'input_token_details', 'audio_tokens'),
      get(u, 'input_token_details', 'image_tokens'),
      get(u, 'input_token_details', 'cached_tokens'),
      get(u, 'output_tokens'),
      get(u, 'output_token_details', 'text_tokens'),
      get(u, 'output_token_details', 'audio_tokens'),
      tu && typeof tu.type === 'string' ? tu.type : null,
      get(tu, 'input_tokens'),
      get(tu, 'output_tokens'),
      get(tu, 'seconds'),
      c?.usd ?? null,
      c ? c.estimated : null,
      t.media?.packets ?? null,
      t.media?.lost ?? null,
      ms3(t.media?.jitterMs),
      ms3(t.media?.maxGapMs),
      ms3(t.media?.bargeInStopMs),
    ]);
  }
  return rows;
}

/** sessions.csv rows (header first). */
export function sessionsCsvRows(sessions: readonly SessionRecord[], timeBaseUs: number | null, cost: RunCost | null = null): Cell[][] {
  const costOf = new Map<number, RunCost['sessions'][number]>();
  for (const s of cost?.sessions ?? []) costOf.set(s.sessionIndex, s);
  const rel = (us: number | undefined): number | null => (us === undefined || timeBaseUs === null ? null : round3((us - timeBaseUs) / 1000));
  const rows: Cell[][] = [[...SESSIONS_CSV_COLUMNS]];
  for (const s of [...sessions].sort((a, b) => a.sessionIndex - b.sessionIndex)) {
    const rec = s.recoveries ?? [];
    const c = costOf.get(s.sessionIndex);
    // The failure reason has its own column: it may hold `;` and `=`, which `errors` uses as separators.
    const errorCodes = Object.entries(errorCodeCounts(s.errors)).sort((a, b) => a[0].localeCompare(b[0]));
    rows.push([
      s.sessionIndex,
      s.sessionId,
      s.model,
      s.arm ?? s.effort ?? 'none',
      s.outcome,
      s.closeCode,
      ms3(s.connectMs),
      ms3(s.configureMs),
      ms3(s.connectedMs),
      rel(s.startedUs),
      rel(s.endedUs),
      s.turnsCompleted,
      s.turnsFailed,
      errorCodes.reduce((n, [, v]) => n + v, 0),
      errorCodes.map(([k, v]) => `${k}=${v}`).join(';') || null,
      rec.length,
      rec.filter((r) => r.recovered).length,
      ms3(rec.reduce((n, r) => n + r.recoveryMs, 0)),
      rec.reduce((n, r) => n + r.turnsLost, 0),
      [...new Set(rec.map((r) => r.fault))].join(';') || null,
      s.conformanceFindings ?? null,
      c?.usd ?? null,
      c?.usdPerConnectedMinute ?? null,
      s.failure?.reason ?? null,
      ms3(s.setup?.offerPostedMs),
      ms3(s.setup?.answerMs),
      ms3(s.setup?.iceConnectedMs),
      ms3(s.setup?.channelOpenMs),
    ]);
  }
  return rows;
}

/** Null → empty cell; booleans as `true`/`false`; USD and other floats to 10 significant digits. */
function cell(c: Cell): string {
  if (c === null) return '';
  if (typeof c === 'boolean') return c ? 'true' : 'false';
  if (typeof c === 'number') return Number.isFinite(c) ? String(Number(c.toPrecision(10))) : '';
  return c;
}

/** CSV text of rows (header included in the rows). */
export function toCsv(rows: readonly Cell[][]): string {
  return stringify(rows.map((r) => r.map(cell)));
}

/** Writes turns.csv. */
export async function writeTurnsCsv(file: string, turns: readonly TurnResult[], timeBaseUs: number | null, cost: RunCost | null = null): Promise<void> {
  await writeFile(file, toCsv(turnsCsvRows(turns, timeBaseUs, cost)));
}

/** Writes sessions.csv. */
export async function writeSessionsCsv(file: string, sessions: readonly SessionRecord[], timeBaseUs: number | null, cost: RunCost | null = null): Promise<void> {
  await writeFile(file, toCsv(sessionsCsvRows(sessions, timeBaseUs, cost)));
}
