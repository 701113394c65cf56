import { describe, expect, it } from 'vitest';
import { encodeFromPcm16 } from '../../common/audio/formats.ts';
import { synthesizeSpeechCached } from '../speech-synth.ts';
import { cutDeltas, speechDeltas } from './speech-deltas.ts';

const PCM24 = { type: 'audio/pcm', rate: 24000 } as const;

describe('speech deltas', () => {
  it('cut the encoded audio at fixed byte offsets, the last delta shorter', () => {
    const bytes = Buffer.from(Array.from({ length: 10 }, (_, i) => i));
    const d = cutDeltas(bytes, 4);
    expect(d).toMatchObject({ totalBytes: 10, deltaBytes: 4 });
    expect(d.chunks.map((c) => [...Buffer.from(c, 'base64')])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(cutDeltas(bytes, 0).chunks).toHaveLength(1);
    expect(cutDeltas(Buffer.alloc(0), 4).chunks).toEqual([]);
  });

  it('decode back to the synthesized answer, and are shared between responses', () => {
    const d = speechDeltas('Sure, one moment.', 'marin', PCM24, 4800);
    const expected = encodeFromPcm16(PCM24, synthesizeSpeechCached('Sure, one moment.', { sampleRateHz: 24000, voice: 'marin', seed: 0 }));
    expect(Buffer.concat(d.chunks.map((c) => Buffer.from(c, 'base64')))).toEqual(expected);
    expect(d.totalBytes).toBe(expected.length);
    expect(d.chunks.slice(0, -1).every((c) => Buffer.from(c, 'base64').length === 4800)).toBe(true);
    expect(speechDeltas('Sure, one moment.', 'marin', PCM24, 4800)).toBe(d);
    expect(speechDeltas('Sure, one moment.', 'marin', PCM24, 2400)).not.toBe(d);
    expect(speechDeltas('Sure, one moment.', 'cedar', PCM24, 4800)).not.toBe(d);
    const mulaw = speechDeltas('Sure, one moment.', 'marin', { type: 'audio/pcmu' }, 800);
    expect(mulaw.totalBytes).toBe(encodeFromPcm16({ type: 'audio/pcmu' }, synthesizeSpeechCached('Sure, one moment.', { sampleRateHz: 8000, voice: 'marin', seed: 0 })).length);
  });
});
