import { describe, expect, it } from 'vitest';
import { encodeFromPcm16 } from './formats.ts';
import { FRAME_MS, OnsetDetector, onsetOptionsFor, type OnsetOptions } from './onset.ts';

/** A stretch of test signal: a 220 Hz sine at an RMS level, uniform noise at an RMS level, or digital silence. */
type Segment = { ms: number; toneDbfs?: number; noiseDbfs?: number };

/** Small seedable PRNG (LCG), so every "random" test is reproducible from its seed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function synth(segments: Segment[], rateHz: number, seed = 1): Int16Array {
  const total = segments.reduce((n, s) => n + Math.round((s.ms * rateHz) / 1000), 0);
  const out = new Int16Array(total);
  const rand = lcg(seed);
  let pos = 0;
  for (const seg of segments) {
    const n = Math.round((seg.ms * rateHz) / 1000);
    const toneAmp = seg.toneDbfs === undefined ? 0 : 32768 * Math.SQRT2 * 10 ** (seg.toneDbfs / 20);
    const noiseAmp = seg.noiseDbfs === undefined ? 0 : 32768 * Math.sqrt(3) * 10 ** (seg.noiseDbfs / 20);
    for (let i = 0; i < n; i++, pos++) {
      const v = toneAmp * Math.sin((2 * Math.PI * 220 * pos) / rateHz) + noiseAmp * (2 * rand() - 1);
      out[pos] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
  }
  return out;
}

const PCM = { type: 'audio/pcm', rate: 24000 } as const;
const PCMU = { type: 'audio/pcmu' } as const;
const PCMA = { type: 'audio/pcma' } as const;

/** Onset in ms when `bytes` are pushed as base64 chunks of the given byte sizes (cycled). */
function onsetOfBase64(bytes: Buffer, options: OnsetOptions, chunkBytes: readonly number[]): number | null {
  const d = new OnsetDetector(options);
  let k = 0;
  for (let at = 0; at < bytes.length; k++) {
    const n = chunkBytes[k % chunkBytes.length]!;
    d.pushBase64(bytes.subarray(at, at + n).toString('base64'));
    at += n;
  }
  return d.onsetMs;
}

describe('OnsetDetector', () => {
  it('finds nothing in digital silence, in dither, or in comfort noise below the threshold', () => {
    const cases: Segment[][] = [
      [{ ms: 2000 }],
      [{ ms: 2000, noiseDbfs: -85 }], // a few LSB of dither
      [{ ms: 2000, noiseDbfs: -50 }], // loud comfort noise, still 10 dB under
      [{ ms: 2000, toneDbfs: -46 }], // a steady hum 6 dB under
    ];
    for (const segs of cases) {
      const d = new OnsetDetector();
      expect(d.pushSamples(synth(segs, 24000))).toBe(false);
      expect(d.onsetMs).toBeNull();
      expect(d.onsetSample).toBeNull();
      expect(d.samplesSeen).toBe(48000);
    }
  });

  it('places the onset of speech after N ms of silence at N, within one window', () => {
    for (const leadMs of [0, 10, 95, 300, 1234]) {
      const d = new OnsetDetector();
      d.pushSamples(synth([{ ms: leadMs, noiseDbfs: -60 }, { ms: 400, toneDbfs: -20 }], 24000));
      expect(d.found).toBe(true);
      expect(Math.abs(d.onsetMs! - leadMs)).toBeLessThanOrEqual(FRAME_MS);
      expect(d.onsetSample! % 240).toBe(0); // on the 10 ms grid
    }
  });

  it('is exact when the silence is a whole number of windows', () => {
    const d = new OnsetDetector();
    d.pushSamples(synth([{ ms: 300 }, { ms: 200, toneDbfs: -30 }], 24000));
    expect(d.onsetSample).toBe(7200);
    expect(d.onsetMs).toBe(300);
  });

  it('ignores clicks shorter than the 50 ms run and finds the speech after them', () => {
    const d = new OnsetDetector();
    d.pushSamples(synth([{ ms: 200 }, { ms: 30, toneDbfs: -10 }, { ms: 200 }, { ms: 300, toneDbfs: -20 }], 24000));
    expect(d.onsetMs).toBe(430);
  });

  it('needs 50 ms of voiced audio before it reports, then ignores further audio', () => {
    const d = new OnsetDetector();
    expect(d.pushSamples(synth([{ ms: 100 }, { ms: 40, toneDbfs: -20 }], 24000))).toBe(false);
    expect(d.pushSamples(synth([{ ms: 10, toneDbfs: -20 }], 24000))).toBe(true);
    expect(d.onsetMs).toBe(100);
    const seen = d.samplesSeen;
    expect(d.pushSamples(synth([{ ms: 500, toneDbfs: -20 }], 24000))).toBe(true);
    expect(d.samplesSeen).toBe(seen);
    expect(d.onsetMs).toBe(100);
  });

  it('honours the threshold option and rejects one out of range', () => {
    const audio = synth([{ ms: 200 }, { ms: 300, toneDbfs: -45 }], 24000);
    const dflt = new OnsetDetector();
    dflt.pushSamples(audio);
    expect(dflt.found).toBe(false);
    const low = new OnsetDetector({ thresholdDbfs: -50 });
    low.pushSamples(audio);
    expect(low.onsetMs).toBe(200);
    expect(() => new OnsetDetector({ thresholdDbfs: -80 })).toThrow(/thresholdDbfs must be in \[-70, -10\], got -80/);
    expect(() => new OnsetDetector({ sampleRateHz: 0 })).toThrow(/sample rate must be positive/);
  });

  it('works on G.711 μ-law and A-law streams at 8 kHz, idle codes included', () => {
    for (const format of [PCMU, PCMA]) {
      const pcm = synth([{ ms: 250, noiseDbfs: -60 }, { ms: 300, toneDbfs: -20 }], 8000);
      const d = new OnsetDetector(onsetOptionsFor(format));
      expect(d.sampleRateHz).toBe(8000);
      d.pushBytes(encodeFromPcm16(format, pcm));
      expect(d.onsetMs).toBe(250);
      // Idle-channel codes alone: μ-law 0xFF (0) and A-law 0xD5 (±8) are silence.
      const idle = new OnsetDetector(onsetOptionsFor(format));
      idle.pushBytes(Buffer.alloc(8000, format === PCMU ? 0xff : 0xd5));
      expect(idle.found).toBe(false);
    }
  });

  it('gives the same onset however the stream is cut into chunks (seeded property test)', () => {
    const rand = lcg(20240518);
    for (let trial = 0; trial < 40; trial++) {
      const format = [PCM, PCMU, PCMA][trial % 3]!;
      const rate = format === PCM ? 24000 : 8000;
      const leadMs = Math.floor(rand() * 600);
      const segs: Segment[] = [{ ms: leadMs, noiseDbfs: -55 - 30 * rand() }, { ms: 20, toneDbfs: -15 }, { ms: 80 + Math.floor(rand() * 100) }, { ms: 400, toneDbfs: -35 + 15 * rand() }];
      const bytes = encodeFromPcm16(format, synth(segs, rate, trial + 1));
      const options = onsetOptionsFor(format);
      const whole = new OnsetDetector(options);
      whole.pushBytes(bytes);
      expect(whole.found).toBe(true);
      // Cut anywhere (odd byte counts split PCM16 samples), via bytes and via base64.
      const cuts = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => 1 + Math.floor(rand() * 3000));
      const viaBytes = new OnsetDetector(options);
      let k = 0;
      for (let at = 0; at < bytes.length; k++) {
        const n = cuts[k % cuts.length]!;
        viaBytes.pushBytes(bytes.subarray(at, at + n));
        at += n;
      }
      expect(viaBytes.onsetSample).toBe(whole.onsetSample);
      expect(onsetOfBase64(bytes, options, cuts)).toBe(whole.onsetMs);
      // The 20 ms click does not count; the speech after the gap does.
      const speechStartMs = leadMs + 20 + segs[2]!.ms;
      expect(Math.abs(whole.onsetMs! - speechStartMs)).toBeLessThanOrEqual(FRAME_MS);
    }
  });
});
