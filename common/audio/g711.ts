/**
 * ITU-T G.711 μ-law (`audio/pcmu`) and A-law (`audio/pcma`) companding, 8-bit codes ↔ PCM16 samples.
 *
 * The codec arithmetic is the `alawmulaw` package (MIT, a small dependency-free port of the classic
 * Sun/CCITT reference routines). Its per-sample functions fill lookup tables once, on first use
 * (256 entries per decoder, 65,536 per encoder), so that the hot paths here are a single indexed
 * load per sample: the mock decodes every G.711 append, and the corpus loader encodes whole clips.
 */
import { createRequire } from 'node:module';

// The package ships a UMD bundle as `main` and an ESM entry with extensionless imports that Node's
// ESM loader cannot resolve, so load the CommonJS build explicitly.
const { alaw, mulaw } = createRequire(import.meta.url)('alawmulaw') as typeof import('alawmulaw');

let mulawDecodeTable: Int16Array | null = null;
let alawDecodeTable: Int16Array | null = null;
let mulawEncodeTable: Uint8Array | null = null;
let alawEncodeTable: Uint8Array | null = null;

function decodeTable(sampleFn: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = sampleFn(code);
  return table;
}

/** Indexed by `sample + 32768`. */
function encodeTable(sampleFn: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = sampleFn(i - 32768) & 0xff;
  return table;
}

function encodeWith(table: Uint8Array, pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i]! + 32768]!;
  return out;
}

function decodeWith(table: Int16Array, bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

/** PCM16 samples → μ-law codes (one byte per sample). */
export function encodeMulaw(pcm: Int16Array): Uint8Array {
  mulawEncodeTable ??= encodeTable(mulaw.encodeSample);
  return encodeWith(mulawEncodeTable, pcm);
}

/** μ-law codes → PCM16 samples (range ±32124). */
export function decodeMulaw(bytes: Uint8Array): Int16Array {
  mulawDecodeTable ??= decodeTable(mulaw.decodeSample);
  return decodeWith(mulawDecodeTable, bytes);
}

/** PCM16 samples → A-law codes (one byte per sample). */
export function encodeAlaw(pcm: Int16Array): Uint8Array {
  alawEncodeTable ??= encodeTable(alaw.encodeSample);
  return encodeWith(alawEncodeTable, pcm);
}

/** A-law codes → PCM16 samples (range ±32256). */
export function decodeAlaw(bytes: Uint8Array): Int16Array {
  alawDecodeTable ??= decodeTable(alaw.decodeSample);
  return decodeWith(alawDecodeTable, bytes);
}
