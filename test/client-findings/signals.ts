/**
 * Test signals for the client-findings audio rules: the project's corpus, the mock's own speech
 * synthesizer, espeak-ng speech, noise and music-like signals, each as correct wire bytes, and the
 * client mistakes made from them (G.711 declared as PCM16, other rates, stereo, big-endian, …).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeAlaw, encodeMulaw } from '../../common/audio/g711.ts';
import { readManifest } from '../../harness/corpus/load-corpus.ts';
import { BUNDLED_CORPUS_DIR } from '../../harness/corpus/load-corpus.ts';
import { floatToPcm16, toMonoAt } from '../../harness/audio/resample.ts';
import { decodeWav } from '../../harness/audio/wav-decode.ts';
import { synthesizeSpeech } from '../../mock-server/speech-synth.ts';

/** A named signal: mono float samples in [-1, 1] at `rateHz`. */
export interface Signal {
  name: string;
  rateHz: number;
  samples: Float32Array;
}

/** PCM16 little-endian bytes. */
export function pcm16le(samples: Float32Array | Int16Array): Buffer {
  const pcm = samples instanceof Int16Array ? samples : floatToPcm16(samples);
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/** PCM16 big-endian bytes. */
export function pcm16be(samples: Float32Array): Buffer {
  const le = Buffer.from(pcm16le(samples));
  return le.swap16();
}

export const mulaw = (s: Float32Array): Buffer => Buffer.from(encodeMulaw(floatToPcm16(s)));
export const alaw = (s: Float32Array): Buffer => Buffer.from(encodeAlaw(floatToPcm16(s)));

/** Interleaves two channels as PCM16 LE stereo. */
export function stereoLe(left: Float32Array, right: Float32Array): Buffer {
  const n = Math.min(left.length, right.length);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = left[i]!;
    out[2 * i + 1] = right[i]!;
  }
  return pcm16le(out);
}

/** Every clip of the bundled corpus, mono at `rateHz`. */
export async function corpusSignals(rateHz: number): Promise<Signal[]> {
  const { manifest } = await readManifest(BUNDLED_CORPUS_DIR);
  const out: Signal[] = [];
  for (const clip of manifest.clips) {
    const file = path.join(BUNDLED_CORPUS_DIR, clip.file);
    const decoded = await decodeWav(readFileSync(file), file);
    out.push({ name: `corpus:${clip.id}`, rateHz, samples: await toMonoAt(decoded, rateHz) });
  }
  return out;
}

/** The bundled corpus clip `id`, decoded with all its channels (for the real stereo clip). */
export async function corpusClipChannels(id: string): Promise<{ rateHz: number; channels: readonly Float32Array[] }> {
  const file = path.join(BUNDLED_CORPUS_DIR, `${id}.wav`);
  const d = await decodeWav(readFileSync(file), file);
  return { rateHz: d.sampleRateHz, channels: d.channels };
}

/** The mock's own speech synthesizer (24 kHz). */
export function synthSignals(): Signal[] {
  const texts = ['Good morning, how can I help you today?', 'The quick brown fox jumps over the lazy dog.', 'Your table for two is booked at seven thirty.'];
  return texts.map((t, i) => {
    const pcm = synthesizeSpeech(t, { voice: ['marin', 'cedar', 'alloy'][i]!, seed: i });
    const f = new Float32Array(pcm.length);
    for (let k = 0; k < pcm.length; k++) f[k] = pcm[k]! / 32768;
    return { name: `synth:${i}`, rateHz: 24000, samples: f };
  });
}

/** espeak-ng speech at `rateHz` (resampled from its 22.05 kHz output), several voices. */
export async function espeakSignals(rateHz: number): Promise<Signal[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rth-espeak-'));
  try {
    const voices: [string, string][] = [
      ['en-us+f3', 'Please check my account balance and tell me the last three payments.'],
      ['en-gb+m3', 'Is the train to Manchester running on time this evening?'],
      ['de+f2', 'Wie wird das Wetter morgen in Berlin?'],
    ];
    const out: Signal[] = [];
    for (const [voice, text] of voices) {
      const file = path.join(dir, `${voice}.wav`);
      execFileSync('espeak-ng', ['-v', voice, '-w', file, text]);
      const decoded = await decodeWav(readFileSync(file), file);
      out.push({ name: `espeak:${voice}`, rateHz, samples: await toMonoAt(decoded, rateHz) });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seeded uniform noise source (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** White, pink and brown noise at several levels, and loud white noise close to full scale. */
export function noiseSignals(rateHz: number, seconds = 4): Signal[] {
  const n = Math.round(rateHz * seconds);
  const out: Signal[] = [];
  for (const [name, amp] of [['white-quiet', 0.02], ['white', 0.3], ['white-loud', 0.95]] as const) {
    const r = rng(7 + name.length);
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) s[i] = (r() * 2 - 1) * amp;
    out.push({ name: `noise:${name}`, rateHz, samples: s });
  }
  // Pink (Paul Kellet's filter) and brown (integrated white, leaky).
  const r = rng(99);
  const pink = new Float32Array(n);
  let b0 = 0, b1 = 0, b2 = 0;
  for (let i = 0; i < n; i++) {
    const w = r() * 2 - 1;
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    pink[i] = (b0 + b1 + b2 + w * 0.1848) * 0.1;
  }
  out.push({ name: 'noise:pink', rateHz, samples: pink });
  const brown = new Float32Array(n);
  let y = 0;
  for (let i = 0; i < n; i++) {
    y = 0.995 * y + (r() * 2 - 1) * 0.05;
    brown[i] = y;
  }
  out.push({ name: 'noise:brown', rateHz, samples: brown });
  return out;
}

/** Music-like signals: a chord with harmonics, a melody with vibrato and a drum-like pulse, a bright high-pitched arpeggio. */
export function musicSignals(rateHz: number, seconds = 4): Signal[] {
  const n = Math.round(rateHz * seconds);
  const chord = new Float32Array(n);
  for (const f0 of [220, 277.18, 329.63]) {
    for (let h = 1; h <= 8; h++) {
      if (f0 * h >= rateHz / 2) break;
      for (let i = 0; i < n; i++) chord[i]! += (0.08 / h) * Math.sin((2 * Math.PI * f0 * h * i) / rateHz);
    }
  }
  const melody = new Float32Array(n);
  const notes = [523.25, 587.33, 659.25, 783.99, 880, 1046.5, 1318.5, 1567.98];
  const r = rng(3);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    const note = notes[Math.floor(t * 4) % notes.length]!;
    const f = note * (1 + 0.006 * Math.sin(2 * Math.PI * 5.5 * t));
    phase += (2 * Math.PI * f) / rateHz;
    const env = Math.exp(-((t * 4) % 1) * 3);
    const drum = (t * 2) % 1 < 0.03 ? (r() * 2 - 1) * 0.5 : 0;
    melody[i] = 0.4 * env * (Math.sin(phase) + 0.3 * Math.sin(2 * phase) + 0.15 * Math.sin(3 * phase)) + drum;
  }
  const bright = new Float32Array(n);
  const high = [2093, 2637, 3136, 4186, 5274];
  let ph = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rateHz;
    const f = high[Math.floor(t * 8) % high.length]!;
    if (f < rateHz / 2) ph += (2 * Math.PI * f) / rateHz;
    bright[i] = 0.3 * Math.sin(ph) * Math.exp(-((t * 8) % 1) * 2);
  }
  return [
    { name: 'music:chord', rateHz, samples: chord },
    { name: 'music:melody+drums', rateHz, samples: melody },
    { name: 'music:bright-arpeggio', rateHz, samples: bright },
  ];
}
