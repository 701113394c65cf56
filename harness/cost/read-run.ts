/**
 * Reads what `rth cost RUN_DIR` needs from a run directory: `turns.jsonl` and `sessions.jsonl`.
 * A torn last line (the harness killed mid-write) is skipped with a warning; a malformed line
 * elsewhere, or a record without the fields cost needs, is skipped with a warning naming its line.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionResult, TurnResult } from '../contract.ts';
import { ConfigError } from '../../common/errors.ts';

/** Parsed records of a JSON-lines file and what was skipped. */
export interface JsonlRead {
  records: unknown[];
  warnings: string[];
}

/**
 * Parses JSON-lines text. Blank lines are ignored. The last line failing to parse when the text
 * does not end with a newline is a torn write: skipped with a warning, like any malformed line.
 */
export function parseJsonl(text: string, label: string): JsonlRead {
  const records: unknown[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line));
    } catch {
      const torn = i === lines.length - 1;
      warnings.push(`${label}:${i + 1}: ${torn ? 'incomplete last line (torn write), ignored' : 'not valid JSON, line skipped'}`);
    }
  });
  return { records, warnings };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const numOr = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const objOrNull = (v: unknown): Record<string, unknown> | null => (isObj(v) ? v : null);
const effortOf = (v: unknown): TurnResult['effort'] => (typeof v === 'string' ? (v as TurnResult['effort']) : null);

const MILESTONES = ['turnStartUs', 'speechEndSentUs', 'commitSentUs', 'speechStoppedUs', 'committedUs', 'responseCreatedUs', 'firstAudioUs', 'firstTextUs', 'responseDoneUs'] as const satisfies readonly (keyof TurnResult['milestones'])[];

/** A turns.jsonl record as cost reads it (fields cost does not use get neutral defaults), or a problem. */
export function toTurnResult(r: unknown): TurnResult | string {
  if (!isObj(r)) return 'not an object';
  if (!isInt(r['sessionIndex']) || !isInt(r['turnIndex'])) return 'sessionIndex/turnIndex missing or not integers';
  if (typeof r['model'] !== 'string') return 'model missing';
  const m: Record<string, unknown> = isObj(r['milestones']) ? r['milestones'] : {};
  const deltas = Array.isArray(r['audioDeltas']) ? r['audioDeltas'].filter(isObj) : [];
  return {
    sessionIndex: r['sessionIndex'],
    sessionId: typeof r['sessionId'] === 'string' ? r['sessionId'] : null,
    turnIndex: r['turnIndex'],
    effort: effortOf(r['effort']),
    model: r['model'],
    clipId: typeof r['clipId'] === 'string' ? r['clipId'] : '',
    mode: (r['mode'] as TurnResult['mode']) ?? 'server_vad',
    status: (r['status'] as TurnResult['status']) ?? 'completed',
    errorCode: typeof r['errorCode'] === 'string' ? r['errorCode'] : null,
    responseId: typeof r['responseId'] === 'string' ? r['responseId'] : null,
    milestones: Object.fromEntries(MILESTONES.map((k) => [k, typeof m[k] === 'number' ? m[k] : null])) as unknown as TurnResult['milestones'],
    audioDeltas: deltas.map((d) => ({ receivedUs: numOr(d['receivedUs'], 0), durationMs: numOr(d['durationMs'], 0) })),
    usage: objOrNull(r['usage']),
    transcriptionUsage: objOrNull(r['transcriptionUsage']),
    toolCalls: numOr(r['toolCalls'], 0),
    bargedIn: r['bargedIn'] === true,
    userSpeechMs: numOr(r['userSpeechMs'], 0),
    ...(typeof r['arm'] === 'string' ? { arm: r['arm'] } : {}),
  };
}

/** A sessions.jsonl record as cost reads it, or a problem. */
export function toSessionResult(r: unknown): SessionResult | string {
  if (!isObj(r)) return 'not an object';
  if (!isInt(r['sessionIndex'])) return 'sessionIndex missing or not an integer';
  if (typeof r['model'] !== 'string') return 'model missing';
  return {
    sessionIndex: r['sessionIndex'],
    sessionId: typeof r['sessionId'] === 'string' ? r['sessionId'] : null,
    effort: effortOf(r['effort']),
    model: r['model'],
    connectMs: typeof r['connectMs'] === 'number' ? r['connectMs'] : null,
    configureMs: typeof r['configureMs'] === 'number' ? r['configureMs'] : null,
    connectedMs: numOr(r['connectedMs'], 0),
    turnsCompleted: numOr(r['turnsCompleted'], 0),
    turnsFailed: numOr(r['turnsFailed'], 0),
    outcome: typeof r['outcome'] === 'string' ? r['outcome'] : 'unknown',
    closeCode: typeof r['closeCode'] === 'number' ? r['closeCode'] : null,
    errors: isObj(r['errors']) ? (r['errors'] as Record<string, number>) : {},
    ...(typeof r['arm'] === 'string' ? { arm: r['arm'] } : {}),
    ...(typeof r['liveUsageSeconds'] === 'number' && r['liveUsageSeconds'] >= 0 ? { liveUsageSeconds: r['liveUsageSeconds'] } : {}),
  };
}

/** What a run directory holds for cost. */
export interface RunRecords {
  turns: TurnResult[];
  sessions: SessionResult[];
  warnings: string[];
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function convert<T>(read: JsonlRead, label: string, to: (r: unknown) => T | string, warnings: string[]): T[] {
  warnings.push(...read.warnings);
  const out: T[] = [];
  read.records.forEach((r, i) => {
    const x = to(r);
    if (typeof x === 'string') warnings.push(`${label}: record ${i + 1}: ${x}, skipped`);
    else out.push(x);
  });
  return out;
}

/**
 * Reads `turns.jsonl` (required) and `sessions.jsonl` (optional: without it connected time is 0
 * and per-connected-minute figures are null) from `dir`.
 * @throws ConfigError `E_RUN_DIR` when `dir/turns.jsonl` does not exist
 */
export async function readRunRecords(dir: string): Promise<RunRecords> {
  const turnsPath = join(dir, 'turns.jsonl');
  const sessionsPath = join(dir, 'sessions.jsonl');
  const turnsText = await readOptional(turnsPath);
  if (turnsText === null) throw new ConfigError('E_RUN_DIR', `${turnsPath}: not found (expected a run directory written by rth run)`);
  const warnings: string[] = [];
  const turns = convert(parseJsonl(turnsText, turnsPath), turnsPath, toTurnResult, warnings);
  const sessionsText = await readOptional(sessionsPath);
  if (sessionsText === null) warnings.push(`${sessionsPath}: not found; connected time unknown (per-connected-minute figures are empty)`);
  const sessions = sessionsText === null ? [] : convert(parseJsonl(sessionsText, sessionsPath), sessionsPath, toSessionResult, warnings);
  return { turns, sessions, warnings };
}
