import { describe, expect, it } from 'vitest';
import { downsample48kTo24k, OPUS_FRAME_SAMPLES, OpusFrameDecoder, OpusFrameEncoder, upsample24kTo48k } from './opus.ts';

function rmsDbfs(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return 10 * Math.log10(s / x.length / 32768 ** 2 + 1e-20);
}

describe('opus wrapper', () => {
  it('round-trips a 440 Hz tone with its energy kept and silence staying silent', () => {
    const enc = new OpusFrameEncoder();
    const dec = new OpusFrameDecoder();
    const levels: number[] = [];
    for (let f = 0; f < 10; f++) {
      const frame = new Int16Array(OPUS_FRAME_SAMPLES);
      for (let i = 0; i < frame.length; i++) frame[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (f * 960 + i)) / 48000));
      const out = dec.decode(enc.encode(frame));
      expect(out?.length).toBe(OPUS_FRAME_SAMPLES);
      levels.push(rmsDbfs(out!));
    }
    // The tone is at -15.3 dBFS; after the codec's first frames settle, within 3 dB of it.
    for (const l of levels.slice(3)) expect(Math.abs(l - -15.3)).toBeLessThan(3);
    const silent = dec.decode(enc.encode(new Int16Array(OPUS_FRAME_SAMPLES)));
    for (let k = 0; k < 5; k++) dec.decode(enc.encode(new Int16Array(OPUS_FRAME_SAMPLES)));
    expect(rmsDbfs(dec.decode(enc.encode(new Int16Array(OPUS_FRAME_SAMPLES)))!)).toBeLessThan(-60);
    expect(silent).not.toBeNull();
  });

  it('answers null for a packet that is not Opus instead of throwing', () => {
    const dec = new OpusFrameDecoder();
    expect(dec.decode(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x00]))).toBeNull();
  });

  it('resamples 24k ↔ 48k keeping length and level', () => {
    const x = new Int16Array(480);
    for (let i = 0; i < x.length; i++) x[i] = Math.round(10000 * Math.sin((2 * Math.PI * 300 * i) / 24000));
    const up = upsample24kTo48k(x);
    expect(up.length).toBe(960);
    const down = downsample48kTo24k(up);
    expect(down.length).toBe(480);
    expect(Math.abs(rmsDbfs(down) - rmsDbfs(x))).toBeLessThan(0.5);
  });
});
