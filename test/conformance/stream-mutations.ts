/**
 * Test helpers: load a fixture stream and mutate it (drop, duplicate, move, corrupt a field) to
 * build streams that break one rule. Every helper throws when its target event is missing, so a
 * breaking case cannot silently stop breaking anything when a fixture changes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { checkRecordedStream, parseRecordedStream, type RecordedStream, type StreamLine } from '../../harness/conformance/replay.ts';
import type { Finding } from '../../harness/conformance/types.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/streams/', import.meta.url));

/** The fixture file names (without directory). */
export const FIXTURE_NAMES = [
  'realtime-audio-response.jsonl',
  'realtime-text-response.jsonl',
  'realtime-function-call.jsonl',
  'realtime-cancel.jsonl',
  'realtime-barge-in.jsonl',
  'realtime-session-expired.jsonl',
  'realtime-bad-key.jsonl',
  'transcription.jsonl',
  'translation.jsonl',
  'live.jsonl',
] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

const cache = new Map<string, RecordedStream>();

/** A deep copy of a fixture stream (safe to mutate). */
export function loadFixture(name: FixtureName): RecordedStream {
  let s = cache.get(name);
  if (!s) {
    s = parseRecordedStream(readFileSync(`${FIXTURES}${name}`, 'utf8'), name);
    cache.set(name, s);
  }
  return structuredClone(s);
}

/** A stream transformation. */
export type Mutation = (lines: StreamLine[]) => StreamLine[];

/** Index in `lines` of the `nth` (0-based) server event of `type`; throws if absent. */
export function findServer(lines: readonly StreamLine[], type: string, nth = 0): number {
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if ('server' in l && l.server['type'] === type) {
      if (seen === nth) return i;
      seen++;
    }
  }
  throw new Error(`fixture has no server event ${type} #${nth}`);
}

/** Removes the nth server event of `type`. */
export const drop = (type: string, nth = 0): Mutation => (lines) => {
  const i = findServer(lines, type, nth);
  return [...lines.slice(0, i), ...lines.slice(i + 1)];
};

/** Sends the nth server event of `type` twice in a row. */
export const dup = (type: string, nth = 0): Mutation => (lines) => {
  const i = findServer(lines, type, nth);
  return [...lines.slice(0, i + 1), structuredClone(lines[i]!), ...lines.slice(i + 1)];
};

/** Moves the nth `type` event to just after the mth `afterType` event. */
export const moveAfter = (type: string, nth: number, afterType: string, mth = 0): Mutation => (lines) => {
  const i = findServer(lines, type, nth);
  const moved = lines[i]!;
  const rest = [...lines.slice(0, i), ...lines.slice(i + 1)];
  const j = findServer(rest, afterType, mth);
  return [...rest.slice(0, j + 1), moved, ...rest.slice(j + 1)];
};

/** Moves the nth `type` event to just before the mth `beforeType` event. */
export const moveBefore = (type: string, nth: number, beforeType: string, mth = 0): Mutation => (lines) => {
  const i = findServer(lines, type, nth);
  const moved = lines[i]!;
  const rest = [...lines.slice(0, i), ...lines.slice(i + 1)];
  const j = findServer(rest, beforeType, mth);
  return [...rest.slice(0, j), moved, ...rest.slice(j)];
};

/** Inserts `line` just after the nth `afterType` event. */
export const insertAfter = (afterType: string, nth: number, line: StreamLine): Mutation => (lines) => {
  const j = findServer(lines, afterType, nth);
  return [...lines.slice(0, j + 1), line, ...lines.slice(j + 1)];
};

/**
 * Sets a dotted path (`response.usage.total_tokens`, `rate_limits.1.remaining`) in the nth server
 * event of `type`; `undefined` deletes it. Throws when an intermediate object is missing.
 */
export const set = (type: string, nth: number, path: string, value: unknown): Mutation => (lines) => {
  const i = findServer(lines, type, nth);
  const copy = structuredClone(lines[i]!) as { server: Record<string, unknown> };
  const keys = path.split('.');
  let target: Record<string, unknown> = copy.server;
  for (const k of keys.slice(0, -1)) {
    const next = target[k];
    if (typeof next !== 'object' || next === null) throw new Error(`${type} #${nth} has no object at ${k} of ${path}`);
    target = next as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (!(last in target) && value === undefined) throw new Error(`${type} #${nth} has no ${path} to delete`);
  if (value === undefined) delete target[last];
  else target[last] = value;
  return [...lines.slice(0, i), copy, ...lines.slice(i + 1)];
};

/** Replaces the stream's close line (adds one when absent). */
export const setClose = (code: number, reason = ''): Mutation => (lines) => [
  ...lines.filter((l) => !('close' in l)),
  { close: { code, reason } },
];

/** Applies mutations left to right. */
export const all = (...ms: Mutation[]): Mutation => (lines) => ms.reduce((acc, m) => m(acc), lines);

/** Checks a fixture after applying `mutate` (default: none). */
export function checkFixture(name: FixtureName, mutate?: Mutation): Finding[] {
  const stream = loadFixture(name);
  return checkRecordedStream({ meta: stream.meta, lines: mutate ? mutate(stream.lines) : stream.lines });
}
