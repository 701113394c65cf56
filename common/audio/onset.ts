/**
 * Speech onset in a stream of received audio: where the assistant starts to be audible, as opposed
 * to where its first audio bytes arrive (docs/measurement.md, "TTFA to audio onset"). One detector
 * for every transport: WebSocket deltas (base64), carrier G.711 frames (bytes), decoded WebRTC/SIP
 * RTP or GPT-Live audio (PCM16 samples). It is the project's one energy detector — the
 * {@link TurnDetector} the mock's server VAD uses — driven with no prefix padding, so "speech" means
 * the same thing on the input and on the output side.
 *
 * Definition: audio is cut into {@link FRAME_MS} (10 ms) windows on a grid that starts at the first
 * sample pushed; a window is voiced when its RMS level is at least {@link ONSET_THRESHOLD_DBFS}
 * (−40 dBFS by default); the onset is the first sample of the first voiced window that begins a run
 * of {@link MIN_SPEECH_MS} (50 ms) of consecutive voiced windows. So the onset is known only once
 * 50 ms of voiced audio has been pushed, but it is placed at the start of that run, with one-window
 * (10 ms) resolution. A stream whose voiced runs are all shorter than 50 ms (clicks, a blip) has no
 * onset.
 *
 * Why −40 dBFS (the real service's `server_vad` default threshold 0.5 maps to it, §5): conversational
 * TTS speech is normalized to roughly −16 … −26 dBFS and its voiced 10 ms windows sit above −35 dBFS
 * within a window or two of a syllable's start; the mock's synthesizer keeps speech well above −40
 * dBFS. What must not count sits 10 dB or more below: comfort noise (RFC 3389 levels in practice
 * −50 … −70 dBov), G.711 idle-channel codes (μ-law 0xFF decodes to 0, A-law 0xD5 to ±8: −72 dBFS),
 * and dither of a few LSB (±3 LSB ≈ −85 dBFS). The 50 ms run rejects isolated clicks that cross
 * the threshold for a window or two.
 *
 * Streaming: state is kept across pushes, so splitting the same audio into pushes anywhere (even
 * mid-sample for PCM16) gives the same onset. Once the onset is found, further pushes are ignored
 * (cost: one comparison), so a caller may also simply stop pushing. No audio buffer is allocated
 * per push once the scratch buffers have grown to the largest chunk (only small views).
 */
import { endianness } from 'node:os';
import type { WireAudioFormat } from './formats.ts';
import { decodeAlaw, decodeMulaw } from './g711.ts';
import { FRAME_MS, MIN_SPEECH_MS, TurnDetector } from './turn-detector.ts';

export { FRAME_MS, MIN_SPEECH_MS } from './turn-detector.ts';

/** Default onset threshold: RMS of a 10 ms window, dBFS (0 dBFS = full-scale square wave). */
export const ONSET_THRESHOLD_DBFS = -40;
/** Lowest and highest thresholds accepted (the {@link TurnDetector}'s range, threshold 0 … 1). */
export const ONSET_THRESHOLD_RANGE_DBFS = [-70, -10] as const;

/** How the bytes pushed with {@link OnsetDetector.pushBytes} / {@link OnsetDetector.pushBase64} are encoded. */
export type OnsetEncoding = 'pcm16le' | 'pcmu' | 'pcma';

/** Options of {@link OnsetDetector}. */
export interface OnsetOptions {
  /** Byte encoding; default `pcm16le`. */
  encoding?: OnsetEncoding;
  /** Sample rate, Hz; default 24000 for `pcm16le`, 8000 for G.711. */
  sampleRateHz?: number;
  /** Window RMS needed, dBFS; default {@link ONSET_THRESHOLD_DBFS}. */
  thresholdDbfs?: number;
}

/** Encoding and rate of a wire format (`audio/pcm` 24 kHz PCM16, `audio/pcmu`, `audio/pcma` 8 kHz). */
export function onsetOptionsFor(format: WireAudioFormat): OnsetOptions {
  return format.type === 'audio/pcm' ? { encoding: 'pcm16le', sampleRateHz: 24000 } : { encoding: format.type === 'audio/pcmu' ? 'pcmu' : 'pcma', sampleRateHz: 8000 };
}

const IS_LITTLE_ENDIAN_HOST = endianness() === 'LE';
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
let mulawTable: Int16Array | null = null;
let alawTable: Int16Array | null = null;

/** Streaming speech-onset detector for one stream (one turn's or response's received audio). */
export class OnsetDetector {
  readonly encoding: OnsetEncoding;
  readonly sampleRateHz: number;
  readonly thresholdDbfs: number;
  readonly #vad: TurnDetector;
  readonly #frameSamples: number;
  readonly #g711: Int16Array | null;
  #samplesSeen = 0;
  #onsetSample: number | null = null;
  /** First byte of a PCM16 sample split across pushes, or -1. */
  #oddByte = -1;
  #bytes = new Uint8Array(0);
  #samples = new Int16Array(0);

  /** @throws RangeError for a non-positive rate or a threshold outside {@link ONSET_THRESHOLD_RANGE_DBFS}. */
  constructor(options: OnsetOptions = {}) {
    this.encoding = options.encoding ?? 'pcm16le';
    this.sampleRateHz = options.sampleRateHz ?? (this.encoding === 'pcm16le' ? 24000 : 8000);
    this.thresholdDbfs = options.thresholdDbfs ?? ONSET_THRESHOLD_DBFS;
    const [lo, hi] = ONSET_THRESHOLD_RANGE_DBFS;
    if (!(this.thresholdDbfs >= lo && this.thresholdDbfs <= hi)) throw new RangeError(`OnsetDetector: thresholdDbfs must be in [${lo}, ${hi}], got ${this.thresholdDbfs}`);
    if (!(this.sampleRateHz > 0)) throw new RangeError(`OnsetDetector: sample rate must be positive, got ${this.sampleRateHz}`);
    // The turn detector's level for threshold t is −70 + 60·t dBFS; no padding, so its
    // speech_started position is the first window of the qualifying run.
    this.#vad = new TurnDetector({ type: 'server_vad', threshold: (this.thresholdDbfs - lo) / (hi - lo), prefixPaddingMs: 0, silenceDurationMs: 0 }, this.sampleRateHz);
    this.#frameSamples = Math.max(1, Math.round((this.sampleRateHz * FRAME_MS) / 1000));
    this.#g711 = this.encoding === 'pcmu' ? (mulawTable ??= decodeMulaw(ALL_CODES)) : this.encoding === 'pcma' ? (alawTable ??= decodeAlaw(ALL_CODES)) : null;
  }

  /** Whether the onset has been found (further pushes are ignored). */
  get found(): boolean {
    return this.#onsetSample !== null;
  }

  /** Samples pushed until the onset was found (or so far), per channel. */
  get samplesSeen(): number {
    return this.#samplesSeen;
  }

  /** Offset of the onset in the stream, samples from the first sample pushed; null until found. */
  get onsetSample(): number | null {
    return this.#onsetSample;
  }

  /** Offset of the onset in the stream, ms of audio from the first sample pushed; null until found. */
  get onsetMs(): number | null {
    return this.#onsetSample === null ? null : (this.#onsetSample * 1000) / this.sampleRateHz;
  }

  /** Feeds decoded PCM16 samples at {@link sampleRateHz}. Returns {@link found}. */
  pushSamples(samples: Int16Array): boolean {
    if (this.#onsetSample !== null || samples.length === 0) return this.#onsetSample !== null;
    const events = this.#vad.push(samples);
    this.#samplesSeen += samples.length;
    const start = events.find((e) => e.type === 'speech_started');
    if (start && start.type === 'speech_started') {
      // audioStartMs is the run's first frame rounded to whole ms (error ≤ 0.5 ms, less than half a
      // frame), and frames lie on a grid from sample 0: snapping back to the grid is exact.
      this.#onsetSample = Math.round((start.audioStartMs * this.sampleRateHz) / 1000 / this.#frameSamples) * this.#frameSamples;
    }
    return this.#onsetSample !== null;
  }

  /** Feeds wire bytes in {@link encoding} (a PCM16 sample may be split across pushes). Returns {@link found}. */
  pushBytes(bytes: Uint8Array): boolean {
    if (this.#onsetSample !== null || bytes.length === 0) return this.#onsetSample !== null;
    if (this.#g711) {
      const out = this.#sampleScratch(bytes.length);
      const table = this.#g711;
      for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
      return this.pushSamples(out);
    }
    let from = 0;
    let n = 0;
    const count = (bytes.length + (this.#oddByte >= 0 ? 1 : 0)) >> 1;
    const out = this.#sampleScratch(count);
    if (this.#oddByte >= 0) {
      out[n++] = ((this.#oddByte | (bytes[0]! << 8)) << 16) >> 16;
      from = 1;
      this.#oddByte = -1;
    }
    for (let i = from; i + 1 < bytes.length; i += 2) out[n++] = ((bytes[i]! | (bytes[i + 1]! << 8)) << 16) >> 16;
    if ((bytes.length - from) & 1) this.#oddByte = bytes[bytes.length - 1]!;
    return this.pushSamples(out.subarray(0, n));
  }

  /**
   * Feeds a base64 payload (a `response.output_audio.delta`'s `delta`) in {@link encoding}. Decoded
   * into a reused buffer; for PCM16 on a little-endian host the samples are read in place.
   * Returns {@link found}.
   */
  pushBase64(base64: string): boolean {
    if (this.#onsetSample !== null || base64.length === 0) return this.#onsetSample !== null;
    const cap = Math.ceil((base64.length * 3) / 4);
    if (this.#bytes.length < cap) this.#bytes = new Uint8Array(Math.max(cap, 2 * this.#bytes.length));
    const scratch = Buffer.from(this.#bytes.buffer, 0, this.#bytes.length);
    const len = scratch.write(base64, 0, 'base64');
    if (this.encoding === 'pcm16le' && IS_LITTLE_ENDIAN_HOST && this.#oddByte < 0 && (len & 1) === 0) {
      // The scratch starts at byte 0 of its own ArrayBuffer, so an Int16Array view is aligned.
      return this.pushSamples(new Int16Array(this.#bytes.buffer, 0, len >> 1));
    }
    return this.pushBytes(this.#bytes.subarray(0, len));
  }

  #sampleScratch(n: number): Int16Array {
    if (this.#samples.length < n) this.#samples = new Int16Array(Math.max(n, 2 * this.#samples.length));
    return this.#samples.subarray(0, n);
  }
}
