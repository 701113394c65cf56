import { describe, expect, it } from 'vitest';
import { encodeFromPcm16 } from '../../common/audio/formats.ts';
import { OnsetDetector, onsetOptionsFor } from '../../common/audio/onset.ts';
import { synthesizeSpeechCached } from '../speech-synth.ts';
import { cutDeltas, deltaEnd, speechDeltas, withLeadingSilence } from './speech-deltas.ts';

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

  it('lead with digital silence in their own deltas, then the speech deltas unchanged', () => {
    const speech = speechDeltas('Sure, one moment.', 'marin', PCM24, 4800);
    const led = withLeadingSilence(speech, 250, PCM24);
    // 250 ms = 12000 bytes: two full 100 ms deltas and one of 50 ms, then the shared speech payloads.
    expect(led).toMatchObject({ totalBytes: 12000 + speech.totalBytes, deltaBytes: 4800, leadBytes: 12000, leadChunks: 3 });
    expect(led.chunks.slice(3)).toEqual(speech.chunks);
    const lead = Buffer.concat(led.chunks.slice(0, 3).map((c) => Buffer.from(c, 'base64')));
    expect(lead.equals(Buffer.alloc(12000))).toBe(true);
    // deltaEnd walks the actual byte boundaries.
    let at = 0;
    led.chunks.forEach((c, k) => {
      at += Buffer.from(c, 'base64').length;
      expect(deltaEnd(led, k)).toBe(at);
    });
    expect(at).toBe(led.totalBytes);
    expect(withLeadingSilence(speech, 0, PCM24)).toBe(speech);
    expect(withLeadingSilence(cutDeltas(Buffer.alloc(0), 4800), 300, PCM24).chunks).toEqual([]);
  });

  it('G.711 silence is the codes of PCM 0 (μ-law 0xFF, A-law 0xD5)', () => {
    for (const [format, code] of [[{ type: 'audio/pcmu' }, 0xff], [{ type: 'audio/pcma' }, 0xd5]] as const) {
      const led = withLeadingSilence(speechDeltas('Yes.', 'marin', format, 800), 120, format);
      expect(led.leadBytes).toBe(960);
      expect([...new Set(Buffer.from(led.chunks[0]!, 'base64'))]).toEqual([code]);
    }
  });

  it('move the speech onset by exactly the silence (the onset detector finds it at lead + the answer\'s own lead-in)', () => {
    for (const format of [PCM24, { type: 'audio/pcmu' } as const]) {
      const deltaBytes = format === PCM24 ? 4800 : 800;
      const speech = speechDeltas('Sure, one moment.', 'marin', format, deltaBytes);
      const onsetOf = (d: typeof speech): number | null => {
        const det = new OnsetDetector(onsetOptionsFor(format));
        for (const c of d.chunks) if (det.pushBase64(c)) break;
        return det.onsetMs;
      };
      const natural = onsetOf(speech);
      expect(natural).not.toBeNull();
      // The synthesizer's lead-in (a short pause with ±3 LSB dither) stays under the threshold, but not for long.
      expect(natural!).toBeLessThan(200);
      expect(onsetOf(withLeadingSilence(speech, 300, format))).toBe(natural! + 300);
    }
  });
});
