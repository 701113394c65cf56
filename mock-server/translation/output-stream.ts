/**
 * The translated output of a translation session (§2.5, §3.11): a queue of translated chunks, each
 * synthesized speech plus its words, streamed on the server's own clock, whatever the client's
 * pacing, as `session.output_transcript.delta` and `session.output_audio.delta{delta, format:"pcm16",
 * sample_rate:24000, channels:1, elapsed_ms}` in {@link OUTPUT_STEP_MS} steps. A word's transcript
 * delta goes out with the audio step in which the word starts.
 */
import type { RealtimeTranslationOutputAudioDeltaEvent, RealtimeTranslationOutputTranscriptDeltaEvent } from 'openai/resources/realtime/realtime';
import type { TimerHandle } from '../../common/clock.ts';
import { encodeFromPcm16 } from '../../common/audio/formats.ts';
import type { MockSessionContext, WireEvent } from '../contract.ts';
import { planSpeech, synthesizeSpeechCached } from '../speech-synth.ts';

/** Output audio step and `elapsed_ms` grid, ms (§2.5: "advances in 200 ms steps"). */
export const OUTPUT_STEP_MS = 200;
/** Output sample rate, Hz (PCM16 24 kHz mono, the only translation format). */
export const OUTPUT_SAMPLE_RATE_HZ = 24000;
/** Delay from the moment a chunk of input speech is complete to its first translated audio, ms. Mock choice. */
export const TRANSLATION_LATENCY_MS = 600;
/** Voice of the translated speech (mock choice: the session has no voice setting). */
export const TRANSLATION_VOICE = 'marin';

const STEP_SAMPLES = (OUTPUT_SAMPLE_RATE_HZ * OUTPUT_STEP_MS) / 1000;
const PCM24K = { type: 'audio/pcm', rate: 24000 } as const;

/** One translated chunk waiting to be streamed. */
interface Chunk {
  pcm: Int16Array;
  /** Transcript deltas and when each starts in `pcm`, ms. */
  words: { delta: string; startMs: number }[];
  posSamples: number;
  nextWord: number;
  /** Input timeline position the chunk translates, ms (the base of its `elapsed_ms`). */
  elapsedBaseMs: number;
  steps: number;
  readyAtUs: number;
}

/** Streams translated chunks for one session. */
export class TranslationOutputStream {
  readonly #ctx: MockSessionContext;
  readonly #queue: Chunk[] = [];
  #timer: TimerHandle | null = null;
  #lastElapsedMs = 0;
  #wordsSent = 0;
  #idleWaiters: (() => void)[] = [];
  #stopped = false;
  /** The next chunk starts a sentence (capitalised). */
  #sentenceStart = true;

  constructor(ctx: MockSessionContext) {
    this.#ctx = ctx;
  }

  /** Nothing queued or playing. */
  get idle(): boolean {
    return this.#queue.length === 0;
  }

  /**
   * Queues a chunk: `words` spoken as one utterance (`period` ends a sentence), translating the
   * input from `elapsedBaseMs`. It starts {@link TRANSLATION_LATENCY_MS} from now, or after the
   * chunk before it, whichever is later.
   */
  enqueue(words: readonly string[], period: boolean, elapsedBaseMs: number, seed: number): void {
    if (this.#stopped || words.length === 0) return;
    const spoken = words.map((w, i) => (i === 0 && this.#sentenceStart ? w.charAt(0).toUpperCase() + w.slice(1) : w));
    this.#sentenceStart = period;
    const text = spoken.join(' ') + (period ? '.' : '');
    const pcm = synthesizeSpeechCached(text, { sampleRateHz: OUTPUT_SAMPLE_RATE_HZ, voice: TRANSLATION_VOICE, seed });
    const plan = planSpeech(text);
    const durationMs = (pcm.length * 1000) / OUTPUT_SAMPLE_RATE_HZ;
    const deltas = spoken.map((w, i) => ({
      delta: (this.#wordsSent + i === 0 ? '' : ' ') + w + (period && i === words.length - 1 ? '.' : ''),
      // The synth's word plan when it matches word for word, else evenly spread.
      startMs: plan.words.length === words.length ? plan.words[i]!.startMs : (i * durationMs) / words.length,
    }));
    this.#wordsSent += words.length;
    this.#queue.push({
      pcm,
      words: deltas,
      posSamples: 0,
      nextWord: 0,
      elapsedBaseMs,
      steps: 0,
      readyAtUs: this.#ctx.clock.nowUs() + TRANSLATION_LATENCY_MS * 1000,
    });
    if (this.#timer === null) this.#schedule(0);
  }

  /** Calls `cb` once everything queued has been sent (at once when idle). */
  whenIdle(cb: () => void): void {
    if (this.idle) cb();
    else this.#idleWaiters.push(cb);
  }

  /** Stops streaming and forgets the queue (connection closed). */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    if (this.#timer !== null) this.#ctx.clearTimeout(this.#timer);
    this.#timer = null;
    this.#idleWaiters = [];
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#ctx.setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, delayMs);
  }

  #pump(): void {
    const head = this.#queue[0];
    if (!head || this.#stopped) return;
    const waitUs = head.readyAtUs - this.#ctx.clock.nowUs();
    if (waitUs > 0) return this.#schedule(waitUs / 1000);
    this.#step(head);
    if (head.posSamples >= head.pcm.length) this.#queue.shift();
    if (this.#queue.length > 0) {
      this.#schedule(OUTPUT_STEP_MS * this.#ctx.faults.audioSlowdown());
    } else {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const cb of waiters) cb();
    }
  }

  /** Sends one step of `chunk`: the transcript deltas of words starting in it, then its audio. */
  #step(chunk: Chunk): void {
    const end = Math.min(chunk.pcm.length, chunk.posSamples + STEP_SAMPLES);
    const endMs = (end * 1000) / OUTPUT_SAMPLE_RATE_HZ;
    const grid = Math.floor((chunk.elapsedBaseMs + chunk.steps * OUTPUT_STEP_MS) / OUTPUT_STEP_MS) * OUTPUT_STEP_MS;
    const elapsedMs = Math.max(this.#lastElapsedMs, grid);
    this.#lastElapsedMs = elapsedMs;
    const last = end >= chunk.pcm.length;
    while (chunk.nextWord < chunk.words.length && (last || chunk.words[chunk.nextWord]!.startMs < endMs)) {
      const transcript: Omit<RealtimeTranslationOutputTranscriptDeltaEvent, 'event_id'> = {
        type: 'session.output_transcript.delta',
        delta: chunk.words[chunk.nextWord++]!.delta,
        elapsed_ms: elapsedMs,
      };
      this.#ctx.send(transcript as WireEvent);
    }
    const audio: Omit<RealtimeTranslationOutputAudioDeltaEvent, 'event_id'> = {
      type: 'session.output_audio.delta',
      delta: encodeFromPcm16(PCM24K, chunk.pcm.subarray(chunk.posSamples, end)).toString('base64'),
      format: 'pcm16',
      sample_rate: OUTPUT_SAMPLE_RATE_HZ,
      channels: 1,
      elapsed_ms: elapsedMs,
    };
    this.#ctx.send(audio as WireEvent);
    chunk.posSamples = end;
    chunk.steps++;
  }
}
