/**
 * The default conversation of a realtime session: items in order, insertion after a given item
 * (`previous_item_id`, `"root"` = start, §2.2), the audio `conversation.item.retrieved` must return,
 * and the usage ledger that bills the whole conversation on every response (§6.1).
 *
 * Memory: assistant audio is not stored; it is re-synthesized on retrieve from (text, voice, seed),
 * which is deterministic. User audio is kept for retrieve up to {@link USER_AUDIO_BUDGET_BYTES} per
 * session; beyond that the oldest item's bytes are dropped (its retrieve then carries no `audio`).
 */
import type { ConversationItem } from 'openai/resources/realtime/realtime';
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import { bytesForMs, encodeFromPcm16, sampleRateHz } from '../../common/audio/formats.ts';
import { synthesizeSpeechCached } from '../speech-synth.ts';
import { silenceBytes } from './speech-deltas.ts';
import { ConversationLedger } from '../usage.ts';
import { storedItemTokens } from './usage-of.ts';

/** User audio kept per session for `conversation.item.retrieve` (8 MiB ≈ 175 s of PCM16 24 kHz). */
export const USER_AUDIO_BUDGET_BYTES = 8 * 1024 * 1024;

/** How an assistant item's audio is regenerated. */
export interface AssistantAudio {
  text: string;
  voice: string;
  seed: number;
  format: WireAudioFormat;
  /** Audio generated so far (the whole text when completed), ms. */
  generatedMs: number;
  /** Set by `conversation.item.truncate`. */
  truncatedMs: number | null;
  /** Digital silence before the speech, ms (latency profile `leadingSilenceMs`); absent: none. */
  leadingSilenceMs?: number;
}

/** One item of the conversation. */
export interface StoredItem {
  /** Current wire form, without audio bytes. */
  item: ConversationItem;
  userAudio: Buffer | null;
  userAudioMs: number;
  userAudioFormat: WireAudioFormat | null;
  assistant: AssistantAudio | null;
}

/** Audio length of an item as the client sees it (truncation applied), ms. */
export function assistantAudioMs(a: AssistantAudio): number {
  return a.truncatedMs === null ? a.generatedMs : Math.min(a.generatedMs, a.truncatedMs);
}

/** Encoded audio of an assistant item (synthesized, cut to its generated/truncated length). */
export function assistantAudioBytes(a: AssistantAudio): Buffer {
  const samples = synthesizeSpeechCached(a.text, { sampleRateHz: sampleRateHz(a.format), voice: a.voice, seed: a.seed });
  const speech = encodeFromPcm16(a.format, samples);
  const lead = bytesForMs(a.format, a.leadingSilenceMs ?? 0);
  const full = lead > 0 && speech.length > 0 ? Buffer.concat([silenceBytes(a.format, lead), speech]) : speech;
  return full.subarray(0, Math.min(full.length, bytesForMs(a.format, assistantAudioMs(a))));
}

/** The default conversation. */
export class Conversation {
  readonly id: string;
  readonly ledger = new ConversationLedger();
  private order: string[] = [];
  private readonly byId = new Map<string, StoredItem>();
  private userAudioBytes = 0;

  constructor(id: string, instructions: string) {
    this.id = id;
    this.ledger.setInstructions(instructions);
  }

  /** The session's instructions changed (they are billed as input, §6.1). */
  setInstructions(instructions: string): void {
    this.ledger.setInstructions(instructions);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): StoredItem | undefined {
    return this.byId.get(id);
  }

  /** Item ids in order. */
  ids(): readonly string[] {
    return this.order;
  }

  /** The last item, or undefined. */
  last(): StoredItem | undefined {
    const id = this.order[this.order.length - 1];
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** The id before `id`, or null when it is first. */
  previousIdOf(id: string): string | null {
    const i = this.order.indexOf(id);
    return i > 0 ? this.order[i - 1]! : null;
  }

  /** Whether a `function_call` with this `call_id` exists. */
  hasCallId(callId: string): boolean {
    for (const s of this.byId.values()) if (s.item.type === 'function_call' && s.item.call_id === callId) return true;
    return false;
  }

  /**
   * Inserts after `previousItemId` (`"root"`: at the start; undefined: at the end; the caller has
   * checked that the id exists). Returns the id of the item now before it, or null.
   */
  insert(stored: StoredItem, previousItemId?: string): string | null {
    const id = stored.item.id!;
    let index: number;
    if (previousItemId === undefined) index = this.order.length;
    else if (previousItemId === 'root') index = 0;
    else index = this.order.indexOf(previousItemId) + 1;
    const previous = index > 0 ? this.order[index - 1]! : null;
    this.order.splice(index, 0, id);
    this.byId.set(id, stored);
    if (stored.userAudio) {
      this.userAudioBytes += stored.userAudio.length;
      this.evictUserAudio();
    }
    this.ledger.insertItem(id, previous, storedItemTokens(stored));
    return previous;
  }

  /** Re-reads an item's tokens after it changed (streamed content, transcript, truncation). */
  touch(id: string): void {
    const s = this.byId.get(id);
    if (s) this.ledger.upsertItem(id, storedItemTokens(s));
  }

  /** Removes an item; false when unknown. */
  delete(id: string): boolean {
    const s = this.byId.get(id);
    if (!s) return false;
    this.byId.delete(id);
    this.order = this.order.filter((x) => x !== id);
    if (s.userAudio) this.userAudioBytes -= s.userAudio.length;
    this.ledger.removeItem(id);
    return true;
  }

  /** The item as `conversation.item.retrieved` shows it: with its audio bytes (base64). */
  retrieve(id: string): ConversationItem | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    const item = structuredClone(s.item);
    if (item.type === 'message') {
      const content = item.content as { type?: string; audio?: string }[];
      if (s.userAudio) {
        const part = content.find((c) => c.type === 'input_audio');
        if (part) part.audio = s.userAudio.toString('base64');
      }
      if (s.assistant) {
        const part = content.find((c) => c.type === 'output_audio');
        if (part) part.audio = assistantAudioBytes(s.assistant).toString('base64');
      }
    }
    return item;
  }

  private evictUserAudio(): void {
    for (const id of this.order) {
      if (this.userAudioBytes <= USER_AUDIO_BUDGET_BYTES) return;
      const s = this.byId.get(id)!;
      if (s.userAudio) {
        this.userAudioBytes -= s.userAudio.length;
        s.userAudio = null;
      }
    }
  }
}
