/**
 * The one module that builds every outbound client event (README, Architecture). Each builder
 * returns a plain object checked with `satisfies` against the official `openai` client event type,
 * carrying a client `event_id` of the form `rth_<kind>_<n>` so an `error` event's `error.event_id`
 * can be traced back to what the harness sent (§4.1). Serialize with {@link serializeClientEvent}.
 *
 * Audio append frames of corpus clips are prebuilt by the corpus (shared across sessions); this
 * module builds only ad-hoc ones (silence, tests).
 */
import type {
  ConversationItemCreateEvent,
  ConversationItemDeleteEvent,
  ConversationItemRetrieveEvent,
  ConversationItemTruncateEvent,
  InputAudioBufferAppendEvent,
  InputAudioBufferClearEvent,
  InputAudioBufferCommitEvent,
  RealtimeAudioInputTurnDetection,
  RealtimeConversationItemAssistantMessage,
  RealtimeConversationItemFunctionCallOutput,
  RealtimeConversationItemUserMessage,
  RealtimeFunctionTool,
  RealtimeSessionCreateRequest,
  RealtimeTranscriptionSessionCreateRequest,
  RealtimeTranslationInputAudioBufferAppendEvent,
  RealtimeTranslationSessionCloseEvent,
  RealtimeTranslationSessionUpdateEvent,
  ResponseCancelEvent,
  ResponseCreateEvent,
  SessionUpdateEvent,
} from 'openai/resources/realtime/realtime';
import type { ScriptedTool, SessionPlan, SilenceFrame, WireAudioFormat } from '../contract.ts';

/** A client event with its client `event_id` always set. */
export type WithEventId<T> = T & { event_id: string };

/** Default output language of translation sessions when the plan names none. */
export const DEFAULT_TRANSLATION_OUTPUT_LANGUAGE = 'es';

/** Serializes a client event for the socket (one JSON text frame). */
export function serializeClientEvent(event: object): string {
  return JSON.stringify(event);
}

/**
 * Builds client events for one session. Event ids are `rth_<kind>_<n>` with one counter per
 * builder (so per session), starting at 1; they are unique within the session.
 */
export class ClientEventBuilder {
  private seq = 0;

  /** The id the next built event will get for `kind` (tests and correlation). */
  private nextId(kind: string): string {
    this.seq += 1;
    return `rth_${kind}_${this.seq}`;
  }

  /**
   * `session.update` for a plan: realtime (model-specific `reasoning.effort` when set, voice,
   * formats, turn detection — `null` for manual — tools, instructions, output modalities),
   * transcription (`session.type:"transcription"`, transcription model = `plan.model`), or
   * translation (only `audio.output.language`; type/model are immutable there, §2.5/§8.3).
   */
  sessionUpdate(plan: SessionPlan): WithEventId<SessionUpdateEvent> | WithEventId<RealtimeTranslationSessionUpdateEvent> {
    if (plan.kind === 'translation') {
      return {
        type: 'session.update',
        event_id: this.nextId('session_update'),
        session: { audio: { output: { language: plan.translationOutputLanguage ?? DEFAULT_TRANSLATION_OUTPUT_LANGUAGE } } },
      } satisfies RealtimeTranslationSessionUpdateEvent;
    }
    const turnDetection = turnDetectionOf(plan);
    if (plan.kind === 'transcription') {
      const session = {
        type: 'transcription',
        audio: { input: { format: wireFormat(plan.format), transcription: { model: plan.model }, turn_detection: turnDetection } },
      } satisfies RealtimeTranscriptionSessionCreateRequest;
      return { type: 'session.update', event_id: this.nextId('session_update'), session } satisfies SessionUpdateEvent;
    }
    const session: RealtimeSessionCreateRequest = {
      type: 'realtime',
      output_modalities: [...plan.outputModalities],
      audio: {
        input: { format: wireFormat(plan.format), turn_detection: turnDetection },
        output: { format: wireFormat(plan.format), voice: plan.voice },
      },
    };
    if (plan.instructions !== null) session.instructions = plan.instructions;
    if (plan.effort !== null) session.reasoning = { effort: plan.effort };
    if (plan.tools.length > 0) session.tools = plan.tools.map(functionTool);
    return { type: 'session.update', event_id: this.nextId('session_update'), session } satisfies SessionUpdateEvent;
  }

  /** `input_audio_buffer.append` with base64 audio (ad-hoc; corpus frames are prebuilt). */
  append(audioBase64: string): WithEventId<InputAudioBufferAppendEvent> {
    return { type: 'input_audio_buffer.append', event_id: this.nextId('append'), audio: audioBase64 } satisfies InputAudioBufferAppendEvent;
  }

  /** Translation sessions' `session.input_audio_buffer.append` (§2.5). */
  translationAppend(audioBase64: string): WithEventId<RealtimeTranslationInputAudioBufferAppendEvent> {
    return {
      type: 'session.input_audio_buffer.append',
      event_id: this.nextId('append'),
      audio: audioBase64,
    } satisfies RealtimeTranslationInputAudioBufferAppendEvent;
  }

  /** `input_audio_buffer.commit` (manual turns). */
  commit(): WithEventId<InputAudioBufferCommitEvent> {
    return { type: 'input_audio_buffer.commit', event_id: this.nextId('commit') } satisfies InputAudioBufferCommitEvent;
  }

  /** `input_audio_buffer.clear`. */
  clear(): WithEventId<InputAudioBufferClearEvent> {
    return { type: 'input_audio_buffer.clear', event_id: this.nextId('clear') } satisfies InputAudioBufferClearEvent;
  }

  /** `response.create` with no overrides (the session's configuration applies). */
  responseCreate(): WithEventId<ResponseCreateEvent> {
    return { type: 'response.create', event_id: this.nextId('response_create') } satisfies ResponseCreateEvent;
  }

  /** `response.cancel`, of one response when `responseId` is given, else of the active one. */
  responseCancel(responseId?: string): WithEventId<ResponseCancelEvent> {
    const event: WithEventId<ResponseCancelEvent> = { type: 'response.cancel', event_id: this.nextId('response_cancel') };
    if (responseId !== undefined) event.response_id = responseId;
    return event;
  }

  /** `conversation.item.create` of a `function_call_output` answering `callId` (output = JSON of `result`). */
  functionCallOutput(callId: string, result: unknown): WithEventId<ConversationItemCreateEvent> {
    const item = {
      type: 'function_call_output',
      call_id: callId,
      output: JSON.stringify(result ?? null),
    } satisfies RealtimeConversationItemFunctionCallOutput;
    return { type: 'conversation.item.create', event_id: this.nextId('item_create'), item } satisfies ConversationItemCreateEvent;
  }

  /** `conversation.item.create` of a user text message (re-seeding history after a reconnect). */
  userMessage(text: string): WithEventId<ConversationItemCreateEvent> {
    const item = {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text }],
    } satisfies RealtimeConversationItemUserMessage;
    return { type: 'conversation.item.create', event_id: this.nextId('item_create'), item } satisfies ConversationItemCreateEvent;
  }

  /**
   * `conversation.item.create` of an assistant text message (re-seeding history). Clients cannot
   * create assistant audio (§2.2), so earlier spoken answers come back as `output_text`.
   */
  assistantMessage(text: string): WithEventId<ConversationItemCreateEvent> {
    const item = {
      type: 'message',
      role: 'assistant',
      content: [{ type: 'output_text', text }],
    } satisfies RealtimeConversationItemAssistantMessage;
    return { type: 'conversation.item.create', event_id: this.nextId('item_create'), item } satisfies ConversationItemCreateEvent;
  }

  /** `conversation.item.truncate` of an assistant audio item at `audioEndMs` (content index 0, §3.8). */
  truncate(itemId: string, audioEndMs: number): WithEventId<ConversationItemTruncateEvent> {
    return {
      type: 'conversation.item.truncate',
      event_id: this.nextId('truncate'),
      item_id: itemId,
      content_index: 0,
      audio_end_ms: Math.max(0, Math.floor(audioEndMs)),
    } satisfies ConversationItemTruncateEvent;
  }

  /** `conversation.item.delete`. */
  deleteItem(itemId: string): WithEventId<ConversationItemDeleteEvent> {
    return { type: 'conversation.item.delete', event_id: this.nextId('item_delete'), item_id: itemId } satisfies ConversationItemDeleteEvent;
  }

  /** `conversation.item.retrieve`. */
  retrieveItem(itemId: string): WithEventId<ConversationItemRetrieveEvent> {
    return {
      type: 'conversation.item.retrieve',
      event_id: this.nextId('item_retrieve'),
      item_id: itemId,
    } satisfies ConversationItemRetrieveEvent;
  }

  /** Translation sessions' `session.close` (flush, then `session.closed`, §3.11). */
  sessionClose(): WithEventId<RealtimeTranslationSessionCloseEvent> {
    return { type: 'session.close', event_id: this.nextId('session_close') } satisfies RealtimeTranslationSessionCloseEvent;
  }
}

/** The wire `turn_detection` of a plan: null for manual turns, else the plan's options with its type. */
export function turnDetectionOf(plan: Pick<SessionPlan, 'turnMode' | 'turnDetection'>): RealtimeAudioInputTurnDetection | null {
  if (plan.turnMode === 'manual') return null;
  // Options are passed through unvalidated: the scenario resolver validated them, and a target
  // rejecting one is the target's answer to record.
  return { ...(plan.turnDetection ?? {}), type: plan.turnMode } as RealtimeAudioInputTurnDetection;
}

function wireFormat(format: WireAudioFormat): WireAudioFormat {
  return format.type === 'audio/pcm' ? { type: 'audio/pcm', rate: 24000 } : { type: format.type };
}

function functionTool(tool: ScriptedTool): RealtimeFunctionTool {
  return { type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters };
}

/** Bytes per millisecond of a wire format (§8.2): PCM16 24 kHz = 48, G.711 8 kHz = 8. */
export function bytesPerMs(format: WireAudioFormat): number {
  return format.type === 'audio/pcm' ? 48 : 8;
}

/**
 * A prebuilt append frame of digital silence for a format and chunk size: PCM zeros, μ-law 0xFF,
 * A-law 0xD5 (the codes of a zero sample). `translation` builds the translation-session event.
 * Ids are omitted so one frame can be shared by every session.
 */
export function buildSilenceFrame(format: WireAudioFormat, chunkMs: number, translation = false): SilenceFrame {
  const bytes = Buffer.alloc(Math.round(bytesPerMs(format) * chunkMs), format.type === 'audio/pcmu' ? 0xff : format.type === 'audio/pcma' ? 0xd5 : 0);
  const type = translation ? 'session.input_audio_buffer.append' : 'input_audio_buffer.append';
  return { frame: JSON.stringify({ type, audio: bytes.toString('base64') }), chunkMs };
}

const translationFrameCache = new WeakMap<readonly string[], readonly string[]>();

/**
 * The corpus' prebuilt `input_audio_buffer.append` frames rewritten once as translation-session
 * `session.input_audio_buffer.append` frames (§2.5), cached per frame array so sessions share them.
 */
export function translationFramesOf(frames: readonly string[]): readonly string[] {
  let out = translationFrameCache.get(frames);
  if (!out) {
    out = frames.map((f) => f.replace('"input_audio_buffer.append"', '"session.input_audio_buffer.append"'));
    translationFrameCache.set(frames, out);
  }
  return out;
}
