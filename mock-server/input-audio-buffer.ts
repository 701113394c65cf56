/**
 * A session's input audio buffer (§2.2 `input_audio_buffer.append` / `commit` / `clear`, §3.2, §3.3,
 * §8.2), shared by the realtime and transcription sessions. It validates appends, keeps the audio
 * since the last commit or clear, runs turn detection on it, and keeps the session's audio timeline
 * (`audio_start_ms` / `audio_end_ms` are ms since the first audio of the session).
 *
 * Memory: with turn detection on, audio nobody is speaking in is dropped as it ages, keeping only the
 * prefix padding plus {@link IDLE_MARGIN_MS}, so an hour of streamed silence holds a few tens of
 * kilobytes. Without turn detection everything is kept until commit or clear, up to
 * {@link MAX_BUFFERED_MS}. Appends are decoded straight into one reused store per session (see
 * {@link AudioStore}) rather than into a fresh Buffer each: at 50 appends a second per session, a
 * Buffer per append made external-memory garbage that drove the mock's full GCs under load.
 *
 * Error codes (the real service's codes for these cases are unverified, §9.10):
 *
 * | case | code | param |
 * |---|---|---|
 * | `audio` missing | `missing_required_parameter` | `audio` |
 * | `audio` not a string | `invalid_type` | `audio` |
 * | more than 15 MiB of base64 | `string_above_max_length` | `audio` |
 * | not strict base64 (alphabet, length, padding) | `invalid_value` | `audio` |
 * | not a whole number of samples | `invalid_value` | `audio` |
 * | buffer would exceed {@link MAX_BUFFERED_MS} | `invalid_value` | `audio` |
 * | commit with < 100 ms | `input_audio_buffer_commit_empty` (§4.2) | null |
 */
import { endianness } from 'node:os';
import type { WireAudioFormat } from '../common/audio/formats.ts';
import { bytesPerMs, decodeToPcm16, sampleAlignmentBytes, sampleRateHz } from '../common/audio/formats.ts';
import {
  FRAME_MS,
  MIN_SPEECH_MS,
  SEMANTIC_PREFIX_PADDING_MS,
  TurnDetector,
  type TurnDetectionConfig,
  type VadEvent,
} from '../common/audio/turn-detector.ts';
import type { MockErrorSpec } from './contract.ts';

/** Result of {@link InputAudioBuffer.append}: turn boundaries the audio completed (positions on the session timeline), or an error. */
export type AppendOutcome = { ok: true; vadEvents: VadEvent[] } | { ok: false; error: MockErrorSpec };

/** Result of {@link InputAudioBuffer.commit}: the committed audio (wire format) and where it lies on the session timeline, ms. */
export type CommitOutcome =
  | { ok: true; audio: Buffer; durationMs: number; startMs: number; endMs: number }
  | { ok: false; error: MockErrorSpec };

/** Largest `audio` string accepted per append: 15 MiB of base64 (§8.2). */
export const MAX_APPEND_BASE64_CHARS = 15 * 1024 * 1024;
/** Least audio a commit accepts, ms (§3.2). */
export const MIN_COMMIT_MS = 100;
/** Most audio the buffer holds before appends are refused: 15 minutes. */
export const MAX_BUFFERED_MS = 15 * 60 * 1000;
/**
 * Audio kept beyond the prefix padding while nobody speaks, ms: covers the detector's confirmation
 * delay (a turn's onset is known {@link MIN_SPEECH_MS} + one frame after it happened) with room to spare.
 */
export const IDLE_MARGIN_MS = MIN_SPEECH_MS + FRAME_MS + 40;

const LITTLE_ENDIAN_HOST = endianness() === 'LE';
const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const NON_BASE64_CHAR = /[^A-Za-z0-9+/=]/;

function appendError(code: string, message: string): AppendOutcome {
  return { ok: false, error: { type: 'invalid_request_error', code, message, param: 'audio' } };
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'boolean') return 'a boolean';
  return 'an object';
}

/**
 * Decoded length of `s` when it passes the cheap guards of strict base64 (length a multiple of 4,
 * `=` only as the last one or two characters, ASCII only, none of the base64url `-`/`_` that Node's
 * decoder would accept), else -1. Any other character outside the alphabet is skipped by the
 * decoder, so the append path finds it when fewer bytes than this were written. Appends are
 * validated this way instead of by a regular expression over every frame (bench/mock-append-micro.ts).
 */
function guardedBase64Bytes(s: string): number {
  const n = s.length;
  if (n % 4 !== 0) return -1;
  const eq = s.indexOf('=');
  let pad = 0;
  if (eq >= 0) {
    pad = n - eq;
    if (pad > 2 || (pad === 2 && s.charCodeAt(n - 1) !== 61)) return -1;
  }
  if (Buffer.byteLength(s, 'utf8') !== n || s.indexOf('-') >= 0 || s.indexOf('_') >= 0) return -1;
  return (n / 4) * 3 - pad;
}

/** Why `s` is not strict base64, or null when it is. */
function base64Problem(s: string): string | null {
  if (STRICT_BASE64.test(s) && s.length % 4 === 0) return null;
  const bad = NON_BASE64_CHAR.exec(s);
  if (bad) return `character ${JSON.stringify(bad[0])} at offset ${bad.index} is not in the base64 alphabet`;
  if (s.length % 4 !== 0) return `its length ${s.length} is not a multiple of 4`;
  return `'=' padding may appear only at the end, at most twice`;
}

/** One session's input audio buffer. */
export class InputAudioBuffer {
  #format: WireAudioFormat;
  #turnDetection: TurnDetectionConfig | null;
  #detector: TurnDetector | null = null;
  /** Session timeline position at which the current detector received its first sample, ms. */
  #detectorOffsetMs = 0;

  #store = new AudioStore();
  #totalAudioMs = 0;
  /** A turn started since the last commit or clear: its audio must be kept until committed. */
  #holdsSpeech = false;

  /**
   * @param opts.format the session's `audio.input.format`.
   * @param opts.turnDetection the session's turn detection, or null for manual commit.
   */
  constructor(opts: { format: WireAudioFormat; turnDetection: TurnDetectionConfig | null }) {
    this.#format = opts.format;
    this.#turnDetection = opts.turnDetection;
    this.#startDetector();
  }

  /** Audio held since the last commit or clear, ms. */
  get bufferedMs(): number {
    return this.#store.length / bytesPerMs(this.#format);
  }

  /** All audio accepted since the session started, ms: the timeline of `audio_start_ms` / `audio_end_ms`. */
  get totalAudioMs(): number {
    return this.#totalAudioMs;
  }

  /** True between `speech_started` and `speech_stopped` (always false without turn detection). */
  get speaking(): boolean {
    return this.#detector?.speaking ?? false;
  }

  /**
   * Validates and buffers one `input_audio_buffer.append` `audio` value (base64 in the session's
   * input format), and feeds it to turn detection. Rejected audio is neither buffered nor counted.
   */
  append(audio: unknown): AppendOutcome {
    if (audio === undefined) return appendError('missing_required_parameter', "Missing required parameter: 'audio'.");
    if (typeof audio !== 'string') {
      return appendError('invalid_type', `Invalid type for 'audio': expected a string, but got ${typeName(audio)} instead.`);
    }
    if (audio.length > MAX_APPEND_BASE64_CHARS) {
      return appendError(
        'string_above_max_length',
        `Invalid 'audio': string too long. Expected a string with maximum length ${MAX_APPEND_BASE64_CHARS}, but got a string with length ${audio.length} instead.`,
      );
    }
    const byteLength = guardedBase64Bytes(audio);
    // Decoded into the store's free tail; it only becomes buffered audio once every check passed.
    const bytes = byteLength > 0 ? this.#store.decodeTail(audio, byteLength) : null;
    if (byteLength < 0 || (byteLength > 0 && bytes === null)) {
      const problem = base64Problem(audio) ?? 'it does not decode';
      return appendError('invalid_value', `Invalid 'audio': expected base64-encoded audio, but ${problem}.`);
    }

    const alignment = sampleAlignmentBytes(this.#format);
    if (byteLength % alignment !== 0) {
      return appendError(
        'invalid_value',
        `Invalid 'audio': ${this.#format.type} audio is ${alignment * 8}-bit samples, so the decoded length must be a multiple of ${alignment} bytes, but it is ${byteLength} bytes.`,
      );
    }
    const perMs = bytesPerMs(this.#format);
    if ((this.#store.length + byteLength) / perMs > MAX_BUFFERED_MS) {
      return appendError(
        'invalid_value',
        `Invalid 'audio': the input audio buffer would exceed the mock's limit of ${MAX_BUFFERED_MS / 60000} minutes (it holds ${(this.#store.length / perMs).toFixed(0)}ms); commit or clear it first.`,
      );
    }
    if (bytes === null) return { ok: true, vadEvents: [] };

    this.#store.commitTail(byteLength);
    this.#totalAudioMs += byteLength / perMs;

    if (this.#detector === null) return { ok: true, vadEvents: [] };
    // PCM16 on a little-endian host: read the decoded bytes in place (the store keeps PCM16 appends
    // 2-byte aligned) instead of copying them. The detector reads them before this returns.
    const samples =
      this.#format.type === 'audio/pcm' && LITTLE_ENDIAN_HOST && (bytes.byteOffset & 1) === 0
        ? new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1)
        : decodeToPcm16(this.#format, bytes);
    const events = this.#detector.push(samples);
    for (const event of events) {
      if (event.type === 'speech_started') {
        event.audioStartMs = Math.round(event.audioStartMs + this.#detectorOffsetMs);
        if (!this.#holdsSpeech) this.#dropBefore(event.audioStartMs);
        this.#holdsSpeech = true;
      } else {
        event.audioEndMs = Math.round(event.audioEndMs + this.#detectorOffsetMs);
      }
    }
    if (!this.#holdsSpeech) this.#dropIdleAudio();
    return { ok: true, vadEvents: events };
  }

  /**
   * Takes everything buffered since the last commit or clear. Fewer than {@link MIN_COMMIT_MS}
   * → `input_audio_buffer_commit_empty` and the buffer is left as it was. Turn detection forgets
   * any turn in progress (speech continuing after the commit starts a new turn).
   */
  commit(): CommitOutcome {
    const durationMs = this.bufferedMs;
    if (durationMs < MIN_COMMIT_MS) {
      return {
        ok: false,
        error: {
          type: 'invalid_request_error',
          code: 'input_audio_buffer_commit_empty',
          message: `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${durationMs.toFixed(2)}ms of audio.`,
          param: null,
        },
      };
    }
    const audio = this.#store.copy();
    const endMs = this.#totalAudioMs;
    this.clear();
    return { ok: true, audio, durationMs, startMs: endMs - durationMs, endMs };
  }

  /** Drops all buffered audio and any turn in progress (`input_audio_buffer.clear`). The timeline keeps counting. */
  clear(): void {
    this.#store.clear();
    this.#holdsSpeech = false;
    this.#detector?.reset();
  }

  /**
   * Changes the input format. Buffered audio in the old format cannot be mixed with the new one, so
   * a real change clears the buffer (the timeline keeps counting); setting the same format is a no-op.
   */
  setFormat(f: WireAudioFormat): void {
    if (f.type === this.#format.type) return;
    this.clear();
    this.#format = f;
    this.#startDetector();
  }

  /**
   * Changes turn detection: settings apply to the running detector; null switches to manual commit
   * (buffered audio is kept); enabling it starts a detector at the current timeline position.
   */
  setTurnDetection(c: TurnDetectionConfig | null): void {
    this.#turnDetection = c;
    if (c === null) {
      this.#detector = null;
    } else if (this.#detector === null) {
      this.#startDetector();
    } else {
      this.#detector.configure(c);
    }
  }

  #startDetector(): void {
    const config = this.#turnDetection;
    this.#detector = config === null ? null : new TurnDetector(config, sampleRateHz(this.#format));
    this.#detectorOffsetMs = this.#totalAudioMs;
  }

  /** Drops audio older than `timelineMs` (at a sample boundary). */
  #dropBefore(timelineMs: number): void {
    const bufferStartMs = this.#totalAudioMs - this.bufferedMs;
    const alignment = sampleAlignmentBytes(this.#format);
    const bytes = Math.floor(((timelineMs - bufferStartMs) * bytesPerMs(this.#format)) / alignment) * alignment;
    if (bytes > 0) this.#store.dropFront(bytes);
  }

  /** Turn detection on, nobody speaking: keep only what a turn starting now could reach back to. */
  #dropIdleAudio(): void {
    const prefixMs = this.#turnDetection?.type === 'server_vad' ? this.#turnDetection.prefixPaddingMs : SEMANTIC_PREFIX_PADDING_MS;
    const keepMs = Math.max(0, prefixMs) + IDLE_MARGIN_MS;
    const alignment = sampleAlignmentBytes(this.#format);
    const keepBytes = Math.ceil((keepMs * bytesPerMs(this.#format)) / alignment) * alignment;
    const excess = this.#store.length - keepBytes;
    if (excess > 0) this.#store.dropFront(excess);
  }
}

/** Smallest store, bytes (about 170 ms of 24 kHz PCM16). */
const STORE_MIN_BYTES = 8 * 1024;
/** A store larger than this is given back on clear (a long manual turn must not pin megabytes). */
const STORE_KEEP_BYTES = 256 * 1024;

/**
 * The buffered audio of one session as a window `[start, end)` of one Buffer. Appends decode into the
 * free tail; dropping from the front moves `start`; when the tail is too short the window is moved
 * to the front (live audio is small while nobody speaks) or the Buffer is doubled. For PCM16 every
 * offset stays even (appends and drops are whole samples), so an append can be read in place as an
 * Int16Array.
 */
export class AudioStore {
  #bytes: Buffer = Buffer.allocUnsafeSlow(0);
  #start = 0;
  #end = 0;

  /** Bytes held. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Bytes allocated (for tests and memory figures). */
  get capacity(): number {
    return this.#bytes.length;
  }

  /**
   * Decodes base64 `audio` (expected to give `byteLength` bytes) into the free tail, without
   * making it part of the window. Returns the decoded bytes (a view, valid until the next call that
   * changes the store), or null when fewer bytes decoded (characters outside the alphabet).
   */
  decodeTail(audio: string, byteLength: number): Buffer | null {
    this.#reserve(byteLength);
    const written = this.#bytes.write(audio, this.#end, byteLength, 'base64');
    return written === byteLength ? this.#bytes.subarray(this.#end, this.#end + byteLength) : null;
  }

  /** Makes the `byteLength` bytes last decoded by {@link decodeTail} part of the window. */
  commitTail(byteLength: number): void {
    this.#end += byteLength;
  }

  /** Drops `bytes` from the front (all of it when `bytes` ≥ {@link length}). */
  dropFront(bytes: number): void {
    this.#start = Math.min(this.#end, this.#start + bytes);
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** A copy of the window (the caller may keep it). */
  copy(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.length);
    this.#bytes.copy(out, 0, this.#start, this.#end);
    return out;
  }

  /** Empties the window; an oversized Buffer is released. */
  clear(): void {
    this.#start = this.#end = 0;
    if (this.#bytes.length > STORE_KEEP_BYTES) this.#bytes = Buffer.allocUnsafeSlow(0);
  }

  #reserve(n: number): void {
    if (this.#end + n <= this.#bytes.length) return;
    const live = this.length;
    // Move the window to the front when that leaves room (cheap: little is live while idle), else grow.
    if (live + n <= this.#bytes.length >> 1) {
      this.#bytes.copyWithin(0, this.#start, this.#end);
    } else {
      let cap = Math.max(STORE_MIN_BYTES, this.#bytes.length);
      while (cap < (live + n) * 2) cap *= 2;
      const next = Buffer.allocUnsafeSlow(cap);
      this.#bytes.copy(next, 0, this.#start, this.#end);
      this.#bytes = next;
    }
    this.#start = 0;
    this.#end = live;
  }
}
