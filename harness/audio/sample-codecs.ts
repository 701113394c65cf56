/**
 * Interleaved WAV sample bytes to one Float32Array per channel (nominal range −1..1) and back.
 * Integer PCM is scaled by 2^(bits−1) (8-bit PCM is unsigned with a 128 offset, per the WAV spec);
 * float data is passed through unclipped; G.711 goes through `common/audio/g711.ts`.
 */
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from '../../common/audio/g711.ts';

/** How samples are stored in a WAV `data` chunk. */
export type WavEncoding = 'pcm' | 'float' | 'mulaw' | 'alaw';

/** Storage of one sample: encoding, container bytes, byte order. */
export interface SampleLayout {
  readonly encoding: WavEncoding;
  /** Bytes per sample (the container; e.g. 3 for 24-bit, 4 for 24-in-32). */
  readonly containerBytes: number;
  readonly littleEndian: boolean;
}

/** Splits interleaved bytes into `channels` Float32Arrays. `data.length` must be a multiple of the frame size. */
export function deinterleave(data: Buffer, channels: number, layout: SampleLayout): Float32Array[] {
  const frameBytes = channels * layout.containerBytes;
  const frames = Math.floor(data.length / frameBytes);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const read = sampleReader(data, layout);
  for (let f = 0, at = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++, at += layout.containerBytes) out[c]![f] = read(at);
  }
  return out;
}

/** Returns a reader of one sample at a byte offset, as a float. */
function sampleReader(data: Buffer, layout: SampleLayout): (at: number) => number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const le = layout.littleEndian;
  const { encoding, containerBytes } = layout;
  if (encoding === 'mulaw' || encoding === 'alaw') {
    const pcm = encoding === 'mulaw' ? decodeMulaw(data) : decodeAlaw(data);
    return (at) => pcm[at]! / 32768;
  }
  if (encoding === 'float') {
    if (containerBytes === 4) return (at) => view.getFloat32(at, le);
    return (at) => view.getFloat64(at, le);
  }
  switch (containerBytes) {
    case 1:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 2:
      return (at) => view.getInt16(at, le) / 32768;
    case 3:
      return le
        ? (at) => ((view.getInt8(at + 2) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at)) / 8388608
        : (at) => ((view.getInt8(at) << 16) | (view.getUint8(at + 1) << 8) | view.getUint8(at + 2)) / 8388608;
    case 4:
      return (at) => view.getInt32(at, le) / 2147483648;
    default:
      throw new RangeError(`unsupported PCM container of ${containerBytes} bytes`);
  }
}

/**
 * Interleaves float channels into little-endian sample bytes (the inverse of `deinterleave`):
 * integer PCM is scaled by 2^(bits−1), rounded and clipped; G.711 encodes from PCM16.
 */
export function interleave(channels: readonly Float32Array[], layout: Omit<SampleLayout, 'littleEndian'>): Buffer {
  const frames = channels[0]?.length ?? 0;
  const n = channels.length;
  const { encoding, containerBytes } = layout;
  if (encoding === 'mulaw' || encoding === 'alaw') {
    const pcm = new Int16Array(frames * n);
    for (let f = 0; f < frames; f++) for (let c = 0; c < n; c++) pcm[f * n + c] = toIntSample(channels[c]![f]!, 16);
    return Buffer.from(encoding === 'mulaw' ? encodeMulaw(pcm) : encodeAlaw(pcm));
  }
  const out = Buffer.alloc(frames * n * containerBytes);
  let at = 0;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < n; c++, at += containerBytes) {
      const x = channels[c]![f]!;
      if (encoding === 'float') {
        if (containerBytes === 4) out.writeFloatLE(x, at);
        else out.writeDoubleLE(x, at);
      } else if (containerBytes === 1) out.writeUInt8(toIntSample(x, 8) + 128, at);
      else if (containerBytes === 2) out.writeInt16LE(toIntSample(x, 16), at);
      else if (containerBytes === 3) out.writeIntLE(toIntSample(x, 24), at, 3);
      else if (containerBytes === 4) out.writeInt32LE(toIntSample(x, 32), at);
      else throw new RangeError(`unsupported PCM container of ${containerBytes} bytes`);
    }
  }
  return out;
}

/** Float to a signed integer of `bits`, rounded and clipped (full scale = 2^(bits−1)); NaN → 0. */
export function toIntSample(x: number, bits: number): number {
  const scale = 2 ** (bits - 1);
  const v = Math.round(x * scale);
  if (Number.isNaN(v)) return 0;
  return v >= scale ? scale - 1 : v < -scale ? -scale : v;
}
