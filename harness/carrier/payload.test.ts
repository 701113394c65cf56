import { describe, expect, it } from 'vitest';
import { encodeAlaw, encodeMulaw } from '../../common/audio/g711.ts';
import { checkPayload, LOUD_SHARE_LIMIT } from './payload.ts';

/** A 300 Hz tone at the level of telephone speech (−20 dBFS peak-ish), `ms` long at `rate`. */
function tone(ms: number, rate = 8000, amplitude = 3000): Int16Array {
  return Int16Array.from({ length: (rate * ms) / 1000 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 300 * i) / rate)));
}
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
const none = { minMs: null, maxMs: null };

describe('checkPayload', () => {
  it('accepts μ-law and A-law speech-level audio of any size for Twilio', () => {
    expect(checkPayload(b64(encodeMulaw(tone(20))), 'PCMU', none)).toMatchObject({ ok: true });
    expect(checkPayload(b64(encodeMulaw(tone(3))), 'PCMU', none)).toMatchObject({ ok: true });
    expect(checkPayload(b64(encodeAlaw(tone(40))), 'PCMA', none)).toMatchObject({ ok: true });
  });

  it('refuses PCM16 sent as μ-law (the share of full-scale codes gives it away)', () => {
    const pcm = Buffer.from(tone(20, 24000).buffer);
    const r = checkPayload(pcm.toString('base64'), 'PCMU', none);
    expect(r).toMatchObject({ ok: false, problem: 'not_codec' });
    expect(LOUD_SHARE_LIMIT).toBeLessThan(0.5);
  });

  it('refuses a WAV file, bad base64, an empty payload, odd L16 and Telnyx chunks under 20 ms', () => {
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(200, 0xff)]);
    expect(checkPayload(wav.toString('base64'), 'PCMU', none)).toMatchObject({ ok: false, problem: 'not_codec' });
    expect(checkPayload('not base64!', 'PCMU', none)).toMatchObject({ ok: false, problem: 'bad_base64' });
    expect(checkPayload('', 'PCMU', none)).toMatchObject({ ok: false, problem: 'wrong_size' });
    expect(checkPayload(b64(new Uint8Array(641)), 'L16', none)).toMatchObject({ ok: false, problem: 'wrong_size' });
    const r = checkPayload(b64(encodeMulaw(tone(10))), 'PCMU', { minMs: 20, maxMs: 30_000 });
    expect(r).toMatchObject({ ok: false, problem: 'wrong_size' });
    if (!r.ok) expect(r.reason).toContain('at least 20 ms');
  });
});
