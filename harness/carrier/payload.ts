/**
 * Checks of the audio a bridge sends (`media.payload`): base64, size, and whether G.711 bytes look
 * like the codec at all. A bridge that forwards the model's 24 kHz PCM16 unconverted (the most common
 * bridge bug: output format left at `audio/pcm`) produces payloads that "play" as loud noise.
 */
import { decodeAlaw, decodeMulaw } from '../../common/audio/g711.ts';
import type { CarrierCodec } from '../scenario/carrier-schema.ts';
import { bytesPerMs } from './flavour.ts';

/** Why a payload was refused (the per-call problem counters use these keys). */
export type PayloadProblem = 'bad_base64' | 'wrong_size' | 'not_codec';

/** Decoded audio, or the problem with a reason. */
export type PayloadCheck = { ok: true; bytes: Buffer } | { ok: false; problem: PayloadProblem; reason: string };

/** Size limits of one bridge media message, ms of audio; null = none. Telnyx RTP mode: 20 ms to 30 s. */
export interface SizeRule {
  minMs: number | null;
  maxMs: number | null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/**
 * Share of samples at or above half of full scale (−6 dBFS) beyond which G.711 bytes are judged not
 * to be G.711. Speech at telephone levels (−16 … −26 dBFS) has almost none; PCM16 read as μ-law has
 * about half (every high byte of a quiet sample, 0x00/0xFF, is a full-scale μ-law code), and PCM16
 * read as A-law about as many.
 */
export const LOUD_SHARE_LIMIT = 0.25;
/** Fewest bytes judged by the loudness rule (shorter payloads are too small to tell). */
export const LOUD_RULE_MIN_BYTES = 80;

const ALL = Uint8Array.from({ length: 256 }, (_, i) => i);
let loudMulaw: Uint8Array | null = null;
let loudAlaw: Uint8Array | null = null;
function loudTable(decoded: Int16Array): Uint8Array {
  return Uint8Array.from(decoded, (s) => (Math.abs(s) >= 16384 ? 1 : 0));
}

/** Checks one payload of the call's codec. */
export function checkPayload(b64: string, codec: CarrierCodec, size: SizeRule): PayloadCheck {
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return { ok: false, problem: 'bad_base64', reason: `media.payload: expected base64, got ${b64.length} characters that are not` };
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length === 0) return { ok: false, problem: 'wrong_size', reason: 'media.payload: empty' };
  if (bytes.length >= 4 && bytes.toString('latin1', 0, 4) === 'RIFF') return { ok: false, problem: 'not_codec', reason: `media.payload: a WAV file (RIFF header), expected raw ${codec} without a header` };
  if (codec === 'L16' && bytes.length % 2 !== 0) return { ok: false, problem: 'wrong_size', reason: `media.payload: ${bytes.length} bytes, expected whole 16-bit samples (an even count)` };
  const ms = bytes.length / bytesPerMs(codec);
  if (size.minMs !== null && ms < size.minMs) return { ok: false, problem: 'wrong_size', reason: `media.payload: ${ms} ms of ${codec} (${bytes.length} bytes), expected at least ${size.minMs} ms` };
  if (size.maxMs !== null && ms > size.maxMs) return { ok: false, problem: 'wrong_size', reason: `media.payload: ${ms} ms of ${codec}, expected at most ${size.maxMs} ms` };
  if (codec !== 'L16' && bytes.length >= LOUD_RULE_MIN_BYTES) {
    const table = codec === 'PCMU' ? (loudMulaw ??= loudTable(decodeMulaw(ALL))) : (loudAlaw ??= loudTable(decodeAlaw(ALL)));
    let loud = 0;
    for (let i = 0; i < bytes.length; i++) loud += table[bytes[i]!]!;
    if (loud / bytes.length > LOUD_SHARE_LIMIT) {
      return { ok: false, problem: 'not_codec', reason: `media.payload: ${Math.round((100 * loud) / bytes.length)} % of samples at full scale as ${codec}: not ${codec === 'PCMU' ? 'μ-law' : 'A-law'} audio (PCM16 sent unconverted?)` };
    }
  }
  return { ok: true, bytes };
}
