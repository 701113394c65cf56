import { describe, expect, it } from 'vitest';
import type { DecodedAudio } from '../audio/wav-decode.ts';
import { annotate, annotateMono24k, annotationWarnings } from './annotate.ts';

/** Silence and 300 Hz tone bursts (amplitude 0.3, ≈ −13 dBFS RMS), at `rateHz`. */
function bursts(rateHz: number, totalMs: number, spans: [number, number][]): Float32Array {
  const x = new Float32Array(Math.round((totalMs * rateHz) / 1000));
  for (const [a, b] of spans) {
    for (let i = Math.round((a * rateHz) / 1000); i < Math.round((b * rateHz) / 1000); i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 300 * i) / rateHz);
  }
  return x;
}

function decoded(rateHz: number, channels: Float32Array[]): DecodedAudio {
  return {
    sampleRateHz: rateHz,
    channels,
    sourceFormat: { sample_rate_hz: rateHz, channels: channels.length, encoding: 'pcm', bit_depth: 16, wave_format: 'PCM' },
    chunkIds: ['fmt ', 'data'],
  };
}

describe('annotate', () => {
  it('finds one utterance’s boundaries at any source rate (10 ms VAD frames)', async () => {
    for (const rateHz of [8000, 16000, 44100, 48000]) {
      const a = await annotate(decoded(rateHz, [bursts(rateHz, 3000, [[400, 1700]])]));
      expect(a.durationMs).toBe(3000);
      expect(a.segments.length).toBe(1);
      expect(Math.abs(a.speechStartMs! - 400)).toBeLessThanOrEqual(10);
      expect(Math.abs(a.speechEndMs! - 1700)).toBeLessThanOrEqual(10);
      expect(annotationWarnings(a)).toEqual([]);
    }
  });

  it('reports a pause longer than the silence wait as two turns, with a warning', () => {
    const a = annotateMono24k(bursts(24000, 4000, [[300, 1000], [1700, 2500]]), 4000);
    expect(a.segments).toEqual([
      { startMs: 300, endMs: 1000 },
      { startMs: 1700, endMs: 2500 },
    ]);
    expect(a.speechStartMs).toBe(300);
    expect(a.speechEndMs).toBe(2500);
    expect(annotationWarnings(a)[0]).toMatch(/splits this clip into 2 turns/);
  });

  it('keeps a short pause inside one turn', () => {
    const a = annotateMono24k(bursts(24000, 3000, [[300, 1000], [1300, 2000]]), 3000);
    expect(a.segments).toEqual([{ startMs: 300, endMs: 2000 }]);
  });

  it('closes a turn that runs to the end of the file and warns about missing trailing silence', () => {
    const a = annotateMono24k(bursts(24000, 2000, [[300, 1800]]), 2000);
    expect(a.speechEndMs).toBe(1800);
    expect(annotationWarnings(a)).toEqual(['only 200 ms of trailing silence (server_vad needs 500 ms to end the turn)']);
  });

  it('returns null bounds for silence or audio below the threshold', () => {
    const quiet = bursts(24000, 2000, [[300, 1800]]).map((v) => v / 100); // ≈ −53 dBFS
    const a = annotateMono24k(quiet, 2000);
    expect(a.speechStartMs).toBeNull();
    expect(a.speechEndMs).toBeNull();
    expect(annotationWarnings(a)[0]).toMatch(/no speech detected/);
  });

  it('downmixes stereo before detection', async () => {
    const left = bursts(48000, 2500, [[500, 1500]]);
    const a = await annotate(decoded(48000, [left, new Float32Array(left.length)]));
    expect(a.segments.length).toBe(1);
    expect(Math.abs(a.speechStartMs! - 500)).toBeLessThanOrEqual(10);
  });
});
