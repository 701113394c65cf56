/**
 * Wire types of the GA Realtime protocol, taken from the official `openai` package so the compiler
 * checks that what the mock emits and what the harness builds have the shapes the official SDK
 * expects. Type-only: nothing from `openai` is loaded at run time.
 * Source of truth: `openai/resources/realtime/realtime` (see docs/realtime-protocol.md, S1).
 */
export type {
  RealtimeClientEvent,
  RealtimeServerEvent,
  RealtimeErrorEvent,
  RealtimeError,
  RealtimeResponse,
  RealtimeResponseUsage,
  RealtimeResponseStatus,
  RealtimeSession,
  RealtimeSessionCreateRequest,
  RealtimeAudioFormats,
  ConversationItem,
  SessionUpdateEvent,
  InputAudioBufferAppendEvent,
  ResponseCreateEvent,
  RealtimeTranslationClientEvent,
  RealtimeTranslationServerEvent,
  RealtimeTranscriptionSessionCreateRequest,
} from 'openai/resources/realtime/realtime';

import type { RealtimeServerEvent, RealtimeTranslationServerEvent } from 'openai/resources/realtime/realtime';

/** The `type` string of any GA realtime server event. */
export type ServerEventType = RealtimeServerEvent['type'];

/** A server event of one `type`, e.g. `ServerEventOf<'response.done'>`. */
export type ServerEventOf<T extends ServerEventType> = Extract<RealtimeServerEvent, { type: T }>;

/** The `type` string of any translation-session server event. */
export type TranslationServerEventType = RealtimeTranslationServerEvent['type'];

/** The five reasoning efforts of `gpt-realtime-2` (§3.9), in increasing order. */
export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'] as const;
/** One reasoning effort. */
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];
