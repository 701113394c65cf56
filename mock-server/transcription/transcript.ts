/**
 * What the mock "hears". It cannot recognise words, so a transcript is a deterministic placeholder:
 * words drawn from a fixed list by a seeded stream, as many as the *speech* in the audio would
 * hold at {@link WORDS_PER_S} words per second. Speech is measured, not assumed: {@link SpeechMeter}
 * finds the span of 10 ms frames at or above the server_vad default activation level, so leading
 * and trailing silence and padding add no words. Shared by transcription and translation sessions.
 */
import type { Rng } from '../contract.ts';

/** Speaking rate the placeholder transcripts follow: 2.5 words/s (≈150 words per minute). */
export const WORDS_PER_S = 2.5;

/** Frame length of the speech meter, ms. */
export const METER_FRAME_MS = 10;

/**
 * Level a 10 ms frame needs to count as speech: −40 dBFS RMS, the turn detector's level at the
 * server_vad default threshold 0.5 (−70 + 60 × 0.5).
 */
export const SPEECH_LEVEL_DBFS = -40;

/** The placeholder vocabulary: short, common, unambiguous English words. */
export const PLACEHOLDER_WORDS: readonly string[] = [
  'the', 'weather', 'is', 'nice', 'today', 'and', 'we', 'could', 'walk', 'to', 'the', 'river',
  'please', 'send', 'me', 'a', 'short', 'summary', 'of', 'our', 'meeting', 'tomorrow', 'morning',
  'I', 'would', 'like', 'to', 'book', 'a', 'table', 'for', 'two', 'people', 'at', 'seven',
  'can', 'you', 'check', 'my', 'order', 'status', 'it', 'should', 'arrive', 'this', 'week',
  'thank', 'you', 'very', 'much', 'for', 'your', 'help', 'with', 'the', 'new', 'project',
  'what', 'time', 'does', 'the', 'train', 'leave', 'from', 'central', 'station',
];

/** Number of placeholder words that `speechMs` of speech holds: round(speechMs × 2.5 / 1000). */
export function wordCountForSpeech(speechMs: number): number {
  return Math.max(0, Math.round((speechMs * WORDS_PER_S) / 1000));
}

/**
 * A sentence of `count` placeholder words from `rng`: capitalised, words separated by single
 * spaces, ending in a period; "" for zero words.
 */
export function placeholderSentence(rng: Rng, count: number): string {
  if (count <= 0) return '';
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(rng.pick(PLACEHOLDER_WORDS));
  const first = words[0]!;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return `${words.join(' ')}.`;
}

/**
 * Splits a transcript into word deltas whose concatenation is exactly the transcript (a word keeps
 * the space before it: `["Hello", " there."]`), the way streaming ASR emits them (§2.5: "do not
 * insert spaces between deltas").
 */
export function wordDeltas(transcript: string): string[] {
  return transcript.match(/\s*\S+/g) ?? [];
}

/** Consecutive voiced frames that make speech (50 ms, as the turn detector): clicks do not count. */
export const METER_MIN_RUN_FRAMES = 5;

/**
 * Measures speech in PCM16 audio across pushes (a partial frame carries over): the span from the
 * first to the last voiced frame of runs of at least {@link METER_MIN_RUN_FRAMES}, so the pauses
 * between words count as speaking time (2.5 words/s is a rate that includes them) while leading and
 * trailing silence and isolated clicks do not.
 */
export class SpeechMeter {
  readonly #frameSamples: number;
  readonly #thresholdMeanSq: number;
  #fill = 0;
  #sumSq = 0;
  /** Whole frames since the last reset. */
  #frames = 0;
  #run = 0;
  #runStart = 0;
  #firstSpeech = -1;
  #lastSpeechEnd = -1;

  /** @param sampleRateHz rate of the samples pushed (24000 for PCM16, 8000 for G.711). */
  constructor(sampleRateHz: number) {
    this.#frameSamples = Math.max(1, Math.round((sampleRateHz * METER_FRAME_MS) / 1000));
    this.#thresholdMeanSq = 32768 * 32768 * 10 ** (SPEECH_LEVEL_DBFS / 10);
  }

  /** Speech since the last reset, first onset to last voiced frame, ms (0 without speech). */
  get speechMs(): number {
    return this.#firstSpeech < 0 ? 0 : (this.#lastSpeechEnd - this.#firstSpeech) * METER_FRAME_MS;
  }

  /** Audio measured since the last reset (whole frames), ms. */
  get audioMs(): number {
    return this.#frames * METER_FRAME_MS;
  }

  /** Adds samples. */
  push(samples: Int16Array): void {
    let fill = this.#fill;
    let sumSq = this.#sumSq;
    const n = this.#frameSamples;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      sumSq += s * s;
      if (++fill === n) {
        this.#endFrame(sumSq / n >= this.#thresholdMeanSq);
        fill = 0;
        sumSq = 0;
      }
    }
    this.#fill = fill;
    this.#sumSq = sumSq;
  }

  /** Starts a new measurement (the partial frame is kept: the frame grid never moves). */
  reset(): void {
    this.#frames = 0;
    this.#run = 0;
    this.#firstSpeech = -1;
    this.#lastSpeechEnd = -1;
  }

  #endFrame(voiced: boolean): void {
    const index = this.#frames++;
    if (!voiced) {
      this.#run = 0;
      return;
    }
    if (this.#run++ === 0) this.#runStart = index;
    if (this.#run >= METER_MIN_RUN_FRAMES) {
      if (this.#firstSpeech < 0) this.#firstSpeech = this.#runStart;
      this.#lastSpeechEnd = index + 1;
    }
  }
}
