import { beforeEach, describe, expect, it } from 'vitest';
import {
  MIN_SPEECH_MS,
  clearSpeechCache,
  planSpeech,
  speechCacheStats,
  speechDurationMs,
  synthesizeSpeech,
  synthesizeSpeechCached,
  voicePitchHz,
} from './speech-synth.ts';

const TEXT = 'Sure, I can help with that. The weather in Paris is sunny today, about twenty degrees. Anything else?';
const FS = 24000;

/** Byte equality of two sample arrays (vitest's deep equality is slow on 100k-element arrays). */
function same(a: Int16Array, b: Int16Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function dbfs(pcm: Int16Array, from = 0, to = pcm.length): number {
  let e = 0;
  for (let i = from; i < to; i++) e += pcm[i]! * pcm[i]!;
  return 10 * Math.log10(e / Math.max(1, to - from) / 32768 ** 2 + 1e-15);
}

function peakDbfs(pcm: Int16Array): number {
  let p = 0;
  for (const v of pcm) p = Math.max(p, Math.abs(v));
  return 20 * Math.log10(p / 32768);
}

/** Per-frame level (dBFS) and zero-crossing rate (crossings/s) of `frameMs` frames. */
function frames(pcm: Int16Array, fs: number, frameMs: number): { db: number; zcr: number }[] {
  const n = Math.round((fs * frameMs) / 1000);
  const out: { db: number; zcr: number }[] = [];
  for (let f = 0; (f + 1) * n <= pcm.length; f++) {
    let z = 0;
    for (let i = f * n + 1; i < (f + 1) * n; i++) if (pcm[i]! >= 0 !== pcm[i - 1]! >= 0) z++;
    out.push({ db: dbfs(pcm, f * n, (f + 1) * n), zcr: (z * 1000) / frameMs });
  }
  return out;
}

/** Share of energy in [loHz, hiHz) by a plain DFT over a few 40 ms windows of the loudest part. */
function bandShare(pcm: Int16Array, fs: number, loHz: number, hiHz: number): number {
  const n = Math.round(fs * 0.04);
  let inBand = 0;
  let total = 0;
  for (let start = 0; start + n <= pcm.length; start += n * 6) {
    for (let k = 1; k < n / 2; k += 1) {
      let re = 0;
      let im = 0;
      for (let i = 0; i < n; i++) {
        const a = (2 * Math.PI * k * i) / n;
        re += pcm[start + i]! * Math.cos(a);
        im -= pcm[start + i]! * Math.sin(a);
      }
      const p = re * re + im * im;
      const hz = (k * fs) / n;
      total += p;
      if (hz >= loHz && hz < hiHz) inBand += p;
    }
  }
  return inBand / total;
}

/** Modulation spectrum of the 10 ms energy envelope: the strongest frequency in 0.5–20 Hz and its depth. */
function envelopeModulation(pcm: Int16Array, fs: number): { peakHz: number; depth: number } {
  const env = frames(pcm, fs, 10).map((f) => Math.sqrt(10 ** (f.db / 10)));
  const mean = env.reduce((a, b) => a + b, 0) / env.length;
  const sd = Math.sqrt(env.reduce((a, b) => a + (b - mean) ** 2, 0) / env.length);
  const rate = 100; // envelope samples per second
  let best = { hz: 0, p: -1 };
  for (let hz = 0.5; hz <= 20; hz += 0.25) {
    let re = 0;
    let im = 0;
    env.forEach((v, i) => {
      re += (v - mean) * Math.cos((2 * Math.PI * hz * i) / rate);
      im += (v - mean) * Math.sin((2 * Math.PI * hz * i) / rate);
    });
    const p = re * re + im * im;
    if (p > best.p) best = { hz, p };
  }
  return { peakHz: best.hz, depth: sd / mean };
}

/** The spectrum checks a speech-like signal passes and a plain tone fails. */
function speechLikeProblems(pcm: Int16Array, fs: number): string[] {
  const problems: string[] = [];
  const loud = frames(pcm, fs, 20).filter((f) => f.db > -45);
  const voiced = loud.filter((f) => f.zcr < 2500).length;
  const fricative = loud.filter((f) => f.zcr > 5000).length;
  if (voiced < loud.length * 0.4) problems.push(`only ${voiced}/${loud.length} loud frames have a voiced ZCR (< 2500/s)`);
  if (fricative < 3) problems.push(`only ${fricative} loud frames have a fricative ZCR (> 5000/s)`);
  const low = bandShare(pcm, fs, 80, 1000);
  const mid = bandShare(pcm, fs, 1000, 4000);
  if (low < 0.2 || mid < 0.02) problems.push(`band energy 80–1000 Hz ${low.toFixed(3)}, 1–4 kHz ${mid.toFixed(3)}`);
  const mod = envelopeModulation(pcm, fs);
  if (mod.depth < 0.5) problems.push(`envelope modulation depth ${mod.depth.toFixed(2)} < 0.5`);
  if (mod.peakHz < 1.5 || mod.peakHz > 8) problems.push(`envelope modulation peaks at ${mod.peakHz} Hz, not a syllable rate`);
  return problems;
}

describe('speechDurationMs', () => {
  it('speaks 14 characters per second, spaces and punctuation included, with whitespace collapsed', () => {
    expect(speechDurationMs('x'.repeat(140))).toBe(10_000);
    expect(speechDurationMs('a'.repeat(69) + ' ' + 'b'.repeat(70))).toBe(10_000);
    expect(speechDurationMs('  hello \n\t world  ')).toBe(speechDurationMs('hello world'));
    const cps = TEXT.length / (speechDurationMs(TEXT) / 1000);
    expect(cps).toBeGreaterThanOrEqual(13);
    expect(cps).toBeLessThanOrEqual(15);
  });

  it('is at least 200 ms for non-empty text and 0 for blank text', () => {
    expect(speechDurationMs('Hi')).toBe(MIN_SPEECH_MS);
    expect(speechDurationMs('')).toBe(0);
    expect(speechDurationMs('  \n ')).toBe(0);
    expect(speechDurationMs('😀')).toBe(MIN_SPEECH_MS);
  });
});

describe('synthesizeSpeech', () => {
  it('returns duration × rate samples at each rate, and nothing for blank text', () => {
    for (const fs of [8000, 16000, 24000, 48000]) {
      const pcm = synthesizeSpeech(TEXT, { sampleRateHz: fs });
      expect(pcm.length).toBe(Math.round((speechDurationMs(TEXT) * fs) / 1000));
      expect(peakDbfs(pcm)).toBeGreaterThan(-7);
      expect(peakDbfs(pcm)).toBeLessThan(-5);
    }
    expect(synthesizeSpeech('   ').length).toBe(0);
    expect(synthesizeSpeech('Hi').length).toBe(Math.round((MIN_SPEECH_MS * FS) / 1000));
  });

  it('is deterministic for (text, voice, seed) and varies with seed and voice', () => {
    const a = synthesizeSpeech(TEXT, { seed: 7 });
    expect(same(synthesizeSpeech(TEXT, { seed: 7 }), a)).toBe(true);
    expect(same(synthesizeSpeech(TEXT, { seed: 8 }), a)).toBe(false);
    expect(same(synthesizeSpeech(TEXT, { seed: 7, voice: 'ash' }), a)).toBe(false);
    expect(same(synthesizeSpeech(TEXT), synthesizeSpeech(TEXT, { voice: 'marin', seed: 0, sampleRateHz: 24000 }))).toBe(true);
  });

  it('is loud inside words and near silent in the pauses between sentences', () => {
    const pcm = synthesizeSpeech(TEXT);
    const plan = planSpeech(TEXT);
    const at = (ms: number): number => Math.round((ms * FS) / 1000);
    const words = plan.words;
    // The pause after "that." lies between the end of "that" and the start of "The".
    const that = words.find((w) => w.text === 'that')!;
    const the = words.find((w) => w.text === 'The')!;
    expect(the.startMs - that.endMs).toBeGreaterThan(200);
    expect(dbfs(pcm, at(that.endMs + 40), at(the.startMs - 10))).toBeLessThan(-70);
    let above = 0;
    let total = 0;
    for (const w of words) {
      const f = frames(pcm.subarray(at(w.startMs), at(w.endMs)), FS, 20);
      expect(Math.max(...f.map((x) => x.db)), w.text).toBeGreaterThan(-30);
      total += f.length;
      above += f.filter((x) => x.db > -40).length;
    }
    expect(above / total).toBeGreaterThan(0.75);
    expect(dbfs(pcm)).toBeGreaterThan(-30);
  });

  it('passes spectrum checks that a plain tone fails', () => {
    for (const fs of [24000, 16000]) expect(speechLikeProblems(synthesizeSpeech(TEXT, { sampleRateHz: fs }), fs)).toEqual([]);
    const tone = new Int16Array(FS * 3).map((_, i) => Math.round(16000 * Math.sin((2 * Math.PI * 440 * i) / FS)));
    expect(speechLikeProblems(tone, FS).length).toBeGreaterThanOrEqual(3);
  });

  it('voices a pitch from the voice name, in 100–220 Hz, found again in the audio', () => {
    for (const v of ['marin', 'cedar', 'alloy', 'ash', 'coral', 'x'.repeat(40)]) {
      expect(voicePitchHz(v)).toBeGreaterThanOrEqual(100);
      expect(voicePitchHz(v)).toBeLessThanOrEqual(220);
    }
    expect(voicePitchHz('marin')).toBe(voicePitchHz('marin'));
    for (const voice of ['coral', 'ash']) {
      const pcm = synthesizeSpeech('Aaah, aaah, aaah.', { voice });
      // Autocorrelation of the loudest 60 ms: the best lag in 70–400 Hz gives the pitch.
      const n = Math.round(FS * 0.06);
      let best = 0;
      let bestE = -1;
      for (let s = 0; s + n <= pcm.length; s += n / 2) {
        const e = dbfs(pcm, s, s + n);
        if (e > bestE) (bestE = e), (best = s);
      }
      let bestLag = 0;
      let bestR = -Infinity;
      for (let lag = Math.floor(FS / 400); lag <= FS / 70; lag++) {
        let r = 0;
        for (let i = best; i + lag < best + n; i++) r += pcm[i]! * pcm[i + lag]!;
        if (r > bestR) (bestR = r), (bestLag = lag);
      }
      const hz = FS / bestLag;
      expect(hz).toBeGreaterThan(voicePitchHz(voice) * 0.75);
      expect(hz).toBeLessThan(voicePitchHz(voice) * 1.3);
    }
  });

  it('handles digits, non-Latin scripts, emoji and punctuation-only text', () => {
    for (const t of ['Call 555 0134 at 9:30.', 'Привет, мир! 你好。', 'hmm… rhythm, psst!', '?!', '😀 👍']) {
      const pcm = synthesizeSpeech(t, { sampleRateHz: 16000 });
      expect(pcm.length).toBe(Math.round(speechDurationMs(t) * 16));
      expect(pcm.every((v) => Number.isInteger(v))).toBe(true);
    }
    expect(peakDbfs(synthesizeSpeech('Привет, мир!'))).toBeGreaterThan(-7);
  });
});

describe('planSpeech', () => {
  it('places the words in order inside the duration, longer words taking longer', () => {
    const plan = planSpeech(TEXT);
    expect(plan.durationMs).toBe(speechDurationMs(TEXT));
    expect(plan.words.map((w) => w.text)).toEqual(TEXT.match(/[\p{L}\p{N}]+/gu));
    let t = 0;
    for (const w of plan.words) {
      expect(w.startMs).toBeGreaterThan(t);
      expect(w.endMs).toBeGreaterThan(w.startMs);
      t = w.endMs;
    }
    expect(t).toBeLessThan(plan.durationMs);
    const len = (s: string): number => plan.words.find((w) => w.text === s)!.endMs - plan.words.find((w) => w.text === s)!.startMs;
    expect(len('weather')).toBeGreaterThan(len('in') * 3);
  });
});

describe('synthesizeSpeechCached', () => {
  beforeEach(() => clearSpeechCache());

  it('returns the same samples as synthesizeSpeech, sharing one array per key', () => {
    const a = synthesizeSpeechCached(TEXT, { seed: 3 });
    expect(same(a, synthesizeSpeech(TEXT, { seed: 3 }))).toBe(true);
    expect(synthesizeSpeechCached(TEXT, { seed: 3 })).toBe(a);
    expect(synthesizeSpeechCached(TEXT, { seed: 4 })).not.toBe(a);
    expect(synthesizeSpeechCached(TEXT, { seed: 3, sampleRateHz: 8000 }).length).toBe(Math.round(speechDurationMs(TEXT) * 8));
    expect(speechCacheStats()).toMatchObject({ entries: 3, hits: 1, misses: 3 });
  });

  it('evicts the least recently used entry beyond 64 entries', () => {
    const first = synthesizeSpeechCached('word 0');
    for (let i = 1; i < 64; i++) synthesizeSpeechCached(`word ${i}`);
    synthesizeSpeechCached('word 0'); // now the most recent
    synthesizeSpeechCached('word 64'); // evicts "word 1"
    expect(speechCacheStats().entries).toBe(64);
    expect(synthesizeSpeechCached('word 0')).toBe(first);
    const misses = speechCacheStats().misses;
    synthesizeSpeechCached('word 1');
    expect(speechCacheStats().misses).toBe(misses + 1);
  });
});
