/**
 * WAV file bytes to float channels. The `wav` package's Reader parses the header and streams the
 * samples; `riff-scan.ts` validates the layout first and fills the Reader's gaps (see there).
 * Every failure is a `ConfigError('E_WAV', '<file>: <problem>')`.
 *
 * Truncated files (a `data` chunk shorter than its declared size) are rejected rather than decoded
 * partially: a corpus clip that silently lost its tail would shift every measured end of speech.
 * A declared `data` size of 0 or 0xFFFFFFFF (written by streaming encoders) means "to end of file".
 */
import wav from 'wav';
import { ConfigError } from '../../common/errors.ts';
import { deinterleave, type WavEncoding } from './sample-codecs.ts';
import { formatTagLabel, scanRiff, type RiffLayout, type WavFmt } from './riff-scan.ts';

/** The format a clip was stored in; the shape of the manifest's `source_format` (snake_case JSON). */
export interface SourceFormat {
  sample_rate_hz: number;
  channels: number;
  encoding: WavEncoding;
  /** Significant bits per sample (8 for G.711; `wValidBitsPerSample` for extensible files). */
  bit_depth: number;
  /** The `fmt ` tag as stored: `PCM`, `IEEE_FLOAT`, `ALAW`, `MULAW` or `EXTENSIBLE`. */
  wave_format: WaveFormatName;
}

/** Names of the `fmt ` tags the decoder accepts. */
export type WaveFormatName = 'PCM' | 'IEEE_FLOAT' | 'ALAW' | 'MULAW' | 'EXTENSIBLE';

/** A decoded WAV file: one Float32Array per channel, nominal range −1..1 (float files may exceed it). */
export interface DecodedAudio {
  readonly sampleRateHz: number;
  readonly channels: Float32Array[];
  readonly sourceFormat: SourceFormat;
  /** Chunk ids in file order up to and including `data` (e.g. `fmt `, `LIST`, `data`). */
  readonly chunkIds: readonly string[];
}

/** Duration of decoded audio, ms (not rounded). */
export function durationMsOf(audio: Pick<DecodedAudio, 'sampleRateHz' | 'channels'>): number {
  return ((audio.channels[0]?.length ?? 0) * 1000) / audio.sampleRateHz;
}

/** Highest sample rate accepted (higher rates are certainly a corrupt header). */
export const MAX_SAMPLE_RATE_HZ = 384_000;
/** Most channels accepted. */
export const MAX_CHANNELS = 32;

const ENCODING_BY_TAG: Readonly<Record<number, WavEncoding>> = { 1: 'pcm', 3: 'float', 6: 'alaw', 7: 'mulaw' };
const WAVE_FORMAT_BY_TAG: Readonly<Record<number, WaveFormatName>> = {
  1: 'PCM',
  3: 'IEEE_FLOAT',
  6: 'ALAW',
  7: 'MULAW',
  0xfffe: 'EXTENSIBLE',
};

/**
 * Decodes a WAV file. Supports PCM 8 (unsigned), 16, 24 and 32-bit, IEEE float 32/64-bit, μ-law
 * and A-law, each plain or as WAVE_FORMAT_EXTENSIBLE, little-endian RIFF or big-endian RIFX, with
 * any other chunks (LIST, fact, JUNK, bext, …) around `fmt ` and `data`.
 * @param bytes the whole file
 * @param file name used in error messages
 * @throws ConfigError `E_WAV` naming `file` and the problem
 */
export async function decodeWav(bytes: Buffer, file: string): Promise<DecodedAudio> {
  const scan = scanRiff(bytes);
  if (!scan.ok) throw wavError(file, scan.problem);
  const { layout } = scan;
  const { fmt } = layout;
  const problem = checkFmt(fmt, layout.dataBytes);
  if (problem) throw wavError(file, problem);

  // Hand the Reader the file as is when it can parse it; otherwise the same fmt + data rebuilt
  // in the order it expects (fmt first, no odd-sized chunk before data).
  const readerInput = layout.readerCompatible ? bytes : canonicalRiff(bytes, layout);
  const read = await readWithWavReader(readerInput, file);
  if (read.format.audioFormat !== fmt.rawFormatTag || read.format.channels !== fmt.channels || read.format.sampleRate !== fmt.sampleRateHz) {
    throw wavError(file, `wav reader disagreed with the fmt chunk (tag ${read.format.audioFormat}, ${read.format.channels} ch, ${read.format.sampleRate} Hz)`);
  }
  // The Reader passes through everything after the data header when the size is a placeholder.
  const data = read.data.subarray(0, layout.dataBytes);
  if (data.length !== layout.dataBytes) {
    throw wavError(file, `wav reader returned ${data.length} data bytes, expected ${layout.dataBytes}`);
  }
  const encoding = ENCODING_BY_TAG[fmt.formatTag]!;
  const containerBytes = fmt.blockAlignBytes / fmt.channels;
  const channels = deinterleave(data, fmt.channels, { encoding, containerBytes, littleEndian: layout.endianness === 'LE' });
  return {
    sampleRateHz: fmt.sampleRateHz,
    channels,
    sourceFormat: {
      sample_rate_hz: fmt.sampleRateHz,
      channels: fmt.channels,
      encoding,
      bit_depth: fmt.validBitsPerSample,
      wave_format: WAVE_FORMAT_BY_TAG[fmt.rawFormatTag]!,
    },
    chunkIds: layout.chunks.map((c) => c.id),
  };
}

/** Checks that the format is one we decode and its numbers are consistent; returns the problem. */
function checkFmt(fmt: WavFmt, dataBytes: number): string | null {
  const encoding = ENCODING_BY_TAG[fmt.formatTag];
  if (!encoding) {
    return fmt.extensible
      ? `unsupported encoding ${formatTagLabel(fmt.formatTag)} inside WAVE_FORMAT_EXTENSIBLE`
      : `unsupported encoding ${formatTagLabel(fmt.formatTag)}`;
  }
  if (fmt.channels < 1 || fmt.channels > MAX_CHANNELS) return `unsupported channel count ${fmt.channels} (expected 1..${MAX_CHANNELS})`;
  if (fmt.sampleRateHz < 1 || fmt.sampleRateHz > MAX_SAMPLE_RATE_HZ) {
    return `unsupported sample rate ${fmt.sampleRateHz} Hz (expected 1..${MAX_SAMPLE_RATE_HZ})`;
  }
  const bits = fmt.bitsPerSample;
  const allowed: Record<WavEncoding, readonly number[]> = { pcm: [8, 16, 24, 32], float: [32, 64], mulaw: [8], alaw: [8] };
  // Non-extensible PCM may declare e.g. 12 or 20 bits in a rounded-up container (left-justified).
  const container = Math.ceil(bits / 8) * 8;
  if (!allowed[encoding].includes(container) || bits < 1) return `unsupported bit depth ${bits} for ${encoding}`;
  if (fmt.validBitsPerSample > bits) return `valid bits per sample ${fmt.validBitsPerSample} exceeds the container's ${bits}`;
  if (fmt.blockAlignBytes !== fmt.channels * (container / 8)) {
    return `block align ${fmt.blockAlignBytes} does not match ${fmt.channels} channel(s) of ${container}-bit samples`;
  }
  if (dataBytes === 0) return 'data chunk is empty';
  if (dataBytes % fmt.blockAlignBytes !== 0) {
    return `data chunk size ${dataBytes} is not a multiple of the block align ${fmt.blockAlignBytes} (truncated or corrupt)`;
  }
  return null;
}

/** `RIFF…WAVE` + the original `fmt ` chunk + the `data` chunk, nothing else. */
function canonicalRiff(bytes: Buffer, layout: RiffLayout): Buffer {
  const fmtChunk = layout.chunks.find((c) => c.id === 'fmt ')!;
  const fmtBytes = bytes.subarray(fmtChunk.offsetBytes - 8, fmtChunk.offsetBytes + fmtChunk.declaredBytes);
  const pad = Buffer.alloc(fmtChunk.declaredBytes % 2);
  const dataHeader = Buffer.alloc(8);
  dataHeader.write('data', 0, 'latin1');
  const header = Buffer.alloc(12);
  header.write(layout.endianness === 'LE' ? 'RIFF' : 'RIFX', 0, 'latin1');
  header.write('WAVE', 8, 'latin1');
  const total = 4 + fmtBytes.length + pad.length + 8 + layout.dataBytes;
  if (layout.endianness === 'LE') {
    header.writeUInt32LE(total, 4);
    dataHeader.writeUInt32LE(layout.dataBytes, 4);
  } else {
    header.writeUInt32BE(total, 4);
    dataHeader.writeUInt32BE(layout.dataBytes, 4);
  }
  const data = bytes.subarray(layout.dataOffsetBytes, layout.dataOffsetBytes + layout.dataBytes);
  return Buffer.concat([header, fmtBytes, pad, dataHeader, data]);
}

interface ReaderResult {
  format: { audioFormat: number; channels: number; sampleRate: number };
  data: Buffer;
}

/** Runs the `wav` Reader over a whole buffer, collecting the format and the data bytes. */
function readWithWavReader(bytes: Buffer, file: string): Promise<ReaderResult> {
  return new Promise((resolve, reject) => {
    const reader = new wav.Reader();
    const parts: Buffer[] = [];
    let format: ReaderResult['format'] | null = null;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    reader.on('format', (f: ReaderResult['format']) => (format = f));
    reader.on('data', (d: Buffer) => parts.push(d));
    reader.on('error', (e: Error) => settle(() => reject(wavError(file, `wav reader: ${e.message}`))));
    reader.on('end', () =>
      settle(() => (format ? resolve({ format, data: Buffer.concat(parts) }) : reject(wavError(file, 'wav reader found no fmt chunk')))),
    );
    reader.end(bytes);
  });
}

function wavError(file: string, problem: string): ConfigError {
  return new ConfigError('E_WAV', `${file}: ${problem}`);
}
