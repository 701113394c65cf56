/**
 * The `--trace FILE.jsonl` ground truth: one JSON line per response (fields in contract.ts
 * `TraceRecord`), appended while the server runs. Lines go through one fs.WriteStream, so writing
 * never blocks the event loop; each record is a single write of a whole line, so a run that is
 * interrupted leaves only complete lines, and `close()` flushes what is buffered.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../common/errors.ts';
import type { TraceRecord, TraceSink } from './contract.ts';

/** A trace sink that also reports the first write error (disk full etc.), if any. */
export interface FileTraceSink extends TraceSink {
  /** The path written to, or null for the no-op sink. */
  readonly path: string | null;
  /** Records accepted so far. */
  readonly recordsWritten: number;
  /** The first I/O error after opening; writing stops there. Null while healthy. */
  readonly error: Error | null;
}

/** Field order of a trace line (contract order), so files diff cleanly. */
const FIELDS: readonly (keyof TraceRecord)[] = [
  'session_id',
  'response_id',
  'effort',
  'turn_index',
  'status',
  'turn_audio_end_us',
  'delays_start_us',
  'response_created_sent_us',
  'first_audio_sent_us',
  'response_done_sent_us',
  'drawn_first_audio_delay_ms',
  'leading_silence_ms',
];

/** One JSONL line (with its newline) for a record, fields in contract order. */
export function traceLine(record: TraceRecord): string {
  const ordered: Record<string, unknown> = {};
  for (const key of FIELDS) ordered[key] = record[key] ?? null;
  return JSON.stringify(ordered) + '\n';
}

/** The sink for `--trace` absent: accepts and forgets. */
function noopSink(): FileTraceSink {
  let count = 0;
  return {
    path: null,
    get recordsWritten() {
      return count;
    },
    error: null,
    write() {
      count++;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Opens the trace file for appending (creating it and its directory if needed).
 * @param path the JSONL file, or null for a sink that writes nothing.
 * @throws ConfigError `E_TRACE` when the file cannot be opened (the message names the path).
 */
export async function openTraceSink(path: string | null): Promise<FileTraceSink> {
  if (path === null) return noopSink();
  let stream: WriteStream;
  try {
    await mkdir(dirname(path), { recursive: true });
    stream = createWriteStream(path, { flags: 'a', encoding: 'utf8' });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (err) {
    throw new ConfigError('E_TRACE', `--trace ${path}: cannot open for appending (${(err as Error).message})`);
  }
  let error: Error | null = null;
  let count = 0;
  let closing: Promise<void> | null = null;
  stream.on('error', (err) => {
    error ??= err;
  });
  return {
    path,
    get recordsWritten() {
      return count;
    },
    get error() {
      return error;
    },
    write(record: TraceRecord): void {
      if (closing || error) return;
      count++;
      stream.write(traceLine(record));
    },
    close(): Promise<void> {
      // end() flushes the buffered lines before 'close'; an I/O error also ends in 'close'.
      closing ??= new Promise<void>((resolve) => {
        if (stream.closed) return resolve();
        stream.once('close', () => resolve());
        stream.end();
      });
      return closing;
    },
  };
}
