/**
 * Opus at the WebRTC media boundary (RFC 7587): 48 kHz, 20 ms frames of 960 samples, mono voice
 * (the SDP says `opus/48000/2`; a mono encoder's packets are valid stereo-signalled Opus). Both the
 * mock (its media door) and the harness (its WebRTC transport) use this one wrapper.
 *
 * Codec: `@evan/opus` (libopus compiled to a native addon per platform, shipped inside the npm
 * tarball, with a WASM build as fallback). It is created per peer: an encoder keeps state between
 * frames, so frames of two calls must never share one.
 *
 * The Realtime API's PCM wire format is 24 kHz; Opus runs at 48 kHz. {@link upsample24kTo48k} and
 * {@link downsample48kTo24k} convert between them with a short half-band filter: enough for speech
 * energy and turn detection (what both sides analyse), not a mastering-grade resampler.
 */
import { createRequire } from 'node:module';

/** Samples per Opus frame at 48 kHz, 20 ms. */
export const OPUS_FRAME_SAMPLES = 960;
/** Frame length, ms. */
export const OPUS_FRAME_MS = 20;
/** RTP clock rate of Opus (RFC 7587 §4.1: always 48000). */
export const OPUS_CLOCK_HZ = 48_000;

interface EvanEncoder {
  encode(buf: ArrayBufferView): Uint8Array;
  ctl(cmd: number, value?: number): number;
}
interface EvanDecoder {
  decode(buf: ArrayBufferView): Uint8Array;
}
interface EvanOpus {
  Encoder: new (o: { channels: 1 | 2; sample_rate: 48000; application: 'voip' | 'audio' }) => EvanEncoder;
  Decoder: new (o: { channels: 1 | 2; sample_rate: 48000 }) => EvanDecoder;
}

let opusModule: EvanOpus | null = null;
function opus(): EvanOpus {
  // Loaded on first use: WebSocket-only runs never pay for the native addon.
  opusModule ??= createRequire(import.meta.url)('@evan/opus') as EvanOpus;
  return opusModule;
}

/** Encodes 20 ms frames of 48 kHz mono PCM16 to Opus packets (one encoder per stream). */
export class OpusFrameEncoder {
  private readonly enc: EvanEncoder;
  constructor() {
    this.enc = new (opus().Encoder)({ channels: 1, sample_rate: 48000, application: 'voip' });
  }
  /** One packet for exactly {@link OPUS_FRAME_SAMPLES} samples (shorter input is zero-padded). */
  encode(frame48k: Int16Array): Uint8Array {
    const pcm = frame48k.length === OPUS_FRAME_SAMPLES ? frame48k : padded(frame48k);
    return Uint8Array.from(this.enc.encode(pcm));
  }
}

/** Decodes Opus packets to 48 kHz mono PCM16 (one decoder per stream). */
export class OpusFrameDecoder {
  private readonly dec: EvanDecoder;
  constructor() {
    this.dec = new (opus().Decoder)({ channels: 1, sample_rate: 48000 });
  }
  /**
   * The packet's samples (960 for a 20 ms packet), or null when it is not decodable Opus (a
   * corrupt packet must not end a call: the caller counts it).
   */
  decode(packet: Uint8Array): Int16Array | null {
    try {
      const bytes = this.dec.decode(packet);
      // A fresh copy aligned for Int16 access (the addon may hand back a view into its own memory).
      const copy = new Int16Array(bytes.byteLength >> 1);
      new Uint8Array(copy.buffer).set(bytes.subarray(0, copy.byteLength));
      return copy;
    } catch {
      return null;
    }
  }
}

function padded(frame: Int16Array): Int16Array {
  const out = new Int16Array(OPUS_FRAME_SAMPLES);
  out.set(frame.subarray(0, OPUS_FRAME_SAMPLES));
  return out;
}

/** 24 kHz → 48 kHz: each input sample, then the mean of it and the next (linear interpolation). */
export function upsample24kTo48k(pcm24k: Int16Array): Int16Array {
  const out = new Int16Array(pcm24k.length * 2);
  for (let i = 0; i < pcm24k.length; i++) {
    const a = pcm24k[i]!;
    const b = i + 1 < pcm24k.length ? pcm24k[i + 1]! : a;
    out[2 * i] = a;
    out[2 * i + 1] = (a + b) >> 1;
  }
  return out;
}

/** 48 kHz → 24 kHz: a [1 2 1]/4 low-pass, then every second sample. */
export function downsample48kTo24k(pcm48k: Int16Array): Int16Array {
  const n = pcm48k.length >> 1;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const c = pcm48k[2 * i]!;
    const prev = i > 0 ? pcm48k[2 * i - 1]! : c;
    const next = pcm48k[2 * i + 1] ?? c;
    out[i] = (prev + 2 * c + next) >> 2;
  }
  return out;
}
