/**
 * A structural walk over a RIFF/WAVE file: chunk list, `fmt ` fields (including the
 * WAVE_FORMAT_EXTENSIBLE sub-format) and where the `data` chunk lies. It exists because the `wav`
 * package's Reader streams the samples but does not report layout problems: it fails when `fmt ` is
 * not the first chunk, ignores the pad byte after odd-sized chunks, does not expose the extensible
 * sub-format GUID, and passes a truncated `data` chunk through silently. The decoder runs this scan
 * first, so every problem is reported with a precise message.
 *
 * Reference: Microsoft "Multiple channel audio data and WAVE files" (WAVEFORMATEXTENSIBLE) and the
 * RIFF spec (chunks are word-aligned: an odd-sized chunk is followed by one pad byte).
 */

/** One chunk as found in the file. */
export interface RiffChunk {
  /** Four-character code, e.g. `fmt `, `LIST`, `data`. */
  readonly id: string;
  /** Offset of the chunk's payload (after the 8-byte header) in the file. */
  readonly offsetBytes: number;
  /** Payload size as declared in the chunk header. */
  readonly declaredBytes: number;
}

/** The `fmt ` chunk, resolved: for WAVE_FORMAT_EXTENSIBLE, `formatTag` is the sub-format's tag. */
export interface WavFmt {
  /** Tag as written in the chunk (0xFFFE for extensible). */
  readonly rawFormatTag: number;
  /** Effective format tag: the sub-format's for extensible files, else `rawFormatTag`. */
  readonly formatTag: number;
  readonly extensible: boolean;
  readonly channels: number;
  readonly sampleRateHz: number;
  readonly blockAlignBytes: number;
  /** `wBitsPerSample` (container size for extensible). */
  readonly bitsPerSample: number;
  /** Extensible `wValidBitsPerSample`, else `bitsPerSample`. */
  readonly validBitsPerSample: number;
}

/** Result of a successful scan. */
export interface RiffLayout {
  readonly endianness: 'LE' | 'BE';
  readonly chunks: readonly RiffChunk[];
  readonly fmt: WavFmt;
  /** Offset of the first sample byte. */
  readonly dataOffsetBytes: number;
  /** Bytes of sample data (declared size, or to end of file for a streaming placeholder size). */
  readonly dataBytes: number;
  /**
   * Whether the `wav` Reader parses this file as laid out: `fmt ` first and no odd-sized chunk
   * before `data` (the Reader skips no pad bytes).
   */
  readonly readerCompatible: boolean;
}

/** Names of format tags that appear in the wild, for error messages. */
export const FORMAT_TAG_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'UNKNOWN',
  0x0001: 'PCM',
  0x0002: 'MS ADPCM',
  0x0003: 'IEEE_FLOAT',
  0x0006: 'ALAW',
  0x0007: 'MULAW',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG',
  0x0055: 'MPEG Layer 3',
  0x00ff: 'AAC',
  0x0161: 'WMA',
  0xfffe: 'EXTENSIBLE',
};

/** `0x0055 (MPEG Layer 3)` style label. */
export function formatTagLabel(tag: number): string {
  const hex = `0x${tag.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = FORMAT_TAG_NAMES[tag];
  return name ? `${hex} (${name})` : hex;
}

// KSDATAFORMAT_SUBTYPE_* GUIDs are {XXXXXXXX-0000-0010-8000-00AA00389B71} with the format tag in
// the first field; bytes 4..15 of the GUID as stored (little-endian fields) are fixed:
const KS_GUID_TAIL = Buffer.from([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);

/** Sizes that streaming writers put in a header when the length is unknown. */
const UNKNOWN_SIZES = new Set([0, 0xffffffff]);

/** Outcome of `scanRiff`: a layout, or the problem (without the file name). */
export type ScanResult = { ok: true; layout: RiffLayout } | { ok: false; problem: string };

/** Walks the RIFF structure of `bytes`. Never throws. */
export function scanRiff(bytes: Buffer): ScanResult {
  if (bytes.length < 12) return fail(bytes.length === 0 ? 'empty file' : `not a RIFF/WAVE file (only ${bytes.length} bytes)`);
  const riffId = bytes.toString('latin1', 0, 4);
  const waveId = bytes.toString('latin1', 8, 12);
  if (riffId === 'RF64' || riffId === 'BW64') return fail(`unsupported container ${riffId} (64-bit RIFF)`);
  if ((riffId !== 'RIFF' && riffId !== 'RIFX') || waveId !== 'WAVE') {
    return fail(`not a RIFF/WAVE file (starts with ${JSON.stringify(printable(bytes.subarray(0, 4)))})`);
  }
  const endianness = riffId === 'RIFF' ? 'LE' : 'BE';
  const u32 = (at: number): number => (endianness === 'LE' ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));

  const chunks: RiffChunk[] = [];
  let fmtChunk: RiffChunk | null = null;
  let dataChunk: RiffChunk | null = null;
  let dataBytes = 0;
  let oddBeforeData = false;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = bytes.toString('latin1', pos, pos + 4);
    if (!/^[\x20-\x7e]{4}$/.test(id)) {
      if (dataChunk) break; // trailing garbage after the audio is harmless
      return fail(`corrupt chunk header at byte ${pos} (id ${JSON.stringify(printable(bytes.subarray(pos, pos + 4)))})`);
    }
    const declared = u32(pos + 4);
    const chunk: RiffChunk = { id, offsetBytes: pos + 8, declaredBytes: declared };
    chunks.push(chunk);
    const available = bytes.length - chunk.offsetBytes;
    if (id === 'data') {
      dataChunk = chunk;
      if (UNKNOWN_SIZES.has(declared)) dataBytes = available;
      else if (declared > available) {
        return fail(`truncated: data chunk declares ${declared} bytes but the file ends after ${available}`);
      } else dataBytes = declared;
      break; // nothing after the samples matters for decoding
    }
    if (declared > available) return fail(`truncated: ${JSON.stringify(id)} chunk declares ${declared} bytes but the file ends after ${available}`);
    if (id === 'fmt ') fmtChunk = chunk;
    if (declared % 2 === 1) oddBeforeData = true;
    pos = chunk.offsetBytes + declared + (declared % 2);
  }
  if (!fmtChunk) return fail(dataChunk ? 'no fmt chunk before the data chunk' : 'no fmt chunk');
  if (!dataChunk) return fail('no data chunk');

  const fmt = parseFmt(bytes.subarray(fmtChunk.offsetBytes, fmtChunk.offsetBytes + fmtChunk.declaredBytes), endianness);
  if (typeof fmt === 'string') return fail(fmt);
  return {
    ok: true,
    layout: {
      endianness,
      chunks,
      fmt,
      dataOffsetBytes: dataChunk.offsetBytes,
      dataBytes,
      readerCompatible: chunks[0]?.id === 'fmt ' && !oddBeforeData,
    },
  };
}

/** Parses a `fmt ` payload; returns the problem as a string. */
function parseFmt(fmt: Buffer, endianness: 'LE' | 'BE'): WavFmt | string {
  if (fmt.length < 16) return `fmt chunk too short (${fmt.length} bytes, expected at least 16)`;
  const u16 = (at: number): number => (endianness === 'LE' ? fmt.readUInt16LE(at) : fmt.readUInt16BE(at));
  const u32 = (at: number): number => (endianness === 'LE' ? fmt.readUInt32LE(at) : fmt.readUInt32BE(at));
  const rawFormatTag = u16(0);
  const base = {
    rawFormatTag,
    channels: u16(2),
    sampleRateHz: u32(4),
    blockAlignBytes: u16(12),
    bitsPerSample: u16(14),
  };
  if (rawFormatTag !== 0xfffe) {
    return { ...base, formatTag: rawFormatTag, extensible: false, validBitsPerSample: base.bitsPerSample };
  }
  // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) subFormat GUID(16) from byte 16.
  if (fmt.length < 40) return `WAVE_FORMAT_EXTENSIBLE fmt chunk too short (${fmt.length} bytes, expected 40)`;
  const guid = fmt.subarray(24, 40);
  const subTag = u16(24);
  if (!guid.subarray(4).equals(KS_GUID_TAIL)) return `unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID ${guidText(guid)}`;
  const validBits = u16(18);
  return {
    ...base,
    formatTag: subTag,
    extensible: true,
    validBitsPerSample: validBits === 0 ? base.bitsPerSample : validBits,
  };
}

/** Canonical GUID text of a 16-byte little-endian GUID. */
function guidText(g: Buffer): string {
  const hex = (b: Buffer): string => b.toString('hex');
  const rev = (b: Buffer): Buffer => Buffer.from(b).reverse();
  return `{${hex(rev(g.subarray(0, 4)))}-${hex(rev(g.subarray(4, 6)))}-${hex(rev(g.subarray(6, 8)))}-${hex(g.subarray(8, 10))}-${hex(g.subarray(10, 16))}}`.toUpperCase();
}

function printable(b: Buffer): string {
  return [...b].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`)).join('');
}

function fail(problem: string): ScanResult {
  return { ok: false, problem };
}
