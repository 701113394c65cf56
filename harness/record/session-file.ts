/**
 * One recorded session as a JSONL file in the stream format (common/protocol/stream-record.ts):
 * the meta line, then one line per frame either way with the receipt stamp (µs, monotonic), then
 * the close. Secrets (the keys the relay knows) are replaced in every line before it is written,
 * and audio payloads are redacted unless asked. Lines go through one write stream, a whole line per
 * write, so an interrupted recording leaves only complete lines.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { redactAudio, redactSecrets, streamLineText, type RecordLine, type StreamMeta } from '../../common/protocol/stream-record.ts';

/** Options of a {@link SessionFile}. */
export interface SessionFileOptions {
  /** Keep audio payloads. Default false (redacted: `""` plus the decoded length). */
  includeAudio?: boolean;
  /** Strings never to write (API keys); each is replaced by `[REDACTED]`. */
  secrets: readonly string[];
}

/** A session's recording file. */
export class SessionFile {
  private readonly stream: WriteStream;
  private lastUs = -Infinity;
  private closed = false;
  /** Lines written (meta included). */
  lines = 0;
  /** The first write error, if any (recording then stops; the relay keeps forwarding). */
  error: Error | null = null;

  constructor(
    readonly path: string,
    meta: StreamMeta,
    private readonly opts: SessionFileOptions,
  ) {
    this.stream = createWriteStream(path, { flags: 'w', encoding: 'utf8' });
    this.stream.on('error', (err) => {
      this.error ??= err;
    });
    this.write({ meta });
  }

  /**
   * Records one frame received from `from` at `us`. A text frame that is a JSON object is recorded as
   * an event (audio redacted unless asked); anything else verbatim as `serverRaw`/`clientRaw`.
   */
  frame(from: 'client' | 'server', text: string, us: number): void {
    let event: Record<string, unknown> | null = null;
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) event = v as Record<string, unknown>;
    } catch {
      event = null;
    }
    const stamp = this.stamp(us);
    if (event === null) {
      this.write(from === 'server' ? { us: stamp, serverRaw: text } : { us: stamp, clientRaw: text });
      return;
    }
    if (this.opts.includeAudio) {
      this.write(from === 'server' ? { us: stamp, server: event } : { us: stamp, client: event });
      return;
    }
    const r = redactAudio(event);
    const redacted = Object.keys(r.redacted).length > 0 ? { redacted: r.redacted } : {};
    this.write(from === 'server' ? { us: stamp, server: r.event, ...redacted } : { us: stamp, client: r.event, ...redacted });
  }

  /** Records the close (once) and ends the file; resolves when it is flushed. */
  close(code: number, reason: string, by: 'client' | 'server', us: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.write({ us: this.stamp(us), close: { code, reason, by } });
    this.closed = true;
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }

  /** Stamps never go backwards within a file (the clock is monotonic; this keeps the file so whatever happens). */
  private stamp(us: number): number {
    this.lastUs = Math.max(this.lastUs, us);
    return Math.round(this.lastUs * 10) / 10;
  }

  private write(line: RecordLine | { meta: StreamMeta }): void {
    if (this.closed || this.error) return;
    this.stream.write(redactSecrets(streamLineText(line), this.opts.secrets));
    this.lines++;
  }
}
