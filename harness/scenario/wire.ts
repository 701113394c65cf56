/** Scenario values as the wire wants them (`session.update`, §5). */
import type { WireAudioFormat } from '../contract.ts';
import type { AudioFormatName, TurnDetection } from './types.ts';

/** `audio_format` as `session.audio.input.format`: pcm16 → 24 kHz PCM, pcmu/pcma → G.711. */
export function toWireFormat(name: AudioFormatName): WireAudioFormat {
  if (name === 'pcmu') return { type: 'audio/pcmu' };
  if (name === 'pcma') return { type: 'audio/pcma' };
  return { type: 'audio/pcm', rate: 24000 };
}

/** `session.audio.input.turn_detection`: null for manual turns (§3.2), else the VAD object in wire names. */
export function toWireTurnDetection(td: TurnDetection): Record<string, unknown> | null {
  switch (td.type) {
    case 'manual':
      return null;
    case 'server_vad':
      return {
        type: 'server_vad',
        threshold: td.threshold,
        prefix_padding_ms: td.prefixPaddingMs,
        silence_duration_ms: td.silenceDurationMs,
        create_response: td.createResponse,
        interrupt_response: td.interruptResponse,
      };
    case 'semantic_vad':
      return { type: 'semantic_vad', eagerness: td.eagerness, create_response: td.createResponse, interrupt_response: td.interruptResponse };
  }
}
