/**
 * The caller's audio: corpus clips as 20 ms carrier frames (base64 payloads, encoded once per clip and
 * shared by every call) in the call's codec. G.711 frames come straight from the corpus loader; L16
 * (Telnyx, 16 kHz, network byte order) is resampled from the loader's 24 kHz PCM16.
 */
import { Buffer } from 'node:buffer';
import { resampleMono } from '../audio/resample.ts';
import { loadCorpus } from '../corpus/load-corpus.ts';
import type { PreparedClip } from '../contract.ts';
import type { CarrierCodec } from '../scenario/carrier-schema.ts';
import { bytesPerMs } from './flavour.ts';

/** Carrier frame length, ms: one `media` message per 20 ms, as both carriers send. */
export const CARRIER_FRAME_MS = 20;

/** One clip as carrier frames. */
export interface CarrierClip {
  readonly id: string;
  /** Base64 payload of each 20 ms frame (the last is padded with silence to a whole frame). */
  readonly payloads: readonly string[];
  /** Frame holding the first speech sample. */
  readonly speechStartFrame: number;
  /** Frame holding the last speech sample. */
  readonly speechEndFrame: number;
}

/** Byte of digital silence per codec: μ-law 0xFF, A-law 0xD5, L16 zero. */
export function silenceByte(codec: CarrierCodec): number {
  return codec === 'PCMU' ? 0xff : codec === 'PCMA' ? 0xd5 : 0x00;
}

/** Base64 payload of one 20 ms frame of silence. */
export function silencePayload(codec: CarrierCodec): string {
  return Buffer.alloc(CARRIER_FRAME_MS * bytesPerMs(codec), silenceByte(codec)).toString('base64');
}

/** The base64 audio of a prebuilt `input_audio_buffer.append` frame. */
function appendAudio(frame: string): Buffer {
  return Buffer.from((JSON.parse(frame) as { audio: string }).audio, 'base64');
}

function frames(bytes: Buffer, codec: CarrierCodec): string[] {
  const size = CARRIER_FRAME_MS * bytesPerMs(codec);
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const f = Buffer.alloc(size, silenceByte(codec));
    bytes.copy(f, 0, at, Math.min(bytes.length, at + size));
    out.push(f.toString('base64'));
  }
  return out;
}

async function toCarrierClip(clip: PreparedClip, codec: CarrierCodec): Promise<CarrierClip> {
  let bytes = Buffer.concat(clip.frames.map(appendAudio));
  if (codec === 'L16') {
    const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
    const f = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) f[i] = pcm[i]! / 32768;
    const at16 = await resampleMono(f, 24000, 16000);
    bytes = Buffer.alloc(at16.length * 2);
    for (let i = 0; i < at16.length; i++) bytes.writeInt16BE(Math.max(-32768, Math.min(32767, Math.round(at16[i]! * 32768))), i * 2);
  }
  const payloads = frames(bytes, codec);
  const last = payloads.length - 1;
  return {
    id: clip.id,
    payloads,
    speechStartFrame: Math.min(last, Math.floor(clip.speechStartMs / CARRIER_FRAME_MS)),
    speechEndFrame: Math.min(last, Math.max(0, Math.ceil(clip.speechEndMs / CARRIER_FRAME_MS) - 1)),
  };
}

/**
 * Loads corpus clips as carrier frames.
 * @throws ConfigError as {@link loadCorpus} does (unknown ids, bad files)
 */
export async function loadCarrierClips(dir: string, ids: readonly string[], codec: CarrierCodec): Promise<Map<string, CarrierClip>> {
  const format = codec === 'PCMU' ? { type: 'audio/pcmu' as const } : codec === 'PCMA' ? { type: 'audio/pcma' as const } : { type: 'audio/pcm' as const, rate: 24000 as const };
  const prepared = await loadCorpus(dir, { format, chunkMs: CARRIER_FRAME_MS, ids });
  const out = new Map<string, CarrierClip>();
  for (const [id, clip] of prepared) out.set(id, await toCarrierClip(clip, codec));
  return out;
}
