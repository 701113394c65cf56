/**
 * The `response.output_audio.delta` payloads of a spoken answer, cut and base64-encoded once and
 * shared by every response that speaks the same text in the same voice and format. Answers come
 * from a small fixed set (answers.ts), so under load almost every response is a cache hit: no
 * per-response encoding of seconds of audio and no per-delta base64 string.
 */
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import { bytesForMs, encodeFromPcm16, sampleRateHz } from '../../common/audio/formats.ts';
import { synthesizeSpeechCached } from '../speech-synth.ts';

/** One answer's audio as delta payloads. */
export interface SpeechDeltas {
  /** Encoded audio length, bytes (leading silence included). */
  readonly totalBytes: number;
  /** Bytes per delta (the last one may be shorter, and so may the last leading-silence delta). */
  readonly deltaBytes: number;
  /** Base64 payloads in order; delta k covers bytes `[k > 0 ? deltaEnd(k - 1) : 0, deltaEnd(k))` ({@link deltaEnd}). */
  readonly chunks: readonly string[];
  /** Leading digital silence ({@link withLeadingSilence}), bytes; 0 or absent: none. */
  readonly leadBytes?: number;
  /** Deltas that carry the leading silence (the first ones); 0 or absent: none. */
  readonly leadChunks?: number;
}

/**
 * End (exclusive, bytes from the start of the audio) of delta `k`: `min(totalBytes, (k + 1) ×
 * deltaBytes)`, counted after the leading-silence deltas when there are some.
 */
export function deltaEnd(d: SpeechDeltas, k: number): number {
  const leadBytes = d.leadBytes ?? 0;
  const leadChunks = d.leadChunks ?? 0;
  if (k < leadChunks) return Math.min(leadBytes, (k + 1) * d.deltaBytes);
  return Math.min(d.totalBytes, leadBytes + (k + 1 - leadChunks) * d.deltaBytes);
}

/** Bytes of digital silence in `format`: PCM zeros, μ-law 0xFF, A-law 0xD5 (what PCM 0 encodes to). */
export function silenceBytes(format: WireAudioFormat, byteLength: number): Buffer {
  const fill = format.type === 'audio/pcm' ? 0 : encodeFromPcm16(format, new Int16Array(1))[0]!;
  return Buffer.alloc(byteLength, fill);
}

/** Base64 of one full silence delta, per format and size (a few entries: formats × delta sizes in use). */
const silenceChunkCache = new Map<string, string>();

/**
 * `speech` led by `ms` of digital silence, rounded to whole samples: the silence goes out as its own
 * deltas of `speech.deltaBytes` (the last one shorter), then the speech deltas unchanged, so the
 * speech's cached payloads are shared whatever the silence. Cheap: only the short tail delta is
 * encoded per call. `ms` ≤ 0, or `speech` without audio, returns `speech` itself.
 */
export function withLeadingSilence(speech: SpeechDeltas, ms: number, format: WireAudioFormat): SpeechDeltas {
  const leadBytes = bytesForMs(format, ms);
  // No speech (blank text): nothing to lead, and its delta size would be meaningless.
  if (leadBytes <= 0 || speech.totalBytes === 0 || (speech.leadBytes ?? 0) > 0) return speech;
  const step = speech.deltaBytes;
  const key = `${format.type}\u0000${step}`;
  let full = silenceChunkCache.get(key);
  if (full === undefined) silenceChunkCache.set(key, (full = silenceBytes(format, step).toString('base64')));
  const chunks: string[] = [];
  for (let at = 0; at + step <= leadBytes; at += step) chunks.push(full);
  const tail = leadBytes % step;
  if (tail > 0) chunks.push(silenceBytes(format, tail).toString('base64'));
  const leadChunks = chunks.length;
  for (const c of speech.chunks) chunks.push(c);
  return { totalBytes: leadBytes + speech.totalBytes, deltaBytes: step, chunks, leadBytes, leadChunks };
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
