/**
 * The Live session's one continuous output track (docs/live-protocol.md §4.3, §8.4): a
 * `session.output_audio.delta` per {@link LIVE_FRAME_MS} of track, digital silence between
 * utterances, released as the input timeline moves — frame k (track [100k, 100k+100) ms) goes out
 * once the input timeline reaches its end plus the output lag. Utterances are synthesized speech
 * placed on the track; their words go out as `session.output_transcript.delta` in
 * {@link LIVE_TRANSCRIPT_BUCKET_MS} buckets as their audio is released. Nothing here reads a clock:
 * the session calls {@link OutputTrack.releaseUntil} with the timeline position.
 */
import type { AudioFormat } from 'openai/resources/live/live';
import { encodeFromPcm16 } from '../../common/audio/formats.ts';
import { synthesizeSpeechCached } from '../speech-synth.ts';
import { wordDeltas } from '../transcription/transcript.ts';

/** Duration of one output delta, ms (4,800 bytes of PCM16 24 kHz, [M L5]). */
export const LIVE_FRAME_MS = 100;
/** Transcript delta granularity on the session timeline, ms ([M L5]). */
export const LIVE_TRANSCRIPT_BUCKET_MS = 200;

/** One utterance placed on the track. */
export interface PlacedUtterance {
  /** Track position of its first sample, ms. */
  readonly startMs: number;
  /** Track position after its last sample, ms. */
  readonly endMs: number;
  readonly text: string;
}

interface Utterance extends PlacedUtterance {
  readonly samples: Int16Array;
  /** Words with their track position, ms. */
  readonly words: { atMs: number; text: string }[];
  /** Told when the frame holding its first / last sample was written (µs), or discarded (null). */
  readonly onFirstFrame: FrameHook | null;
  readonly onLastFrame: FrameHook | null;
}

/** Told when a frame was written to the socket (µs monotonic), or null when it was discarded. */
export type FrameHook = (writtenUs: number | null) => void;

/** What the track emits (the session turns these into events). */
export interface TrackSink {
  /** One output frame's bytes in the session's format; `firsts`/`lasts` are utterances starting/ending in it. */
  frame(bytes: Buffer, startMs: number, firsts: readonly FrameHook[], lasts: readonly FrameHook[]): void;
  /** The assistant's words of one transcript bucket. */
  transcript(text: string, startMs: number, endMs: number): void;
}

/** Sample rate of a Live format: 24000/16000 for PCM, 8000 for G.711. */
export function liveRateHz(f: AudioFormat): number {
  return f.type === 'audio/pcm' ? f.rate : 8000;
}

/** Encodes PCM16 samples in the session's format (PCM16 LE at 16/24 kHz, or G.711 at 8 kHz). */
export function encodeLive(f: AudioFormat, samples: Int16Array): Buffer {
  if (f.type === 'audio/pcm') return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  return encodeFromPcm16({ type: f.type }, samples);
}

/** The continuous output track of one Live session. */
export class OutputTrack {
  readonly #format: AudioFormat;
  readonly #voice: string;
  readonly #sink: TrackSink;
  readonly #samplesPerFrame: number;
  #utterances: Utterance[] = [];
  /** Frames released so far (the next frame's index). */
  #frames = 0;
  /** Transcript released up to this track position, ms. */
  #transcriptMs = 0;
  /** Utterances placed so far (words of later ones start with a space). */
  #spoken = 0;

  constructor(format: AudioFormat, voice: string, sink: TrackSink) {
    this.#format = format;
    this.#voice = voice;
    this.#sink = sink;
    this.#samplesPerFrame = (liveRateHz(format) * LIVE_FRAME_MS) / 1000;
  }

  /** Track released so far, ms. */
  get releasedMs(): number {
    return this.#frames * LIVE_FRAME_MS;
  }

  /** Where the last placed utterance ends (or the released position if later), ms. */
  get busyUntilMs(): number {
    const last = this.#utterances[this.#utterances.length - 1];
    return Math.max(this.releasedMs, last?.endMs ?? 0);
  }

  /**
   * Places `text` as speech at `atMs` or, if the track is busy then, right after the utterance
   * before it (utterances never overlap). Never before the released position. `onFirstFrame` /
   * `onLastFrame` run when the frames holding its first / last sample are emitted.
   */
  speak(text: string, atMs: number, seed: number, hooks: { onFirstFrame?: FrameHook; onLastFrame?: FrameHook } = {}): PlacedUtterance {
    const rate = liveRateHz(this.#format);
    const samples = synthesizeSpeechCached(text, { sampleRateHz: rate, voice: this.#voice, seed });
    const startMs = Math.max(atMs, this.busyUntilMs);
    const durationMs = (samples.length * 1000) / rate;
    const parts = wordDeltas(text);
    if (this.#spoken++ > 0 && parts.length > 0) parts[0] = ` ${parts[0]!.trimStart()}`;
    const words = parts.map((w, i) => ({ atMs: startMs + (i * durationMs) / Math.max(1, parts.length), text: w }));
    const u: Utterance = {
      startMs,
      endMs: startMs + durationMs,
      text,
      samples,
      words,
      onFirstFrame: hooks.onFirstFrame ?? null,
      onLastFrame: hooks.onLastFrame ?? null,
    };
    this.#utterances.push(u);
    return u;
  }

  /** Emits every whole frame whose end is at or before `trackMs`, and their transcript buckets. */
  releaseUntil(trackMs: number): void {
    while ((this.#frames + 1) * LIVE_FRAME_MS <= trackMs) this.#emitFrame();
  }

  #emitFrame(): void {
    const k = this.#frames++;
    const startMs = k * LIVE_FRAME_MS;
    const endMs = startMs + LIVE_FRAME_MS;
    const rate = liveRateHz(this.#format);
    const pcm = new Int16Array(this.#samplesPerFrame);
    const firsts: FrameHook[] = [];
    const lasts: FrameHook[] = [];
    for (const u of this.#utterances) {
      if (u.endMs <= startMs || u.startMs >= endMs) continue;
      const uStart = Math.round(((u.startMs - startMs) * rate) / 1000);
      for (let i = Math.max(0, uStart); i < pcm.length; i++) {
        const j = i - uStart;
        if (j >= u.samples.length) break;
        pcm[i] = u.samples[j]!;
      }
      if (u.startMs >= startMs && u.onFirstFrame) firsts.push(u.onFirstFrame);
      if (u.endMs <= endMs && u.onLastFrame) lasts.push(u.onLastFrame);
    }
    this.#sink.frame(encodeLive(this.#format, pcm), startMs, firsts, lasts);
    while (this.#transcriptMs + LIVE_TRANSCRIPT_BUCKET_MS <= endMs) {
      const b0 = this.#transcriptMs;
      const b1 = b0 + LIVE_TRANSCRIPT_BUCKET_MS;
      let text = '';
      for (const u of this.#utterances) for (const w of u.words) if (w.atMs >= b0 && w.atMs < b1) text += w.text;
      if (text !== '') this.#sink.transcript(text, b0, b1);
      this.#transcriptMs = b1;
    }
    // Forget utterances wholly released (transcript included).
    this.#utterances = this.#utterances.filter((u) => u.endMs > Math.min(endMs, this.#transcriptMs));
  }
}
