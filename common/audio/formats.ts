/**
 * The three wire audio formats of the GA Realtime API (§5 `audio.input.format` / `audio.output.format`)
 * and the arithmetic every part of the project needs on them (§8.2): PCM16 24 kHz mono little-endian
 * at 48 bytes/ms, G.711 μ-law / A-law at 8 kHz, one byte per sample, 8 bytes/ms.
 */
import { endianness } from 'node:os';
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from './g711.ts';

/** An audio format of a session, as on the wire (`session.audio.input.format`). */
export type WireAudioFormat = { type: 'audio/pcm'; rate: 24000 } | { type: 'audio/pcmu' } | { type: 'audio/pcma' };

/** Result of {@link parseWireAudioFormat}: the format, or an error in the real service's shape (§4.2). */
export type ParsedWireAudioFormat =
  | { ok: true; format: WireAudioFormat }
  | { ok: false; code: string; message: string; param: string };

const SUPPORTED_TYPES = ['audio/pcm', 'audio/pcmu', 'audio/pcma'] as const;
const PCM_RATE_HZ = 24000;
const G711_RATE_HZ = 8000;
const IS_LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Renders a JSON value the way the real service quotes it in messages (`'text'`, `16000`, `null`). */
function quote(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The OpenAI API's name for a JSON value's type in `invalid_type` messages ("an integer", "a string", …). */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  return 'an object';
}

function fail(code: string, message: string, param: string): ParsedWireAudioFormat {
  return { ok: false, code, message, param };
}

/**
 * Validates a client-supplied audio format object at dotted path `param`
 * (e.g. `session.audio.input.format`).
 *
 * Accepts `{type:'audio/pcm', rate?: 24000}` (rate defaults to 24000), `{type:'audio/pcmu'}` and
 * `{type:'audio/pcma'}`. The SDK types mark `type` optional, so an object without `type` is taken as
 * `audio/pcm` (unverified against the real service). Errors, with the real message patterns (§4.2):
 * - not an object → `invalid_type`, "Invalid type for 'p': expected an object, but got a string instead."
 * - unknown key (including `rate` on G.711) → `unknown_parameter`, "Unknown parameter: 'p.key'.", param `p.key`
 * - unsupported or non-string `type` → `invalid_value`, "Invalid value: 'x'. Supported values are: …", param `p.type`
 * - `rate` other than 24000 → `invalid_value`, "Invalid value: 16000. Supported values are: 24000.", param `p.rate`
 */
export function parseWireAudioFormat(value: unknown, param: string): ParsedWireAudioFormat {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('invalid_type', `Invalid type for '${param}': expected an object, but got ${jsonTypeName(value)} instead.`, param);
  }
  const record = value as Record<string, unknown>;
  const type = record['type'] === undefined ? 'audio/pcm' : record['type'];
  if (typeof type !== 'string' || !(SUPPORTED_TYPES as readonly string[]).includes(type)) {
    return fail(
      'invalid_value',
      `Invalid value: ${quote(type)}. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.`,
      `${param}.type`,
    );
  }
  const allowedKeys = type === 'audio/pcm' ? ['type', 'rate'] : ['type'];
  for (const key of Object.keys(record)) {
    if (!allowedKeys.includes(key)) {
      return fail('unknown_parameter', `Unknown parameter: '${param}.${key}'.`, `${param}.${key}`);
    }
  }
  if (type === 'audio/pcm') {
    const rate = record['rate'];
    if (rate !== undefined && rate !== PCM_RATE_HZ) {
      return fail('invalid_value', `Invalid value: ${quote(rate)}. Supported values are: ${PCM_RATE_HZ}.`, `${param}.rate`);
    }
    return { ok: true, format: { type: 'audio/pcm', rate: PCM_RATE_HZ } };
  }
  return { ok: true, format: { type: type as 'audio/pcmu' | 'audio/pcma' } };
}

/** Sample rate: 24000 for `audio/pcm`, 8000 for G.711. */
export function sampleRateHz(f: WireAudioFormat): number {
  return f.type === 'audio/pcm' ? PCM_RATE_HZ : G711_RATE_HZ;
}

/** Bytes per sample, the alignment every append must respect: 2 for PCM16, 1 for G.711. */
export function sampleAlignmentBytes(f: WireAudioFormat): number {
  return f.type === 'audio/pcm' ? 2 : 1;
}

/** Bytes per millisecond of audio: 48 for PCM16 24 kHz mono, 8 for G.711. */
export function bytesPerMs(f: WireAudioFormat): number {
  return (sampleRateHz(f) / 1000) * sampleAlignmentBytes(f);
}

/** Duration of `byteLength` bytes in ms (fractional; a trailing partial sample counts pro rata). */
export function durationMsOfBytes(f: WireAudioFormat, byteLength: number): number {
  return byteLength / bytesPerMs(f);
}

/** Byte length of `ms` of audio, rounded to the nearest whole sample (never negative). */
export function bytesForMs(f: WireAudioFormat, ms: number): number {
  const samples = Math.max(0, Math.round((ms * sampleRateHz(f)) / 1000));
  return samples * sampleAlignmentBytes(f);
}

/** Little-endian bytes → PCM16 samples, whatever the host's byte order; a trailing odd byte is ignored. */
function pcm16FromLittleEndian(bytes: Uint8Array): Int16Array {
  const count = bytes.length >> 1;
  if (IS_LITTLE_ENDIAN_HOST) {
    // Copy into a fresh, aligned buffer (Node's pooled Buffers may start at an odd offset).
    const copy = new Uint8Array(count * 2);
    copy.set(bytes.subarray(0, count * 2));
    return new Int16Array(copy.buffer, 0, count);
  }
  const out = new Int16Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16 >> 16;
  return out;
}

/** PCM16 samples → little-endian bytes, whatever the host's byte order. */
function littleEndianFromPcm16(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  if (IS_LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
    return out;
  }
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 2 * i);
  return out;
}

/**
 * Wire bytes → PCM16 samples at the format's own rate (24 kHz for `audio/pcm`, 8 kHz for G.711).
 * Always returns a fresh array that does not alias `bytes`.
 */
export function decodeToPcm16(f: WireAudioFormat, bytes: Uint8Array): Int16Array {
  switch (f.type) {
    case 'audio/pcm':
      return pcm16FromLittleEndian(bytes);
    case 'audio/pcmu':
      return decodeMulaw(bytes);
    case 'audio/pcma':
      return decodeAlaw(bytes);
  }
}

/** PCM16 samples already at the format's rate → wire bytes (PCM16 little-endian, or G.711 codes). */
export function encodeFromPcm16(f: WireAudioFormat, samples: Int16Array): Buffer {
  switch (f.type) {
    case 'audio/pcm':
      return littleEndianFromPcm16(samples);
    case 'audio/pcmu': {
      const codes = encodeMulaw(samples);
      return Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength);
    }
    case 'audio/pcma': {
      const codes = encodeAlaw(samples);
      return Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength);
    }
  }
}
