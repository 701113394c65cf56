import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../testing.ts';
import { decodeWav } from '../../audio/wav-decode.ts';
import { BUNDLED_CORPUS_DIR } from '../../corpus/load-corpus.ts';
import { parseManifest } from '../../corpus/manifest.ts';
import { makeFixtureCorpus } from '../../corpus/fixture-corpus.test-util.ts';

const rth = (...args: string[]) => runCli(args);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rth-cli-corpus-'));
  dirs.push(d);
  return d;
}

describe('rth corpus check', () => {
  it('passes on the bundled corpus: one ok line per clip and a summary', async () => {
    const { code, out } = await rth('corpus', 'check');
    const manifest = parseManifest(readFileSync(join(BUNDLED_CORPUS_DIR, 'manifest.json'), 'utf8'), 'manifest.json');
    const lines = out.split('\n');
    expect(code).toBe(0);
    expect(manifest.clips.length).toBeGreaterThanOrEqual(12);
    expect(lines.filter((l) => l.startsWith('ok  ')).length).toBe(manifest.clips.length);
    expect(lines.at(-1)).toMatch(new RegExp(`^${manifest.clips.length} clip\\(s\\): ${manifest.clips.length} ok, 0 failed`));
    expect([...new Set(manifest.clips.map((c) => c.language))]).toEqual(expect.arrayContaining(['en', 'uk']));
    expect(new Set(manifest.clips.map((c) => c.language)).size).toBeGreaterThanOrEqual(3);
  });

  it('exits 1 and names the file for a hash mismatch, a format mismatch and stale bounds', async () => {
    const { dir } = await makeFixtureCorpus();
    dirs.push(dir);
    const manifestFile = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { clips: Record<string, unknown>[] };
    m.clips[0]!['sha256'] = '0'.repeat(64);
    (m.clips[1]!['source_format'] as Record<string, unknown>)['sample_rate_hz'] = 44100;
    m.clips[2]!['speech_end_ms'] = 1200;
    writeFileSync(manifestFile, JSON.stringify(m));
    const { code, out } = await rth('corpus', 'check', '--dir', dir);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL {2}a-16k .*\n {6}problem: .*a-16k\.wav: sha256 [0-9a-f]{64} does not match the manifest's 0{64}/);
    expect(out).toMatch(/FAIL {2}b-48k-stereo[^\n]*\n {6}problem: .*b-48k-stereo\.wav: source_format\.sample_rate_hz is 48000, the manifest says 44100/);
    expect(out).toMatch(/FAIL {2}c-8k-ulaw[^\n]*\n {6}problem: .*c-8k-ulaw\.wav: the VAD finds speech_end_ms 7\d\d, the manifest says 1200/);
    expect(out.split('\n').at(-1)).toMatch(/^3 clip\(s\): 0 ok, 3 failed/);
  });

  it('exits 1 listing manifest problems', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: 1, clips: [{ id: 'x' }] }));
    const { code, out } = await rth('corpus', 'check', '--dir', dir);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL {2}.*manifest\.json: clips\[0\] \(id "x"\): file: /);
    expect(out).toMatch(/is invalid/);
  });
});

describe('rth corpus annotate', () => {
  it('prints entries and writes/merges a manifest that then passes check', async () => {
    const { dir } = await makeFixtureCorpus();
    dirs.push(dir);
    const target = tempDir();
    copyFileSync(join(dir, 'a-16k.wav'), join(target, 'my clip.wav'));
    copyFileSync(join(dir, 'c-8k-ulaw.wav'), join(target, 'second.wav'));
    const printed = await rth('corpus', 'annotate', join(target, 'my clip.wav'));
    expect(printed.code).toBe(0);
    const entries = JSON.parse(printed.out) as { id: string; file: string; language: string; speech_end_ms: number }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ id: 'my-clip', file: 'my clip.wav', language: 'und' });
    expect(Math.abs(entries[0]!.speech_end_ms - 800)).toBeLessThanOrEqual(10);

    const manifestFile = join(target, 'manifest.json');
    expect((await rth('corpus', 'annotate', join(target, 'my clip.wav'), '--write-manifest', manifestFile, '--language', 'uk')).code).toBe(0);
    // a person fills in the transcript; re-annotating keeps it
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { clips: Record<string, unknown>[] };
    m.clips[0]!['transcript'] = 'Привіт';
    writeFileSync(manifestFile, JSON.stringify(m));
    const again = await rth('corpus', 'annotate', join(target, 'my clip.wav'), join(target, 'second.wav'), '--write-manifest', manifestFile);
    expect(again.code).toBe(0);
    expect(again.err).toMatch(/wrote 2 entries to .*\(2 clip\(s\) in total\)/);
    const written = parseManifest(readFileSync(manifestFile, 'utf8'), manifestFile);
    expect(written.clips.map((c) => [c.id, c.transcript, c.language])).toEqual([
      ['my-clip', 'Привіт', 'uk'],
      ['second', '', 'und'],
    ]);
    expect((await rth('corpus', 'check', '--dir', target)).code).toBe(0);
  });

  it('fails with E_WAV / E_CORPUS naming the file, and writes nothing', async () => {
    const target = tempDir();
    writeFileSync(join(target, 'bad.wav'), 'RIFF....WAVEjunk');
    const silent = join(target, 'silent.wav');
    const { encodeWav } = await import('../../audio/wav-encode.ts');
    writeFileSync(silent, encodeWav([new Float32Array(16000)], { sampleRateHz: 16000, encoding: 'pcm', bitDepth: 16 }));
    const manifestFile = join(target, 'manifest.json');
    const r = await rth('corpus', 'annotate', join(target, 'bad.wav'), silent, '--write-manifest', manifestFile);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.wav: (no fmt chunk|corrupt chunk header)/);
    expect(r.err).toMatch(/silent\.wav: no speech detected/);
    expect(existsSync(manifestFile)).toBe(false);
    expect((await rth('corpus', 'annotate', silent, '--language', 'English')).err).toMatch(/E_FLAG: --language: /);
  });
});

describe('rth corpus convert', () => {
  it('converts a corpus id to a 24 kHz PCM16 WAV and a file to raw μ-law', async () => {
    const out = tempDir();
    const wav = await rth('corpus', 'convert', 'en-flight-status', '--out', out);
    expect(wav.code).toBe(0);
    expect(wav.out).toMatch(/wrote .*en-flight-status\.wav \(pcm16, 24000 Hz mono/);
    const decoded = await decodeWav(readFileSync(join(out, 'en-flight-status.wav')), 'out.wav');
    expect(decoded.sourceFormat).toEqual({ sample_rate_hz: 24000, channels: 1, encoding: 'pcm', bit_depth: 16, wave_format: 'PCM' });

    const src = join(BUNDLED_CORPUS_DIR, 'en-set-timer.wav');
    const raw = await rth('corpus', 'convert', src, '--out', out, '--format', 'pcmu', '--raw');
    expect(raw.code).toBe(0);
    const original = await decodeWav(readFileSync(src), src);
    // 8 kHz source: same number of samples, one byte each
    expect(readFileSync(join(out, 'en-set-timer.ulaw')).length).toBe(original.channels[0]!.length);

    const alaw = await rth('corpus', 'convert', 'uk-set-alarm', '--out', out, '--format', 'pcma');
    expect(alaw.code).toBe(0);
    const a = await decodeWav(readFileSync(join(out, 'uk-set-alarm.wav')), 'a.wav');
    expect(a.sourceFormat).toMatchObject({ sample_rate_hz: 8000, encoding: 'alaw' });
  });

  it('rejects unknown inputs and formats', async () => {
    const out = tempDir();
    const r = await rth('corpus', 'convert', 'no-such-clip', '--out', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_CORPUS: no-such-clip: no such file, and no clip with that id in .*manifest\.json/);
    expect((await rth('corpus', 'convert', 'en-reminder', '--out', out, '--format', 'mp3')).code).not.toBe(0);
  });
});
