/**
 * Test helper: a small corpus in a temp directory (tone-burst "speech" in mixed WAV formats and a
 * manifest annotated by the real code). Not used outside tests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '../audio/wav-decode.ts';
import { encodeWav, type WavEncodeOptions } from '../audio/wav-encode.ts';
import { annotate } from './annotate.ts';
import { sha256Hex } from './load-corpus.ts';
import { MANIFEST_FILE, MANIFEST_VERSION, serializeManifest, type ClipEntry } from './manifest.ts';

/** 300 Hz bursts at amplitude 0.3 inside silence. */
export function toneBursts(rateHz: number, totalMs: number, spans: readonly [number, number][]): Float32Array {
  const x = new Float32Array(Math.round((totalMs * rateHz) / 1000));
  for (const [a, b] of spans) {
    for (let i = Math.round((a * rateHz) / 1000); i < Math.round((b * rateHz) / 1000); i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 300 * i) / rateHz);
  }
  return x;
}

/** One fixture clip: id, format, and speech span inside `totalMs`. */
export interface FixtureClip {
  id: string;
  format: WavEncodeOptions;
  channels?: 1 | 2;
  totalMs: number;
  speech: [number, number];
}

/** Default fixture: three clips in three formats. */
export const FIXTURE_CLIPS: readonly FixtureClip[] = [
  { id: 'a-16k', format: { sampleRateHz: 16000, encoding: 'pcm', bitDepth: 16 }, totalMs: 1500, speech: [200, 800] },
  { id: 'b-48k-stereo', format: { sampleRateHz: 48000, encoding: 'float', bitDepth: 32 }, channels: 2, totalMs: 1200, speech: [100, 600] },
  { id: 'c-8k-ulaw', format: { sampleRateHz: 8000, encoding: 'mulaw', bitDepth: 8 }, totalMs: 1300, speech: [300, 700] },
];

/** Writes the clips and an annotated manifest into a new temp dir; returns the dir and entries. */
export async function makeFixtureCorpus(clips: readonly FixtureClip[] = FIXTURE_CLIPS): Promise<{ dir: string; entries: ClipEntry[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'rth-corpus-'));
  const entries: ClipEntry[] = [];
  for (const c of clips) {
    const mono = toneBursts(c.format.sampleRateHz, c.totalMs, [c.speech]);
    const bytes = encodeWav(c.channels === 2 ? [mono, mono] : [mono], c.format);
    const file = `${c.id}.wav`;
    writeFileSync(join(dir, file), bytes);
    const decoded = await decodeWav(bytes, file);
    const a = await annotate(decoded);
    entries.push({
      id: c.id,
      file,
      sha256: sha256Hex(bytes),
      transcript: `tone ${c.id}`,
      language: 'en',
      source_format: decoded.sourceFormat,
      duration_ms: a.durationMs,
      speech_start_ms: a.speechStartMs!,
      speech_end_ms: a.speechEndMs!,
    });
  }
  writeFileSync(join(dir, MANIFEST_FILE), serializeManifest({ version: MANIFEST_VERSION, clips: entries }));
  return { dir, entries };
}
