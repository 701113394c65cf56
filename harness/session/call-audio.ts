/**
 * The WebRTC side of a connection's audio: the microphone as the call's audio track (each clip's
 * shared Opus packets, silence between turns as a browser sends it, paced by the one pacer) and
 * the setup phases of the call. WebSocket connections never come here.
 */
import { OPUS_FRAME_MS } from '../../common/audio/opus.ts';
import type { Clock } from '../../common/clock.ts';
import { opusClipOf, opusSilencePacket } from '../audio/opus-clip.ts';
import type { Pacer, SetupPhases } from '../contract.ts';
import type { MediaPath, SetupStamps } from '../transport/media.ts';
import { Microphone } from './microphone.ts';

/** A microphone that sends 20 ms Opus packets as RTP on `media` (each clip encoded once per thread). */
export function callMicrophone(media: MediaPath, pacer: Pacer, clock: Clock): Microphone<Uint8Array> {
  return new Microphone<Uint8Array>({
    pacer,
    clock,
    send: (packet) => media.sendAudio(packet),
    silenceFrame: opusSilencePacket(),
    chunkMs: OPUS_FRAME_MS,
    framesOf: (clip) => opusClipOf(clip).packets,
    speechEndIndexOf: (clip) => opusClipOf(clip).speechEndIndex,
  });
}

/**
 * Setup phases in ms from the start of the call's setup (the key request; the connection's
 * connect start when there was none), `sessionCreatedMs` from the connection's `connectMs`.
 */
export function setupPhases(stamps: SetupStamps, connectStartUs: number | null, connectMs: number): SetupPhases {
  const startUs = stamps.mintStartUs ?? connectStartUs ?? 0;
  const ms = (us: number | null): number | null => (us === null ? null : (us - startUs) / 1000);
  const createdUs = connectStartUs === null ? null : connectStartUs + connectMs * 1000;
  return {
    offerPostedMs: ms(stamps.offerPostedUs),
    answerMs: ms(stamps.answerUs),
    iceConnectedMs: ms(stamps.iceConnectedUs),
    channelOpenMs: ms(stamps.channelOpenUs),
    sessionCreatedMs: ms(createdUs),
  };
}
