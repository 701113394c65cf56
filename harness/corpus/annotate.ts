/**
 * Speech boundaries of a clip, found by the same energy VAD the bundled mock uses
 * (`common/audio/turn-detector.ts`), run on the 24 kHz mono PCM16 signal that sessions send.
 * This keeps the manifest's `speech_end_ms` (which stamps `speech_end_sent`) consistent with what a
 * server_vad target hears. Prefix padding is 0 so the start is the onset itself; the end is the
 * detector's `audioEndMs` minus the silence wait it includes (§3.3: `audio_end_ms` includes the
 * `silence_duration_ms`).
 */
import { SERVER_VAD_DEFAULTS, TurnDetector, type ServerVadConfig } from '../../common/audio/turn-detector.ts';
import { floatToPcm16, toMonoAt } from '../audio/resample.ts';
import { durationMsOf, type DecodedAudio } from '../audio/wav-decode.ts';

/** Detector settings used for annotation: server_vad defaults (threshold 0.5, silence 500 ms), prefix padding 0. */
export const ANNOTATE_VAD: ServerVadConfig = Object.freeze({ ...SERVER_VAD_DEFAULTS, prefixPaddingMs: 0 }) as ServerVadConfig;

/** Rate the detector runs at: the `audio/pcm` session rate. */
export const ANNOTATE_RATE_HZ = 24000;

/** One stretch the VAD takes for a turn, ms from the clip start. */
export interface SpeechSegment {
  startMs: number;
  endMs: number;
}

/** What the VAD found in a clip. */
export interface Annotation {
  /** Whole clip, ms, rounded to the nearest ms. */
  durationMs: number;
  /** Speech stretches separated by at least the silence wait; usually one. */
  segments: SpeechSegment[];
  /** Start of the first segment, or null when no speech was found. */
  speechStartMs: number | null;
  /** End of the last segment, or null when no speech was found. */
  speechEndMs: number | null;
}

/**
 * Runs the VAD over a decoded clip (any rate/channels; downmixed and resampled to 24 kHz).
 * Silence is appended internally so a turn that runs to the end of the file still closes.
 * @param vad detector settings; default {@link ANNOTATE_VAD}
 */
export async function annotate(decoded: DecodedAudio, vad: ServerVadConfig = ANNOTATE_VAD): Promise<Annotation> {
  const mono = await toMonoAt(decoded, ANNOTATE_RATE_HZ);
  return annotateMono24k(mono, Math.round(durationMsOf(decoded)), vad);
}

/** {@link annotate} on mono float samples already at 24 kHz. */
export function annotateMono24k(samples: Float32Array, durationMs: number, vad: ServerVadConfig = ANNOTATE_VAD): Annotation {
  const detector = new TurnDetector(vad, ANNOTATE_RATE_HZ);
  const events = [...detector.push(floatToPcm16(samples))];
  const flushMs = vad.silenceDurationMs + 100;
  events.push(...detector.push(new Int16Array(Math.ceil((flushMs * ANNOTATE_RATE_HZ) / 1000))));
  const segments: SpeechSegment[] = [];
  let start: number | null = null;
  for (const e of events) {
    if (e.type === 'speech_started') start = e.audioStartMs;
    else if (start !== null) {
      segments.push({ startMs: start, endMs: Math.min(durationMs, e.audioEndMs - vad.silenceDurationMs) });
      start = null;
    }
  }
  return {
    durationMs,
    segments,
    speechStartMs: segments[0]?.startMs ?? null,
    speechEndMs: segments.at(-1)?.endMs ?? null,
  };
}

/**
 * Warnings about a clip's fitness as a turn: no speech, several turns (a pause longer than the
 * silence wait), or less trailing silence than the wait (the turn then ends only once the session
 * streams more silence).
 */
export function annotationWarnings(a: Annotation, vad: ServerVadConfig = ANNOTATE_VAD): string[] {
  if (a.speechEndMs === null) return [`no speech detected (no 10 ms frames above ${(-70 + 60 * vad.threshold).toFixed(0)} dBFS for 50 ms)`];
  const warnings: string[] = [];
  if (a.segments.length > 1) {
    warnings.push(`server_vad splits this clip into ${a.segments.length} turns (a pause of at least ${vad.silenceDurationMs} ms inside)`);
  }
  const trailing = a.durationMs - a.speechEndMs;
  if (trailing < vad.silenceDurationMs) {
    warnings.push(`only ${trailing} ms of trailing silence (server_vad needs ${vad.silenceDurationMs} ms to end the turn)`);
  }
  return warnings;
}
