import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { parseManifest, serializeManifest, type ClipEntry } from './manifest.ts';

const FILE = 'corpus/manifest.json';

function clip(over: Partial<Record<keyof ClipEntry, unknown>> = {}): Record<string, unknown> {
  return {
    id: 'en-hello',
    file: 'en-hello.wav',
    sha256: 'a'.repeat(64),
    transcript: 'Hello there',
    language: 'en',
    voice: 'espeak-ng:en-us',
    source_format: { sample_rate_hz: 16000, channels: 1, encoding: 'pcm', bit_depth: 16, wave_format: 'PCM' },
    duration_ms: 3000,
    speech_start_ms: 300,
    speech_end_ms: 1800,
    ...over,
  };
}

function problems(json: unknown): readonly string[] {
  try {
    parseManifest(typeof json === 'string' ? json : JSON.stringify(json), FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_MANIFEST');
    return (err as ConfigError).problems;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('parseManifest', () => {
  it('accepts a valid manifest and round-trips through serializeManifest', () => {
    const m = parseManifest(JSON.stringify({ version: 1, clips: [clip(), clip({ id: 'uk-1', file: 'sub/uk 1.wav', language: 'uk', voice: undefined })] }), FILE);
    expect(m.clips.map((c) => c.id)).toEqual(['en-hello', 'uk-1']);
    expect(parseManifest(serializeManifest(m), FILE)).toEqual(m);
    expect(serializeManifest(m).endsWith('}\n')).toBe(true);
  });

  it('names the file for bad JSON and bad top-level fields', () => {
    expect(problems('{ nope')[0]).toMatch(/^corpus\/manifest\.json: not valid JSON/);
    expect(problems({ version: 2, clips: [] })[0]).toMatch(/^corpus\/manifest\.json: version: /);
    expect(problems({ version: 1 })[0]).toMatch(/^corpus\/manifest\.json: clips: /);
  });

  it('names clip index, id and field for each problem, all at once', () => {
    const list = problems({
      version: 1,
      clips: [
        clip(),
        clip({ id: 'x', file: 'x.wav', sha256: 'XYZ', duration_ms: -1 }),
        clip({ id: 'y', file: '../y.wav', language: 'English', source_format: { sample_rate_hz: 16000, channels: 1, encoding: 'mp3', bit_depth: 16 } }),
        { file: 'z.wav' },
      ],
    });
    expect(list).toContainEqual(expect.stringMatching(/^corpus\/manifest\.json: clips\[1\] \(id "x"\): sha256: expected 64 lowercase hex digits$/));
    expect(list).toContainEqual(expect.stringMatching(/^corpus\/manifest\.json: clips\[1\] \(id "x"\): duration_ms: /));
    expect(list).toContainEqual(expect.stringMatching(/clips\[2\] \(id "y"\): file: expected a path relative to the manifest/));
    expect(list).toContainEqual(expect.stringMatching(/clips\[2\] \(id "y"\): language: expected a BCP 47 language tag/));
    expect(list).toContainEqual(expect.stringMatching(/clips\[2\] \(id "y"\): source_format\.encoding: /));
    expect(list).toContainEqual(expect.stringMatching(/^corpus\/manifest\.json: clips\[3\]: id: /));
    expect(list).toContainEqual(expect.stringMatching(/clips\[3\]: sha256: /));
  });

  it('rejects unknown fields, duplicates and impossible speech bounds', () => {
    expect(problems({ version: 1, clips: [clip({ speech_end: 5 } as never)] })[0]).toMatch(/clips\[0\] \(id "en-hello"\): Unrecognized key: "speech_end"/);
    const dup = problems({ version: 1, clips: [clip(), clip({ file: 'b.wav' }), clip({ id: 'c' })] });
    expect(dup).toContain(`${FILE}: clips[1] (id "en-hello"): id: duplicate of clips[0]`);
    expect(dup).toContain(`${FILE}: clips[2] (id "c"): file: en-hello.wav is also used by clips[0]`);
    expect(problems({ version: 1, clips: [clip({ speech_start_ms: 2000 })] })[0]).toBe(
      `${FILE}: clips[0] (id "en-hello"): speech_start_ms: 2000 must be less than speech_end_ms 1800`,
    );
    expect(problems({ version: 1, clips: [clip({ speech_end_ms: 3500 })] })[0]).toBe(
      `${FILE}: clips[0] (id "en-hello"): speech_end_ms: 3500 exceeds duration_ms 3000`,
    );
  });
});
