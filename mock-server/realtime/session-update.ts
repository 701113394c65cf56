/**
 * `session.update` for realtime sessions (§2.2, §5): validates every field with dotted `param`
 * paths, then merges partially into the effective config. Validation is all-or-nothing: a rejected
 * update changes nothing. The field parsers are shared with `response.create` and client secrets.
 */
import type { AudioTranscription } from 'openai/resources/realtime/realtime';
import { parseWireAudioFormat } from '../../common/audio/formats.ts';
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import { REASONING_EFFORTS } from '../../common/protocol/types.ts';
import {
  cannotUpdateVoice,
  invalidValue,
  modelImmutable,
  tracingImmutable,
  transcriptionUpdateOnRealtime,
  unsupportedParameter,
} from '../errors.ts';
import {
  DEFAULT_SERVER_VAD,
  isReasoningModel,
  type EffectiveRealtimeSession,
  type NoiseReductionWire,
  type SessionTool,
  type ToolChoice,
  type TracingWire,
  type TurnDetectionWire,
} from './config.ts';
import { asArray, asBoolean, asEnum, asNumber, asObject, asString, asStringArray, at, atIndex, fail, onlyKeys, required } from './validate.ts';

/** Built-in voices (§5); custom voices use `{id: "voice_…"}`. */
export const VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

const SESSION_KEYS = [
  'type',
  'model',
  'output_modalities',
  'instructions',
  'audio',
  'include',
  'tools',
  'tool_choice',
  'max_output_tokens',
  'tracing',
  'truncation',
  'prompt',
  'reasoning',
  'parallel_tool_calls',
] as const;

/** An audio format at `path`. */
export function parseFormat(value: unknown, path: string): WireAudioFormat {
  const parsed = parseWireAudioFormat(value, path);
  if (!parsed.ok) fail({ code: parsed.code, message: parsed.message, param: parsed.param });
  return parsed.format;
}

/** `output_modalities`: exactly `["audio"]` or `["text"]` (§5: both at once are not allowed). */
export function parseOutputModalities(value: unknown, path: string): ('audio' | 'text')[] {
  const arr = asArray(value, path);
  const items = arr.map((v, i) => asEnum(v, atIndex(path, i), ['audio', 'text'] as const));
  if (items.length !== 1) fail(invalidValue(path, arr, undefined, "Supported values are: ['audio'] and ['text']."));
  return items;
}

/** A voice: a built-in name or `{id}`. */
export function parseVoice(value: unknown, path: string): string | { id: string } {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const o = asObject(value, path);
    onlyKeys(o, path, ['id']);
    return { id: asString(required(o, 'id', path), at(path, 'id')) };
  }
  return asEnum(value, path, VOICES);
}

/** `max_output_tokens`: 1–4096 or `"inf"`. */
export function parseMaxOutputTokens(value: unknown, path: string): number | 'inf' {
  if (value === 'inf') return 'inf';
  if (typeof value === 'string') fail(invalidValue(path, value, ['inf']));
  return asNumber(value, path, { min: 1, max: 4096, integer: true });
}

/** `tools`: function tools (validated) and MCP tools (shape-checked, passed through; the mock does not run MCP). */
export function parseTools(value: unknown, path: string): SessionTool[] {
  return asArray(value, path).map((raw, i) => {
    const p = atIndex(path, i);
    const o = asObject(raw, p);
    const type = o['type'] === undefined ? 'function' : asEnum(o['type'], at(p, 'type'), ['function', 'mcp'] as const);
    if (type === 'mcp') {
      asString(required(o, 'server_label', p), at(p, 'server_label'));
      return structuredClone(o) as unknown as SessionTool;
    }
    onlyKeys(o, p, ['type', 'name', 'description', 'parameters']);
    const tool: SessionTool = { type: 'function', name: asString(required(o, 'name', p), at(p, 'name'), 64) };
    if (!/^[a-zA-Z0-9_-]+$/.test(tool.name!)) fail(invalidValue(at(p, 'name'), tool.name, undefined, "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'."));
    if (o['description'] !== undefined) tool.description = asString(o['description'], at(p, 'description'));
    if (o['parameters'] !== undefined) tool.parameters = structuredClone(asObject(o['parameters'], at(p, 'parameters')));
    return tool;
  });
}

/** `tool_choice`: `auto|none|required`, `{type:"function", name}` or `{type:"mcp", server_label, name?}`. */
export function parseToolChoice(value: unknown, path: string): ToolChoice {
  if (typeof value === 'string') return asEnum(value, path, ['auto', 'none', 'required'] as const);
  const o = asObject(value, path);
  const type = asEnum(required(o, 'type', path), at(path, 'type'), ['function', 'mcp'] as const);
  if (type === 'function') {
    onlyKeys(o, path, ['type', 'name']);
    return { type, name: asString(required(o, 'name', path), at(path, 'name')) };
  }
  onlyKeys(o, path, ['type', 'server_label', 'name']);
  const choice: ToolChoice = { type, server_label: asString(required(o, 'server_label', path), at(path, 'server_label')) };
  if (o['name'] !== undefined) choice.name = asString(o['name'], at(path, 'name'));
  return choice;
}

/** `audio.input.transcription`: null or `{model, language, languages, prompt, keywords, delay}`. */
export function parseTranscription(value: unknown, path: string): AudioTranscription | null {
  if (value === null) return null;
  const o = asObject(value, path);
  onlyKeys(o, path, ['model', 'language', 'languages', 'prompt', 'keywords', 'delay']);
  const t: AudioTranscription = {};
  if (o['model'] !== undefined) t.model = asString(o['model'], at(path, 'model'));
  if (o['language'] !== undefined) t.language = asString(o['language'], at(path, 'language'));
  if (o['languages'] !== undefined) t.languages = asStringArray(o['languages'], at(path, 'languages'));
  if (o['prompt'] !== undefined) t.prompt = asString(o['prompt'], at(path, 'prompt'));
  if (o['keywords'] !== undefined) t.keywords = asStringArray(o['keywords'], at(path, 'keywords'));
  if (o['delay'] !== undefined) t.delay = asEnum(o['delay'], at(path, 'delay'), REASONING_EFFORTS);
  return t;
}

/** `audio.input.noise_reduction`: null or `{type: near_field|far_field, strength 0–1}`. */
export function parseNoiseReduction(value: unknown, path: string): NoiseReductionWire {
  if (value === null) return null;
  const o = asObject(value, path);
  onlyKeys(o, path, ['type', 'strength']);
  const nr: NonNullable<NoiseReductionWire> = { type: asEnum(required(o, 'type', path), at(path, 'type'), ['near_field', 'far_field'] as const) };
  if (o['strength'] !== undefined) nr.strength = asNumber(o['strength'], at(path, 'strength'), { min: 0, max: 1 });
  return nr;
}

/**
 * `audio.input.turn_detection`: null, `server_vad` or `semantic_vad`. Fields given for the current
 * type merge onto it; a type change starts from that type's defaults.
 */
export function parseTurnDetection(value: unknown, path: string, current: TurnDetectionWire): TurnDetectionWire {
  if (value === null) return null;
  const o = asObject(value, path);
  const type = asEnum(required(o, 'type', path), at(path, 'type'), ['server_vad', 'semantic_vad'] as const);
  const flags = (target: { create_response: boolean; interrupt_response: boolean }): void => {
    if (o['create_response'] !== undefined) target.create_response = asBoolean(o['create_response'], at(path, 'create_response'));
    if (o['interrupt_response'] !== undefined) target.interrupt_response = asBoolean(o['interrupt_response'], at(path, 'interrupt_response'));
  };
  if (type === 'server_vad') {
    onlyKeys(o, path, ['type', 'threshold', 'prefix_padding_ms', 'silence_duration_ms', 'idle_timeout_ms', 'create_response', 'interrupt_response']);
    const next = current?.type === 'server_vad' ? { ...current } : { ...DEFAULT_SERVER_VAD };
    if (o['threshold'] !== undefined) next.threshold = asNumber(o['threshold'], at(path, 'threshold'), { min: 0, max: 1 });
    if (o['prefix_padding_ms'] !== undefined) next.prefix_padding_ms = asNumber(o['prefix_padding_ms'], at(path, 'prefix_padding_ms'), { min: 0, max: 10_000, integer: true });
    if (o['silence_duration_ms'] !== undefined) next.silence_duration_ms = asNumber(o['silence_duration_ms'], at(path, 'silence_duration_ms'), { min: 0, max: 10_000, integer: true });
    if (o['idle_timeout_ms'] !== undefined) {
      next.idle_timeout_ms = o['idle_timeout_ms'] === null ? null : asNumber(o['idle_timeout_ms'], at(path, 'idle_timeout_ms'), { min: 0, max: 600_000, integer: true });
    }
    flags(next);
    return next;
  }
  onlyKeys(o, path, ['type', 'eagerness', 'create_response', 'interrupt_response']);
  const next = current?.type === 'semantic_vad' ? { ...current } : { type: 'semantic_vad' as const, eagerness: 'auto' as const, create_response: true, interrupt_response: true };
  if (o['eagerness'] !== undefined) next.eagerness = asEnum(o['eagerness'], at(path, 'eagerness'), ['low', 'medium', 'high', 'auto'] as const);
  flags(next);
  return next;
}

function parseTracing(value: unknown, path: string): TracingWire {
  if (value === null || value === 'auto') return value;
  if (typeof value === 'string') fail(invalidValue(path, value, ['auto']));
  const o = asObject(value, path);
  onlyKeys(o, path, ['workflow_name', 'group_id', 'metadata']);
  const t: Exclude<TracingWire, null | 'auto'> = {};
  if (o['workflow_name'] !== undefined) t.workflow_name = asString(o['workflow_name'], at(path, 'workflow_name'));
  if (o['group_id'] !== undefined) t.group_id = asString(o['group_id'], at(path, 'group_id'));
  if (o['metadata'] !== undefined) t.metadata = structuredClone(asObject(o['metadata'], at(path, 'metadata')));
  return t;
}

function parseTruncation(value: unknown, path: string): EffectiveRealtimeSession['truncation'] {
  if (typeof value === 'string') return asEnum(value, path, ['auto', 'disabled'] as const);
  const o = asObject(value, path);
  onlyKeys(o, path, ['type', 'retention_ratio', 'token_limits']);
  asEnum(required(o, 'type', path), at(path, 'type'), ['retention_ratio'] as const);
  const t: EffectiveRealtimeSession['truncation'] = {
    type: 'retention_ratio',
    retention_ratio: asNumber(required(o, 'retention_ratio', path), at(path, 'retention_ratio'), { min: 0, max: 1 }),
  };
  if (o['token_limits'] !== undefined) {
    const tl = asObject(o['token_limits'], at(path, 'token_limits'));
    onlyKeys(tl, at(path, 'token_limits'), ['post_instructions']);
    t.token_limits = {};
    if (tl['post_instructions'] !== undefined) {
      t.token_limits.post_instructions = asNumber(tl['post_instructions'], at(path, 'token_limits.post_instructions'), { min: 0, integer: true });
    }
  }
  return t;
}

/** `prompt`: null or `{id, version?, variables?}`. */
export function parsePrompt(value: unknown, path: string): EffectiveRealtimeSession['prompt'] {
  if (value === null) return null;
  const o = asObject(value, path);
  onlyKeys(o, path, ['id', 'version', 'variables']);
  const p: NonNullable<EffectiveRealtimeSession['prompt']> = { id: asString(required(o, 'id', path), at(path, 'id')) };
  if (o['version'] !== undefined) p.version = o['version'] === null ? null : asString(o['version'], at(path, 'version'));
  if (o['variables'] !== undefined) p.variables = o['variables'] === null ? null : structuredClone(asObject(o['variables'], at(path, 'variables')));
  return p;
}

/** `reasoning`: `{effort}` on reasoning models only. */
export function parseReasoning(value: unknown, path: string, model: string): { effort: (typeof REASONING_EFFORTS)[number] } | undefined {
  if (!isReasoningModel(model)) fail(unsupportedParameter(path, model));
  const o = asObject(value, path);
  onlyKeys(o, path, ['effort']);
  return o['effort'] === undefined ? undefined : { effort: asEnum(o['effort'], at(path, 'effort'), REASONING_EFFORTS) };
}

/** What an update may not change. */
export interface SessionUpdateGuards {
  /** Assistant audio exists in the conversation: the voice is locked (§5). */
  voiceLocked: boolean;
  /** Accept `model` as the initial model (client secrets) instead of requiring it to match. */
  modelSettable?: boolean;
}

/**
 * Validates `raw` (the event's `session`, at param path `session`) and returns the merged config.
 * Throws {@link ValidationFailure} on the first problem.
 */
export function applySessionUpdate(raw: unknown, current: EffectiveRealtimeSession, guards: SessionUpdateGuards): EffectiveRealtimeSession {
  const path = 'session';
  if (raw === undefined) fail({ code: 'missing_required_parameter', message: "Missing required parameter: 'session'.", param: 'session' });
  const o = asObject(raw, path);
  const type = required(o, 'type', path);
  if (type === 'transcription') fail(transcriptionUpdateOnRealtime());
  asEnum(type, at(path, 'type'), ['realtime', 'transcription'] as const);
  onlyKeys(o, path, SESSION_KEYS);

  const next = structuredClone(current);
  if (o['model'] !== undefined) {
    const model = asString(o['model'], at(path, 'model'));
    if (guards.modelSettable) {
      next.model = model;
      if (isReasoningModel(model) && !next.reasoning) next.reasoning = { effort: 'low' };
      if (!isReasoningModel(model)) delete next.reasoning;
    } else if (model !== current.model) fail(modelImmutable(current.model, model));
  }
  if (o['output_modalities'] !== undefined) next.output_modalities = parseOutputModalities(o['output_modalities'], at(path, 'output_modalities'));
  if (o['instructions'] !== undefined) next.instructions = asString(o['instructions'], at(path, 'instructions'));
  if (o['audio'] !== undefined) {
    const ap = at(path, 'audio');
    const audio = asObject(o['audio'], ap);
    onlyKeys(audio, ap, ['input', 'output']);
    if (audio['input'] !== undefined) {
      const ip = at(ap, 'input');
      const input = asObject(audio['input'], ip);
      onlyKeys(input, ip, ['format', 'noise_reduction', 'transcription', 'turn_detection']);
      if (input['format'] !== undefined) next.audio.input.format = parseFormat(input['format'], at(ip, 'format'));
      if (input['noise_reduction'] !== undefined) next.audio.input.noise_reduction = parseNoiseReduction(input['noise_reduction'], at(ip, 'noise_reduction'));
      if (input['transcription'] !== undefined) next.audio.input.transcription = parseTranscription(input['transcription'], at(ip, 'transcription'));
      if (input['turn_detection'] !== undefined) {
        next.audio.input.turn_detection = parseTurnDetection(input['turn_detection'], at(ip, 'turn_detection'), current.audio.input.turn_detection);
      }
    }
    if (audio['output'] !== undefined) {
      const op = at(ap, 'output');
      const output = asObject(audio['output'], op);
      onlyKeys(output, op, ['format', 'voice', 'speed']);
      if (output['format'] !== undefined) next.audio.output.format = parseFormat(output['format'], at(op, 'format'));
      if (output['voice'] !== undefined) {
        const voice = parseVoice(output['voice'], at(op, 'voice'));
        if (guards.voiceLocked && JSON.stringify(voice) !== JSON.stringify(current.audio.output.voice)) fail(cannotUpdateVoice());
        next.audio.output.voice = voice;
      }
      if (output['speed'] !== undefined) next.audio.output.speed = asNumber(output['speed'], at(op, 'speed'), { min: 0.25, max: 1.5 });
    }
  }
  if (o['include'] !== undefined) {
    next.include = o['include'] === null ? null : asArray(o['include'], at(path, 'include')).map((v, i) => asEnum(v, atIndex(at(path, 'include'), i), ['item.input_audio_transcription.logprobs'] as const));
  }
  if (o['tools'] !== undefined) next.tools = parseTools(o['tools'], at(path, 'tools'));
  if (o['tool_choice'] !== undefined) next.tool_choice = parseToolChoice(o['tool_choice'], at(path, 'tool_choice'));
  if (o['max_output_tokens'] !== undefined) next.max_output_tokens = parseMaxOutputTokens(o['max_output_tokens'], at(path, 'max_output_tokens'));
  if (o['tracing'] !== undefined) {
    const tracing = parseTracing(o['tracing'], at(path, 'tracing'));
    if (current.tracing !== null && JSON.stringify(tracing) !== JSON.stringify(current.tracing)) fail(tracingImmutable());
    next.tracing = tracing;
  }
  if (o['truncation'] !== undefined) next.truncation = parseTruncation(o['truncation'], at(path, 'truncation'));
  if (o['prompt'] !== undefined) next.prompt = parsePrompt(o['prompt'], at(path, 'prompt'));
  if (o['reasoning'] !== undefined) {
    const reasoning = parseReasoning(o['reasoning'], at(path, 'reasoning'), next.model);
    if (reasoning) next.reasoning = reasoning;
  }
  if (o['parallel_tool_calls'] !== undefined) {
    if (!isReasoningModel(next.model)) fail(unsupportedParameter(at(path, 'parallel_tool_calls'), next.model));
    next.parallel_tool_calls = asBoolean(o['parallel_tool_calls'], at(path, 'parallel_tool_calls'));
  }
  return next;
}
