import { describe, expect, it } from 'vitest';
import {
  type WireAudioFormat,
  bytesForMs,
  bytesPerMs,
  decodeToPcm16,
  durationMsOfBytes,
  encodeFromPcm16,
  parseWireAudioFormat,
  sampleAlignmentBytes,
  sampleRateHz,
} from './formats.ts';

const PCM: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };
const PCMU: WireAudioFormat = { type: 'audio/pcmu' };
const PCMA: WireAudioFormat = { type: 'audio/pcma' };
const P = 'session.audio.input.format';

describe('parseWireAudioFormat', () => {
  it('accepts the three GA formats, defaulting the PCM rate (and a missing type) to 24 kHz PCM', () => {
    expect(parseWireAudioFormat({ type: 'audio/pcm', rate: 24000 }, P)).toEqual({ ok: true, format: PCM });
    expect(parseWireAudioFormat({ type: 'audio/pcm' }, P)).toEqual({ ok: true, format: PCM });
    expect(parseWireAudioFormat({}, P)).toEqual({ ok: true, format: PCM });
    expect(parseWireAudioFormat({ type: 'audio/pcmu' }, P)).toEqual({ ok: true, format: PCMU });
    expect(parseWireAudioFormat({ type: 'audio/pcma' }, P)).toEqual({ ok: true, format: PCMA });
  });

  it('rejects another PCM rate naming <param>.rate', () => {
    expect(parseWireAudioFormat({ type: 'audio/pcm', rate: 16000 }, P)).toEqual({
      ok: false,
      code: 'invalid_value',
      message: 'Invalid value: 16000. Supported values are: 24000.',
      param: `${P}.rate`,
    });
    const r = parseWireAudioFormat({ type: 'audio/pcm', rate: '24000' }, P);
    expect(r).toMatchObject({ ok: false, code: 'invalid_value', param: `${P}.rate` });
    expect(!r.ok && r.message).toBe("Invalid value: '24000'. Supported values are: 24000.");
  });

  it('rejects unknown types, including beta names, naming <param>.type', () => {
    expect(parseWireAudioFormat({ type: 'pcm16' }, P)).toEqual({
      ok: false,
      code: 'invalid_value',
      message: "Invalid value: 'pcm16'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.",
      param: `${P}.type`,
    });
    expect(parseWireAudioFormat({ type: 7 }, P)).toMatchObject({ ok: false, code: 'invalid_value', param: `${P}.type` });
  });

  it('rejects unknown keys with a dotted param, including rate on G.711', () => {
    expect(parseWireAudioFormat({ type: 'audio/pcm', channels: 1 }, P)).toEqual({
      ok: false,
      code: 'unknown_parameter',
      message: `Unknown parameter: '${P}.channels'.`,
      param: `${P}.channels`,
    });
    expect(parseWireAudioFormat({ type: 'audio/pcmu', rate: 8000 }, P)).toMatchObject({
      ok: false,
      code: 'unknown_parameter',
      param: `${P}.rate`,
    });
  });

  it('rejects non-objects with invalid_type', () => {
    for (const [value, name] of [['pcm16', 'a string'], [null, 'null'], [[], 'an array'], [3, 'an integer']] as const) {
      expect(parseWireAudioFormat(value, P)).toEqual({
        ok: false,
        code: 'invalid_type',
        message: `Invalid type for '${P}': expected an object, but got ${name} instead.`,
        param: P,
      });
    }
  });
});

describe('format arithmetic (§8.2)', () => {
  it('has the documented rates, sizes and alignments', () => {
    expect([sampleRateHz(PCM), sampleRateHz(PCMU), sampleRateHz(PCMA)]).toEqual([24000, 8000, 8000]);
    expect([bytesPerMs(PCM), bytesPerMs(PCMU), bytesPerMs(PCMA)]).toEqual([48, 8, 8]);
    expect([sampleAlignmentBytes(PCM), sampleAlignmentBytes(PCMU), sampleAlignmentBytes(PCMA)]).toEqual([2, 1, 1]);
  });

  it('converts between bytes and ms', () => {
    expect(durationMsOfBytes(PCM, 4800)).toBe(100);
    expect(durationMsOfBytes(PCMU, 800)).toBe(100);
    expect(durationMsOfBytes(PCM, 24)).toBe(0.5);
    expect(bytesForMs(PCM, 100)).toBe(4800);
    expect(bytesForMs(PCM, 20)).toBe(960);
    expect(bytesForMs(PCMA, 20)).toBe(160);
    expect(bytesForMs(PCM, 0.03)).toBe(2); // 0.72 samples rounds to one whole sample
    expect(bytesForMs(PCM, -5)).toBe(0);
    expect(bytesForMs(PCM, 200)).toBe(9600);
  });
});

describe('decodeToPcm16 / encodeFromPcm16', () => {
  it('reads PCM16 as little-endian and ignores a trailing odd byte', () => {
    const bytes = Uint8Array.of(0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0xff, 0x7f, 0x42);
    expect([...decodeToPcm16(PCM, bytes)]).toEqual([1, -1, -32768, 32767]);
  });

  it('decodes from an odd byte offset and does not alias the input', () => {
    const backing = new Uint8Array(7);
    backing.set([0x34, 0x12, 0xcc, 0xed], 1);
    const view = backing.subarray(1, 5);
    const samples = decodeToPcm16(PCM, view);
    expect([...samples]).toEqual([0x1234, -0x1234]);
    backing[1] = 0;
    expect(samples[0]).toBe(0x1234);
  });

  it('writes PCM16 little-endian', () => {
    const out = encodeFromPcm16(PCM, Int16Array.of(1, -1, 0x1234));
    expect(Buffer.isBuffer(out)).toBe(true);
    expect([...out]).toEqual([0x01, 0x00, 0xff, 0xff, 0x34, 0x12]);
  });

  it('round-trips PCM exactly and G.711 within its quantisation', () => {
    const samples = Int16Array.from({ length: 480 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    expect([...decodeToPcm16(PCM, encodeFromPcm16(PCM, samples))]).toEqual([...samples]);
    for (const f of [PCMU, PCMA]) {
      const wire = encodeFromPcm16(f, samples);
      expect(wire.length).toBe(480);
      const back = decodeToPcm16(f, wire);
      for (let i = 0; i < samples.length; i++) expect(Math.abs(back[i]! - samples[i]!)).toBeLessThanOrEqual(260);
    }
    expect([...encodeFromPcm16(PCMU, Int16Array.of(0))]).toEqual([0xff]);
    expect([...encodeFromPcm16(PCMA, Int16Array.of(0))]).toEqual([0xd5]);
  });
});
