/**
 * Speech-like audio for the mock's assistant turns and translation output: a tiny formant
 * synthesizer, not a beep. Text is split into words and syllables; each syllable is a voiced
 * glottal-pulse source (pitch from the voice name, jitter, declining intonation that falls at the
 * end of a sentence and rises on a question) shaped by three formant resonators whose targets move
 * per vowel, with short noise bursts for fricatives and stops and pauses at spaces and punctuation.
 * The result is deterministic for (text, voice, seed, rate), peaks at about -6 dBFS, keeps speech
 * well above -40 dBFS and pauses near silence, so an energy VAD, a level meter or a spectrum check
 * sees speech. Everything runs on typed arrays with no per-sample allocation.
 */

import {
  fnv1a,
  normalizeText,
  SPEECH_CHARS_PER_S,
  speechDurationMs,
  syllabify,
  tokenize,
  voicePitchHz,
  type Cons,
  type ConsClass,
} from './speech-text.ts';

/** Peak level of synthesized audio, as a fraction of full scale (0.5 ≈ -6 dBFS). */
export const SPEECH_PEAK_FRACTION = 0.5;

/** Options of {@link synthesizeSpeech}. */
export interface SynthOptions {
  /** Output sample rate, Hz; default 24000 (PCM16 24 kHz mono, the realtime default format). */
  sampleRateHz?: number;
  /** Voice name; its stable hash sets the pitch (see {@link voicePitchHz}); default `'marin'`. */
  voice?: string;
  /** Seed of the jitter, shimmer and noise; default 0. */
  seed?: number;
}

export { MIN_SPEECH_MS, planSpeech, SPEECH_CHARS_PER_S, speechDurationMs, voicePitchHz, type PlannedWord, type SpeechPlan } from './speech-text.ts';

// ---- phones → segments ---------------------------------------------------------------------

/** One stretch of audio with constant targets; envelopes run over its length. */
interface Segment {
  ms: number;
  /** Voiced envelope: start level, peak, end level, attack and release as fractions of the segment. */
  vStart: number;
  vPeak: number;
  vEnd: number;
  vAtk: number;
  vRel: number;
  /** Noise envelope (starts and ends at 0). */
  nPeak: number;
  nAtk: number;
  nRel: number;
  noiseHz: number;
  /** Formant targets F1–F3 (before voice scaling), or null to keep gliding to the previous ones. */
  formants: readonly number[] | null;
  f0Hz: number;
}

// Adult vowel formants (Peterson & Barney averages, rounded); scaled up for higher voices.
const VOWEL_FORMANTS: Record<string, readonly number[]> = {
  a: [730, 1090, 2440], e: [530, 1840, 2480], i: [300, 2200, 2950], o: [570, 840, 2410], u: [320, 900, 2240], y: [300, 2100, 2900],
};
const NASAL_FORMANTS = [280, 1300, 2500];
const LIQUID_FORMANTS = [360, 1100, 2300];
const R_FORMANTS = [380, 1150, 1700];
/** Nominal consonant durations at {@link SPEECH_CHARS_PER_S}, ms. */
const CONS_MS: Record<ConsClass, number> = { sib: 85, weak: 65, stop: 60, affricate: 90, nasal: 60, liquid: 50 };
const NOISE_PEAK: Record<ConsClass, number> = { sib: 0.3, weak: 0.12, stop: 0.4, affricate: 0.28, nasal: 0, liquid: 0 };
const VOICED_PEAK: Record<ConsClass, number> = { sib: 0.2, weak: 0.2, stop: 0.06, affricate: 0.15, nasal: 0.4, liquid: 0.55 };

type Item =
  | { kind: 'vowel'; ms: number; f0Hz: number; peak: number; formants: readonly number[] }
  | { kind: 'cons'; ms: number; f0Hz: number; cons: Cons };

function seg(ms: number, f0Hz: number, over: Partial<Segment>): Segment {
  return { ms, vStart: 0, vPeak: 0, vEnd: 0, vAtk: 0.3, vRel: 0.35, nPeak: 0, nAtk: 0.3, nRel: 0.3, noiseHz: 4000, formants: null, f0Hz, ...over };
}

function voicedPeakOf(it: Item | undefined): number {
  if (!it) return 0;
  if (it.kind === 'vowel') return it.peak;
  return it.cons.voiced || it.cons.cls === 'nasal' || it.cons.cls === 'liquid' ? VOICED_PEAK[it.cons.cls] : 0;
}

/** Turns a word's phone items into segments, keeping the voiced level continuous across voiced neighbours. */
function itemsToSegments(items: Item[], out: Segment[]): void {
  let level = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const nextPeak = voicedPeakOf(items[i + 1]);
    if (it.kind === 'vowel' || it.cons.cls === 'nasal' || it.cons.cls === 'liquid') {
      const peak = voicedPeakOf(it);
      const vEnd = nextPeak >= 0.3 ? 0.8 * Math.min(peak, nextPeak) : nextPeak > 0 ? 0.08 : 0;
      const formants = it.kind === 'vowel' ? it.formants : it.cons.cls === 'nasal' ? NASAL_FORMANTS : it.cons.noiseHz === 1 ? R_FORMANTS : LIQUID_FORMANTS;
      out.push(seg(it.ms, it.f0Hz, { vStart: level, vPeak: peak, vEnd, formants }));
      level = vEnd;
      continue;
    }
    const c = it.cons;
    const voicedLevel = c.voiced ? VOICED_PEAK[c.cls] : 0;
    const vEnd = c.voiced && nextPeak > 0 ? Math.min(voicedLevel, nextPeak) : 0;
    if (c.cls === 'stop' || c.cls === 'affricate') {
      // Closure (silence, or a faint voice bar), then a release burst or frication.
      const closure = c.cls === 'stop' ? 0.55 : 0.35;
      out.push(seg(it.ms * closure, it.f0Hz, { vStart: level, vPeak: voicedLevel, vEnd: voicedLevel, vAtk: 0.2 }));
      const burst = c.cls === 'stop' ? { nAtk: 0.03, nRel: 0.9 } : {};
      out.push(seg(it.ms * (1 - closure), it.f0Hz, { vStart: voicedLevel, vPeak: voicedLevel, vEnd, nPeak: NOISE_PEAK[c.cls], noiseHz: c.noiseHz, ...burst }));
    } else {
      out.push(seg(it.ms, it.f0Hz, { vStart: level, vPeak: voicedLevel, vEnd, vAtk: 0.2, nPeak: NOISE_PEAK[c.cls], noiseHz: c.noiseHz }));
    }
    level = vEnd;
  }
}

/** Mulberry32: small, fast, seedable. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function planSegments(norm: string, durationMs: number, baseHz: number, rand: () => number): Segment[] {
  const { tokens, questions, leadMs } = tokenize(norm, durationMs);
  const segs: Segment[] = [seg(leadMs, baseHz, {})];
  const words = tokens.map((t) => (t.kind === 'word' ? syllabify(t.text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()) : null));
  const perSentence: number[] = [];
  tokens.forEach((t, k) => {
    if (words[k]) perSentence[t.sentence] = (perSentence[t.sentence] ?? 0) + words[k].length;
  });
  const indexInSentence: number[] = [];
  const nominalCharMs = 1000 / SPEECH_CHARS_PER_S;
  tokens.forEach((tok, k) => {
    const syls = words[k];
    const tokMs = tok.endMs - tok.startMs;
    if (!syls) {
      segs.push(seg(tokMs, baseHz, {}));
      return;
    }
    const totalChars = syls.reduce((n, s) => n + s.chars, 0);
    const rate = tokMs / (totalChars * nominalCharMs);
    const count = perSentence[tok.sentence]!;
    const items: Item[] = [];
    syls.forEach((syl, si) => {
      const j = indexInSentence[tok.sentence] ?? 0;
      indexInSentence[tok.sentence] = j + 1;
      // Declination over the sentence, a fall on its last syllables (a rise for a question), accent on a word's first syllable.
      const p = count > 1 ? j / (count - 1) : 1;
      const stressed = si === 0 && syls.length > 1;
      let f0 = baseHz * (1.1 - 0.14 * p) * (stressed ? 1.06 : 1) * (1 + 0.04 * (rand() - 0.5));
      if (j === count - 1) f0 = baseHz * (questions[tok.sentence] ? 1.25 : 0.8);
      else if (j === count - 2 && !questions[tok.sentence]) f0 = baseHz * 0.9;
      const sylMs = (tokMs * syl.chars) / totalChars;
      const onsetMs = syl.onset.map((c) => CONS_MS[c.cls] * rate);
      const codaMs = syl.coda.map((c) => CONS_MS[c.cls] * rate);
      const consMs = [...onsetMs, ...codaMs].reduce((a, b) => a + b, 0);
      const squeeze = consMs > 0.55 * sylMs ? (0.55 * sylMs) / consMs : 1;
      const vowelMs = sylMs - consMs * squeeze;
      syl.onset.forEach((c, ci) => items.push({ kind: 'cons', ms: onsetMs[ci]! * squeeze, f0Hz: f0, cons: c }));
      const peak = (stressed ? 1 : 0.8) * (0.92 + 0.16 * rand());
      const v1 = VOWEL_FORMANTS[syl.nucleus[0]!] ?? VOWEL_FORMANTS.a!;
      const v2 = VOWEL_FORMANTS[syl.nucleus[syl.nucleus.length - 1]!] ?? v1;
      if (v2 !== v1) {
        items.push({ kind: 'vowel', ms: vowelMs * 0.55, f0Hz: f0, peak, formants: v1 });
        items.push({ kind: 'vowel', ms: vowelMs * 0.45, f0Hz: f0, peak, formants: v2 });
      } else items.push({ kind: 'vowel', ms: vowelMs, f0Hz: f0, peak, formants: v1 });
      syl.coda.forEach((c, ci) => items.push({ kind: 'cons', ms: codaMs[ci]! * squeeze, f0Hz: f0, cons: c }));
    });
    itemsToSegments(items, segs);
  });
  return segs;
}

// ---- rendering -----------------------------------------------------------------------------

const GLOTTAL_SIZE = 512;
/** One period of the derivative of a Rosenberg glottal pulse (open 40 %, closing 16 %), peak |1|. */
const GLOTTAL = ((): Float32Array => {
  const flow = (p: number): number => (p < 0.4 ? 0.5 * (1 - Math.cos((Math.PI * p) / 0.4)) : p < 0.56 ? Math.cos(((p - 0.4) / 0.16) * (Math.PI / 2)) : 0);
  const d = new Float32Array(GLOTTAL_SIZE);
  let peak = 0;
  for (let k = 0; k < GLOTTAL_SIZE; k++) {
    d[k] = flow((k + 1) / GLOTTAL_SIZE) - flow(k / GLOTTAL_SIZE);
    peak = Math.max(peak, Math.abs(d[k]!));
  }
  for (let k = 0; k < GLOTTAL_SIZE; k++) d[k]! /= peak;
  return d;
})();
const FORMANT_BW_HZ = [80, 100, 140];
const BLOCK = 32;
const JITTER = 0.012;
const SHIMMER = 0.06;
const BREATH = 0.04;
const DITHER_LSB = 3;
const EMPHASIS = 0.7;

function smooth(x: number): number {
  return x * x * (3 - 2 * x);
}

/** Envelope at `t` ∈ [0, 1]: smoothstep from `start` to `peak` over `atk`, hold, smoothstep to `end` over `rel`. */
function envelopeAt(t: number, start: number, peak: number, end: number, atk: number, rel: number): number {
  if (t < atk) return start + (peak - start) * smooth(t / atk);
  if (t > 1 - rel) return end + (peak - end) * smooth((1 - t) / rel);
  return peak;
}

/**
 * Synthesizes `text` as speech-like PCM16 mono at `sampleRateHz`; length is
 * `round(speechDurationMs(text) × rate / 1000)` samples (empty for blank text). Deterministic for
 * (text, voice, seed, rate). Peak ≈ -6 dBFS ({@link SPEECH_PEAK_FRACTION}); pauses carry ±3 LSB of dither.
 */
export function synthesizeSpeech(text: string, opts: SynthOptions = {}): Int16Array {
  const fs = opts.sampleRateHz ?? 24000;
  const voice = opts.voice ?? 'marin';
  const norm = normalizeText(text);
  const durationMs = speechDurationMs(norm);
  const total = Math.round((durationMs * fs) / 1000);
  const pcm = new Int16Array(total);
  if (total === 0) return pcm;
  const baseHz = voicePitchHz(voice);
  const rand = mulberry32(fnv1a(norm, fnv1a(voice, (opts.seed ?? 0) >>> 0)) ^ Math.round(fs));
  const segs = planSegments(norm, durationMs, baseHz, rand);

  // Higher voices get shorter vocal tracts: formants up to +17 % at 220 Hz.
  const fScale = 1 + (0.17 * (baseHz - 100)) / 120;
  const maxF = 0.45 * fs;
  const r1 = Math.exp((-Math.PI * FORMANT_BW_HZ[0]!) / fs), r2 = Math.exp((-Math.PI * FORMANT_BW_HZ[1]!) / fs), r3 = Math.exp((-Math.PI * FORMANT_BW_HZ[2]!) / fs);
  const c1 = -r1 * r1, c2 = -r2 * r2, c3 = -r3 * r3;
  const kF = 1 - Math.exp(-BLOCK / (fs * 0.02));
  const kP = 1 - Math.exp(-BLOCK / (fs * 0.04));
  const w = (2 * Math.PI) / fs;
  const invFs = 1 / fs;
  let f1 = 500 * fScale, f2 = 1500 * fScale, f3 = 2500 * fScale;
  let f0 = baseHz, periodHz = baseHz, shimmer = 1, phase = 0;
  let y1a = 0, y1b = 0, y2a = 0, y2b = 0, y3a = 0, y3b = 0, yna = 0, ynb = 0;
  let rng = (fnv1a(norm) ^ 0x9e3779b9) | 1; // xorshift32 state for per-sample noise
  const out = new Float32Array(total);

  let pos = 0;
  let elapsedMs = 0;
  for (let s = 0; s < segs.length; s++) {
    const sg = segs[s]!;
    elapsedMs += sg.ms;
    const endPos = s === segs.length - 1 ? total : Math.min(total, Math.round((elapsedMs * fs) / 1000));
    const n = endPos - pos;
    if (n <= 0) continue;
    const nHz = Math.min(sg.noiseHz, 0.42 * fs);
    const rn = Math.exp((-Math.PI * Math.min(0.3 * fs, Math.max(1500, 0.6 * nHz))) / fs);
    const bn = 2 * rn * Math.cos(w * nHz), cn = -rn * rn;
    const an = (1 - rn) * Math.sqrt(1 + rn * rn - 2 * rn * Math.cos(2 * w * nHz));
    const t1 = sg.formants ? Math.min(maxF, sg.formants[0]! * fScale) : f1;
    const t2 = sg.formants ? Math.min(maxF, sg.formants[1]! * fScale) : f2;
    const t3 = sg.formants ? Math.min(maxF, sg.formants[2]! * fScale) : f3;
    const invN = 1 / n;
    const { vStart, vPeak, vEnd, vAtk, vRel, nPeak, nAtk, nRel } = sg;
    const f0Target = sg.f0Hz;
    // Envelopes are evaluated at block edges and interpolated linearly inside a block (1.3 ms at 24 kHz).
    let ev = envelopeAt(0, vStart, vPeak, vEnd, vAtk, vRel);
    let en = nPeak * envelopeAt(0, 0, 1, 0, nAtk, nRel);
    for (let i = 0; i < n; ) {
      const blockEnd = Math.min(n, i + BLOCK);
      const tEnd = blockEnd * invN;
      const evEnd = envelopeAt(tEnd, vStart, vPeak, vEnd, vAtk, vRel);
      const enEnd = nPeak * envelopeAt(tEnd, 0, 1, 0, nAtk, nRel);
      const evStep = (evEnd - ev) / (blockEnd - i), enStep = (enEnd - en) / (blockEnd - i);
      f1 += (t1 - f1) * kF;
      f2 += (t2 - f2) * kF;
      f3 += (t3 - f3) * kF;
      f0 += (f0Target - f0) * kP;
      const b1 = 2 * r1 * Math.cos(w * f1), b2 = 2 * r2 * Math.cos(w * f2), b3 = 2 * r3 * Math.cos(w * f3);
      const a1 = 1 - b1 - c1, a2 = 1 - b2 - c2, a3 = 1 - b3 - c3;
      const noisy = nPeak !== 0 || Math.abs(yna) > 1e-9;
      for (; i < blockEnd; i++) {
        rng ^= rng << 13;
        rng ^= rng >>> 17;
        rng ^= rng << 5;
        const noise = (rng >>> 0) / 2147483648 - 1;
        phase += periodHz * invFs;
        if (phase >= 1) {
          phase -= 1;
          periodHz = f0 * (1 + JITTER * (2 * rand() - 1));
          shimmer = 1 + SHIMMER * (2 * rand() - 1);
        }
        const src = ev * (GLOTTAL[(phase * GLOTTAL_SIZE) | 0]! * shimmer + (phase < 0.56 ? BREATH * noise : 0));
        ev += evStep;
        const y1 = a1 * src + b1 * y1a + c1 * y1b;
        y1b = y1a;
        y1a = y1;
        const y2 = a2 * y1 + b2 * y2a + c2 * y2b;
        y2b = y2a;
        y2a = y2;
        const y3 = a3 * y2 + b3 * y3a + c3 * y3b;
        // Gentle first-order emphasis (the cascade alone sounds muffled: too little energy above 1 kHz).
        const voicedOut = y3 - EMPHASIS * y3a;
        y3b = y3a;
        y3a = y3;
        if (noisy) {
          const yn = an * en * noise + bn * yna + cn * ynb;
          en += enStep;
          ynb = yna;
          yna = yn;
          out[pos + i] = voicedOut + yn;
        } else out[pos + i] = voicedOut;
      }
      ev = evEnd;
      en = enEnd;
      if (!noisy) yna = ynb = 0;
    }
    pos = endPos;
  }

  let peak = 0;
  for (let i = 0; i < total; i++) peak = Math.max(peak, Math.abs(out[i]!));
  const gain = peak > 0 ? (SPEECH_PEAK_FRACTION * 32767) / peak : 0;
  for (let i = 0; i < total; i++) {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    const v = Math.round(out[i]! * gain + DITHER_LSB * ((rng >>> 0) / 2147483648 - 1));
    pcm[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return pcm;
}

// ---- cache ---------------------------------------------------------------------------------

/** Most entries kept by {@link synthesizeSpeechCached}. */
export const SPEECH_CACHE_MAX_ENTRIES = 64;
/** Most PCM bytes kept by {@link synthesizeSpeechCached} (32 MiB ≈ 11 min of 24 kHz audio). */
export const SPEECH_CACHE_MAX_BYTES = 32 * 1024 * 1024;

const cache = new Map<string, Int16Array>();
let cacheBytes = 0;
let cacheHits = 0;
let cacheMisses = 0;

/**
 * {@link synthesizeSpeech} through a small LRU keyed by (text, voice, rate, seed): at most
 * {@link SPEECH_CACHE_MAX_ENTRIES} entries and {@link SPEECH_CACHE_MAX_BYTES}. The returned array is
 * shared between callers: read it, never write to it (copy first, e.g. for G.711 encoding in place).
 */
export function synthesizeSpeechCached(text: string, opts: SynthOptions = {}): Int16Array {
  const key = `${opts.sampleRateHz ?? 24000}\u0000${opts.voice ?? 'marin'}\u0000${opts.seed ?? 0}\u0000${normalizeText(text)}`;
  const hit = cache.get(key);
  if (hit) {
    cacheHits++;
    cache.delete(key); // re-insert: Map order is the recency order
    cache.set(key, hit);
    return hit;
  }
  cacheMisses++;
  const pcm = synthesizeSpeech(text, opts);
  if (pcm.byteLength > SPEECH_CACHE_MAX_BYTES) return pcm;
  cache.set(key, pcm);
  cacheBytes += pcm.byteLength;
  while (cache.size > SPEECH_CACHE_MAX_ENTRIES || cacheBytes > SPEECH_CACHE_MAX_BYTES) {
    const oldest = cache.keys().next().value as string;
    cacheBytes -= cache.get(oldest)!.byteLength;
    cache.delete(oldest);
  }
  return pcm;
}

/** Entries, bytes, hits and misses of the {@link synthesizeSpeechCached} cache since start or the last clear. */
export function speechCacheStats(): { entries: number; bytes: number; hits: number; misses: number } {
  return { entries: cache.size, bytes: cacheBytes, hits: cacheHits, misses: cacheMisses };
}

/** Empties the {@link synthesizeSpeechCached} cache and resets its counters. */
export function clearSpeechCache(): void {
  cache.clear();
  cacheBytes = cacheHits = cacheMisses = 0;
}
