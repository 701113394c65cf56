import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import type { WireAudioFormat } from '../contract.ts';
import { BUNDLED_CORPUS_DIR, ClipAudioCache, loadCorpus } from './load-corpus.ts';
import { makeFixtureCorpus } from './fixture-corpus.test-util.ts';

const PCM: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };
const PCMU: WireAudioFormat = { type: 'audio/pcmu' };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function fixture(): Promise<string> {
  const { dir } = await makeFixtureCorpus();
  dirs.push(dir);
  return dir;
}

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadCorpus', () => {
  it('prepares every clip in manifest order, or the selected ids in their order', async () => {
    const dir = await fixture();
    const cache = new ClipAudioCache();
    const all = await loadCorpus(dir, { format: PCM, chunkMs: 20, cache });
    expect([...all.keys()]).toEqual(['a-16k', 'b-48k-stereo', 'c-8k-ulaw']);
    const a = all.get('a-16k')!;
    expect(a.frames.length).toBe(75); // 1500 ms / 20 ms
    expect(a.durationMs).toBe(1500);
    expect(a.transcript).toBe('tone a-16k');
    expect(Math.abs(a.speechEndMs - 800)).toBeLessThanOrEqual(10);
    expect(a.speechEndFrameIndex).toBe(Math.floor((Math.ceil(a.speechEndMs * 24) - 1) / 480));
    const some = await loadCorpus(dir, { format: PCMU, chunkMs: 40, ids: ['c-8k-ulaw', 'a-16k'], cache });
    expect([...some.keys()]).toEqual(['c-8k-ulaw', 'a-16k']);
    expect(some.get('c-8k-ulaw')!.format).toEqual(PCMU);
    expect(Buffer.from(JSON.parse(some.get('c-8k-ulaw')!.frames[0]!).audio, 'base64')).toHaveLength(320); // 40 ms × 8 bytes/ms
  });

  it('decodes and resamples each clip once per rate (cache)', async () => {
    const dir = await fixture();
    const cache = new ClipAudioCache();
    await loadCorpus(dir, { format: PCM, chunkMs: 20, cache });
    expect(cache.size).toBe(3);
    const again = await loadCorpus(dir, { format: PCM, chunkMs: 10, cache });
    expect(cache.size).toBe(3);
    expect(again.get('a-16k')!.frames.length).toBe(150);
    await loadCorpus(dir, { format: PCMU, chunkMs: 20, ids: ['a-16k'], cache });
    expect(cache.size).toBe(4);
  });

  it('checks hashes of every selected file before decoding, naming each file', async () => {
    const dir = await fixture();
    const a = join(dir, 'a-16k.wav');
    const bytes = readFileSync(a);
    bytes[100] = bytes[100]! ^ 0xff;
    writeFileSync(a, bytes);
    rmSync(join(dir, 'c-8k-ulaw.wav'));
    const err = await configError(loadCorpus(dir, { format: PCM, chunkMs: 20, cache: new ClipAudioCache() }));
    expect(err.code).toBe('E_CORPUS');
    expect(err.problems).toHaveLength(2);
    expect(err.problems[0]).toMatch(new RegExp(`^${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: sha256 [0-9a-f]{64} does not match the manifest's`));
    expect(err.problems[1]).toMatch(/c-8k-ulaw\.wav: cannot read clip "c-8k-ulaw" \(ENOENT\)/);
  });

  it('rejects unknown ids, a missing manifest and a bad chunk size', async () => {
    const dir = await fixture();
    const unknown = await configError(loadCorpus(dir, { format: PCM, chunkMs: 20, ids: ['a-16k', 'zzz'] }));
    expect(unknown.message).toMatch(/no clip with id "zzz" \(known: a-16k, b-48k-stereo, c-8k-ulaw\)/);
    const missing = await configError(loadCorpus(join(dir, 'nope'), { format: PCM, chunkMs: 20 }));
    expect(missing.code).toBe('E_MANIFEST');
    expect(missing.message).toMatch(/nope\/manifest\.json: cannot read \(ENOENT\)/);
    expect((await configError(loadCorpus(dir, { format: PCM, chunkMs: 0 }))).message).toMatch(/^chunk_ms: /);
  });

  it('loads the bundled corpus for PCM16 and G.711', async () => {
    const cache = new ClipAudioCache();
    const pcm = await loadCorpus(BUNDLED_CORPUS_DIR, { format: PCM, chunkMs: 20, cache });
    expect(pcm.size).toBeGreaterThanOrEqual(12);
    for (const clip of pcm.values()) {
      expect(clip.frames.length).toBe(Math.ceil(clip.durationMs / 20 - 1e-9));
      expect(clip.speechEndFrameIndex).toBeLessThan(clip.frames.length);
      // at least 1 s of trailing silence after the last speech frame
      expect((clip.frames.length - 1 - clip.speechEndFrameIndex) * 20).toBeGreaterThanOrEqual(1000);
    }
    const ulaw = await loadCorpus(BUNDLED_CORPUS_DIR, { format: PCMU, chunkMs: 20, ids: ['uk-weather-kyiv'], cache });
    expect(Buffer.from(JSON.parse(ulaw.get('uk-weather-kyiv')!.frames[0]!).audio, 'base64')).toHaveLength(160);
  });
});
