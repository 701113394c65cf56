/**
 * Configuration of a transcription session (§2.4, §5 "Transcription session config"): defaults,
 * `session.update` validation and merge (all-or-nothing, dotted `param` paths, field parsers shared
 * with realtime sessions), and what each transcription model does (§3.10).
 */
import type { AudioTranscription } from 'openai/resources/realtime/realtime';
import type { RealtimeTranscriptionSessionCreateResponse } from 'openai/resources/realtime/client-secrets';
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import type { MockErrorSpec } from '../contract.ts';
import { invalidValue } from '../errors.ts';
import { DEFAULT_SERVER_VAD, type NoiseReductionWire, type TurnDetectionWire } from '../realtime/config.ts';
import { parseFormat, parseNoiseReduction, parseTranscription, parseTurnDetection } from '../realtime/session-update.ts';
import { asArray, asEnum, asObject, at, atIndex, fail, onlyKeys, required } from '../realtime/validate.ts';

/** Transcription model of a fresh session (the Agents SDK default, §5). */
export const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

/** How one transcription model behaves in the mock. */
export interface TranscriptionModelProfile {
  /** Runs behind turn detection (deltas after the commit); false = streams while audio arrives, `turn_detection` must be null. */
  vad: boolean;
  /** One delta equal to the whole transcript (`whisper-1`, §3.10). */
  singleDelta: boolean;
  /** `completed.usage` kind: token-priced or duration-priced (§6.1, §7). */
  usage: 'tokens' | 'duration';
  /** Delay from the commit to the first delta (VAD models) or to `completed` (streaming models), ms. */
  firstDeltaMs: number;
}

/**
 * The models `audio.input.transcription.model` accepts (§5) and what each does. Delays are the
 * mock's own choice (no published figures): larger models answer a little later.
 */
export const TRANSCRIPTION_MODELS: Readonly<Record<string, TranscriptionModelProfile>> = Object.freeze({
  'whisper-1': { vad: true, singleDelta: true, usage: 'duration', firstDeltaMs: 500 },
  'gpt-transcribe': { vad: true, singleDelta: false, usage: 'tokens', firstDeltaMs: 300 },
  'gpt-4o-transcribe': { vad: true, singleDelta: false, usage: 'tokens', firstDeltaMs: 350 },
  'gpt-4o-mini-transcribe': { vad: true, singleDelta: false, usage: 'tokens', firstDeltaMs: 250 },
  'gpt-4o-mini-transcribe-2025-12-15': { vad: true, singleDelta: false, usage: 'tokens', firstDeltaMs: 250 },
  'gpt-4o-transcribe-diarize': { vad: true, singleDelta: false, usage: 'tokens', firstDeltaMs: 500 },
  'gpt-realtime-whisper': { vad: false, singleDelta: false, usage: 'duration', firstDeltaMs: 150 },
  'gpt-live-transcribe': { vad: false, singleDelta: false, usage: 'duration', firstDeltaMs: 150 },
});

/**
 * Audio lag of streaming deltas per `delay` (gpt-realtime-whisper, §5), ms of audio: a word is
 * emitted once this much audio has arrived after the speech that holds it. Mock choice; default `low`.
 */
export const STREAMING_DELAY_MS: Readonly<Record<NonNullable<AudioTranscription['delay']>, number>> = Object.freeze({
  minimal: 0,
  low: 200,
  medium: 400,
  high: 800,
  xhigh: 1200,
});

/** The profile of `model` (unknown models never get here: the update rejects them). */
export function modelProfile(model: string): TranscriptionModelProfile {
  return TRANSCRIPTION_MODELS[model] ?? TRANSCRIPTION_MODELS[DEFAULT_TRANSCRIPTION_MODEL]!;
}

/** The effective config of a transcription session. */
export interface EffectiveTranscriptionSession {
  type: 'transcription';
  object: 'realtime.transcription_session';
  id: string;
  /** Unix seconds. */
  expires_at: number;
  audio: {
    input: {
      format: WireAudioFormat;
      noise_reduction: NoiseReductionWire;
      transcription: AudioTranscription | null;
      turn_detection: TurnDetectionWire;
    };
  };
  include: 'item.input_audio_transcription.logprobs'[] | null;
}

/** Wire shape: the SDK's transcription session response, with `null` where the mock sends it. */
export type WireTranscriptionSession = Omit<RealtimeTranscriptionSessionCreateResponse, 'audio' | 'include'> & {
  audio: {
    input: {
      format: WireAudioFormat;
      noise_reduction: NoiseReductionWire;
      transcription: AudioTranscription | null;
      turn_detection: Record<string, unknown> | null;
    };
  };
  include: 'item.input_audio_transcription.logprobs'[] | null;
};

/**
 * A fresh session: PCM16 24 kHz, no noise reduction, `gpt-4o-mini-transcribe`, server_vad with the
 * GA defaults (threshold 0.5, prefix 300 ms, silence 500 ms), no `include`.
 */
export function defaultTranscriptionSession(id: string, expiresAtS: number): EffectiveTranscriptionSession {
  return {
    type: 'transcription',
    object: 'realtime.transcription_session',
    id,
    expires_at: expiresAtS,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        noise_reduction: null,
        transcription: { model: DEFAULT_TRANSCRIPTION_MODEL },
        turn_detection: { ...DEFAULT_SERVER_VAD },
      },
    },
    include: null,
  };
}

/**
 * Wire form (a deep copy). `create_response`/`interrupt_response` are left out of turn detection:
 * transcription sessions ignore them (§5) and the SDK's transcription turn-detection type lacks them.
 */
export function toWireTranscriptionSession(s: EffectiveTranscriptionSession): WireTranscriptionSession {
  const td = s.audio.input.turn_detection;
  let turnDetection: Record<string, unknown> | null = null;
  if (td?.type === 'server_vad') {
    turnDetection = { type: td.type, threshold: td.threshold, prefix_padding_ms: td.prefix_padding_ms, silence_duration_ms: td.silence_duration_ms };
    if (td.idle_timeout_ms !== null) turnDetection['idle_timeout_ms'] = td.idle_timeout_ms;
  } else if (td?.type === 'semantic_vad') {
    turnDetection = { type: td.type, eagerness: td.eagerness };
  }
  return {
    type: 'transcription',
    object: s.object,
    id: s.id,
    expires_at: s.expires_at,
    audio: {
      input: {
        format: { ...s.audio.input.format },
        noise_reduction: s.audio.input.noise_reduction ? { ...s.audio.input.noise_reduction } : null,
        transcription: s.audio.input.transcription ? structuredClone(s.audio.input.transcription) : null,
        turn_detection: turnDetection,
      },
    },
    include: s.include ? [...s.include] : null,
  };
}

/** A realtime-type update on a transcription session (mirror of §4.2's reported `invalid_parameter`). */
export function realtimeUpdateOnTranscription(): MockErrorSpec {
  return { code: 'invalid_parameter', message: 'Passing a realtime session update event to a transcription session is not allowed.', param: 'session.type' };
}

/**
 * Validates `raw` (the event's `session`, at param path `session`) and returns the merged config.
 * `session.type` is required and must be `transcription`; only `audio.input.*` and `include` may be
 * set. A model without VAD (`gpt-realtime-whisper`, `gpt-live-transcribe`) needs `turn_detection`
 * null: omitted, it is switched off; given non-null, the update is rejected (§3.10).
 * Throws `ValidationFailure` (realtime/validate.ts) on the first problem.
 */
export function applyTranscriptionUpdate(raw: unknown, current: EffectiveTranscriptionSession): EffectiveTranscriptionSession {
  const path = 'session';
  if (raw === undefined) fail({ code: 'missing_required_parameter', message: "Missing required parameter: 'session'.", param: path });
  const o = asObject(raw, path);
  const type = required(o, 'type', path);
  if (type === 'realtime') fail(realtimeUpdateOnTranscription());
  asEnum(type, at(path, 'type'), ['realtime', 'transcription'] as const);
  onlyKeys(o, path, ['type', 'audio', 'include']);
  const next = structuredClone(current);
  let turnDetectionGiven = false;
  if (o['audio'] !== undefined) {
    const ap = at(path, 'audio');
    const audio = asObject(o['audio'], ap);
    onlyKeys(audio, ap, ['input']);
    if (audio['input'] !== undefined) {
      const ip = at(ap, 'input');
      const input = asObject(audio['input'], ip);
      onlyKeys(input, ip, ['format', 'noise_reduction', 'transcription', 'turn_detection']);
      const it = next.audio.input;
      if (input['format'] !== undefined) it.format = parseFormat(input['format'], at(ip, 'format'));
      if (input['noise_reduction'] !== undefined) it.noise_reduction = parseNoiseReduction(input['noise_reduction'], at(ip, 'noise_reduction'));
      if (input['transcription'] !== undefined) {
        const tp = at(ip, 'transcription');
        const t = parseTranscription(input['transcription'], tp);
        if (t) {
          t.model ??= current.audio.input.transcription?.model ?? DEFAULT_TRANSCRIPTION_MODEL;
          if (!Object.hasOwn(TRANSCRIPTION_MODELS, t.model)) fail(invalidValue(at(tp, 'model'), t.model, Object.keys(TRANSCRIPTION_MODELS)));
        }
        it.transcription = t;
      }
      if (input['turn_detection'] !== undefined) {
        turnDetectionGiven = true;
        it.turn_detection = parseTurnDetection(input['turn_detection'], at(ip, 'turn_detection'), current.audio.input.turn_detection);
      }
    }
  }
  if (o['include'] !== undefined) {
    const p = at(path, 'include');
    next.include = o['include'] === null ? null : asArray(o['include'], p).map((v, i) => asEnum(v, atIndex(p, i), ['item.input_audio_transcription.logprobs'] as const));
  }
  const model = next.audio.input.transcription?.model;
  if (model && !modelProfile(model).vad && next.audio.input.turn_detection !== null) {
    if (turnDetectionGiven) {
      fail(
        invalidValue(
          'session.audio.input.turn_detection',
          next.audio.input.turn_detection,
          undefined,
          `Turn detection is not supported with '${model}': set turn_detection to null and commit the input audio buffer.`,
        ),
      );
    }
    next.audio.input.turn_detection = null;
  }
  return next;
}
