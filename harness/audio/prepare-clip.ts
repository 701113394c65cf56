/**
 * Slices a clip, already converted to the session's rate, into prebuilt `input_audio_buffer.append`
 * frames. Each frame is serialized once, here, and the same strings are sent by every session, so
 * the per-frame send cost is a socket write and the memory is per clip, not per session.
 */
import { ConfigError } from '../../common/errors.ts';
import type { PreparedClip, SilenceFrame, WireAudioFormat } from '../contract.ts';
import { encodeFromPcm16, sampleRateHz } from '../../common/audio/formats.ts';
import { downmixToMono, floatToPcm16 } from './resample.ts';

/** The manifest fields a prepared clip needs. */
export interface ClipInfo {
  readonly id: string;
  readonly transcript: string;
  readonly language: string;
  readonly speech_start_ms: number;
  readonly speech_end_ms: number;
}

/** Frame options: the session's wire format and the frame duration. */
export interface FrameOptions {
  readonly format: WireAudioFormat;
  /** Audio per frame, ms; must be a whole number of samples at the format's rate (any integer works). */
  readonly chunkMs: number;
}

/** Mono or multichannel float audio at some rate (a `DecodedAudio` after resampling). */
export interface RatedAudio {
  readonly sampleRateHz: number;
  readonly channels: readonly Float32Array[];
}

/** Longest frame accepted, ms (the wire limit is 15 MiB per append, §8.2; nothing sensible needs more). */
export const MAX_CHUNK_MS = 10_000;

/** Samples per frame for the format, or a ConfigError naming `chunk_ms`. */
export function samplesPerFrame(format: WireAudioFormat, chunkMs: number): number {
  const samples = (sampleRateHz(format) * chunkMs) / 1000;
  if (!Number.isFinite(chunkMs) || chunkMs <= 0 || chunkMs > MAX_CHUNK_MS || !Number.isInteger(samples)) {
    throw new ConfigError(
      'E_CORPUS',
      `chunk_ms: expected a duration in (0, ${MAX_CHUNK_MS}] ms that is a whole number of samples at ${sampleRateHz(format)} Hz, got ${chunkMs}`,
    );
  }
  return samples;
}

/** The exact append event text for a base64 payload (key order: `type`, `audio`). */
export function appendFrame(base64: string): string {
  // JSON.stringify yields one flat string (no rope to flatten on the first send).
  return JSON.stringify({ type: 'input_audio_buffer.append', audio: base64 });
}

/** Wire bytes (PCM16 LE or G.711 codes) of float audio already at the format's rate. */
export function toWireBytes(format: WireAudioFormat, samples: Float32Array): Buffer {
  return encodeFromPcm16(format, floatToPcm16(samples));
}

/**
 * Builds the frames of one clip.
 * @param entry manifest fields (id, transcript, language, speech boundaries)
 * @param audio the clip at exactly the format's rate (24 kHz for `audio/pcm`, 8 kHz for G.711); several channels are averaged
 * @throws RangeError when the rate does not match; ConfigError for a bad `chunkMs`
 */
export function prepareClip(entry: ClipInfo, audio: RatedAudio, opts: FrameOptions): PreparedClip {
  const rateHz = sampleRateHz(opts.format);
  if (audio.sampleRateHz !== rateHz) {
    throw new RangeError(`prepareClip(${entry.id}): audio is at ${audio.sampleRateHz} Hz, the format needs ${rateHz} Hz`);
  }
  const perFrame = samplesPerFrame(opts.format, opts.chunkMs);
  const samples = downmixToMono(audio.channels);
  const bytes = toWireBytes(opts.format, samples);
  const bytesPerSample = samples.length === 0 ? 1 : bytes.length / samples.length;
  const frameBytes = perFrame * bytesPerSample;
  const frames: string[] = [];
  for (let at = 0; at < bytes.length; at += frameBytes) {
    frames.push(appendFrame(bytes.subarray(at, Math.min(bytes.length, at + frameBytes)).toString('base64')));
  }
  // The last speech sample is the one just before speech_end_ms.
  const lastSpeechSample = Math.max(0, Math.ceil((entry.speech_end_ms * rateHz) / 1000) - 1);
  const speechEndFrameIndex = Math.min(frames.length - 1, Math.floor(lastSpeechSample / perFrame));
  return {
    id: entry.id,
    transcript: entry.transcript,
    language: entry.language,
    format: opts.format,
    chunkMs: opts.chunkMs,
    frames,
    speechEndFrameIndex: Math.max(0, speechEndFrameIndex),
    speechStartMs: entry.speech_start_ms,
    speechEndMs: entry.speech_end_ms,
    durationMs: (samples.length * 1000) / rateHz,
  };
}

/** Code of digital silence per format: PCM zero, μ-law 0xFF, A-law 0xD5 (G.711's codes nearest 0). */
const SILENCE_BYTE: Readonly<Record<WireAudioFormat['type'], number>> = { 'audio/pcm': 0x00, 'audio/pcmu': 0xff, 'audio/pcma': 0xd5 };

/** One frame of digital silence for the format and chunk size. */
export function silenceFrame(format: WireAudioFormat, chunkMs: number): SilenceFrame {
  const perFrame = samplesPerFrame(format, chunkMs);
  const bytes = Buffer.alloc(perFrame * (format.type === 'audio/pcm' ? 2 : 1), SILENCE_BYTE[format.type]);
  return { frame: appendFrame(bytes.toString('base64')), chunkMs };
}
