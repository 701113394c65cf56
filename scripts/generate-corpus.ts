/**
 * Regenerates `audio-corpus/` (WAVs + manifest.json) from fixed sentences, voices and formats.
 *
 *   npx tsx scripts/generate-corpus.ts [--out DIR]
 *
 * Needs `espeak-ng` and `sox` on PATH (Debian: `apt-get install -y espeak-ng sox`). Speech comes from
 * espeak-ng; sox trims espeak's own silence, normalizes and resamples (its VHQ resampler, no dither,
 * `-R` repeatable mode); this script adds the exact leading/trailing silence, a seeded noise floor on
 * some clips, the stereo image, and writes each container itself (plain, extensible, LIST chunk, G.711)
 * with `harness/audio/wav-encode.ts`. Speech boundaries come from `annotate` (the mock's VAD).
 *
 * The output is deterministic for a given espeak-ng and sox version, but bytes differ between
 * versions (different voices/rules), which is why the WAVs and their hashes are committed.
 * Generated with espeak-ng 1.51 and sox 14.4.2 (Debian 12).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../harness/audio/wav-decode.ts';
import { encodeWav, listInfoChunk } from '../harness/audio/wav-encode.ts';
import type { WavEncoding } from '../harness/audio/sample-codecs.ts';
import { annotate, annotationWarnings } from '../harness/corpus/annotate.ts';
import { sha256Hex } from '../harness/corpus/load-corpus.ts';
import { MANIFEST_FILE, MANIFEST_VERSION, serializeManifest, type ClipEntry } from '../harness/corpus/manifest.ts';

interface ClipSpec {
  id: string;
  language: string;
  /** espeak-ng voice (language + variant). */
  voice: string;
  text: string;
  /** espeak-ng words per minute. */
  speedWpm: number;
  rateHz: number;
  channels: 1 | 2;
  encoding: WavEncoding;
  bitDepth: number;
  extensible?: boolean;
  /** Write a LIST/INFO chunk between fmt and data. */
  listChunk?: boolean;
  /** Peak level of the speech, dBFS. */
  peakDb: number;
  /** White noise floor RMS, dBFS (seeded); none when absent. */
  noiseDb?: number;
  leadMs: number;
  trailMs: number;
}

const CLIPS: readonly ClipSpec[] = [
  { id: 'en-weather-paris', language: 'en', voice: 'en-us+m3', text: "What's the weather like in Paris today?", speedWpm: 165, rateHz: 16000, channels: 1, encoding: 'pcm', bitDepth: 16, peakDb: -3, leadMs: 300, trailMs: 1200 },
  { id: 'en-book-table', language: 'en', voice: 'en-gb+f2', text: 'Can you book a table for two at seven tonight?', speedWpm: 160, rateHz: 48000, channels: 1, encoding: 'pcm', bitDepth: 24, peakDb: -6, leadMs: 250, trailMs: 1200 },
  { id: 'en-set-timer', language: 'en', voice: 'en-us+f3', text: 'Set a timer for ten minutes, please.', speedWpm: 160, rateHz: 8000, channels: 1, encoding: 'mulaw', bitDepth: 8, peakDb: -4, noiseDb: -62, leadMs: 400, trailMs: 1200 },
  { id: 'en-flight-status', language: 'en', voice: 'en-us+m1', text: 'Is my flight to London still on time?', speedWpm: 160, rateHz: 44100, channels: 2, encoding: 'pcm', bitDepth: 16, peakDb: -3, leadMs: 300, trailMs: 1200 },
  { id: 'en-cancel-order', language: 'en', voice: 'en-gb+m3', text: "I'd like to cancel my last order.", speedWpm: 155, rateHz: 22050, channels: 1, encoding: 'float', bitDepth: 32, peakDb: -2, leadMs: 200, trailMs: 1300 },
  { id: 'en-convert-currency', language: 'en', voice: 'en-us+f2', text: 'How much is one hundred euros in dollars?', speedWpm: 170, rateHz: 48000, channels: 1, encoding: 'pcm', bitDepth: 16, peakDb: -1, leadMs: 300, trailMs: 1200 },
  { id: 'en-reminder', language: 'en', voice: 'en-us+m7', text: 'Remind me to call my mother tomorrow morning.', speedWpm: 165, rateHz: 16000, channels: 1, encoding: 'pcm', bitDepth: 32, peakDb: -5, leadMs: 300, trailMs: 1100 },
  { id: 'uk-weather-kyiv', language: 'uk', voice: 'uk', text: 'Яка погода сьогодні в Києві?', speedWpm: 150, rateHz: 16000, channels: 1, encoding: 'pcm', bitDepth: 16, listChunk: true, peakDb: -3, leadMs: 300, trailMs: 1200 },
  { id: 'uk-call-taxi', language: 'uk', voice: 'uk+f3', text: 'Викличте, будь ласка, таксі до вокзалу.', speedWpm: 150, rateHz: 8000, channels: 1, encoding: 'alaw', bitDepth: 8, peakDb: -4, leadMs: 300, trailMs: 1200 },
  { id: 'uk-set-alarm', language: 'uk', voice: 'uk+m3', text: 'Постав будильник на сьому ранку.', speedWpm: 150, rateHz: 44100, channels: 1, encoding: 'pcm', bitDepth: 16, peakDb: -3, noiseDb: -58, leadMs: 500, trailMs: 1200 },
  { id: 'de-next-train', language: 'de', voice: 'de+m2', text: 'Wann fährt der nächste Zug nach Berlin?', speedWpm: 160, rateHz: 22050, channels: 1, encoding: 'float', bitDepth: 32, peakDb: -3, leadMs: 300, trailMs: 1200 },
  { id: 'es-restaurant', language: 'es', voice: 'es+f2', text: '¿Puedes recomendarme un restaurante cerca de aquí?', speedWpm: 165, rateHz: 24000, channels: 1, encoding: 'pcm', bitDepth: 16, peakDb: -3, leadMs: 300, trailMs: 1200 },
  { id: 'fr-book-room', language: 'fr', voice: 'fr-fr+m3', text: 'Je voudrais réserver une chambre pour ce soir.', speedWpm: 160, rateHz: 48000, channels: 1, encoding: 'pcm', bitDepth: 24, extensible: true, peakDb: -4, leadMs: 300, trailMs: 1200 },
];

/** Right-channel gain and delay for stereo clips (a simple, deterministic stereo image). */
const STEREO_RIGHT_GAIN = 0.7;
const STEREO_RIGHT_DELAY_SAMPLES = 12;

function run(cmd: string, args: string[]): Buffer {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

function toolVersion(cmd: string, args: string[]): string {
  try {
    return run(cmd, args).toString().trim().split('\n')[0]!;
  } catch {
    throw new Error(`${cmd} not found: install it (Debian: apt-get install -y espeak-ng sox)`);
  }
}

/** Speech samples at `rateHz`, espeak's silence trimmed, normalized to `peakDb`. */
function synthesize(spec: ClipSpec, tmp: string): Float32Array {
  const wav = join(tmp, `${spec.id}.espeak.wav`);
  const raw = join(tmp, `${spec.id}.f32`);
  run('espeak-ng', ['-v', spec.voice, '-s', String(spec.speedWpm), '-w', wav, spec.text]);
  // silence/reverse/silence/reverse trims both ends at −46 dBFS; norm sets the peak; rate -v is VHQ.
  run('sox', ['-R', '-D', wav, '-t', 'raw', '-e', 'floating-point', '-b', '32', '-L', '-c', '1', raw,
    'silence', '1', '0.02', '0.5%', 'reverse', 'silence', '1', '0.02', '0.5%', 'reverse',
    'norm', String(spec.peakDb), 'rate', '-v', String(spec.rateHz)]);
  const bytes = readFileSync(raw);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** A small seeded PRNG (mulberry32) so noise floors are identical on every run. */
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

function seedOf(id: string): number {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** Lead silence + speech + trail silence (+ noise floor), as channels. */
function assemble(spec: ClipSpec, speech: Float32Array): Float32Array[] {
  const lead = Math.round((spec.leadMs * spec.rateHz) / 1000);
  const trail = Math.round((spec.trailMs * spec.rateHz) / 1000);
  const mono = new Float32Array(lead + speech.length + trail);
  mono.set(speech, lead);
  if (spec.noiseDb !== undefined) {
    const rand = mulberry32(seedOf(spec.id));
    // Uniform noise in ±a has RMS a/√3.
    const a = 10 ** (spec.noiseDb / 20) * Math.sqrt(3);
    for (let i = 0; i < mono.length; i++) mono[i]! += (rand() * 2 - 1) * a;
  }
  if (spec.channels === 1) return [mono];
  const right = new Float32Array(mono.length);
  for (let i = STEREO_RIGHT_DELAY_SAMPLES; i < mono.length; i++) right[i] = mono[i - STEREO_RIGHT_DELAY_SAMPLES]! * STEREO_RIGHT_GAIN;
  return [mono, right];
}

async function main(): Promise<void> {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const outFlag = process.argv.indexOf('--out');
  const outDir = outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]!) : join(repo, 'audio-corpus');
  const espeak = toolVersion('espeak-ng', ['--version']);
  const sox = toolVersion('sox', ['--version']);
  process.stderr.write(`using ${espeak}\nusing ${sox}\n`);
  mkdirSync(outDir, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'rth-corpus-'));
  const entries: ClipEntry[] = [];
  try {
    for (const spec of CLIPS) {
      const channels = assemble(spec, synthesize(spec, tmp));
      const file = `${spec.id}.wav`;
      const bytes = encodeWav(channels, {
        sampleRateHz: spec.rateHz,
        encoding: spec.encoding,
        bitDepth: spec.bitDepth,
        extensible: spec.extensible ?? false,
        chunksBeforeData: spec.listChunk ? [listInfoChunk({ INAM: spec.id, ISFT: 'espeak-ng + sox, scripts/generate-corpus.ts' })] : [],
      });
      writeFileSync(join(outDir, file), bytes);
      const decoded = await decodeWav(bytes, file);
      const a = await annotate(decoded);
      for (const w of annotationWarnings(a)) process.stderr.write(`warning: ${file}: ${w}\n`);
      if (a.speechStartMs === null || a.speechEndMs === null) throw new Error(`${file}: no speech detected`);
      entries.push({
        id: spec.id,
        file,
        sha256: sha256Hex(bytes),
        transcript: spec.text,
        language: spec.language,
        voice: `espeak-ng:${spec.voice}`,
        source_format: decoded.sourceFormat,
        duration_ms: a.durationMs,
        speech_start_ms: a.speechStartMs,
        speech_end_ms: a.speechEndMs,
      });
      process.stderr.write(`${file}: ${bytes.length} bytes, ${a.durationMs} ms, speech ${a.speechStartMs}–${a.speechEndMs} ms\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeFileSync(join(outDir, MANIFEST_FILE), serializeManifest({ version: MANIFEST_VERSION, clips: entries }));
  process.stderr.write(`wrote ${entries.length} clips and ${MANIFEST_FILE} to ${outDir}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`generate-corpus: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
