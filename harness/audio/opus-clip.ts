/**
 * A corpus clip as the Opus packets a browser's microphone would send over WebRTC: the clip's
 * prepared PCM16 24 kHz audio, upsampled to 48 kHz and encoded in 20 ms frames ONCE per thread,
 * then shared by every session that speaks it (as the WebSocket path shares the append frames).
 * Only the RTP header (SSRC, sequence, timestamp) is per session; the transport writes it.
 */
import { OPUS_FRAME_MS, OPUS_FRAME_SAMPLES, OpusFrameEncoder, upsample24kTo48k } from '../../common/audio/opus.ts';
import type { PreparedClip } from '../contract.ts';

/** A clip's Opus packets. */
export interface OpusClip {
  /** One packet per 20 ms of audio, in order (the last frame zero-padded). */
  readonly packets: readonly Uint8Array[];
  /** Index of the packet carrying the last speech sample (from `speechEndMs`). */
  readonly speechEndIndex: number;
}

/** Keyed by the clip's frame array, which every session of a thread shares. */
const cache = new WeakMap<readonly string[], OpusClip>();
let encodedClips = 0;
let silence: Uint8Array | null = null;

/** Clips encoded by this thread so far (each clip once, however many sessions speak it). */
export function opusClipsEncoded(): number {
  return encodedClips;
}

/**
 * The clip's shared Opus packets, encoded on first use.
 * @throws Error when the clip is not PCM16 24 kHz (the scenario resolver allows only pcm16 with WebRTC)
 */
export function opusClipOf(clip: PreparedClip): OpusClip {
  let out = cache.get(clip.frames);
  if (!out) {
    out = encodeClip(clip);
    cache.set(clip.frames, out);
    encodedClips += 1;
  }
  return out;
}

/**
 * Uses `encoded` as the clip's packets in this thread (a worker thread adopting what the main
 * thread encoded: the clip's frames arrived as a copy, so the cache would not know them).
 */
export function adoptOpusClip(clip: PreparedClip, encoded: OpusClip): void {
  if (!cache.has(clip.frames)) cache.set(clip.frames, encoded);
}

/** One 20 ms packet of digital silence, shared (a browser's microphone keeps sending between turns). */
export function opusSilencePacket(): Uint8Array {
  silence ??= new OpusFrameEncoder().encode(new Int16Array(OPUS_FRAME_SAMPLES));
  return silence;
}

/** The clip's 24 kHz PCM16 samples, read back from its prepared append frames. */
export function clipPcm24k(clip: PreparedClip): Int16Array {
  if (clip.format.type !== 'audio/pcm') throw new Error(`clip ${clip.id}: WebRTC needs PCM16 audio, got ${clip.format.type}`);
  const parts: Buffer[] = [];
  for (const frame of clip.frames) {
    const audio = (JSON.parse(frame) as { audio?: unknown }).audio;
    if (typeof audio === 'string') parts.push(Buffer.from(audio, 'base64'));
  }
  const bytes = Buffer.concat(parts);
  const pcm = new Int16Array(bytes.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = bytes.readInt16LE(2 * i);
  return pcm;
}

function encodeClip(clip: PreparedClip): OpusClip {
  const pcm48k = upsample24kTo48k(clipPcm24k(clip));
  // One encoder per clip: its state runs across the clip's frames, as a microphone's would.
  const encoder = new OpusFrameEncoder();
  const packets: Uint8Array[] = [];
  for (let at = 0; at < pcm48k.length; at += OPUS_FRAME_SAMPLES) packets.push(encoder.encode(pcm48k.subarray(at, at + OPUS_FRAME_SAMPLES)));
  // As for the append frames: the packet holding the last speech sample.
  const lastSpeechSample = Math.ceil(clip.speechEndMs * (OPUS_FRAME_SAMPLES / OPUS_FRAME_MS)) - 1;
  const speechEndIndex = Math.min(packets.length - 1, Math.max(0, Math.floor(lastSpeechSample / OPUS_FRAME_SAMPLES)));
  return { packets, speechEndIndex };
}
