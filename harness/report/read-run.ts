/**
 * Reads a run directory as the runner leaves it (harness/runner/run-scenario.ts): `turns.jsonl`
 * (one `TurnResult` plus its `metrics` per line), `sessions.jsonl` (one `SessionResult` plus
 * `conformanceFindings` per line), `run.json`, and, when the run finished, `summary.json`,
 * `conformance.json` and `histograms/send_lag.hgrm`. Parse, don't crash: a torn last line (the
 * harness killed mid-write) or a malformed record is skipped and listed, never thrown.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AudioDeltaArrival, RecoveryRecord, SessionRateLimits, SessionResult, SetupPhases, TurnMediaStats, TurnMilestones, TurnResult } from '../contract.ts';
import { ConfigError } from '../../common/errors.ts';
import type { ConformanceReport } from '../conformance/report.ts';
import type { RunSummary } from '../metrics/summary-types.ts';
import type { RunSummaryWithRunner } from '../runner/outputs.ts';

/** A line of a JSONL file that was not used, and why. */
export interface SkippedLine {
  /** File name relative to the run directory (`turns.jsonl`). */
  file: string;
  /** 1-based line number. */
  line: number;
  /** `torn` = the last line, cut short (killed mid-write); `malformed` = not JSON; `invalid` = JSON without the fields needed. */
  kind: 'torn' | 'malformed' | 'invalid';
  /** What was wrong, in words. */
  reason: string;
}

/** A sessions.jsonl record: the driver's result plus what the runner and later runners add. */
export interface SessionRecord extends SessionResult {
  /** Conformance findings of the session's connections (runner field). */
  conformanceFindings?: number;
  /** When the session began connecting, monotonic µs (optional runner field; estimated when absent). */
  startedUs?: number;
  /** When the session ended, monotonic µs (optional runner field; estimated when absent). */
  endedUs?: number;
}

/** `summary.json` as any runner version may have written it: the metrics schema plus optional runner blocks. */
export type ReportSummary = RunSummary &
  Partial<Pick<RunSummaryWithRunner, 'measurement_error_ms' | 'conformance' | 'sessions_not_started' | 'arrival_lateness_ms' | 'capacity' | 'budget'>> & {
    /** Present on summaries written by `rth report` from turns.jsonl (not by the runner). */
    rebuilt?: { skipped_lines: number; notes: string[] };
    /** Present on summaries written by `rth report merge`: the runs that were added. */
    merged_from?: MergedInput[];
  };

/** One input of a merged run, as listed in its summary's `merged_from`. */
export interface MergedInput {
  dir: string;
  scenario: string;
  started_at: string;
  git_commit: string | null;
  turns: number;
  sessions: number;
  valid: boolean;
  /** Added to this input's session indices in the merged turns/sessions (0 when they did not collide). */
  session_index_offset: number;
}

/** `run.json` fields the report reads (everything else is passed through untouched). */
export interface RunRecordFile {
  scenario?: {
    name?: string;
    description?: string;
    sourceLabel?: string;
    kind?: string;
    model?: string;
    efforts?: string[];
    chunkMs?: number;
    pacing?: { sendLagP99BudgetMs?: number; stallBudgetMs?: number };
    slo?: Record<string, unknown>;
    seed?: number;
    workers?: number;
  };
  target?: string;
  /** Monotonic µs of the run's start (optional runner field; the earliest stamp is used when absent). */
  run_start_us?: number;
  [key: string]: unknown;
}

/** Everything read from a run directory. */
export interface RunFiles {
  dir: string;
  turns: TurnResult[];
  sessions: SessionRecord[];
  run: RunRecordFile | null;
  /** mtime of run.json (written when the run started): the start time of a run that left no summary. */
  runFileTime: Date | null;
  summary: ReportSummary | null;
  conformance: ConformanceReport | null;
  /** Text of `histograms/send_lag.hgrm`, if any. */
  sendLagHgrm: string | null;
  /** `recorder.json` (a `Recorder.encode()` snapshot), if the runner wrote one. */
  recorderSnapshot: unknown;
  /** Whether `mock-trace.jsonl` exists. */
  hasMockTrace: boolean;
  skipped: SkippedLine[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): number | null => (finite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Splits JSONL text into parsed values. Blank lines are ignored; a line that is not JSON is
 * skipped, and called `torn` when it is the last line and the text does not end with a newline.
 */
export function parseJsonlLines(text: string, file: string): { values: { line: number; value: unknown }[]; skipped: SkippedLine[] } {
  const values: { line: number; value: unknown }[] = [];
  const skipped: SkippedLine[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      values.push({ line: i + 1, value: JSON.parse(raw) });
    } catch {
      const torn = i === lines.length - 1;
      skipped.push({ file, line: i + 1, kind: torn ? 'torn' : 'malformed', reason: torn ? 'incomplete last line (the run was killed mid-write)' : 'not valid JSON' });
    }
  });
  return { values, skipped };
}

const MILESTONE_KEYS = [
  'turnStartUs',
  'speechEndSentUs',
  'commitSentUs',
  'speechStoppedUs',
  'committedUs',
  'responseCreatedUs',
  'firstAudioUs',
  'firstTextUs',
  'responseDoneUs',
] as const satisfies readonly (keyof TurnMilestones)[];

const TURN_STATUSES = new Set(['completed', 'failed', 'cancelled', 'incomplete', 'timeout', 'aborted']);
const TURN_MODES = new Set(['server_vad', 'semantic_vad', 'manual']);

/** A turns.jsonl record as a {@link TurnResult}, or what is wrong with it. */
export function toTurn(r: unknown): TurnResult | string {
  if (!isObj(r)) return 'not an object';
  if (!isInt(r.sessionIndex) || !isInt(r.turnIndex)) return 'sessionIndex/turnIndex missing or not integers';
  if (typeof r.status !== 'string' || !TURN_STATUSES.has(r.status)) return `status ${JSON.stringify(r.status)} is not a turn status`;
  if (!isObj(r.milestones)) return 'milestones missing';
  const m = r.milestones;
  const deltas: AudioDeltaArrival[] = Array.isArray(r.audioDeltas)
    ? r.audioDeltas.filter(isObj).map((d) => ({ receivedUs: finite(d.receivedUs) ? d.receivedUs : 0, durationMs: finite(d.durationMs) ? d.durationMs : 0 }))
    : [];
  const media = toMedia(r.media);
  return {
    sessionIndex: r.sessionIndex,
    sessionId: strOrNull(r.sessionId),
    turnIndex: r.turnIndex,
    effort: strOrNull(r.effort) as TurnResult['effort'],
    model: typeof r.model === 'string' ? r.model : 'unknown',
    clipId: typeof r.clipId === 'string' ? r.clipId : '',
    mode: (typeof r.mode === 'string' && TURN_MODES.has(r.mode) ? r.mode : 'server_vad') as TurnResult['mode'],
    status: r.status as TurnResult['status'],
    errorCode: strOrNull(r.errorCode),
    responseId: strOrNull(r.responseId),
    milestones: Object.fromEntries(MILESTONE_KEYS.map((k) => [k, numOrNull(m[k])])) as unknown as TurnMilestones,
    audioDeltas: deltas,
    audioOnsetMs: numOrNull(r.audioOnsetMs),
    ...(media ? { media } : {}),
    usage: isObj(r.usage) ? r.usage : null,
    transcriptionUsage: isObj(r.transcriptionUsage) ? r.transcriptionUsage : null,
    toolCalls: finite(r.toolCalls) ? r.toolCalls : 0,
    bargedIn: r.bargedIn === true,
    userSpeechMs: finite(r.userSpeechMs) ? r.userSpeechMs : 0,
    ...(typeof r.arm === 'string' ? { arm: r.arm } : {}),
  };
}

/** A WebRTC turn's `media` record, or null when absent (WebSocket turns) or not an object. */
function toMedia(r: unknown): TurnMediaStats | null {
  if (!isObj(r)) return null;
  return {
    packets: finite(r.packets) ? r.packets : 0,
    lost: finite(r.lost) ? r.lost : 0,
    jitterMs: finite(r.jitterMs) ? r.jitterMs : 0,
    maxGapMs: finite(r.maxGapMs) ? r.maxGapMs : 0,
    playbackStartedUs: numOrNull(r.playbackStartedUs),
    playbackStoppedUs: numOrNull(r.playbackStoppedUs),
    lastPacketUs: numOrNull(r.lastPacketUs),
    bargeInStopMs: numOrNull(r.bargeInStopMs),
  };
}

/** A WebRTC session's `setup` record, or null. */
function toSetup(r: unknown): SetupPhases | null {
  if (!isObj(r)) return null;
  return {
    offerPostedMs: numOrNull(r.offerPostedMs),
    answerMs: numOrNull(r.answerMs),
    iceConnectedMs: numOrNull(r.iceConnectedMs),
    channelOpenMs: numOrNull(r.channelOpenMs),
    sessionCreatedMs: numOrNull(r.sessionCreatedMs),
  };
}

function toRecovery(r: unknown): RecoveryRecord | null {
  if (!isObj(r) || typeof r.fault !== 'string') return null;
  return {
    fault: r.fault as RecoveryRecord['fault'],
    turnIndex: numOrNull(r.turnIndex),
    recovered: r.recovered === true,
    recoveryMs: finite(r.recoveryMs) ? r.recoveryMs : 0,
    turnsLost: finite(r.turnsLost) ? r.turnsLost : 0,
    attempts: finite(r.attempts) ? r.attempts : 0,
    detail: strOrNull(r.detail),
  };
}

/** A sessions.jsonl record as a {@link SessionRecord}, or what is wrong with it. */
export function toSession(r: unknown): SessionRecord | string {
  if (!isObj(r)) return 'not an object';
  if (!isInt(r.sessionIndex)) return 'sessionIndex missing or not an integer';
  if (typeof r.outcome !== 'string') return 'outcome missing';
  const errors: Record<string, number> = {};
  if (isObj(r.errors)) for (const [k, v] of Object.entries(r.errors)) if (finite(v)) errors[k] = v;
  const out: SessionRecord = {
    sessionIndex: r.sessionIndex,
    sessionId: strOrNull(r.sessionId),
    effort: strOrNull(r.effort) as SessionResult['effort'],
    model: typeof r.model === 'string' ? r.model : 'unknown',
    connectMs: numOrNull(r.connectMs),
    configureMs: numOrNull(r.configureMs),
    connectedMs: finite(r.connectedMs) ? r.connectedMs : 0,
    turnsCompleted: finite(r.turnsCompleted) ? r.turnsCompleted : 0,
    turnsFailed: finite(r.turnsFailed) ? r.turnsFailed : 0,
    outcome: r.outcome,
    closeCode: numOrNull(r.closeCode),
    errors,
  };
  if (Array.isArray(r.recoveries)) out.recoveries = r.recoveries.map(toRecovery).filter((x): x is RecoveryRecord => x !== null);
  if (finite(r.conformanceFindings)) out.conformanceFindings = r.conformanceFindings;
  const setup = toSetup(r.setup);
  if (setup) out.setup = setup;
  if (finite(r.startedUs)) out.startedUs = r.startedUs;
  if (finite(r.endedUs)) out.endedUs = r.endedUs;
  if (typeof r.arm === 'string') out.arm = r.arm;
  if (finite(r.liveUsageSeconds) && r.liveUsageSeconds >= 0) out.liveUsageSeconds = r.liveUsageSeconds;
  // Rate limits (issue 20): kept when the three lists are there; the runner wrote them, so shape only.
  if (isObj(r.rateLimits) && Array.isArray(r.rateLimits.handshake429) && Array.isArray(r.rateLimits.inSession) && isObj(r.rateLimits.updates)) {
    out.rateLimits = r.rateLimits as unknown as SessionRateLimits;
  }
  if (isObj(r.failure) && typeof r.failure.reason === 'string') {
    out.failure = { kind: typeof r.failure.kind === 'string' ? r.failure.kind : 'unknown', code: strOrNull(r.failure.code), reason: r.failure.reason };
  }
  return out;
}

async function readOptional(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function readJsonOptional(file: string, label: string, skipped: SkippedLine[]): Promise<unknown> {
  const text = await readOptional(file);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    skipped.push({ file: label, line: 1, kind: 'malformed', reason: 'not valid JSON; file ignored' });
    return null;
  }
}

function readRecords<T>(text: string | null, file: string, to: (r: unknown) => T | string, skipped: SkippedLine[]): T[] {
  if (text === null) return [];
  const parsed = parseJsonlLines(text, file);
  skipped.push(...parsed.skipped);
  const out: T[] = [];
  for (const { line, value } of parsed.values) {
    const x = to(value);
    if (typeof x === 'string') skipped.push({ file, line, kind: 'invalid', reason: x });
    else out.push(x);
  }
  return out;
}

/**
 * Reads a run directory.
 * @throws ConfigError `E_RUN_DIR` when `dir/turns.jsonl` does not exist (not a run directory)
 */
export async function readRunFiles(dir: string): Promise<RunFiles> {
  const turnsText = await readOptional(path.join(dir, 'turns.jsonl'));
  if (turnsText === null) throw new ConfigError('E_RUN_DIR', `${path.join(dir, 'turns.jsonl')}: not found (expected a run directory written by rth run)`);
  const skipped: SkippedLine[] = [];
  const turns = readRecords(turnsText, 'turns.jsonl', toTurn, skipped);
  const sessions = readRecords(await readOptional(path.join(dir, 'sessions.jsonl')), 'sessions.jsonl', toSession, skipped);
  const run = await readJsonOptional(path.join(dir, 'run.json'), 'run.json', skipped);
  const summary = await readJsonOptional(path.join(dir, 'summary.json'), 'summary.json', skipped);
  const conformance = await readJsonOptional(path.join(dir, 'conformance.json'), 'conformance.json', skipped);
  const recorderSnapshot = await readJsonOptional(path.join(dir, 'recorder.json'), 'recorder.json', skipped);
  let runFileTime: Date | null = null;
  try {
    runFileTime = (await stat(path.join(dir, 'run.json'))).mtime;
  } catch {
    runFileTime = null;
  }
  return {
    dir,
    turns,
    sessions,
    run: isObj(run) ? (run as RunRecordFile) : null,
    runFileTime,
    summary: isObj(summary) && summary.schema_version === 1 && isObj(summary.metrics) ? (summary as unknown as ReportSummary) : null,
    conformance: isObj(conformance) && isObj(conformance.counts) ? (conformance as unknown as ConformanceReport) : null,
    sendLagHgrm: await readOptional(path.join(dir, 'histograms', 'send_lag.hgrm')),
    recorderSnapshot,
    hasMockTrace: await exists(path.join(dir, 'mock-trace.jsonl')),
    skipped,
  };
}
