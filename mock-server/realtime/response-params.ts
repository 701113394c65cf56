/**
 * `response.create` parameters (§2.2): validated with dotted `param` paths (`response.…`) and
 * resolved against the session config. Fields not given inherit the session's; `input` replaces
 * the conversation as context (`[]` = no context); `conversation: "none"` makes an out-of-band
 * response that is not added to the conversation (§8.4).
 */
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import type { ReasoningEffort } from '../../common/protocol/types.ts';
import type { IdFactory } from '../contract.ts';
import { invalidValue, stringTooLong, tooManyProperties } from '../errors.ts';
import { isReasoningModel, voiceName, type EffectiveRealtimeSession, type SessionTool, type ToolChoice } from './config.ts';
import type { Conversation } from './conversation.ts';
import { parseClientItem, type ParsedItem } from './items.ts';
import {
  parseFormat,
  parseMaxOutputTokens,
  parseOutputModalities,
  parsePrompt,
  parseReasoning,
  parseToolChoice,
  parseTools,
  parseVoice,
} from './session-update.ts';
import { asArray, asBoolean, asObject, asString, at, atIndex, fail, onlyKeys, required } from './validate.ts';

/** One entry of the response's context: a conversation item by reference, or an inline item. */
export type ResponseInputEntry = { ref: string } | { inline: ParsedItem };

/** A `response.create` resolved against the session. */
export interface ResponseParams {
  /** `auto`: writes to the default conversation; `none`: out of band. */
  conversation: 'auto' | 'none';
  outputModalities: ('audio' | 'text')[];
  instructions: string;
  voice: string | { id: string };
  format: WireAudioFormat;
  tools: SessionTool[];
  toolChoice: ToolChoice;
  maxOutputTokens: number | 'inf';
  metadata: Record<string, string> | null;
  /** Reasoning effort in force, null for non-reasoning models. */
  effort: ReasoningEffort | null;
  parallelToolCalls: boolean;
  /** Explicit context, or null for "the whole conversation". */
  input: ResponseInputEntry[] | null;
}

const RESPONSE_KEYS = [
  'output_modalities',
  'instructions',
  'audio',
  'tools',
  'tool_choice',
  'max_output_tokens',
  'conversation',
  'input',
  'metadata',
  'prompt',
  'reasoning',
  'parallel_tool_calls',
] as const;

function parseMetadata(value: unknown, path: string): Record<string, string> | null {
  if (value === null) return null;
  const o = asObject(value, path);
  const keys = Object.keys(o);
  if (keys.length > 16) fail(tooManyProperties(path, 16, keys.length));
  const out: Record<string, string> = {};
  for (const k of keys) {
    if (k.length > 64) fail(stringTooLong(at(path, k), 64, k.length));
    out[k] = asString(o[k], at(path, k), 512);
  }
  return out;
}

/**
 * Validates `raw` (the event's `response`, may be undefined) and resolves it. Throws ValidationFailure.
 * @param conversation the default conversation (item references and call ids are checked against it).
 */
export function parseResponseCreate(raw: unknown, session: EffectiveRealtimeSession, conversation: Conversation, ids: IdFactory): ResponseParams {
  const path = 'response';
  const o = raw === undefined || raw === null ? {} : asObject(raw, path);
  onlyKeys(o, path, RESPONSE_KEYS);
  const params: ResponseParams = {
    conversation: 'auto',
    outputModalities: [...session.output_modalities],
    instructions: session.instructions,
    voice: session.audio.output.voice,
    format: session.audio.output.format,
    tools: session.tools,
    toolChoice: session.tool_choice,
    maxOutputTokens: session.max_output_tokens,
    metadata: null,
    effort: isReasoningModel(session.model) ? (session.reasoning?.effort ?? 'low') : null,
    parallelToolCalls: session.parallel_tool_calls ?? false,
    input: null,
  };
  if (o['conversation'] !== undefined) {
    const c = asString(o['conversation'], at(path, 'conversation'));
    // A conversation id other than the default one is not supported by the GA API (only auto/none).
    if (c !== 'auto' && c !== 'none' && c !== conversation.id) fail(invalidValue(at(path, 'conversation'), c, ['auto', 'none']));
    params.conversation = c === 'none' ? 'none' : 'auto';
  }
  if (o['output_modalities'] !== undefined) params.outputModalities = parseOutputModalities(o['output_modalities'], at(path, 'output_modalities'));
  if (o['instructions'] !== undefined) params.instructions = asString(o['instructions'], at(path, 'instructions'));
  if (o['audio'] !== undefined) {
    const ap = at(path, 'audio');
    const audio = asObject(o['audio'], ap);
    onlyKeys(audio, ap, ['output']);
    if (audio['output'] !== undefined) {
      const op = at(ap, 'output');
      const out = asObject(audio['output'], op);
      onlyKeys(out, op, ['format', 'voice']);
      if (out['format'] !== undefined) params.format = parseFormat(out['format'], at(op, 'format'));
      if (out['voice'] !== undefined) params.voice = parseVoice(out['voice'], at(op, 'voice'));
    }
  }
  if (o['tools'] !== undefined) params.tools = parseTools(o['tools'], at(path, 'tools'));
  if (o['tool_choice'] !== undefined) params.toolChoice = parseToolChoice(o['tool_choice'], at(path, 'tool_choice'));
  if (o['max_output_tokens'] !== undefined) params.maxOutputTokens = parseMaxOutputTokens(o['max_output_tokens'], at(path, 'max_output_tokens'));
  if (o['metadata'] !== undefined) params.metadata = parseMetadata(o['metadata'], at(path, 'metadata'));
  if (o['prompt'] !== undefined) parsePrompt(o['prompt'], at(path, 'prompt'));
  if (o['reasoning'] !== undefined) {
    const r = parseReasoning(o['reasoning'], at(path, 'reasoning'), session.model);
    if (r) params.effort = r.effort;
  }
  if (o['parallel_tool_calls'] !== undefined) params.parallelToolCalls = asBoolean(o['parallel_tool_calls'], at(path, 'parallel_tool_calls'));
  if (o['input'] !== undefined) {
    const ip = at(path, 'input');
    const knownCallIds = new Set<string>();
    for (const id of conversation.ids()) {
      const item = conversation.get(id)!.item;
      if (item.type === 'function_call' && item.call_id) knownCallIds.add(item.call_id);
    }
    params.input = asArray(o['input'], ip).map((entry, i): ResponseInputEntry => {
      const p = atIndex(ip, i);
      const e = asObject(entry, p);
      if (e['type'] === 'item_reference') {
        onlyKeys(e, p, ['type', 'id']);
        const id = asString(required(e, 'id', p), at(p, 'id'));
        if (!conversation.has(id)) fail(invalidValue(at(p, 'id'), id, undefined, 'No item with this id exists in the conversation.'));
        return { ref: id };
      }
      const parsed = parseClientItem(e, p, { ids, inputFormat: session.audio.input.format, knownCallIds });
      if (parsed.item.type === 'function_call' && parsed.item.call_id) knownCallIds.add(parsed.item.call_id);
      return { inline: parsed };
    });
  }
  return params;
}

/** The voice name to synthesize with. */
export function paramsVoiceName(p: ResponseParams): string {
  return voiceName(p.voice);
}
