/**
 * Input audio of a realtime session (§3.2, §3.3): `input_audio_buffer.append` / `commit` / `clear`,
 * turn detection on the audio actually received (speech_started → speech_stopped → committed → user
 * item → auto response), barge-in, the server_vad idle timeout, and input transcription.
 *
 * Input transcription (when `audio.input.transcription` is set) reuses the transcription session's
 * pieces: the mock cannot recognise words, so the transcript is a deterministic placeholder sentence
 * with one word per 0.4 s of measured speech (transcription/transcript.ts), streamed as word deltas
 * and completed with token (or duration) usage.
 */
import type { ConversationItem } from 'openai/resources/realtime/realtime';
import type { TimerHandle } from '../../common/clock.ts';
import { decodeToPcm16, sampleRateHz } from '../../common/audio/formats.ts';
import { SEMANTIC_VAD_WAITS_MS } from '../../common/audio/turn-detector.ts';
import type { ServerEventOf } from '../../common/protocol/types.ts';
import type { WireEvent } from '../contract.ts';
import { InputAudioBuffer } from '../input-audio-buffer.ts';
import { DEFAULT_TRANSCRIPTION_MODEL, modelProfile } from '../transcription/config.ts';
import { detectorConfig } from '../transcription/session.ts';
import { scheduleTranscription, DELTA_INTERVAL_MS } from '../transcription/transcribe.ts';
import { placeholderSentence, SpeechMeter, wordCountForSpeech, wordDeltas } from '../transcription/transcript.ts';
import type { EffectiveRealtimeSession } from './config.ts';
import type { StoredItem } from './conversation.ts';
import type { RealtimeState } from './state.ts';

/** What the input side asks of the rest of the session. */
export interface InputHooks {
  /** VAD detected speech (barge-in point). */
  speechStarted(): void;
  /** A VAD (or idle-timeout) turn was committed: create a response if `create_response`. */
  turnCommitted(turnIndex: number, turnAudioEndUs: number | null): void;
}

/** Append arrivals kept to find when a turn's last speech arrived (trace ground truth). */
const ARRIVAL_RING = 128;

function ev(e: object): WireEvent {
  return e as WireEvent;
}

/** The input audio side of one realtime session. */
export class InputController {
  private readonly buffer: InputAudioBuffer;
  /** Item id announced by `speech_started`, used by the commit that ends the turn. */
  private pendingItemId: string | null = null;
  private arrivalsUs: Float64Array | null = null;
  private arrivalsEndMs: Float64Array | null = null;
  private arrivalCount = 0;
  private idleTimer: TimerHandle | null = null;
  private idleStartMs = 0;
  private readonly transcriptions = new Set<() => void>();

  constructor(
    private readonly state: RealtimeState,
    private readonly hooks: InputHooks,
  ) {
    const input = state.session.audio.input;
    this.buffer = new InputAudioBuffer({ format: input.format, turnDetection: detectorConfig(input.turn_detection) });
  }

  /** Applies a new session config (format, turn detection). */
  configure(next: EffectiveRealtimeSession): void {
    this.buffer.setFormat(next.audio.input.format);
    this.buffer.setTurnDetection(detectorConfig(next.audio.input.turn_detection));
    if (next.audio.input.turn_detection?.type !== 'server_vad' || next.audio.input.turn_detection.idle_timeout_ms === null) this.cancelIdle();
  }

  append(event: WireEvent, eventId: string | null): void {
    const result = this.buffer.append(event['audio']);
    if (!result.ok) {
      this.state.ctx.sendError({ ...result.error, eventId });
      return;
    }
    this.noteArrival();
    const ctx = this.state.ctx;
    for (const v of result.vadEvents) {
      if (v.type === 'speech_started') {
        this.cancelIdle();
        this.pendingItemId = ctx.ids.item();
        ctx.send(ev({ type: 'input_audio_buffer.speech_started', item_id: this.pendingItemId, audio_start_ms: v.audioStartMs } satisfies Omit<ServerEventOf<'input_audio_buffer.speech_started'>, 'event_id'>));
        this.hooks.speechStarted();
      } else {
        const itemId = this.pendingItemId ?? ctx.ids.item();
        this.pendingItemId = null;
        ctx.send(ev({ type: 'input_audio_buffer.speech_stopped', item_id: itemId, audio_end_ms: v.audioEndMs } satisfies Omit<ServerEventOf<'input_audio_buffer.speech_stopped'>, 'event_id'>));
        const audioEndUs = this.arrivalOfSpeechEnd(v.audioEndMs);
        const turn = this.commitTurn(itemId, 'vad', null, audioEndUs);
        if (turn !== null) this.hooks.turnCommitted(turn, audioEndUs);
      }
    }
  }

  /** `input_audio_buffer.commit` (manual; allowed with VAD too). */
  commit(eventId: string | null): void {
    const itemId = this.pendingItemId ?? this.state.ctx.ids.item();
    if (this.commitTurn(itemId, 'manual', eventId, this.state.ctx.clock.nowUs()) !== null) this.pendingItemId = null;
  }

  /** `input_audio_buffer.clear`. */
  clear(): void {
    this.buffer.clear();
    this.pendingItemId = null;
    this.state.ctx.send(ev({ type: 'input_audio_buffer.cleared' } satisfies Omit<ServerEventOf<'input_audio_buffer.cleared'>, 'event_id'>));
  }

  /**
   * Starts the server_vad idle timer (§3.3: from `response.done` plus the playback still pending).
   * No-op unless `idle_timeout_ms` is set.
   */
  startIdleTimer(playbackRemainingMs: number): void {
    const td = this.state.session.audio.input.turn_detection;
    if (td?.type !== 'server_vad' || td.idle_timeout_ms === null) return;
    this.cancelIdle();
    this.idleStartMs = this.buffer.totalAudioMs;
    this.idleTimer = this.state.ctx.setTimeout(() => this.idleTimeout(), td.idle_timeout_ms + Math.max(0, playbackRemainingMs));
  }

  /** Releases timers. */
  dispose(): void {
    this.cancelIdle();
    for (const cancel of this.transcriptions) cancel();
    this.transcriptions.clear();
  }

  private cancelIdle(): void {
    if (this.idleTimer !== null) this.state.ctx.clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private idleTimeout(): void {
    this.idleTimer = null;
    if (this.buffer.speaking) return;
    const ctx = this.state.ctx;
    const itemId = ctx.ids.item();
    ctx.send(
      ev({
        type: 'input_audio_buffer.timeout_triggered',
        item_id: itemId,
        audio_start_ms: Math.round(this.idleStartMs),
        audio_end_ms: Math.round(this.buffer.totalAudioMs),
      } satisfies Omit<ServerEventOf<'input_audio_buffer.timeout_triggered'>, 'event_id'>),
    );
    const turn = this.commitTurn(itemId, 'idle', null, null);
    if (turn !== null) this.hooks.turnCommitted(turn, null);
  }

  /**
   * Commits the buffer as user item `itemId`: committed → item added → item done (§3.2). Returns the
   * new turn's index, or null when the buffer held too little: a manual commit then gets the error,
   * a VAD turn is dropped silently, and the idle timeout commits an empty item anyway.
   */
  private commitTurn(itemId: string, source: 'manual' | 'vad' | 'idle', eventId: string | null, audioEndUs: number | null): number | null {
    const state = this.state;
    const ctx = state.ctx;
    const result = this.buffer.commit();
    if (!result.ok && source !== 'idle') {
      if (source === 'manual') ctx.sendError({ ...result.error, eventId });
      return null;
    }
    if (!result.ok) this.buffer.clear();
    const format = state.session.audio.input.format;
    const audio = result.ok ? result.audio : null;
    const audioMs = result.ok ? result.durationMs : 0;
    // The real service sends `transcript: null` until transcription completes; the SDK types it as optional string.
    const item: ConversationItem = { id: itemId, object: 'realtime.item', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_audio', transcript: null as unknown as string }] };
    const stored: StoredItem = { item, userAudio: audio, userAudioMs: audioMs, userAudioFormat: format, assistant: null };
    const previous = state.conversation.last()?.item.id ?? null;
    ctx.send(ev({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: previous } satisfies Omit<ServerEventOf<'input_audio_buffer.committed'>, 'event_id'>));
    state.conversation.insert(stored);
    ctx.send(ev({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(item) } satisfies Omit<ServerEventOf<'conversation.item.added'>, 'event_id'>));
    ctx.send(ev({ type: 'conversation.item.done', previous_item_id: previous, item: structuredClone(item) } satisfies Omit<ServerEventOf<'conversation.item.done'>, 'event_id'>));
    state.turnCount += 1;
    state.turnAnswered = false;
    state.lastTurnEndUs = ctx.clock.nowUs();
    state.lastTurnAudioEndUs = audioEndUs;
    if (audio && state.session.audio.input.transcription) this.transcribe(stored, audio, audioMs);
    return state.turnCount;
  }

  private transcribe(stored: StoredItem, audio: Buffer, audioMs: number): void {
    const state = this.state;
    const ctx = state.ctx;
    const t = state.session.audio.input.transcription!;
    const model = t.model ?? DEFAULT_TRANSCRIPTION_MODEL;
    const profile = modelProfile(model);
    const format = stored.userAudioFormat!;
    const meter = new SpeechMeter(sampleRateHz(format));
    meter.push(decodeToPcm16(format, audio));
    const itemId = stored.item.id!;
    const transcript = placeholderSentence(ctx.rng.fork(`transcript:${itemId}`), wordCountForSpeech(meter.speechMs));
    const deltas = profile.singleDelta ? [transcript] : wordDeltas(transcript);
    scheduleTranscription(
      ctx,
      { itemId, model, profile, transcript, pendingDeltas: deltas, audioMs, prompt: t.prompt ?? '', logprobs: state.session.include?.includes('item.input_audio_transcription.logprobs') ?? false },
      this.transcriptions,
    );
    // Same due time as `completed` (timers fire in creation order): the stored item gets its transcript.
    const slow = ctx.faults.audioSlowdown();
    const doneMs = profile.firstDeltaMs * slow + (profile.singleDelta ? 1 : deltas.length) * DELTA_INTERVAL_MS * slow;
    const handle = ctx.setTimeout(() => {
      this.transcriptions.delete(cancel);
      const part = (stored.item as { content?: { type?: string; transcript?: string | null }[] }).content?.[0];
      if (part && state.conversation.has(itemId)) {
        part.transcript = transcript;
        state.conversation.touch(itemId);
      }
    }, doneMs);
    const cancel = (): void => ctx.clearTimeout(handle);
    this.transcriptions.add(cancel);
  }

  private noteArrival(): void {
    if (this.arrivalsUs === null) {
      this.arrivalsUs = new Float64Array(ARRIVAL_RING);
      this.arrivalsEndMs = new Float64Array(ARRIVAL_RING);
    }
    const i = this.arrivalCount++ % ARRIVAL_RING;
    this.arrivalsUs[i] = this.state.ctx.clock.nowUs();
    this.arrivalsEndMs![i] = this.buffer.totalAudioMs;
  }

  /**
   * When the append carrying the turn's last speech arrived: `audio_end_ms` minus the VAD's silence
   * wait is the end of speech on the timeline (semantic_vad: its usual wait, an approximation).
   */
  private arrivalOfSpeechEnd(audioEndMs: number): number | null {
    if (this.arrivalsUs === null || this.arrivalCount === 0) return null;
    const td = this.state.session.audio.input.turn_detection;
    const waitMs = td?.type === 'server_vad' ? td.silence_duration_ms : td?.type === 'semantic_vad' ? SEMANTIC_VAD_WAITS_MS[td.eagerness === 'auto' ? 'medium' : td.eagerness].wait : 0;
    const speechEndMs = audioEndMs - waitMs;
    const n = Math.min(this.arrivalCount, ARRIVAL_RING);
    let best: number | null = null;
    for (let k = 0; k < n; k++) {
      const i = (this.arrivalCount - 1 - k) % ARRIVAL_RING;
      if (this.arrivalsEndMs![i]! >= speechEndMs) best = this.arrivalsUs[i]!;
      else break;
    }
    return best ?? this.arrivalsUs[(this.arrivalCount - 1) % ARRIVAL_RING]!;
  }
}
