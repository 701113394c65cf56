import { describe, expect, it } from 'vitest';
import { downmixToMono, floatToPcm16, resampleMono, toMonoAt } from './resample.ts';

function sine(rateHz: number, n: number, freqHz: number, amp: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * freqHz * i) / rateHz);
  return x;
}

/** RMS over the middle half (away from the filter's start/end transients). */
function midRms(x: Float32Array): number {
  const a = Math.floor(x.length / 4);
  const b = Math.floor((3 * x.length) / 4);
  let s = 0;
  for (let i = a; i < b; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (b - a));
}

/** Amplitude of the `freqHz` component (single-bin DFT over the middle half). */
function toneAmplitude(x: Float32Array, rateHz: number, freqHz: number): number {
  const a = Math.floor(x.length / 4);
  const b = Math.floor((3 * x.length) / 4);
  let re = 0;
  let im = 0;
  for (let i = a; i < b; i++) {
    const w = (2 * Math.PI * freqHz * i) / rateHz;
    re += x[i]! * Math.cos(w);
    im += x[i]! * Math.sin(w);
  }
  return (2 * Math.hypot(re, im)) / (b - a);
}

/** Zero crossings per second, a frequency estimate for a pure tone. */
function zeroCrossingHz(x: Float32Array, rateHz: number): number {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if ((x[i - 1]! < 0) !== (x[i]! < 0)) crossings++;
  return (crossings / 2) * (rateHz / x.length);
}

describe('resampleMono', () => {
  it.each([
    [48000, 24000],
    [44100, 24000],
    [22050, 24000],
    [16000, 24000],
    [8000, 24000],
    [48000, 8000],
    [44100, 8000],
  ])('%i Hz → %i Hz keeps a 1 kHz sine’s frequency and amplitude; length = round(n × ratio)', async (fromHz, toHz) => {
    const n = Math.round(fromHz * 0.2) + 7; // odd lengths exercise the rounding
    const out = await resampleMono(sine(fromHz, n, 1000, 0.5), fromHz, toHz);
    expect(out.length).toBe(Math.round((n * toHz) / fromHz));
    expect(toneAmplitude(out, toHz, 1000)).toBeCloseTo(0.5, 2);
    expect(midRms(out)).toBeCloseTo(0.5 / Math.SQRT2, 2);
    expect(Math.abs(zeroCrossingHz(out, toHz) - 1000)).toBeLessThan(15);
  });

  it('attenuates a tone above the target Nyquist by more than 40 dB (14 kHz, 48 → 24 kHz)', async () => {
    const out = await resampleMono(sine(48000, 9600, 14000, 0.5), 48000, 24000);
    // Without a low-pass filter 14 kHz would alias to 10 kHz at full amplitude.
    const aliasDb = 20 * Math.log10(toneAmplitude(out, 24000, 10000) / 0.5);
    const rmsDb = 20 * Math.log10(midRms(out) / (0.5 / Math.SQRT2));
    expect(aliasDb).toBeLessThan(-40);
    expect(rmsDb).toBeLessThan(-40);
  });

  it('attenuates 5 kHz when going to 8 kHz for G.711 (alias at 3 kHz)', async () => {
    const out = await resampleMono(sine(24000, 4800, 5000, 0.5), 24000, 8000);
    expect(20 * Math.log10(toneAmplitude(out, 8000, 3000) / 0.5)).toBeLessThan(-40);
  });

  it('keeps time alignment: an impulse stays at the same time', async () => {
    const x = new Float32Array(4800);
    x[2400] = 1; // 50 ms at 48 kHz
    const out = await resampleMono(x, 48000, 24000);
    let peak = 0;
    for (let i = 0; i < out.length; i++) if (Math.abs(out[i]!) > Math.abs(out[peak]!)) peak = i;
    expect(peak).toBe(1200);
  });

  it('returns the input for equal rates and handles empty input', async () => {
    const x = new Float32Array([0.1, 0.2]);
    expect(await resampleMono(x, 24000, 24000)).toBe(x);
    expect((await resampleMono(new Float32Array(0), 48000, 24000)).length).toBe(0);
  });
});

describe('downmix and PCM16', () => {
  it('averages channels', () => {
    const m = downmixToMono([new Float32Array([1, 0.5, -1]), new Float32Array([0, 0.5, 1])]);
    expect([...m]).toEqual([0.5, 0.5, 0]);
    const mono = new Float32Array([0.3]);
    expect(downmixToMono([mono])).toBe(mono);
  });

  it('toMonoAt downmixes then resamples', async () => {
    const l = sine(48000, 4800, 1000, 0.8);
    const r = new Float32Array(4800); // silent right channel halves the amplitude
    const out = await toMonoAt({ sampleRateHz: 48000, channels: [l, r] }, 24000);
    expect(out.length).toBe(2400);
    expect(toneAmplitude(out, 24000, 1000)).toBeCloseTo(0.4, 2);
  });

  it('floatToPcm16 rounds and clips', () => {
    expect([...floatToPcm16(new Float32Array([0, 0.5, -0.5, 1, -1, 1.7, -3, Number.NaN, 1 / 65536]))]).toEqual([
      0, 16384, -16384, 32767, -32768, 32767, -32768, 0, 1,
    ]);
  });
});
