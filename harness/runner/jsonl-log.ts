import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An append-only JSON-lines file written with one synchronous `write(2)` per record.
 *
 * Flush policy: a record is in the operating system's page cache before `append` returns, so a
 * `kill -9` of the harness (or a crash) loses no finished record; only a power loss can. Records
 * are rare (one per finished turn), so a syscall each costs nothing measurable next to the audio
 * frames a run sends.
 */
export class JsonlLog {
  private fd: number | null;
  /** Records written so far. */
  count = 0;

  /** Creates (truncates) the file at `path`, creating its folder. */
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
  }

  /** Appends one record as a line of JSON. Ignored after `close`. */
  append(record: unknown): void {
    if (this.fd === null) return;
    writeSync(this.fd, JSON.stringify(record) + '\n');
    this.count += 1;
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
