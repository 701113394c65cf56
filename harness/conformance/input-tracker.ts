/**
 * Conversation items and the input side of a realtime or transcription session: which item ids
 * exist (for `previous_item_id`), VAD speech start/stop pairs (§3.3), commits that must show up as
 * conversation items (§3.2), and input transcription results (§3.10). Memory is bounded by windows.
 */
import type { RuleId } from './catalogue.ts';
import type { EventRef } from './findings.ts';
import type { SessionKind } from './types.ts';
import { asObj, BoundedMap, BoundedSet, num, show, str, type Obj } from './util.ts';

const ADDED = 1;
const COMMITTED = 2;
const OUTPUT = 4;
const CLIENT = 8;

/** Item ids remembered per session. */
const ITEM_WINDOW = 16_384;

/** Events this tracker judges. */
const HANDLED = new Set([
  'conversation.item.added',
  'conversation.item.done',
  'input_audio_buffer.committed',
  'input_audio_buffer.speech_started',
  'input_audio_buffer.speech_stopped',
  'input_audio_buffer.timeout_triggered',
  'conversation.item.input_audio_transcription.delta',
  'conversation.item.input_audio_transcription.completed',
  'conversation.item.input_audio_transcription.failed',
]);

/** Tracks conversation items, VAD and input transcription for one session. */
export class InputTracker {
  private readonly items = new BoundedMap<number>(ITEM_WINDOW);
  private readonly speechStarts = new BoundedMap<number>(64);
  private readonly pendingCommits = new BoundedMap<EventRef>(256);
  private readonly transcribed = new BoundedSet(4096);
  private readonly finishedItems = new BoundedSet(4096);

  constructor(
    private readonly report: (ruleId: RuleId, message: string, at: EventRef) => void,
    private readonly kind: SessionKind,
  ) {}

  /** Whether this tracker judges events of `type`. */
  handles(type: string): boolean {
    return HANDLED.has(type);
  }

  /** A client `conversation.item.create` chose this item id. */
  noteClientItem(id: string): void {
    this.flag(id, CLIENT);
  }

  /** `response.output_item.added` announced this item id. */
  noteOutputItem(id: string): void {
    this.flag(id, OUTPUT);
  }

  /** `input` when `id` was committed or client-created, `added` when only announced by conversation.item.added. */
  known(id: string): 'input' | 'added' | undefined {
    const flags = this.items.get(id) ?? 0;
    if (flags & (COMMITTED | CLIENT)) return 'input';
    return flags & ADDED ? 'added' : undefined;
  }

  private flag(id: string, bit: number): void {
    this.items.set(id, (this.items.get(id) ?? 0) | bit);
  }

  /** Judges one event whose type {@link handles} accepts. */
  onEvent(type: string, ev: Obj, at: EventRef): void {
    switch (type) {
      case 'conversation.item.added': {
        const id = str(asObj(ev['item']), 'id');
        this.checkPrevious(ev, at);
        if (id === undefined) return;
        this.flag(id, ADDED);
        this.pendingCommits.delete(id);
        return;
      }
      case 'conversation.item.done': {
        const id = str(asObj(ev['item']), 'id');
        this.checkPrevious(ev, at);
        if (this.kind === 'realtime' && id !== undefined && !((this.items.get(id) ?? 0) & ADDED) && !this.items.overflowed) {
          this.report('RT-ORDER-010', `conversation.item.done for ${id}, which no conversation.item.added announced`, at);
        }
        return;
      }
      case 'input_audio_buffer.committed': {
        const id = str(ev, 'item_id');
        this.checkPrevious(ev, at);
        if (id === undefined) return;
        const already = (this.items.get(id) ?? 0) & ADDED;
        if (already) this.report('RT-VAD-004', `input_audio_buffer.committed for ${id} after its conversation.item.added`, at);
        this.flag(id, COMMITTED);
        if (this.kind === 'realtime' && !already) this.pendingCommits.set(id, at);
        return;
      }
      case 'input_audio_buffer.speech_started': {
        const id = str(ev, 'item_id');
        const start = this.ms(ev, 'audio_start_ms', at);
        if (id !== undefined) this.speechStarts.set(id, start ?? 0);
        return;
      }
      case 'input_audio_buffer.speech_stopped': {
        const id = str(ev, 'item_id');
        const end = this.ms(ev, 'audio_end_ms', at);
        const start = id === undefined ? undefined : this.speechStarts.get(id);
        if (id === undefined || start === undefined) {
          this.report('RT-VAD-001', `speech_stopped for item ${show(id)} without a speech_started for that item`, at);
          return;
        }
        this.speechStarts.delete(id);
        if (end !== undefined && end < start) this.report('RT-VAD-002', `speech_stopped audio_end_ms ${end} < speech_started audio_start_ms ${start} for ${id}`, at);
        return;
      }
      case 'input_audio_buffer.timeout_triggered': {
        const start = this.ms(ev, 'audio_start_ms', at);
        const end = this.ms(ev, 'audio_end_ms', at);
        if (start !== undefined && end !== undefined && end < start) this.report('RT-VAD-002', `timeout_triggered audio_end_ms ${end} < audio_start_ms ${start}`, at);
        return;
      }
      default:
        return this.onTranscription(type, ev, at);
    }
  }

  private ms(ev: Obj, key: string, at: EventRef): number | undefined {
    const v = num(ev, key);
    if (v === undefined || v < 0) {
      this.report('RT-VAD-002', `${at.type} ${key} is ${show(ev[key])}, expected a non-negative number`, at);
      return undefined;
    }
    return v;
  }

  private checkPrevious(ev: Obj, at: EventRef): void {
    const prev = ev['previous_item_id'];
    if (prev === undefined || prev === null || prev === 'root') return;
    if (typeof prev === 'string' && (this.items.has(prev) || this.items.overflowed)) return;
    this.report('RT-ID-007', `${at.type} previous_item_id ${show(prev)} is not an item seen earlier in the session`, at);
  }

  private onTranscription(type: string, ev: Obj, at: EventRef): void {
    const id = str(ev, 'item_id');
    if (type.endsWith('.delta')) {
      // Streaming ASR models send deltas before the commit (§3.10), so only "after the result" is wrong.
      if (id !== undefined && this.finishedItems.has(id)) this.report('RT-TRANSCRIBE-004', `transcription delta for ${id} after its result`, at);
      return;
    }
    // Transcription sessions have only committed input; realtime sessions also transcribe added items.
    const origin = this.kind === 'transcription' ? COMMITTED : COMMITTED | ADDED | CLIENT;
    if (id === undefined || !((this.items.get(id) ?? 0) & origin)) {
      const what = this.kind === 'transcription' ? 'committed' : 'committed or added';
      if (!this.items.overflowed) this.report('RT-TRANSCRIBE-001', `${type} for item ${show(id)}, which was not ${what} before`, at);
    }
    if (id !== undefined) this.finishedItems.add(id);
    const key = `${id}\u0000${show(ev['content_index'])}`;
    if (this.transcribed.has(key)) this.report('RT-TRANSCRIBE-002', `second transcription result for item ${show(id)} content_index ${show(ev['content_index'])}`, at);
    this.transcribed.add(key);
    if (type.endsWith('.completed') && ev['usage'] !== undefined && ev['usage'] !== null) {
      const problem = checkTranscriptionUsage(ev['usage']);
      if (problem) this.report('RT-TRANSCRIBE-003', `${type} for ${show(id)}: ${problem}`, at);
    }
  }

  /** End of session: commits never announced as conversation items (only when `obligations` apply). */
  finish(obligations: boolean): void {
    if (!obligations) return;
    for (const [id, at] of this.pendingCommits.entries()) {
      this.report('RT-VAD-003', `committed item ${id} never appeared as conversation.item.added`, at);
    }
  }
}

/** RT-TRANSCRIBE-003: problem of `…transcription.completed.usage` (§6.1), or null. */
export function checkTranscriptionUsage(usage: unknown): string | null {
  const u = asObj(usage);
  if (!u) return `usage is ${show(usage)}, expected an object`;
  if (u['type'] === 'duration') {
    const s = num(u, 'seconds');
    return s !== undefined && s >= 0 ? null : `duration usage seconds is ${show(u['seconds'])}, expected a non-negative number`;
  }
  if (u['type'] === 'tokens') {
    const total = num(u, 'total_tokens');
    const input = num(u, 'input_tokens');
    const output = num(u, 'output_tokens');
    if (total === undefined || input === undefined || output === undefined) {
      return `tokens usage needs numeric total/input/output_tokens, got ${show(u)}`;
    }
    return total === input + output ? null : `total_tokens ${total} ≠ input_tokens ${input} + output_tokens ${output}`;
  }
  return `usage.type is ${show(u['type'])}, expected "tokens" or "duration"`;
}
