/**
 * Server event names the rules need to tell apart: GA realtime (S1 `RealtimeServerEvent`), GA
 * translation (S1 `RealtimeTranslationServerEvent`), beta-era names (§2.1), and which belong to
 * which session kind (§2.4, §2.5). Kept here rather than imported from the parser so the checker
 * stands alone and judges names itself.
 */
import type { SessionKind } from './types.ts';

/** GA realtime server event types (S1), `conversation.item.created` included (still in the union). */
export const REALTIME_SERVER_TYPES: ReadonlySet<string> = new Set([
  'error',
  'session.created',
  'session.updated',
  'conversation.created',
  'conversation.item.created',
  'conversation.item.added',
  'conversation.item.done',
  'conversation.item.retrieved',
  'conversation.item.truncated',
  'conversation.item.deleted',
  'conversation.item.input_audio_transcription.delta',
  'conversation.item.input_audio_transcription.completed',
  'conversation.item.input_audio_transcription.failed',
  'conversation.item.input_audio_transcription.segment',
  'input_audio_buffer.committed',
  'input_audio_buffer.cleared',
  'input_audio_buffer.speech_started',
  'input_audio_buffer.speech_stopped',
  'input_audio_buffer.timeout_triggered',
  'input_audio_buffer.dtmf_event_received',
  'output_audio_buffer.started',
  'output_audio_buffer.stopped',
  'output_audio_buffer.cleared',
  'rate_limits.updated',
  'response.created',
  'response.done',
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.output_audio.delta',
  'response.output_audio.done',
  'response.output_audio_transcript.delta',
  'response.output_audio_transcript.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
  'response.mcp_call.in_progress',
  'response.mcp_call.completed',
  'response.mcp_call.failed',
  'mcp_list_tools.in_progress',
  'mcp_list_tools.completed',
  'mcp_list_tools.failed',
]);

/** GA translation server event types (S1, §2.5). */
export const TRANSLATION_SERVER_TYPES: ReadonlySet<string> = new Set([
  'error',
  'session.created',
  'session.updated',
  'session.input_transcript.delta',
  'session.output_transcript.delta',
  'session.output_audio.delta',
  'session.closed',
]);

/** Beta-era server names (§2.1) → the GA name that replaced them. */
export const BETA_SERVER_NAMES: ReadonlyMap<string, string> = new Map([
  ['response.text.delta', 'response.output_text.delta'],
  ['response.text.done', 'response.output_text.done'],
  ['response.audio.delta', 'response.output_audio.delta'],
  ['response.audio.done', 'response.output_audio.done'],
  ['response.audio_transcript.delta', 'response.output_audio_transcript.delta'],
  ['response.audio_transcript.done', 'response.output_audio_transcript.done'],
  ['conversation.item.created', 'conversation.item.added + conversation.item.done'],
  ['transcription_session.created', 'session.created'],
  ['transcription_session.updated', 'session.updated'],
]);

/** Whether `type` is a server event name of any kind the checker knows (GA or beta). */
export function isKnownName(type: string): boolean {
  return REALTIME_SERVER_TYPES.has(type) || TRANSLATION_SERVER_TYPES.has(type) || BETA_SERVER_NAMES.has(type);
}

/**
 * Why `type` (a known GA name) does not belong on a `kind` session, or null when it does.
 * Transcription sessions carry no responses and no output audio (§2.4); translation sessions carry
 * only the translation union (§2.5); realtime sessions never carry translation-only events.
 */
export function kindMismatch(type: string, kind: SessionKind): string | null {
  const realtime = REALTIME_SERVER_TYPES.has(type);
  const translation = TRANSLATION_SERVER_TYPES.has(type);
  if (!realtime && !translation) return null;
  if (kind === 'translation') return translation ? null : `${type} is not a translation-session event (§2.5)`;
  if (!realtime) return `${type} is a translation-only event (§2.5)`;
  if (kind === 'transcription' && (type.startsWith('response.') || type.startsWith('output_audio_buffer.') || type === 'rate_limits.updated')) {
    return `${type} on a transcription session, which has no responses (§2.4)`;
  }
  return null;
}
