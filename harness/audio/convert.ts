/**
 * Whole-clip conversion to a session wire format (for `rth corpus convert` and anything that needs
 * the bytes a session would send): downmix, band-limited resample, PCM16 or G.711.
 */
import type { WireAudioFormat } from '../contract.ts';
import { sampleRateHz } from '../../common/audio/formats.ts';
import { toWireBytes } from './prepare-clip.ts';
import { toMonoAt } from './resample.ts';
import { wavContainer } from './wav-encode.ts';
import type { DecodedAudio } from './wav-decode.ts';

/** The three wire formats by their CLI names. */
export const WIRE_FORMATS: Readonly<Record<'pcm16' | 'pcmu' | 'pcma', WireAudioFormat>> = {
  pcm16: { type: 'audio/pcm', rate: 24000 },
  pcmu: { type: 'audio/pcmu' },
  pcma: { type: 'audio/pcma' },
};

/** Wire bytes of a whole clip: PCM16 LE mono 24 kHz, or G.711 μ-law/A-law mono 8 kHz. */
export async function toWireAudio(decoded: DecodedAudio, format: WireAudioFormat): Promise<Buffer> {
  return toWireBytes(format, await toMonoAt(decoded, sampleRateHz(format)));
}

/** Wraps wire bytes in a WAV file (PCM 16-bit 24 kHz, or G.711 tag 7/6 at 8 kHz), mono. */
export function wireToWav(format: WireAudioFormat, bytes: Buffer): Buffer {
  const rate = sampleRateHz(format);
  if (format.type === 'audio/pcm') return wavContainer(bytes, { sampleRateHz: rate, encoding: 'pcm', bitDepth: 16, channels: 1 });
  return wavContainer(bytes, { sampleRateHz: rate, encoding: format.type === 'audio/pcmu' ? 'mulaw' : 'alaw', bitDepth: 8, channels: 1 });
}

/** File extension for raw wire bytes: `.pcm` (PCM16 LE 24 kHz), `.ulaw`, `.alaw`. */
export function rawExtension(format: WireAudioFormat): string {
  return format.type === 'audio/pcm' ? '.pcm' : format.type === 'audio/pcmu' ? '.ulaw' : '.alaw';
}
