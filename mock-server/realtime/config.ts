/**
 * The effective configuration of a realtime session (§5) and its GA defaults, as `session.created`
 * and `session.updated` show it. The wire type is the SDK's `RealtimeSessionCreateResponse`, with
 * the fields the real service sends as `null` (transcription, noise reduction, include, tracing)
 * widened to allow it; the SDK declares them optional instead.
 */
import type { RealtimeSessionCreateResponse } from 'openai/resources/realtime/client-secrets';
import type { AudioTranscription, RealtimeFunctionTool, RealtimeToolsConfigUnion, RealtimeTruncation } from 'openai/resources/realtime/realtime';
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import { isReasoningModel } from '../../common/protocol/models.ts';
import type { ReasoningEffort } from '../../common/protocol/types.ts';

/** `server_vad` with every field present (§5 defaults). */
export interface ServerVadConfig {
  type: 'server_vad';
  threshold: number;
  prefix_padding_ms: number;
  silence_duration_ms: number;
  idle_timeout_ms: number | null;
  create_response: boolean;
  interrupt_response: boolean;
}

/** `semantic_vad` with every field present. */
export interface SemanticVadConfig {
  type: 'semantic_vad';
  eagerness: 'low' | 'medium' | 'high' | 'auto';
  create_response: boolean;
  interrupt_response: boolean;
}

/** Turn detection, or null for manual commit. */
export type TurnDetectionWire = ServerVadConfig | SemanticVadConfig | null;

/** `tool_choice` as accepted by the session and `response.create`. */
export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string } | { type: 'mcp'; server_label: string; name?: string };

/** Noise reduction config, or null (off). */
export type NoiseReductionWire = { type: 'near_field' | 'far_field'; strength?: number } | null;

/** Tracing config, or null (off). */
export type TracingWire = 'auto' | { workflow_name?: string; group_id?: string; metadata?: unknown } | null;

/** A tool as stored: a function tool or an MCP tool (passed through, not executed by the mock). */
export type SessionTool = RealtimeFunctionTool | RealtimeToolsConfigUnion.Mcp;

/** The full effective config of a realtime session. */
export interface EffectiveRealtimeSession {
  type: 'realtime';
  object: 'realtime.session';
  id: string;
  model: string;
  output_modalities: ('audio' | 'text')[];
  instructions: string;
  audio: {
    input: {
      format: WireAudioFormat;
      transcription: AudioTranscription | null;
      noise_reduction: NoiseReductionWire;
      turn_detection: TurnDetectionWire;
    };
    output: {
      format: WireAudioFormat;
      voice: string | { id: string };
      speed: number;
    };
  };
  include: 'item.input_audio_transcription.logprobs'[] | null;
  tools: SessionTool[];
  tool_choice: ToolChoice;
  max_output_tokens: number | 'inf';
  tracing: TracingWire;
  truncation: RealtimeTruncation;
  prompt: { id: string; version?: string | null; variables?: Record<string, unknown> | null } | null;
  /** Unix seconds. */
  expires_at: number;
  /** Reasoning models only (§3.9). */
  reasoning?: { effort: ReasoningEffort };
  /** Reasoning models only (§3.9); absent until set. */
  parallel_tool_calls?: boolean;
}

/**
 * The wire shape of a realtime session object: the SDK's response type with `null` allowed where the
 * real service sends it (`transcription`, `noise_reduction`, `include`) and `voice` widened to the
 * custom-voice object form.
 */
export type WireRealtimeSession = Omit<RealtimeSessionCreateResponse, 'audio' | 'include' | 'parallel_tool_calls'> & {
  audio: {
    input: Omit<NonNullable<NonNullable<RealtimeSessionCreateResponse['audio']>['input']>, 'transcription' | 'noise_reduction'> & {
      transcription: AudioTranscription | null;
      noise_reduction: NoiseReductionWire;
    };
    output: Omit<NonNullable<NonNullable<RealtimeSessionCreateResponse['audio']>['output']>, 'voice'> & { voice: string | { id: string } };
  };
  include: 'item.input_audio_transcription.logprobs'[] | null;
  /** In the session request type but not the response type of the SDK; sent once set (reasoning models). */
  parallel_tool_calls?: boolean;
};

/** Model used when a client secret request names none. */
export const DEFAULT_MODEL = 'gpt-realtime';

/**
 * The default `instructions` (§5: the server supplies a default visible in `session.created`; the
 * real text was not captured in GA, so this is the mock's own).
 */
export const DEFAULT_INSTRUCTIONS =
  'You are a helpful, friendly voice assistant. Speak naturally and keep your answers short. If a tool can answer a question, call it. This is a mock server: answers are placeholders.';

/** GA `server_vad` defaults (§5: threshold 0.5, prefix 300 ms, silence 500 ms, no idle timeout). */
export const DEFAULT_SERVER_VAD: ServerVadConfig = Object.freeze({
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  idle_timeout_ms: null,
  create_response: true,
  interrupt_response: true,
}) as ServerVadConfig;

/** Default reasoning effort of reasoning models (§3.9: docs say "start with low"). */
export const DEFAULT_REASONING_EFFORT: ReasoningEffort = 'low';

/**
 * Whether `model` is a reasoning model (`gpt-realtime-2`, `gpt-realtime-2.1`, `gpt-realtime-2.1-mini`,
 * dated snapshots and later releases of that line; see common/protocol/models.ts). The mock accepts
 * any model name in `?model=`; the name decides only whether `reasoning` is supported and which
 * latency section of the profile applies (`latencyForModel`).
 */
export { isReasoningModel };

/** The defaults of a fresh realtime session (§5). `expiresAtS` is unix seconds. */
export function defaultRealtimeSession(id: string, model: string, expiresAtS: number): EffectiveRealtimeSession {
  const session: EffectiveRealtimeSession = {
    type: 'realtime',
    object: 'realtime.session',
    id,
    model,
    output_modalities: ['audio'],
    instructions: DEFAULT_INSTRUCTIONS,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: { ...DEFAULT_SERVER_VAD },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
    },
    include: null,
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    expires_at: expiresAtS,
  };
  if (isReasoningModel(model)) session.reasoning = { effort: DEFAULT_REASONING_EFFORT };
  return session;
}

/** A deep copy in wire shape (the stored config is never handed out, so later updates cannot alias it). */
export function toWireSession(s: EffectiveRealtimeSession): WireRealtimeSession {
  const wire: WireRealtimeSession = {
    type: 'realtime',
    object: 'realtime.session',
    id: s.id,
    model: s.model,
    output_modalities: [...s.output_modalities],
    instructions: s.instructions,
    audio: {
      input: {
        format: { ...s.audio.input.format },
        transcription: s.audio.input.transcription ? structuredClone(s.audio.input.transcription) : null,
        noise_reduction: s.audio.input.noise_reduction ? { ...s.audio.input.noise_reduction } : null,
        turn_detection: s.audio.input.turn_detection ? { ...s.audio.input.turn_detection } : null,
      },
      output: {
        format: { ...s.audio.output.format },
        voice: typeof s.audio.output.voice === 'string' ? s.audio.output.voice : { ...s.audio.output.voice },
        speed: s.audio.output.speed,
      },
    },
    include: s.include ? [...s.include] : null,
    tools: structuredClone(s.tools) as WireRealtimeSession['tools'],
    tool_choice: typeof s.tool_choice === 'string' ? s.tool_choice : { ...s.tool_choice },
    max_output_tokens: s.max_output_tokens,
    tracing: s.tracing === null || s.tracing === 'auto' ? s.tracing : structuredClone(s.tracing),
    truncation: typeof s.truncation === 'string' ? s.truncation : structuredClone(s.truncation),
    prompt: s.prompt ? (structuredClone(s.prompt) as WireRealtimeSession['prompt']) : null,
    expires_at: s.expires_at,
  };
  if (s.reasoning) wire.reasoning = { ...s.reasoning };
  if (s.parallel_tool_calls !== undefined) wire.parallel_tool_calls = s.parallel_tool_calls;
  return wire;
}

/** The voice name used for synthesis (custom voices `{id}` use their id). */
export function voiceName(voice: string | { id: string }): string {
  return typeof voice === 'string' ? voice : voice.id;
}
