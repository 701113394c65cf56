/**
 * The `response.output_audio.delta` payloads of a spoken answer, cut and base64-encoded once and
 * shared by every response that speaks the same text in the same voice and format. Answers come
 * from a small fixed set (answers.ts), so under load almost every response is a cache hit: no
 * per-response encoding of seconds of audio and no per-delta base64 string.
 */
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import { encodeFromPcm16, sampleRateHz } from '../../common/audio/formats.ts';
import { synthesizeSpeechCached } from '../speech-synth.ts';

/** One answer's audio as delta payloads. */
export interface SpeechDeltas {
  /** Encoded audio length, bytes. */
  readonly totalBytes: number;
  /** Bytes per delta (the last one may be shorter). */
  readonly deltaBytes: number;
  /** Base64 of bytes `[k * deltaBytes, min(totalBytes, (k + 1) * deltaBytes))`, per delta k. */
  readonly chunks: readonly string[];
}

/** Most answers kept. */
export const SPEECH_DELTAS_MAX_ENTRIES = 64;
/** Most base64 characters kept (one byte each in V8): 48 MiB ≈ 12 min of 24 kHz PCM16. */
export const SPEECH_DELTAS_MAX_CHARS = 48 * 1024 * 1024;

const cache = new Map<string, SpeechDeltas>();
let cachedChars = 0;

/** Cuts `bytes` into base64 payloads of `deltaBytes` (one payload for all when `deltaBytes` ≤ 0). */
export function cutDeltas(bytes: Buffer, deltaBytes: number): SpeechDeltas {
  const step = deltaBytes > 0 ? deltaBytes : Math.max(1, bytes.length);
  const chunks: string[] = [];
  for (let at = 0; at < bytes.length; at += step) chunks.push(bytes.subarray(at, Math.min(bytes.length, at + step)).toString('base64'));
  return { totalBytes: bytes.length, deltaBytes: step, chunks };
}

/**
 * The deltas of `text` spoken in `voice`, encoded in `format`, `deltaBytes` per delta, through an
 * LRU of {@link SPEECH_DELTAS_MAX_ENTRIES} entries and {@link SPEECH_DELTAS_MAX_CHARS}. Read-only.
 */
export function speechDeltas(text: string, voice: string, format: WireAudioFormat, deltaBytes: number): SpeechDeltas {
  const rate = sampleRateHz(format);
  const key = `${format.type}\u0000${rate}\u0000${voice}\u0000${deltaBytes}\u0000${text}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key); // re-insert: Map order is the recency order
    cache.set(key, hit);
    return hit;
  }
  const samples = synthesizeSpeechCached(text, { sampleRateHz: rate, voice, seed: 0 });
  const deltas = cutDeltas(encodeFromPcm16(format, samples), deltaBytes);
  const chars = deltas.chunks.reduce((n, c) => n + c.length, 0);
  if (chars > SPEECH_DELTAS_MAX_CHARS) return deltas;
  cache.set(key, deltas);
  cachedChars += chars;
  while (cache.size > SPEECH_DELTAS_MAX_ENTRIES || cachedChars > SPEECH_DELTAS_MAX_CHARS) {
    const oldest = cache.keys().next().value as string;
    cachedChars -= cache.get(oldest)!.chunks.reduce((n, c) => n + c.length, 0);
    cache.delete(oldest);
  }
  return deltas;
}
