import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { decodeWav } from './wav-decode.ts';
import { encodeWav, listInfoChunk, riffChunk, wavContainer } from './wav-encode.ts';
import type { WavEncoding } from './sample-codecs.ts';

/** A 440 Hz sine at half scale, `ms` long. */
function sine(rateHz: number, ms: number, freqHz = 440, amp = 0.5, phase = 0): Float32Array {
  const n = Math.round((rateHz * ms) / 1000);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freqHz * i) / rateHz + phase);
  return x;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Error thrown by `decodeWav`, asserted to be E_WAV naming the file. */
async function wavError(bytes: Buffer, file = 'clips/broken.wav'): Promise<string> {
  const err = await decodeWav(bytes, file).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe('E_WAV');
  expect((err as ConfigError).message.startsWith(`${file}: `)).toBe(true);
  return (err as ConfigError).message;
}

/** A RIFF file made of the given chunks. */
function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** A plain 16-byte fmt chunk. */
function fmtChunk(tag: number, channels: number, rateHz: number, bits: number, blockAlign = (channels * bits) / 8): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rateHz, 4);
  b.writeUInt32LE(rateHz * blockAlign, 8);
  b.writeUInt16LE(blockAlign, 12);
  b.writeUInt16LE(bits, 14);
  return riffChunk('fmt ', b);
}

describe('decodeWav: every source format', () => {
  const cases: { encoding: WavEncoding; bits: number; rateHz: number; channels: number; tolerance: number; extensible?: boolean }[] = [
    { encoding: 'pcm', bits: 8, rateHz: 8000, channels: 1, tolerance: 1 / 128 },
    { encoding: 'pcm', bits: 16, rateHz: 16000, channels: 1, tolerance: 1 / 32768 },
    { encoding: 'pcm', bits: 16, rateHz: 44100, channels: 2, tolerance: 1 / 32768 },
    { encoding: 'pcm', bits: 24, rateHz: 48000, channels: 1, tolerance: 1 / 8388608 },
    { encoding: 'pcm', bits: 32, rateHz: 22050, channels: 1, tolerance: 1e-7 },
    { encoding: 'float', bits: 32, rateHz: 22050, channels: 1, tolerance: 0 },
    { encoding: 'float', bits: 64, rateHz: 16000, channels: 2, tolerance: 0 },
    // G.711 steps grow with amplitude: at 0.5 full scale a μ-law step is 1024/32768.
    { encoding: 'mulaw', bits: 8, rateHz: 8000, channels: 1, tolerance: 600 / 32768 },
    { encoding: 'alaw', bits: 8, rateHz: 8000, channels: 1, tolerance: 600 / 32768 },
    { encoding: 'pcm', bits: 24, rateHz: 48000, channels: 2, tolerance: 1 / 8388608, extensible: true },
    { encoding: 'float', bits: 32, rateHz: 44100, channels: 1, tolerance: 0, extensible: true },
    { encoding: 'mulaw', bits: 8, rateHz: 8000, channels: 1, tolerance: 600 / 32768, extensible: true },
  ];
  for (const c of cases) {
    const name = `${c.encoding} ${c.bits}-bit ${c.rateHz} Hz ${c.channels} ch${c.extensible ? ' extensible' : ''}`;
    it(name, async () => {
      const left = sine(c.rateHz, 50);
      const right = sine(c.rateHz, 50, 660, 0.25);
      const input = c.channels === 1 ? [left] : [left, right];
      const bytes = encodeWav(input, { sampleRateHz: c.rateHz, encoding: c.encoding, bitDepth: c.bits, extensible: c.extensible ?? false });
      const decoded = await decodeWav(bytes, 'fixture.wav');
      expect(decoded.sampleRateHz).toBe(c.rateHz);
      expect(decoded.channels.length).toBe(c.channels);
      expect(decoded.sourceFormat).toEqual({
        sample_rate_hz: c.rateHz,
        channels: c.channels,
        encoding: c.encoding,
        bit_depth: c.bits,
        wave_format: c.extensible ? 'EXTENSIBLE' : { pcm: 'PCM', float: 'IEEE_FLOAT', mulaw: 'MULAW', alaw: 'ALAW' }[c.encoding],
      });
      input.forEach((ch, i) => expect(maxAbsDiff(decoded.channels[i]!, ch)).toBeLessThanOrEqual(c.tolerance));
    });
  }

  it('reads sample values exactly: 8-bit unsigned, 24-bit two’s complement', async () => {
    const u8 = riff(fmtChunk(1, 1, 8000, 8), riffChunk('data', Buffer.from([0x00, 0x80, 0xff, 0x40])));
    expect([...(await decodeWav(u8, 'u8.wav')).channels[0]!]).toEqual([-1, 0, 127 / 128, -0.5]);
    const s24 = riff(fmtChunk(1, 1, 8000, 24), riffChunk('data', Buffer.from([0x00, 0x00, 0x80, 0xff, 0xff, 0x7f, 0x00, 0x00, 0x40, 0xff, 0xff, 0xff])));
    expect([...(await decodeWav(s24, 's24.wav')).channels[0]!]).toEqual([-1, 8388607 / 8388608, 0.5, -1 / 8388608]);
  });

  it('deinterleaves stereo frames in channel order', async () => {
    const data = Buffer.alloc(8);
    data.writeInt16LE(16384, 0); // L0
    data.writeInt16LE(-16384, 2); // R0
    data.writeInt16LE(8192, 4); // L1
    data.writeInt16LE(0, 6); // R1
    const d = await decodeWav(riff(fmtChunk(1, 2, 44100, 16), riffChunk('data', data)), 's.wav');
    expect([...d.channels[0]!]).toEqual([0.5, 0.25]);
    expect([...d.channels[1]!]).toEqual([-0.5, 0]);
  });

  it('decodes μ-law and A-law codes for silence to 0', async () => {
    const mu = riff(fmtChunk(7, 1, 8000, 8), riffChunk('data', Buffer.from([0xff, 0x7f])));
    expect([...(await decodeWav(mu, 'mu.wav')).channels[0]!]).toEqual([0, 0]);
    const a = riff(fmtChunk(6, 1, 8000, 8), riffChunk('data', Buffer.from([0xd5, 0x55])));
    const aDecoded = (await decodeWav(a, 'a.wav')).channels[0]!;
    // A-law has no exact zero: 0xD5/0x55 are the ±8/32768 codes closest to it.
    expect(Math.abs(aDecoded[0]!)).toBeLessThan(16 / 32768);
    expect(Math.abs(aDecoded[1]!)).toBeLessThan(16 / 32768);
  });
});

describe('decodeWav: container layouts', () => {
  const samples = [sine(16000, 20)];
  const opts = { sampleRateHz: 16000, encoding: 'pcm' as const, bitDepth: 16 };

  it('skips a LIST chunk and other chunks before data', async () => {
    const bytes = encodeWav(samples, { ...opts, chunksBeforeData: [listInfoChunk({ INAM: 'hello', ISFT: 'rth' }), { id: 'cue ', data: Buffer.alloc(4) }] });
    const d = await decodeWav(bytes, 'list.wav');
    expect(d.chunkIds).toEqual(['fmt ', 'LIST', 'cue ', 'data']);
    expect(maxAbsDiff(d.channels[0]!, samples[0]!)).toBeLessThanOrEqual(1 / 32768);
  });

  it('handles chunks the wav Reader cannot: JUNK before fmt, odd-sized chunk with pad byte', async () => {
    const data = encodeWav(samples, opts).subarray(36); // the data chunk of a plain 44-byte-header file
    for (const bytes of [
      riff(riffChunk('JUNK', Buffer.alloc(28)), fmtChunk(1, 1, 16000, 16), data),
      riff(fmtChunk(1, 1, 16000, 16), riffChunk('odd!', Buffer.alloc(3, 7)), data),
    ]) {
      const d = await decodeWav(bytes, 'odd.wav');
      expect(maxAbsDiff(d.channels[0]!, samples[0]!)).toBeLessThanOrEqual(1 / 32768);
    }
  });

  it('reads big-endian RIFX', async () => {
    const fmt = Buffer.alloc(24);
    fmt.write('fmt ');
    fmt.writeUInt32BE(16, 4);
    fmt.writeUInt16BE(1, 8);
    fmt.writeUInt16BE(1, 10);
    fmt.writeUInt32BE(8000, 12);
    fmt.writeUInt32BE(16000, 16);
    fmt.writeUInt16BE(2, 20);
    fmt.writeUInt16BE(16, 22);
    const data = Buffer.alloc(12);
    data.write('data');
    data.writeUInt32BE(4, 4);
    data.writeInt16BE(16384, 8);
    data.writeInt16BE(-32768, 10);
    const body = Buffer.concat([Buffer.from('WAVE'), fmt, data]);
    const head = Buffer.alloc(8);
    head.write('RIFX');
    head.writeUInt32BE(body.length, 4);
    expect([...(await decodeWav(Buffer.concat([head, body]), 'be.wav')).channels[0]!]).toEqual([0.5, -1]);
  });

  it('treats a data size of 0 (streaming writers) as "to end of file"', async () => {
    const bytes = encodeWav(samples, opts);
    bytes.writeUInt32LE(0, 40);
    expect((await decodeWav(bytes, 'stream.wav')).channels[0]!.length).toBe(samples[0]!.length);
  });
});

describe('decodeWav: errors name the file and the problem', () => {
  const good = encodeWav([sine(16000, 20)], { sampleRateHz: 16000, encoding: 'pcm', bitDepth: 16 });

  it('empty and non-RIFF files', async () => {
    expect(await wavError(Buffer.alloc(0))).toContain('empty file');
    expect(await wavError(Buffer.from('ID3\x04 this is an mp3 really, honest'))).toContain('not a RIFF/WAVE file');
    expect(await wavError(Buffer.from('RIFF\x10\x00\x00\x00AVI LIST'))).toContain('not a RIFF/WAVE file');
  });

  it('truncated data chunk', async () => {
    expect(await wavError(good.subarray(0, good.length - 100))).toMatch(/truncated: data chunk declares 640 bytes but the file ends after 540/);
    expect(await wavError(good.subarray(0, 30))).toMatch(/truncated: "fmt " chunk declares 16 bytes/);
  });

  it('missing chunks', async () => {
    expect(await wavError(riff(fmtChunk(1, 1, 8000, 16)))).toContain('no data chunk');
    expect(await wavError(riff(riffChunk('data', Buffer.alloc(4))))).toContain('no fmt chunk before the data chunk');
  });

  it('unsupported encodings, including inside WAVE_FORMAT_EXTENSIBLE', async () => {
    expect(await wavError(riff(fmtChunk(0x55, 1, 44100, 0, 1), riffChunk('data', Buffer.alloc(4))))).toContain(
      'unsupported encoding 0x0055 (MPEG Layer 3)',
    );
    expect(await wavError(riff(fmtChunk(0x11, 1, 8000, 4, 1), riffChunk('data', Buffer.alloc(4))))).toContain('0x0011 (IMA ADPCM)');
    const ext = encodeWav([sine(8000, 10)], { sampleRateHz: 8000, encoding: 'pcm', bitDepth: 16, extensible: true });
    const adpcm = Buffer.from(ext);
    adpcm.writeUInt16LE(2, 20 + 24); // sub-format tag 0x0002
    expect(await wavError(adpcm)).toContain('unsupported encoding 0x0002 (MS ADPCM) inside WAVE_FORMAT_EXTENSIBLE');
    const odd = Buffer.from(ext);
    odd.writeUInt8(0x42, 20 + 24 + 15); // not a KSDATAFORMAT GUID
    expect(await wavError(odd)).toContain('unsupported WAVE_FORMAT_EXTENSIBLE sub-format GUID');
  });

  it('inconsistent numbers', async () => {
    expect(await wavError(riff(fmtChunk(3, 1, 8000, 16), riffChunk('data', Buffer.alloc(4))))).toContain('unsupported bit depth 16 for float');
    expect(await wavError(riff(fmtChunk(1, 1, 8000, 16, 4), riffChunk('data', Buffer.alloc(4))))).toContain('block align 4');
    expect(await wavError(riff(fmtChunk(1, 0, 8000, 16, 0), riffChunk('data', Buffer.alloc(4))))).toContain('channel count 0');
    expect(await wavError(riff(fmtChunk(1, 1, 0, 16), riffChunk('data', Buffer.alloc(4))))).toContain('sample rate 0 Hz');
    expect(await wavError(riff(fmtChunk(1, 2, 8000, 16), riffChunk('data', Buffer.alloc(6))))).toContain('not a multiple of the block align 4');
    expect(await wavError(riff(fmtChunk(1, 1, 8000, 16), riffChunk('data', Buffer.alloc(0))))).toContain('data chunk is empty');
    expect(await wavError(riff(riffChunk('fmt ', Buffer.alloc(8)), riffChunk('data', Buffer.alloc(2))))).toContain('fmt chunk too short');
  });

  it('corrupt chunk header', async () => {
    const bytes = Buffer.from(good);
    bytes.writeUInt32LE(0x00000102, 36); // the data chunk id is now binary garbage
    expect(await wavError(bytes)).toContain('corrupt chunk header at byte 36');
  });
});

// Cross-check against an independent writer when sox is installed (CI installs it).
const hasSox = (() => {
  try {
    execFileSync('sox', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasSox)('decodeWav: files written by sox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rth-wav-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const variants: { args: string[]; rateHz: number; channels: number; encoding: string; bits: number }[] = [
    { args: ['-r', '8000', '-e', 'u-law', '-b', '8'], rateHz: 8000, channels: 1, encoding: 'mulaw', bits: 8 },
    { args: ['-r', '8000', '-e', 'a-law', '-b', '8'], rateHz: 8000, channels: 1, encoding: 'alaw', bits: 8 },
    { args: ['-r', '22050', '-e', 'floating-point', '-b', '32'], rateHz: 22050, channels: 1, encoding: 'float', bits: 32 },
    { args: ['-r', '48000', '-b', '24'], rateHz: 48000, channels: 1, encoding: 'pcm', bits: 24 },
    { args: ['-r', '44100', '-b', '16', '-c', '2'], rateHz: 44100, channels: 2, encoding: 'pcm', bits: 16 },
    { args: ['-r', '16000', '-b', '8', '-e', 'unsigned'], rateHz: 16000, channels: 1, encoding: 'pcm', bits: 8 },
  ];
  for (const [i, v] of variants.entries()) {
    it(`${v.encoding} ${v.bits}-bit ${v.rateHz} Hz ${v.channels} ch`, async () => {
      const file = join(dir, `v${i}.wav`);
      execFileSync('sox', ['-R', '-D', '-n', ...v.args, file, 'synth', '0.1', 'sine', '1000', 'vol', '0.5']);
      const d = await decodeWav(readFileSync(file), file);
      expect(d.sourceFormat).toMatchObject({ sample_rate_hz: v.rateHz, channels: v.channels, encoding: v.encoding, bit_depth: v.bits });
      const x = d.channels[0]!;
      expect(x.length).toBe(Math.round(v.rateHz * 0.1));
      let peak = 0;
      for (const s of x) peak = Math.max(peak, Math.abs(s));
      expect(peak).toBeGreaterThan(0.45);
      expect(peak).toBeLessThan(0.55);
    });
  }
});
