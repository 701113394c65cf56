import { describe, expect, it } from 'vitest';
import { decodeAlaw, decodeMulaw, encodeAlaw, encodeMulaw } from './g711.ts';

/** G.711 μ-law expansion written from the Recommendation's segment definition (16-bit scale). */
function referenceMulaw(code: number): number {
  const y = ~code & 0xff;
  const exponent = (y >> 4) & 7;
  const mantissa = y & 15;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return (y & 0x80 ? -magnitude : magnitude) | 0; // `| 0`: code 0x7F is −0, which Int16Array stores as 0
}

/** G.711 A-law expansion (even bits inverted, sign bit set = positive), 16-bit scale. */
function referenceAlaw(code: number): number {
  const y = code ^ 0x55;
  const exponent = (y >> 4) & 7;
  const mantissa = y & 15;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  return y & 0x80 ? magnitude : -magnitude;
}

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

describe('G.711 μ-law', () => {
  it('decodes the reference points', () => {
    expect([...decodeMulaw(Uint8Array.of(0xff, 0x7f, 0xfe, 0xf0, 0xef, 0x80, 0x00))]).toEqual([
      0, 0, 8, 120, 132, 32124, -32124,
    ]);
  });

  it('decodes all 256 codes as the Recommendation defines them', () => {
    expect([...decodeMulaw(ALL_CODES)]).toEqual([...ALL_CODES].map(referenceMulaw));
  });

  it('encodes silence as 0xFF and the extremes as 0x80 / 0x00', () => {
    expect([...encodeMulaw(Int16Array.of(0, 32767, -32768))]).toEqual([0xff, 0x80, 0x00]);
  });

  it('round-trips every PCM16 value within half a quantisation step', () => {
    const back = decodeMulaw(encodeMulaw(ALL_SAMPLES));
    let worst = 0;
    for (let i = 0; i < ALL_SAMPLES.length; i++) {
      const x = ALL_SAMPLES[i]!;
      // Step in segment e is 2^(e+3) and |x| + 132 ≥ 2^(e+7), so half a step ≤ (|x| + 132) / 32.
      worst = Math.max(worst, Math.abs(back[i]! - x) / ((Math.abs(x) + 132) / 32));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('is idempotent on decoded values (re-encoding a decoded code gives the same code)', () => {
    const codes = ALL_CODES.filter((c) => c !== 0x7f); // 0x7F (−0) and 0xFF (+0) both decode to 0
    expect([...encodeMulaw(decodeMulaw(codes))]).toEqual([...codes]);
  });
});

describe('G.711 A-law', () => {
  it('decodes the reference points', () => {
    expect([...decodeAlaw(Uint8Array.of(0xd5, 0x55, 0xd4, 0xaa, 0x2a))]).toEqual([8, -8, 24, 32256, -32256]);
  });

  it('decodes all 256 codes as the Recommendation defines them', () => {
    expect([...decodeAlaw(ALL_CODES)]).toEqual([...ALL_CODES].map(referenceAlaw));
  });

  it('encodes silence as 0xD5 and the extremes as 0xAA / 0x2A', () => {
    expect([...encodeAlaw(Int16Array.of(0, 32767, -32768))]).toEqual([0xd5, 0xaa, 0x2a]);
  });

  it('round-trips every PCM16 value within half a quantisation step', () => {
    const back = decodeAlaw(encodeAlaw(ALL_SAMPLES));
    let worst = 0;
    for (let i = 0; i < ALL_SAMPLES.length; i++) {
      const x = ALL_SAMPLES[i]!;
      // Step 16 below 512, then 2^(e+3) with |x| ≥ 2^(e+7): half a step ≤ max(8, |x| / 32).
      worst = Math.max(worst, Math.abs(back[i]! - x) / Math.max(8, Math.abs(x) / 32));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('is idempotent on decoded values', () => {
    expect([...encodeAlaw(decodeAlaw(ALL_CODES))]).toEqual([...ALL_CODES]);
  });
});
