/**
 * The translation session kind (`/v1/realtime/translations?model=gpt-realtime-translate`, §2.5, §3.11).
 *
 * `session.created` → [`session.update` → `session.updated`] → `session.input_audio_buffer.append`*
 * (base64 PCM16 24 kHz mono only). The mock listens with server_vad (default settings) on the input:
 * each stretch of speech, cut at its end or every {@link MAX_CHUNK_SPEECH_MS} of speech, becomes a
 * translated chunk of placeholder words sized to the speech (transcript.ts), spoken by the
 * synthesizer at a similar duration, streamed after a short delay (output-stream.ts). With input
 * transcription configured, `session.input_transcript.delta` words follow the speech as it arrives.
 * `session.close` → the rest is flushed → `session.closed` → close 1000. Every other event type
 * (`response.create` etc.) → `invalid_value`, `param: "type"`.
 */
import type { RealtimeTranslationInputTranscriptDeltaEvent } from 'openai/resources/realtime/realtime';
import { decodeToPcm16 } from '../../common/audio/formats.ts';
import { SERVER_VAD_DEFAULTS } from '../../common/audio/turn-detector.ts';
import type { MockSessionContext, Rng, SessionKind, WireEvent } from '../contract.ts';
import { unknownEventType } from '../errors.ts';
import { injectedFailureError } from '../faults.ts';
import { InputAudioBuffer } from '../input-audio-buffer.ts';
import { validated } from '../realtime/validate.ts';
import { PLACEHOLDER_WORDS, SpeechMeter, wordCountForSpeech } from '../transcription/transcript.ts';
import { applyTranslationUpdate, DEFAULT_TRANSLATION_MODEL, defaultTranslationSession, toWireTranslationSession, type EffectiveTranslationSession } from './config.ts';
import { OUTPUT_STEP_MS, TranslationOutputStream } from './output-stream.ts';

/** Client events of a translation session (§2.5). */
export const TRANSLATION_CLIENT_EVENTS = ['session.update', 'session.input_audio_buffer.append', 'session.close'] as const;

/** Longest stretch of speech translated as one chunk while the speaker keeps talking, ms. Mock choice. */
export const MAX_CHUNK_SPEECH_MS = 2000;

/** Close code and reason after `session.closed` (§3.11; the SDK treats 1000/1001/1005 as clean). */
export const TRANSLATION_CLOSE = { code: 1000, reason: 'session closed' } as const;

const PCM24K = { type: 'audio/pcm', rate: 24000 } as const;

interface State {
  config: EffectiveTranslationSession;
  /** Validates appends and runs the VAD; committed at every cut so it never grows. */
  buffer: InputAudioBuffer;
  /** Speech of the chunk in progress. */
  meter: SpeechMeter;
  words: Rng;
  output: TranslationOutputStream;
  speaking: boolean;
  /** Input timeline position where the chunk in progress starts, ms. */
  chunkStartMs: number;
  /** Source-transcript words of the chunk in progress already sent. */
  inputWordsSent: number;
  inputWordsTotal: number;
  /** The next source word starts a sentence (capitalised). */
  inputSentenceStart: boolean;
  closing: boolean;
  closed: boolean;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Creates the translation session kind (state is kept per connection context). */
export function createTranslationSession(): SessionKind {
  const states = new WeakMap<MockSessionContext, State>();

  const sendSession = (ctx: MockSessionContext, type: 'session.created' | 'session.updated', s: State): void => {
    ctx.send({ type, session: toWireTranslationSession(s.config) } as unknown as WireEvent);
  };

  const pickWords = (s: State, n: number): string[] => Array.from({ length: n }, () => s.words.pick(PLACEHOLDER_WORDS));

  const inputTranscript = (ctx: MockSessionContext, s: State, words: readonly string[], period: boolean): void => {
    if (!s.config.audio.input.transcription) return;
    const elapsedMs = Math.floor(s.buffer.totalAudioMs / OUTPUT_STEP_MS) * OUTPUT_STEP_MS;
    const deltas = words.map((w) => {
      const d = (s.inputWordsTotal === 0 ? '' : ' ') + (s.inputSentenceStart ? capitalise(w) : w);
      s.inputWordsTotal++;
      s.inputSentenceStart = false;
      return d;
    });
    if (period && s.inputWordsTotal > 0) {
      if (deltas.length > 0) deltas[deltas.length - 1] += '.';
      else deltas.push('.');
      s.inputSentenceStart = true;
    }
    for (const delta of deltas) {
      const event: Omit<RealtimeTranslationInputTranscriptDeltaEvent, 'event_id'> = { type: 'session.input_transcript.delta', delta, elapsed_ms: elapsedMs };
      ctx.send(event as WireEvent);
    }
  };

  /** Source words for the speech heard so far in this chunk (a streaming ASR, like gpt-realtime-whisper). */
  const streamInputWords = (ctx: MockSessionContext, s: State): void => {
    const due = wordCountForSpeech(s.meter.speechMs);
    if (due > s.inputWordsSent) {
      inputTranscript(ctx, s, pickWords(s, due - s.inputWordsSent), false);
      s.inputWordsSent = due;
    }
  };

  /** Ends the chunk in progress: its translation is queued (or failed by a fault). */
  const cut = (ctx: MockSessionContext, s: State, sentenceEnd: boolean): void => {
    const speechMs = s.meter.speechMs;
    const count = speechMs > 0 ? Math.max(1, wordCountForSpeech(speechMs)) : 0;
    inputTranscript(ctx, s, pickWords(s, Math.max(0, count - s.inputWordsSent)), sentenceEnd);
    const startMs = s.chunkStartMs;
    s.buffer.commit(); // releases the chunk's audio; a too-short buffer is simply kept
    s.meter.reset();
    s.inputWordsSent = 0;
    s.chunkStartMs = s.buffer.totalAudioMs;
    if (count === 0) return;
    const failure = ctx.faults.responseFailure();
    if (failure) {
      const e = injectedFailureError(failure, s.config.model);
      ctx.sendError({ type: e.type, code: e.code, message: e.message, param: null });
      return;
    }
    s.output.enqueue(pickWords(s, count), sentenceEnd, startMs, s.words.int(0, 2 ** 31));
  };

  const finishClose = (ctx: MockSessionContext, s: State): void => {
    if (s.closed) return;
    s.closed = true;
    ctx.send({ type: 'session.closed' });
    ctx.close(TRANSLATION_CLOSE.code, TRANSLATION_CLOSE.reason);
  };

  const onAppend = (ctx: MockSessionContext, s: State, event: WireEvent, eventId: string | null): void => {
    if (s.closing) return; // after session.close the input is over (§3.11: "stop appending")
    const audio = event['audio'];
    const outcome = s.buffer.append(audio);
    if (!outcome.ok) return ctx.sendError({ ...outcome.error, eventId });
    if (typeof audio !== 'string' || audio.length === 0) return;
    s.meter.push(decodeToPcm16(PCM24K, Buffer.from(audio, 'base64')));
    for (const vad of outcome.vadEvents) {
      if (vad.type === 'speech_started') {
        s.speaking = true;
        s.chunkStartMs = vad.audioStartMs;
      } else {
        s.speaking = false;
        cut(ctx, s, true);
      }
    }
    if (s.speaking) {
      streamInputWords(ctx, s);
      if (s.meter.speechMs >= MAX_CHUNK_SPEECH_MS) {
        cut(ctx, s, false);
        // The cut's commit restarts turn detection: speech that goes on is detected again as a new turn.
        s.speaking = false;
      }
    } else if (outcome.vadEvents.length === 0) {
      // Between utterances: forget stray voiced frames (clicks) so they never start a chunk.
      s.meter.reset();
      s.chunkStartMs = s.buffer.totalAudioMs;
    }
  };

  return {
    open(ctx) {
      const model = ctx.model ?? DEFAULT_TRANSLATION_MODEL;
      let config = defaultTranslationSession(ctx.sessionId, model, Math.floor(Date.now() / 1000) + ctx.maxSessionS);
      const secret = ctx.clientSecretSession;
      if (secret && secret['type'] === 'translation' && secret['audio'] !== undefined) {
        // A translation ek_ key carries the session's initial audio config (§1.1).
        const seeded = validated(() => applyTranslationUpdate({ audio: secret['audio'] }, config));
        if (seeded.ok) config = seeded.value;
      }
      const state: State = {
        config,
        buffer: new InputAudioBuffer({ format: PCM24K, turnDetection: SERVER_VAD_DEFAULTS }),
        meter: new SpeechMeter(24000),
        words: ctx.rng.fork('translation-words'),
        output: new TranslationOutputStream(ctx),
        speaking: false,
        chunkStartMs: 0,
        inputWordsSent: 0,
        inputWordsTotal: 0,
        inputSentenceStart: true,
        closing: false,
        closed: false,
      };
      states.set(ctx, state);
      sendSession(ctx, 'session.created', state);
    },

    onEvent(ctx, event) {
      const s = states.get(ctx);
      if (!s || s.closed) return;
      const eventId = typeof event['event_id'] === 'string' ? event['event_id'] : null;
      switch (event.type) {
        case 'session.update': {
          const result = validated(() => applyTranslationUpdate(event['session'], s.config));
          if (!result.ok) return ctx.sendError({ ...result.error, eventId });
          s.config = result.value;
          return sendSession(ctx, 'session.updated', s);
        }
        case 'session.input_audio_buffer.append':
          return onAppend(ctx, s, event, eventId);
        case 'session.close':
          if (s.closing) return;
          s.closing = true;
          if (s.speaking || s.meter.speechMs > 0) cut(ctx, s, true);
          s.speaking = false;
          s.output.whenIdle(() => finishClose(ctx, s));
          return;
        default:
          ctx.sendError({ ...unknownEventType(event.type, TRANSLATION_CLIENT_EVENTS), eventId });
      }
    },

    onClose(ctx) {
      const s = states.get(ctx);
      if (!s) return;
      s.output.stop();
      states.delete(ctx);
    },
  };
}
