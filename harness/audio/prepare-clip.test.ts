import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import type { WireAudioFormat } from '../contract.ts';
import { decodeAlaw, decodeMulaw } from '../../common/audio/g711.ts';
import { appendFrame, prepareClip, samplesPerFrame, silenceFrame } from './prepare-clip.ts';

const PCM: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };
const PCMU: WireAudioFormat = { type: 'audio/pcmu' };
const PCMA: WireAudioFormat = { type: 'audio/pcma' };

const entry = { id: 'clip-1', transcript: 'hello', language: 'en', speech_start_ms: 100, speech_end_ms: 1000 };

/** A ramp so every frame's content is distinguishable. */
function ramp(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = ((i % 2000) - 1000) / 2000;
  return x;
}

function payload(frame: string): Buffer {
  const parsed = JSON.parse(frame) as { type: string; audio: string };
  expect(Object.keys(parsed)).toEqual(['type', 'audio']);
  expect(parsed.type).toBe('input_audio_buffer.append');
  return Buffer.from(parsed.audio, 'base64');
}

describe('prepareClip', () => {
  it('PCM16 24 kHz, 20 ms: frame count, sizes, exact JSON text, content in order', () => {
    const samples = ramp(24000 + 240); // 1010 ms
    const clip = prepareClip(entry, { sampleRateHz: 24000, channels: [samples] }, { format: PCM, chunkMs: 20 });
    expect(clip.frames.length).toBe(51); // 50 full frames + one 10 ms frame
    expect(clip.frames[0]!.startsWith('{"type":"input_audio_buffer.append","audio":"')).toBe(true);
    expect(clip.frames[0]!.endsWith('"}')).toBe(true);
    const sizes = clip.frames.map((f) => payload(f).length);
    expect(sizes.slice(0, 50).every((s) => s === 960)).toBe(true);
    expect(sizes[50]).toBe(480);
    const all = Buffer.concat(clip.frames.map(payload));
    expect(all.length).toBe(samples.length * 2);
    expect(all.readInt16LE(2 * 1234)).toBe(Math.round(samples[1234]! * 32768));
    expect(clip).toMatchObject({ id: 'clip-1', transcript: 'hello', language: 'en', format: PCM, chunkMs: 20, speechStartMs: 100, speechEndMs: 1000 });
    expect(clip.durationMs).toBeCloseTo(1010, 6);
    // speech_end_ms 1000 → last speech sample 23999 → frame 49 (980–1000 ms)
    expect(clip.speechEndFrameIndex).toBe(49);
  });

  it('speechEndFrameIndex for boundaries inside a frame and at the end', () => {
    const audio = { sampleRateHz: 24000, channels: [new Float32Array(24000)] };
    // past the end (manifest rounding): clamped to the last frame
    const past = prepareClip({ ...entry, speech_end_ms: 1001 }, audio, { format: PCM, chunkMs: 20 });
    expect(past.frames.length).toBe(50);
    expect(past.speechEndFrameIndex).toBe(49);
    expect(prepareClip({ ...entry, speech_end_ms: 990 }, audio, { format: PCM, chunkMs: 20 }).speechEndFrameIndex).toBe(49);
    expect(prepareClip({ ...entry, speech_end_ms: 979 }, audio, { format: PCM, chunkMs: 20 }).speechEndFrameIndex).toBe(48);
    expect(prepareClip({ ...entry, speech_end_ms: 500 }, audio, { format: PCM, chunkMs: 100 }).speechEndFrameIndex).toBe(4);
  });

  it.each([
    [PCMU, decodeMulaw],
    [PCMA, decodeAlaw],
  ])('G.711 %o at 8 kHz: 8 bytes per ms, codes decode back to the signal', (format, decode) => {
    const x = new Float32Array(8000);
    for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 8000);
    const clip = prepareClip(entry, { sampleRateHz: 8000, channels: [x] }, { format, chunkMs: 40 });
    expect(clip.frames.length).toBe(25);
    const bytes = Buffer.concat(clip.frames.map(payload));
    expect(bytes.length).toBe(8000);
    expect(payload(clip.frames[3]!).length).toBe(320);
    const back = decode(bytes);
    expect(Math.abs(back[100]! / 32768 - x[100]!)).toBeLessThan(0.02);
  });

  it('averages channels and refuses audio at the wrong rate', () => {
    const clip = prepareClip(entry, { sampleRateHz: 24000, channels: [new Float32Array(480).fill(0.5), new Float32Array(480)] }, { format: PCM, chunkMs: 20 });
    expect(payload(clip.frames[0]!).readInt16LE(0)).toBe(8192);
    expect(() => prepareClip(entry, { sampleRateHz: 16000, channels: [new Float32Array(10)] }, { format: PCM, chunkMs: 20 })).toThrow(/16000 Hz, the format needs 24000/);
  });
});

describe('silenceFrame and chunk sizes', () => {
  it('encodes digital silence per format', () => {
    const pcm = silenceFrame(PCM, 20);
    expect(pcm.chunkMs).toBe(20);
    const pcmBytes = payload(pcm.frame);
    expect(pcmBytes.length).toBe(960);
    expect(pcmBytes.every((b) => b === 0)).toBe(true);
    const mu = payload(silenceFrame(PCMU, 20).frame);
    expect(mu.length).toBe(160);
    expect(mu.every((b) => b === 0xff)).toBe(true);
    expect([...decodeMulaw(mu.subarray(0, 1))]).toEqual([0]);
    const a = payload(silenceFrame(PCMA, 10).frame);
    expect(a.length).toBe(80);
    expect(a.every((b) => b === 0xd5)).toBe(true);
  });

  it('appendFrame is the exact event text', () => {
    expect(appendFrame('AAA=')).toBe('{"type":"input_audio_buffer.append","audio":"AAA="}');
  });

  it('rejects chunk sizes that are not a whole number of samples', () => {
    expect(samplesPerFrame(PCM, 20)).toBe(480);
    expect(samplesPerFrame(PCMU, 20)).toBe(160);
    expect(samplesPerFrame(PCM, 2.5)).toBe(60);
    for (const bad of [0, -20, Number.NaN, 20.01, 100_000]) {
      expect(() => samplesPerFrame(PCM, bad)).toThrow(ConfigError);
    }
    expect(() => silenceFrame(PCMU, 0.1)).toThrow(/chunk_ms: .* at 8000 Hz, got 0.1/);
  });
});
