import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav } from '../audio/wav-decode.ts';
import { BUNDLED_CORPUS_DIR } from './load-corpus.ts';
import { parseManifest } from './manifest.ts';

// What issue 3 asks of the shipped corpus, checked on the committed files.
describe('bundled audio-corpus', () => {
  const manifestFile = join(BUNDLED_CORPUS_DIR, 'manifest.json');
  const { clips } = parseManifest(readFileSync(manifestFile, 'utf8'), manifestFile);

  it('has ≥ 12 utterances, ≥ 3 languages including English and Ukrainian, several voices', () => {
    expect(clips.length).toBeGreaterThanOrEqual(12);
    const languages = new Set(clips.map((c) => c.language));
    expect(languages.size).toBeGreaterThanOrEqual(3);
    expect([...languages]).toEqual(expect.arrayContaining(['en', 'uk']));
    expect(new Set(clips.map((c) => c.voice)).size).toBeGreaterThanOrEqual(6);
    for (const c of clips) {
      expect(c.transcript.length).toBeGreaterThan(10);
      const speechMs = c.speech_end_ms - c.speech_start_ms;
      expect(speechMs).toBeGreaterThanOrEqual(1400);
      expect(speechMs).toBeLessThanOrEqual(4000);
      expect(c.speech_start_ms).toBeGreaterThan(0); // some leading silence
      expect(c.duration_ms - c.speech_end_ms).toBeGreaterThanOrEqual(1000); // ≥ 1 s trailing silence
    }
  });

  it('mixes source formats: rates, stereo, bit depths, float, μ-law, A-law, extensible, LIST chunk', async () => {
    const formats = clips.map((c) => c.source_format);
    const rates = new Set(formats.map((f) => f.sample_rate_hz));
    for (const r of [8000, 16000, 22050, 44100, 48000]) expect(rates.has(r)).toBe(true);
    expect(formats.some((f) => f.sample_rate_hz === 44100 && f.channels === 2)).toBe(true);
    const kinds = new Set(formats.map((f) => `${f.encoding}${f.bit_depth}`));
    for (const k of ['pcm16', 'pcm24', 'float32', 'mulaw8', 'alaw8']) expect(kinds.has(k)).toBe(true);
    expect(formats.some((f) => f.wave_format === 'EXTENSIBLE')).toBe(true);
    let withList = 0;
    for (const c of clips) {
      const d = await decodeWav(readFileSync(join(BUNDLED_CORPUS_DIR, c.file)), c.file);
      if (d.chunkIds.indexOf('LIST') >= 0 && d.chunkIds.indexOf('LIST') < d.chunkIds.indexOf('data')) withList++;
    }
    expect(withList).toBeGreaterThanOrEqual(1);
  });

  it('holds only WAVs listed in the manifest plus the manifest, under 5 MB', () => {
    const files = readdirSync(BUNDLED_CORPUS_DIR).sort();
    expect(files).toEqual([...clips.map((c) => c.file), 'manifest.json'].sort());
    const total = files.reduce((sum, f) => sum + statSync(join(BUNDLED_CORPUS_DIR, f)).size, 0);
    expect(total).toBeLessThan(5 * 1024 * 1024);
  });
});
