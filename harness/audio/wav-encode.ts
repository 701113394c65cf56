/**
 * A small WAV writer for `rth corpus convert`, the corpus generator and test fixtures. It controls
 * the container exactly (plain or WAVE_FORMAT_EXTENSIBLE, extra chunks before `data`), which
 * neither `wav`'s Writer nor sox expose.
 */
import { interleave, type WavEncoding } from './sample-codecs.ts';

/** An extra RIFF chunk written between `fmt ` and `data`. */
export interface ExtraChunk {
  /** Four ASCII characters. */
  readonly id: string;
  readonly data: Buffer;
}

/** How to store the samples. */
export interface WavEncodeOptions {
  readonly sampleRateHz: number;
  readonly encoding: WavEncoding;
  /** Bits per sample: pcm 8/16/24/32, float 32/64, mulaw/alaw 8. */
  readonly bitDepth: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with the matching KSDATAFORMAT sub-format GUID. Default false. */
  readonly extensible?: boolean;
  /** Chunks written after `fmt ` and before `data` (e.g. a LIST/INFO chunk). Default none. */
  readonly chunksBeforeData?: readonly ExtraChunk[];
}

const TAG: Record<WavEncoding, number> = { pcm: 1, float: 3, alaw: 6, mulaw: 7 };

/** Encodes float channels (−1..1) into a complete WAV file (little-endian RIFF). */
export function encodeWav(channels: readonly Float32Array[], opts: WavEncodeOptions): Buffer {
  if (channels.length === 0) throw new RangeError('encodeWav: no channels');
  const containerBytes = Math.ceil(opts.bitDepth / 8);
  const data = interleave(channels, { encoding: opts.encoding, containerBytes });
  return wavContainer(data, { ...opts, channels: channels.length });
}

/** Wraps already-interleaved sample bytes in a WAV container. */
export function wavContainer(data: Buffer, opts: WavEncodeOptions & { channels: number }): Buffer {
  const containerBytes = Math.ceil(opts.bitDepth / 8);
  const blockAlign = opts.channels * containerBytes;
  const tag = TAG[opts.encoding];
  const chunks: Buffer[] = [riffChunk('fmt ', fmtPayload(opts, tag, blockAlign))];
  // Non-PCM formats carry a fact chunk (sample frames per channel), as the WAV spec asks.
  if (tag !== 1) {
    const fact = Buffer.alloc(4);
    fact.writeUInt32LE(data.length / blockAlign, 0);
    chunks.push(riffChunk('fact', fact));
  }
  for (const c of opts.chunksBeforeData ?? []) chunks.push(riffChunk(c.id, c.data));
  chunks.push(riffChunk('data', data));
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const header = Buffer.alloc(8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A LIST/INFO chunk with the given `INFO` entries (e.g. `{ INAM: 'title', ISFT: 'rth' }`). */
export function listInfoChunk(entries: Readonly<Record<string, string>>): ExtraChunk {
  const parts: Buffer[] = [Buffer.from('INFO', 'latin1')];
  for (const [id, text] of Object.entries(entries)) parts.push(riffChunk(id, Buffer.from(`${text}\0`, 'utf8')));
  return { id: 'LIST', data: Buffer.concat(parts) };
}

function fmtPayload(opts: WavEncodeOptions & { channels: number }, tag: number, blockAlign: number): Buffer {
  const ext = opts.extensible === true;
  const b = Buffer.alloc(ext ? 40 : tag === 1 ? 16 : 18);
  b.writeUInt16LE(ext ? 0xfffe : tag, 0);
  b.writeUInt16LE(opts.channels, 2);
  b.writeUInt32LE(opts.sampleRateHz, 4);
  b.writeUInt32LE(opts.sampleRateHz * blockAlign, 8);
  b.writeUInt16LE(blockAlign, 12);
  b.writeUInt16LE(Math.ceil(opts.bitDepth / 8) * 8, 14);
  if (ext) {
    b.writeUInt16LE(22, 16);
    b.writeUInt16LE(opts.bitDepth, 18);
    b.writeUInt32LE(opts.channels === 1 ? 0x4 : opts.channels === 2 ? 0x3 : 0, 20); // speaker mask
    // KSDATAFORMAT_SUBTYPE_*: {tag-0000-0010-8000-00AA00389B71}, fields little-endian.
    b.writeUInt32LE(tag, 24);
    Buffer.from([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(b, 28);
  }
  // Non-extensible, non-PCM fmt chunks end with cbSize = 0 (already zero).
  return b;
}

/** One RIFF chunk: id, little-endian size, payload, pad byte when the size is odd. */
export function riffChunk(id: string, payload: Buffer): Buffer {
  if (!/^[\x20-\x7e]{4}$/.test(id)) throw new RangeError(`riffChunk: bad chunk id ${JSON.stringify(id)}`);
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat(payload.length % 2 ? [header, payload, Buffer.alloc(1)] : [header, payload]);
}
