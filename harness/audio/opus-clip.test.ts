import { describe, expect, it } from 'vitest';
import { OnsetDetector } from '../../common/audio/onset.ts';
import { OPUS_FRAME_SAMPLES, OpusFrameDecoder } from '../../common/audio/opus.ts';
import type { PreparedClip } from '../contract.ts';
import { clipPcm24k, opusClipOf, opusClipsEncoded, opusSilencePacket } from './opus-clip.ts';

/** A 24 kHz PCM16 clip of 300 ms silence, 500 ms of a 300 Hz tone at -12 dBFS, 200 ms silence, in 20 ms append frames. */
function toneClip(id: string): PreparedClip {
  const rate = 24_000;
  const pcm = new Int16Array(rate);
  for (let i = Math.round(0.3 * rate); i < Math.round(0.8 * rate); i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / rate));
  const frames: string[] = [];
  const per = rate / 50;
  for (let at = 0; at < pcm.length; at += per) {
    const bytes = Buffer.from(pcm.buffer, at * 2, Math.min(per, pcm.length - at) * 2);
    frames.push(JSON.stringify({ type: 'input_audio_buffer.append', audio: bytes.toString('base64') }));
  }
  return {
    id,
    transcript: 'tone',
    language: 'en',
    format: { type: 'audio/pcm', rate: 24000 },
    chunkMs: 20,
    frames,
    speechEndFrameIndex: 39,
    speechStartMs: 300,
    speechEndMs: 800,
    durationMs: 1000,
  };
}

describe('opusClipOf: a clip as shared Opus packets', () => {
  it('encodes each clip once: every later call (any session) gets the same packets', () => {
    const clip = toneClip('tone-a');
    const before = opusClipsEncoded();
    const a = opusClipOf(clip);
    const b = opusClipOf({ ...clip }); // another session's view of the same prepared frames
    expect(b).toBe(a);
    expect(b.packets).toBe(a.packets);
    expect(opusClipsEncoded()).toBe(before + 1);
    opusClipOf(toneClip('tone-b'));
    expect(opusClipsEncoded()).toBe(before + 2);
  });

  it('holds 20 ms per packet and marks the packet of the last speech sample', () => {
    const oc = opusClipOf(toneClip('tone-c'));
    expect(oc.packets.length).toBe(50); // 1000 ms / 20 ms
    // Speech ends at 800 ms: its last sample (index 38399 at 48 kHz) is in packet 39.
    expect(oc.speechEndIndex).toBe(39);
  });

  it('decodes back to audio whose onset is where the clip speaks (Opus delay aside)', () => {
    const oc = opusClipOf(toneClip('tone-d'));
    const dec = new OpusFrameDecoder();
    const onset = new OnsetDetector({ encoding: 'pcm16le', sampleRateHz: 48_000 });
    for (const p of oc.packets) {
      const pcm = dec.decode(p);
      expect(pcm?.length).toBe(OPUS_FRAME_SAMPLES);
      if (onset.pushSamples(pcm!)) break;
    }
    // The tone starts at 300 ms; Opus adds a few ms of algorithmic delay (6.5 ms for 20 ms frames),
    // and onsets have 10 ms resolution: 300 … 320 ms.
    expect(onset.onsetMs).not.toBeNull();
    expect(onset.onsetMs!).toBeGreaterThanOrEqual(300);
    expect(onset.onsetMs!).toBeLessThanOrEqual(320);
  });

  it('reads the PCM back from the append frames exactly', () => {
    const clip = toneClip('tone-e');
    const pcm = clipPcm24k(clip);
    expect(pcm.length).toBe(24_000);
    expect(pcm[Math.round(0.3 * 24_000) + 20]).toBe(Math.round(8000 * Math.sin((2 * Math.PI * 300 * (7200 + 20)) / 24_000)));
  });

  it('refuses a G.711 clip with its id in the message', () => {
    const clip = { ...toneClip('mulaw'), format: { type: 'audio/pcmu' as const } };
    expect(() => opusClipOf(clip as PreparedClip)).toThrow(/clip mulaw: WebRTC needs PCM16/);
  });

  it('shares one silence packet that decodes to silence', () => {
    const p = opusSilencePacket();
    expect(opusSilencePacket()).toBe(p);
    const pcm = new OpusFrameDecoder().decode(p)!;
    // Opus reproduces digital silence as a few LSB of noise (±2 seen): far below the -40 dBFS
    // onset threshold (±328 LSB RMS), so silence between turns never reads as speech.
    expect(Math.max(...pcm.map(Math.abs))).toBeLessThanOrEqual(16);
  });
});
