/**
 * The transcription session kind (`/v1/realtime?intent=transcription`, §2.4, §3.10).
 *
 * `session.created` → [`session.update` → `session.updated`] → appends; per turn:
 * - VAD models (default `gpt-4o-mini-transcribe` with server_vad): `speech_started` →
 *   `speech_stopped` → `committed{item_id, previous_item_id}` → [`conversation.item.added/done`] →
 *   transcription `delta`* → `completed` (whisper-1: one delta equal to the transcript).
 * - Streaming models (`gpt-realtime-whisper`, `gpt-live-transcribe`, turn detection null): deltas
 *   while audio arrives; the client's `commit` → `committed` → [item events] → last deltas → `completed`.
 * Transcripts are placeholders sized to the speech heard (transcript.ts). No responses:
 * `response.create` and every other realtime-only event get `invalid_value` (`param: "type"`).
 */
import type { ServerEventOf } from '../../common/protocol/types.ts';
import type { TurnDetectionConfig } from '../../common/audio/turn-detector.ts';
import { decodeToPcm16, sampleRateHz } from '../../common/audio/formats.ts';
import type { MockSessionContext, Rng, SessionKind, WireEvent } from '../contract.ts';
import { unknownEventType } from '../errors.ts';
import { InputAudioBuffer } from '../input-audio-buffer.ts';
import type { TurnDetectionWire } from '../realtime/config.ts';
import { validated } from '../realtime/validate.ts';
import {
  applyTranscriptionUpdate,
  defaultTranscriptionSession,
  modelProfile,
  STREAMING_DELAY_MS,
  toWireTranscriptionSession,
  type EffectiveTranscriptionSession,
} from './config.ts';
import { scheduleTranscription, deltaEvent } from './transcribe.ts';
import { placeholderSentence, PLACEHOLDER_WORDS, SpeechMeter, wordCountForSpeech, wordDeltas } from './transcript.ts';

/** Client events a transcription session accepts (§2.4). */
export const TRANSCRIPTION_CLIENT_EVENTS = ['session.update', 'input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear'] as const;

/** Options of {@link createTranscriptionSession}. */
export interface TranscriptionSessionOptions {
  /**
   * Send `conversation.item.added` / `conversation.item.done` for each committed user item (§2.4
   * "probably", unverified: §9.2). Default true.
   */
  itemEvents?: boolean;
}

/** The words of a streaming turn emitted so far. */
interface StreamingTurn {
  meter: SpeechMeter;
  words: string[];
}

interface State {
  config: EffectiveTranscriptionSession;
  buffer: InputAudioBuffer;
  words: Rng;
  lastItemId: string | null;
  /** Item id of the turn in progress (from `speech_started`, or the first streamed delta). */
  pendingItemId: string | null;
  /** Present while the model streams (no VAD). */
  streaming: StreamingTurn | null;
  cancels: Set<() => void>;
}

/** Session turn detection → detector settings (transcription sessions ignore the response flags). */
export function detectorConfig(td: TurnDetectionWire): TurnDetectionConfig | null {
  if (td === null) return null;
  if (td.type === 'semantic_vad') return { type: 'semantic_vad', eagerness: td.eagerness };
  return { type: 'server_vad', threshold: td.threshold, prefixPaddingMs: td.prefix_padding_ms, silenceDurationMs: td.silence_duration_ms };
}

function isStreamingModel(config: EffectiveTranscriptionSession): boolean {
  const t = config.audio.input.transcription;
  return t !== null && !modelProfile(t.model ?? '').vad;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Creates the transcription session kind (one per connection; state is kept per context, so one
 * instance may also serve several connections).
 */
export function createTranscriptionSession(options: TranscriptionSessionOptions = {}): SessionKind {
  const itemEvents = options.itemEvents ?? true;
  const states = new WeakMap<MockSessionContext, State>();

  const stateOf = (ctx: MockSessionContext): State | undefined => states.get(ctx);

  const sendSession = (ctx: MockSessionContext, type: 'session.created' | 'session.updated', s: State): void => {
    // The SDK's session union types lack `id`/`object`; the wire carries them (§2.4).
    ctx.send({ type, session: toWireTranscriptionSession(s.config) } as WireEvent);
  };

  const applyConfig = (s: State, next: EffectiveTranscriptionSession): void => {
    const before = s.config;
    s.config = next;
    s.buffer.setFormat(next.audio.input.format);
    s.buffer.setTurnDetection(detectorConfig(next.audio.input.turn_detection));
    const streamingNow = isStreamingModel(next);
    if (streamingNow && !s.streaming) s.streaming = { meter: new SpeechMeter(sampleRateHz(next.audio.input.format)), words: [] };
    if (!streamingNow) s.streaming = null;
    if (streamingNow && before.audio.input.format.type !== next.audio.input.format.type) {
      s.streaming = { meter: new SpeechMeter(sampleRateHz(next.audio.input.format)), words: [] };
    }
  };

  /** Streaming models: new words for the speech heard so far, lagging by the `delay` setting. */
  const streamWords = (ctx: MockSessionContext, s: State, bytes: Buffer): void => {
    const st = s.streaming;
    const t = s.config.audio.input.transcription;
    if (!st || !t) return;
    st.meter.push(decodeToPcm16(s.config.audio.input.format, bytes));
    const lagMs = STREAMING_DELAY_MS[t.delay ?? 'low'];
    const due = wordCountForSpeech(Math.max(0, st.meter.speechMs - lagMs));
    const logprobs = s.config.include?.includes('item.input_audio_transcription.logprobs') ?? false;
    while (st.words.length < due) {
      const word = s.words.pick(PLACEHOLDER_WORDS);
      const delta = st.words.length === 0 ? capitalise(word) : ` ${word}`;
      st.words.push(delta);
      s.pendingItemId ??= ctx.ids.item();
      ctx.send(deltaEvent(s.pendingItemId, delta, logprobs));
    }
  };

  /** Commits the buffer as one user turn and starts its transcription. */
  const commitTurn = (ctx: MockSessionContext, s: State, eventId: string | null, manual: boolean): void => {
    const outcome = s.buffer.commit();
    if (!outcome.ok) {
      if (manual) ctx.sendError({ ...outcome.error, eventId });
      else s.pendingItemId = null;
      return;
    }
    const itemId = s.pendingItemId ?? ctx.ids.item();
    s.pendingItemId = null;
    const previousItemId = s.lastItemId;
    s.lastItemId = itemId;
    const committed: Omit<ServerEventOf<'input_audio_buffer.committed'>, 'event_id'> = {
      type: 'input_audio_buffer.committed',
      item_id: itemId,
      previous_item_id: previousItemId,
    };
    ctx.send(committed as WireEvent);
    if (itemEvents) {
      const item = { id: itemId, type: 'message', object: 'realtime.item', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] };
      ctx.send({ type: 'conversation.item.added', previous_item_id: previousItemId, item });
      ctx.send({ type: 'conversation.item.done', previous_item_id: previousItemId, item: structuredClone(item) });
    }
    const t = s.config.audio.input.transcription;
    if (!t) return;
    const model = t.model ?? '';
    const profile = modelProfile(model);
    let transcript: string;
    let pendingDeltas: string[];
    const st = s.streaming;
    if (st) {
      // Streaming: finish the words the whole turn's speech holds, then the period.
      const total = wordCountForSpeech(st.meter.speechMs);
      const rest: string[] = [];
      while (st.words.length + rest.length < total) {
        const word = s.words.pick(PLACEHOLDER_WORDS);
        rest.push(st.words.length + rest.length === 0 ? capitalise(word) : ` ${word}`);
      }
      if (st.words.length + rest.length > 0) rest.push('.');
      transcript = [...st.words, ...rest].join('');
      pendingDeltas = rest;
      st.meter.reset();
      st.words = [];
    } else {
      const meter = new SpeechMeter(sampleRateHz(s.config.audio.input.format));
      meter.push(decodeToPcm16(s.config.audio.input.format, outcome.audio));
      transcript = placeholderSentence(s.words, wordCountForSpeech(meter.speechMs));
      pendingDeltas = wordDeltas(transcript);
    }
    const logprobs = s.config.include?.includes('item.input_audio_transcription.logprobs') ?? false;
    scheduleTranscription(
      ctx,
      { itemId, model, profile, transcript, pendingDeltas, audioMs: outcome.durationMs, prompt: t.prompt ?? '', logprobs },
      s.cancels,
    );
  };

  const onAppend = (ctx: MockSessionContext, s: State, event: WireEvent, eventId: string | null): void => {
    const outcome = s.buffer.append(event['audio']);
    if (!outcome.ok) {
      ctx.sendError({ ...outcome.error, eventId });
      return;
    }
    if (s.streaming && typeof event['audio'] === 'string') streamWords(ctx, s, Buffer.from(event['audio'], 'base64'));
    for (const vad of outcome.vadEvents) {
      if (vad.type === 'speech_started') {
        s.pendingItemId = ctx.ids.item();
        const started: Omit<ServerEventOf<'input_audio_buffer.speech_started'>, 'event_id'> = {
          type: 'input_audio_buffer.speech_started',
          item_id: s.pendingItemId,
          audio_start_ms: vad.audioStartMs,
        };
        ctx.send(started as WireEvent);
      } else {
        const itemId = s.pendingItemId ?? ctx.ids.item();
        s.pendingItemId = itemId;
        const stopped: Omit<ServerEventOf<'input_audio_buffer.speech_stopped'>, 'event_id'> = {
          type: 'input_audio_buffer.speech_stopped',
          item_id: itemId,
          audio_end_ms: vad.audioEndMs,
        };
        ctx.send(stopped as WireEvent);
        commitTurn(ctx, s, null, false);
      }
    }
  };

  return {
    open(ctx) {
      const expiresAtS = Math.floor(Date.now() / 1000) + ctx.maxSessionS;
      let config = defaultTranscriptionSession(ctx.sessionId, expiresAtS);
      const secret = ctx.clientSecretSession;
      if (secret && secret['type'] === 'transcription') {
        // An ek_ key minted for a transcription session carries its initial config (§1.3).
        const seeded = validated(() => applyTranscriptionUpdate({ type: 'transcription', audio: secret['audio'], include: secret['include'] ?? undefined }, config));
        if (seeded.ok) config = seeded.value;
      }
      const state: State = {
        config,
        buffer: new InputAudioBuffer({ format: config.audio.input.format, turnDetection: detectorConfig(config.audio.input.turn_detection) }),
        words: ctx.rng.fork('transcription-words'),
        lastItemId: null,
        pendingItemId: null,
        streaming: null,
        cancels: new Set(),
      };
      applyConfig(state, config);
      states.set(ctx, state);
      sendSession(ctx, 'session.created', state);
    },

    onEvent(ctx, event) {
      const s = stateOf(ctx);
      if (!s) return;
      const eventId = typeof event['event_id'] === 'string' ? event['event_id'] : null;
      switch (event.type) {
        case 'session.update': {
          const result = validated(() => applyTranscriptionUpdate(event['session'], s.config));
          if (!result.ok) return ctx.sendError({ ...result.error, eventId });
          applyConfig(s, result.value);
          return sendSession(ctx, 'session.updated', s);
        }
        case 'input_audio_buffer.append':
          return onAppend(ctx, s, event, eventId);
        case 'input_audio_buffer.commit':
          return commitTurn(ctx, s, eventId, true);
        case 'input_audio_buffer.clear': {
          s.buffer.clear();
          s.pendingItemId = null;
          if (s.streaming) {
            s.streaming.meter.reset();
            s.streaming.words = [];
          }
          const cleared: Omit<ServerEventOf<'input_audio_buffer.cleared'>, 'event_id'> = { type: 'input_audio_buffer.cleared' };
          ctx.send(cleared as WireEvent);
          return;
        }
        default:
          ctx.sendError({ ...unknownEventType(event.type, TRANSCRIPTION_CLIENT_EVENTS), eventId });
      }
    },

    onClose(ctx) {
      const s = stateOf(ctx);
      if (!s) return;
      for (const cancel of s.cancels) cancel();
      s.cancels.clear();
      states.delete(ctx);
    },
  };
}
