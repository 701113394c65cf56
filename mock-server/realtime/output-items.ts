/**
 * Streaming of one output item of a response, with exactly the documented event order:
 *
 * - audio message (§3.4): `output_item.added` → `conversation.item.added` → `content_part.added{audio}`
 *   → { `output_audio.delta` ‖ `output_audio_transcript.delta` }* → `output_audio.done` →
 *   `output_audio_transcript.done` → `content_part.done` → `output_item.done` → `conversation.item.done`;
 * - text message (§3.5): the same with `{text}` parts and `output_text.delta`* → `output_text.done`;
 * - function call (§3.6): `output_item.added` → `conversation.item.added` → `function_call_arguments.delta`*
 *   → `function_call_arguments.done` → `output_item.done` → `conversation.item.done`.
 *
 * `conversation.item.*` events are sent only for responses that write to the conversation. Stopping
 * early (cancel, barge-in, `max_output_tokens`) emits the pending terminal events with the partial
 * transcript and item status `incomplete` (§3.7).
 */
import type { ConversationItem } from 'openai/resources/realtime/realtime';
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import { bytesForMs, durationMsOfBytes } from '../../common/audio/formats.ts';
import type { ServerEventOf } from '../../common/protocol/types.ts';
import type { WireEvent } from '../contract.ts';
import { assistantAudioTokens, textTokens } from '../usage.ts';
import { wordDeltas } from './answers.ts';
import type { AssistantAudio, StoredItem } from './conversation.ts';
import { deltaEnd, speechDeltas, withLeadingSilence, type SpeechDeltas } from './speech-deltas.ts';

/** `phase` of reasoning-model items (§3.9); not in the SDK types, added explicitly. */
export type Phase = 'commentary' | 'final_answer';

/** An output item as sent in `response.done.output` (SDK item + the docs' `phase`). */
export type WireOutputItem = ConversationItem & { phase?: Phase };

/** What an item stream needs from its response. */
export interface StreamHost {
  readonly responseId: string;
  /** Writes to the default conversation (sends `conversation.item.*`). */
  readonly inConversation: boolean;
  send(event: WireEvent): void;
  /** A timer owned by the response (cleared when it stops). */
  schedule(fn: () => void, delayMs: number): void;
  /** Adds output tokens; false once `max_output_tokens` is reached (the stream then stops itself via the host). */
  spend(textTokens: number, audioTokens: number): boolean;
  /**
   * Sends one `response.output_audio.delta`. The response stamps its first audio (trace) when that
   * frame is really written, which may be later than this call under a stall fault.
   */
  sendAudioDelta(event: WireEvent): void;
  /** Inserts into the conversation at the end; returns `previous_item_id`. */
  addToConversation(stored: StoredItem): string | null;
  /** The stored item changed (ledger refresh). */
  touch(itemId: string): void;
  /** The stream ended by itself (all content sent). */
  finished(item: WireOutputItem): void;
  /** The token cap was hit: stop the whole response as `incomplete`. */
  capReached(): void;
}

/** Pacing of deltas. */
export interface StreamPacing {
  /** Audio per delta, ms. */
  audioDeltaMs: number;
  /** Wall time between audio deltas, ms. */
  audioIntervalMs: number;
  /** Wall time between text / argument deltas, ms. */
  textIntervalMs: number;
  /** Digital silence before a spoken message's speech, ms (latency profile `leadingSilenceMs`); default 0. */
  leadingSilenceMs?: number;
}

/** A running item stream. */
export interface ItemStream {
  start(): void;
  /** Emits the pending terminal events (item status `incomplete`) and returns the final item. */
  stop(): WireOutputItem;
}

function ev<T extends WireEvent | object>(e: T): WireEvent {
  return e as unknown as WireEvent;
}

/**
 * Announces a new output item (`response.output_item.added`, then `conversation.item.added` when
 * the response writes to the conversation); returns the `previous_item_id` it was inserted after.
 */
function announceItem(h: StreamHost, outputIndex: number, item: WireOutputItem, stored: StoredItem): string | null {
  h.send(ev({ type: 'response.output_item.added', response_id: h.responseId, output_index: outputIndex, item: structuredClone(item) } satisfies Omit<ServerEventOf<'response.output_item.added'>, 'event_id'>));
  if (!h.inConversation) return null;
  const previousItemId = h.addToConversation(stored);
  h.send(ev({ type: 'conversation.item.added', previous_item_id: previousItemId, item: structuredClone(item) } satisfies Omit<ServerEventOf<'conversation.item.added'>, 'event_id'>));
  return previousItemId;
}

/** Closes an output item (`response.output_item.done`, then `conversation.item.done`); returns the final item. */
function closeItem(h: StreamHost, outputIndex: number, item: WireOutputItem & { type: 'message' | 'function_call' }, previousItemId: string | null, status: 'completed' | 'incomplete'): WireOutputItem {
  item.status = status;
  h.send(ev({ type: 'response.output_item.done', response_id: h.responseId, output_index: outputIndex, item: structuredClone(item) } satisfies Omit<ServerEventOf<'response.output_item.done'>, 'event_id'>));
  if (h.inConversation) {
    h.touch(item.id!);
    h.send(ev({ type: 'conversation.item.done', previous_item_id: previousItemId, item: structuredClone(item) } satisfies Omit<ServerEventOf<'conversation.item.done'>, 'event_id'>));
  }
  const final = structuredClone(item);
  if (status === 'completed') h.finished(final);
  return final;
}

/** A spoken (audio) or written (text) assistant message. */
export class MessageStream implements ItemStream {
  private readonly item: WireOutputItem & { type: 'message'; role: 'assistant' };
  private readonly stored: StoredItem;
  private readonly segments: { text: string; startMs: number }[] = [];
  private audio: SpeechDeltas | null = null;
  /** Next delta to send, and the audio bytes sent so far. */
  private deltaIndex = 0;
  private audioPos = 0;
  private segIndex = 0;
  private emitted = '';
  private spentAudio = 0;
  private spentText = 0;
  private previousItemId: string | null = null;
  private done = false;

  constructor(
    private readonly host: StreamHost,
    private readonly outputIndex: number,
    itemId: string,
    private readonly text: string,
    private readonly modality: 'audio' | 'text',
    private readonly voice: string,
    private readonly format: WireAudioFormat,
    private readonly pacing: StreamPacing,
    phase: Phase | null,
  ) {
    this.item = { id: itemId, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] };
    if (phase) this.item.phase = phase;
    const leadingSilenceMs = modality === 'audio' ? Math.max(0, pacing.leadingSilenceMs ?? 0) : 0;
    const assistant: AssistantAudio | null = modality === 'audio' ? { text, voice, seed: 0, format, generatedMs: 0, truncatedMs: null, ...(leadingSilenceMs > 0 ? { leadingSilenceMs } : {}) } : null;
    this.stored = { item: this.item, userAudio: null, userAudioMs: 0, userAudioFormat: null, assistant };
  }

  private ids() {
    return { response_id: this.host.responseId, item_id: this.item.id!, output_index: this.outputIndex, content_index: 0 };
  }

  start(): void {
    const h = this.host;
    this.previousItemId = announceItem(h, this.outputIndex, this.item, this.stored);
    const part = this.modality === 'audio' ? { type: 'audio' as const, transcript: '' } : { type: 'text' as const, text: '' };
    h.send(ev({ type: 'response.content_part.added', ...this.ids(), part } satisfies Omit<ServerEventOf<'response.content_part.added'>, 'event_id'>));
    if (this.modality === 'audio') {
      const speech = speechDeltas(this.text, this.voice, this.format, bytesForMs(this.format, this.pacing.audioDeltaMs));
      this.audio = withLeadingSilence(speech, this.stored.assistant!.leadingSilenceMs ?? 0, this.format);
      const leadMs = durationMsOfBytes(this.format, this.audio.leadBytes ?? 0);
      const totalMs = durationMsOfBytes(this.format, speech.totalBytes);
      // Transcript segments are timed by their character offset in the spoken text (after any leading silence).
      let offset = 0;
      for (const s of wordDeltas(this.text)) {
        this.segments.push({ text: s, startMs: leadMs + (totalMs * offset) / Math.max(1, this.text.length) });
        offset += s.length;
      }
      this.audioTick();
    } else {
      for (const s of wordDeltas(this.text)) this.segments.push({ text: s, startMs: 0 });
      this.textTick();
    }
  }

  private audioTick(): void {
    if (this.done) return;
    const audio = this.audio!;
    const k = this.deltaIndex++;
    const end = deltaEnd(audio, k);
    this.audioPos = end;
    this.host.sendAudioDelta(ev({ type: 'response.output_audio.delta', ...this.ids(), delta: audio.chunks[k] ?? '' } satisfies Omit<ServerEventOf<'response.output_audio.delta'>, 'event_id'>));
    const sentMs = durationMsOfBytes(this.format, this.audioPos);
    this.stored.assistant!.generatedMs = sentMs;
    const last = end >= audio.totalBytes;
    while (this.segIndex < this.segments.length && (last || this.segments[this.segIndex]!.startMs < sentMs)) {
      const delta = this.segments[this.segIndex++]!.text;
      this.emitted += delta;
      this.host.send(ev({ type: 'response.output_audio_transcript.delta', ...this.ids(), delta } satisfies Omit<ServerEventOf<'response.output_audio_transcript.delta'>, 'event_id'>));
    }
    if (!this.spendNow(assistantAudioTokens(sentMs))) return;
    if (last) this.finish('completed');
    else this.host.schedule(() => this.audioTick(), this.pacing.audioIntervalMs);
  }

  private textTick(): void {
    if (this.done) return;
    const seg = this.segments[this.segIndex++];
    if (seg) {
      this.emitted += seg.text;
      this.host.send(ev({ type: 'response.output_text.delta', ...this.ids(), delta: seg.text } satisfies Omit<ServerEventOf<'response.output_text.delta'>, 'event_id'>));
      if (!this.spendNow(0)) return;
    }
    if (this.segIndex >= this.segments.length) this.finish('completed');
    else this.host.schedule(() => this.textTick(), this.pacing.textIntervalMs);
  }

  /** Charges what was emitted since the last call; on hitting the cap, asks the host to stop. */
  private spendNow(audioTokensSoFar: number): boolean {
    const text = textTokens(this.emitted);
    const ok = this.host.spend(text - this.spentText, audioTokensSoFar - this.spentAudio);
    this.spentText = text;
    this.spentAudio = audioTokensSoFar;
    if (!ok) this.host.capReached();
    return ok;
  }

  private finish(status: 'completed' | 'incomplete'): WireOutputItem {
    this.done = true;
    const h = this.host;
    const text = this.emitted;
    if (this.modality === 'audio') {
      h.send(ev({ type: 'response.output_audio.done', ...this.ids() } satisfies Omit<ServerEventOf<'response.output_audio.done'>, 'event_id'>));
      h.send(ev({ type: 'response.output_audio_transcript.done', ...this.ids(), transcript: text } satisfies Omit<ServerEventOf<'response.output_audio_transcript.done'>, 'event_id'>));
      h.send(ev({ type: 'response.content_part.done', ...this.ids(), part: { type: 'audio', transcript: text } } satisfies Omit<ServerEventOf<'response.content_part.done'>, 'event_id'>));
      this.item.content = [{ type: 'output_audio', transcript: text }];
    } else {
      h.send(ev({ type: 'response.output_text.done', ...this.ids(), text } satisfies Omit<ServerEventOf<'response.output_text.done'>, 'event_id'>));
      h.send(ev({ type: 'response.content_part.done', ...this.ids(), part: { type: 'text', text } } satisfies Omit<ServerEventOf<'response.content_part.done'>, 'event_id'>));
      this.item.content = [{ type: 'output_text', text }];
    }
    return closeItem(h, this.outputIndex, this.item, this.previousItemId, status);
  }

  stop(): WireOutputItem {
    return this.finish('incomplete');
  }
}

/** A function call with streamed arguments. */
export class FunctionCallStream implements ItemStream {
  private readonly item: WireOutputItem & { type: 'function_call' };
  private readonly chunks: string[];
  private index = 0;
  private previousItemId: string | null = null;
  private done = false;

  constructor(
    private readonly host: StreamHost,
    private readonly outputIndex: number,
    itemId: string,
    callId: string,
    name: string,
    private readonly args: string,
    private readonly pacing: StreamPacing,
  ) {
    this.item = { id: itemId, object: 'realtime.item', type: 'function_call', status: 'in_progress', name, call_id: callId, arguments: '' };
    this.chunks = args.match(/[\s\S]{1,16}/g) ?? [];
  }

  start(): void {
    const h = this.host;
    this.previousItemId = announceItem(h, this.outputIndex, this.item, { item: this.item, userAudio: null, userAudioMs: 0, userAudioFormat: null, assistant: null });
    this.tick();
  }

  private tick(): void {
    if (this.done) return;
    const delta = this.chunks[this.index++];
    if (delta !== undefined) {
      this.item.arguments += delta;
      this.host.send(ev({ type: 'response.function_call_arguments.delta', response_id: this.host.responseId, item_id: this.item.id!, output_index: this.outputIndex, call_id: this.item.call_id!, delta } satisfies Omit<ServerEventOf<'response.function_call_arguments.delta'>, 'event_id'>));
      if (!this.host.spend(textTokens(delta), 0)) {
        this.host.capReached();
        return;
      }
    }
    if (this.index >= this.chunks.length) this.finish('completed');
    else this.host.schedule(() => this.tick(), this.pacing.textIntervalMs);
  }

  private finish(status: 'completed' | 'incomplete'): WireOutputItem {
    this.done = true;
    const h = this.host;
    if (status === 'completed') {
      h.send(ev({ type: 'response.function_call_arguments.done', response_id: h.responseId, item_id: this.item.id!, output_index: this.outputIndex, call_id: this.item.call_id!, name: this.item.name, arguments: this.args } satisfies Omit<ServerEventOf<'response.function_call_arguments.done'>, 'event_id'>));
    }
    return closeItem(h, this.outputIndex, this.item, this.previousItemId, status);
  }

  stop(): WireOutputItem {
    return this.finish('incomplete');
  }
}
