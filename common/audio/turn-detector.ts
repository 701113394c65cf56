/**
 * Streaming turn detection on the audio actually received (§3.3, §5 `audio.input.turn_detection`).
 *
 * Both modes share one energy detector. Audio is cut into 10 ms frames on a grid that starts at the
 * first sample ever pushed; a frame is *voiced* when its RMS level is at least
 * `−70 + 60 × threshold` dBFS (threshold 0.5 → −40 dBFS; 0 → −70; 1 → −10; 0 dBFS is a full-scale
 * square wave, so a full-scale sine is −3 dBFS). As in the real service, a higher threshold needs
 * louder audio. Speech needs {@link MIN_SPEECH_MS} of consecutive voiced frames, so clicks and
 * isolated noise bursts neither start a turn nor extend one.
 *
 * - `speech_started.audioStartMs` = first frame of the qualifying run − `prefixPaddingMs` ("includes
 *   prefix padding", §2.3), never before 0, the end of the previous turn, or the last {@link TurnDetector.reset}
 *   (audio before those is no longer in the input buffer).
 * - `speech_stopped` fires once the wait has passed with no speech, and `audioEndMs` = end of the last
 *   speech frame + the wait (the real docs: `audio_end_ms` "includes the min_silence_duration_ms").
 *   The wait is `silenceDurationMs` for server_vad and {@link SEMANTIC_VAD_WAITS_MS} for semantic_vad.
 *
 * Results do not depend on how the audio is split into pushes. The per-sample work is one
 * multiply-add; nothing is allocated per sample or per frame.
 */

/** `server_vad` settings (§5). */
export interface ServerVadConfig {
  type: 'server_vad';
  /** Activation threshold 0–1; the frame level needed is −70 + 60 × threshold dBFS. Default 0.5. */
  threshold: number;
  /** Audio kept before the detected onset and reported in `audio_start_ms`, ms. Default 300. */
  prefixPaddingMs: number;
  /** Silence needed to end the turn, ms. Default 500. */
  silenceDurationMs: number;
}

/** `semantic_vad` settings (§5): approximated by eagerness-dependent end-of-turn waits. */
export interface SemanticVadConfig {
  type: 'semantic_vad';
  /** `auto` behaves as `medium`. */
  eagerness: 'auto' | 'low' | 'medium' | 'high';
}

/** Either turn-detection mode (`null`, manual commit, is handled by the caller). */
export type TurnDetectionConfig = ServerVadConfig | SemanticVadConfig;

/** The real service's server_vad defaults (§5): threshold 0.5, prefix 300 ms, silence 500 ms. */
export const SERVER_VAD_DEFAULTS: ServerVadConfig = Object.freeze({
  type: 'server_vad',
  threshold: 0.5,
  prefixPaddingMs: 300,
  silenceDurationMs: 500,
}) as ServerVadConfig;

/** A turn boundary; positions are ms since the first sample ever pushed. */
export type VadEvent = { type: 'speech_started'; audioStartMs: number } | { type: 'speech_stopped'; audioEndMs: number };

/** Analysis frame length, ms. */
export const FRAME_MS = 10;
/** Consecutive voiced audio needed before it counts as speech, ms (5 frames). */
export const MIN_SPEECH_MS = 50;
/** semantic_vad's activation threshold (the server_vad default). */
const SEMANTIC_THRESHOLD = 0.5;
/** semantic_vad's prefix padding, ms (the server_vad default; the real value is not documented). */
export const SEMANTIC_PREFIX_PADDING_MS = 300;
/** Below this much speech (onset to last speech), semantic_vad assumes the user has not finished. */
export const SEMANTIC_SHORT_UTTERANCE_MS = 600;

/**
 * semantic_vad end-of-turn waits per eagerness, ms: `wait` after an utterance, `shortWait` after one
 * shorter than {@link SEMANTIC_SHORT_UTTERANCE_MS} (a "not finished yet" heuristic standing in for the
 * real semantic model), both within the documented maximum (`maxWait`: 8 s / 4 s / 2 s, §5).
 */
export const SEMANTIC_VAD_WAITS_MS: Readonly<Record<'low' | 'medium' | 'high', { wait: number; shortWait: number; maxWait: number }>> =
  Object.freeze({
    low: { wait: 1500, shortWait: 3000, maxWait: 8000 },
    medium: { wait: 800, shortWait: 1600, maxWait: 4000 },
    high: { wait: 300, shortWait: 600, maxWait: 2000 },
  });

const FULL_SCALE_SQUARED = 32768 * 32768;

/** Mean square (of PCM16 samples) at which a frame becomes voiced, for a 0–1 threshold. */
function activationMeanSquare(threshold: number): number {
  const t = Number.isFinite(threshold) ? Math.min(1, Math.max(0, threshold)) : SERVER_VAD_DEFAULTS.threshold;
  const dbfs = -70 + 60 * t;
  return FULL_SCALE_SQUARED * 10 ** (dbfs / 10);
}

/** Streaming energy-based turn detector for one session's input audio. */
export class TurnDetector {
  readonly #sampleRateHz: number;
  readonly #frameSamples: number;
  readonly #minSpeechFrames: number;

  // Configuration, derived.
  #semantic: SemanticVadConfig['eagerness'] | null = null;
  #activationMeanSq = 0;
  #prefixPaddingMs = 0;
  #silenceMs = 0;

  // Frame accumulator (the grid never resets): samples in completed frames, then the partial frame.
  #framedSamples = 0;
  #frameFill = 0;
  #frameSumSq = 0;

  // Speech state, in samples since the first sample pushed.
  #speaking = false;
  #runFrames = 0;
  #runStart = 0;
  #onset = 0;
  #lastSpeechEnd = 0;
  /** Earliest position a new turn's audio may start at, ms (previous turn end or last reset). */
  #floorMs = 0;

  /**
   * @param config the mode and its settings (see {@link SERVER_VAD_DEFAULTS}).
   * @param sampleRateHz rate of the PCM16 samples that will be pushed (24000 for `audio/pcm`, 8000 for G.711).
   */
  constructor(config: TurnDetectionConfig, sampleRateHz: number) {
    if (!(sampleRateHz > 0)) throw new RangeError(`TurnDetector: sample rate must be positive, got ${sampleRateHz}`);
    this.#sampleRateHz = sampleRateHz;
    this.#frameSamples = Math.max(1, Math.round((sampleRateHz * FRAME_MS) / 1000));
    this.#minSpeechFrames = Math.ceil(MIN_SPEECH_MS / FRAME_MS);
    this.configure(config);
  }

  /** Total audio pushed since construction, ms (not reset by {@link reset}). */
  get audioMs(): number {
    return ((this.#framedSamples + this.#frameFill) * 1000) / this.#sampleRateHz;
  }

  /** True between `speech_started` and `speech_stopped`. */
  get speaking(): boolean {
    return this.#speaking;
  }

  /**
   * Applies new settings; a turn in progress continues under them (a new silence wait applies to the
   * silence already counted).
   */
  configure(config: TurnDetectionConfig): void {
    if (config.type === 'semantic_vad') {
      this.#semantic = config.eagerness;
      this.#activationMeanSq = activationMeanSquare(SEMANTIC_THRESHOLD);
      this.#prefixPaddingMs = SEMANTIC_PREFIX_PADDING_MS;
      this.#silenceMs = 0;
    } else {
      this.#semantic = null;
      this.#activationMeanSq = activationMeanSquare(config.threshold);
      this.#prefixPaddingMs = Math.max(0, Number.isFinite(config.prefixPaddingMs) ? config.prefixPaddingMs : SERVER_VAD_DEFAULTS.prefixPaddingMs);
      this.#silenceMs = Math.max(0, Number.isFinite(config.silenceDurationMs) ? config.silenceDurationMs : SERVER_VAD_DEFAULTS.silenceDurationMs);
    }
  }

  /**
   * Forgets the speech state (after `input_audio_buffer.clear` or a commit): no `speech_stopped` is
   * sent for a turn in progress, and the next turn cannot start before this point. `audioMs` keeps counting.
   */
  reset(): void {
    this.#speaking = false;
    this.#runFrames = 0;
    this.#floorMs = this.audioMs;
  }

  /**
   * Feeds PCM16 samples at the constructor's rate and returns the turn boundaries they complete, in order.
   */
  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    const frameSamples = this.#frameSamples;
    let fill = this.#frameFill;
    let sumSq = this.#frameSumSq;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      sumSq += s * s;
      if (++fill === frameSamples) {
        this.#framedSamples += frameSamples;
        this.#endFrame(sumSq / frameSamples >= this.#activationMeanSq, events);
        fill = 0;
        sumSq = 0;
      }
    }
    this.#frameFill = fill;
    this.#frameSumSq = sumSq;
    return events;
  }

  #ms(samplePosition: number): number {
    return Math.round((samplePosition * 1000) / this.#sampleRateHz);
  }

  /** End-of-turn wait, ms, for the current utterance. */
  #waitMs(): number {
    if (this.#semantic === null) return this.#silenceMs;
    const waits = SEMANTIC_VAD_WAITS_MS[this.#semantic === 'auto' ? 'medium' : this.#semantic];
    const speechMs = ((this.#lastSpeechEnd - this.#onset) * 1000) / this.#sampleRateHz;
    return Math.min(waits.maxWait, speechMs < SEMANTIC_SHORT_UTTERANCE_MS ? waits.shortWait : waits.wait);
  }

  /** One complete frame ending at `#framedSamples`. */
  #endFrame(voiced: boolean, events: VadEvent[]): void {
    const frameEnd = this.#framedSamples;
    if (voiced) {
      if (this.#runFrames === 0) this.#runStart = frameEnd - this.#frameSamples;
      this.#runFrames++;
    } else {
      this.#runFrames = 0;
    }
    const isSpeech = this.#runFrames >= this.#minSpeechFrames;
    if (!this.#speaking) {
      if (!isSpeech) return;
      this.#speaking = true;
      this.#onset = this.#runStart;
      this.#lastSpeechEnd = frameEnd;
      const startMs = Math.max(0, this.#floorMs, this.#ms(this.#onset) - this.#prefixPaddingMs);
      events.push({ type: 'speech_started', audioStartMs: Math.round(startMs) });
      return;
    }
    if (isSpeech) {
      this.#lastSpeechEnd = frameEnd;
      return;
    }
    const waitMs = this.#waitMs();
    if (((frameEnd - this.#lastSpeechEnd) * 1000) / this.#sampleRateHz >= waitMs) {
      this.#speaking = false;
      const endMs = Math.round(this.#ms(this.#lastSpeechEnd) + waitMs);
      this.#floorMs = endMs;
      events.push({ type: 'speech_stopped', audioEndMs: endMs });
    }
  }
}
