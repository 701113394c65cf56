/**
 * The response state machine (§3.4–§3.7): which responses, output items and content parts are open,
 * the ids that tie events to them, and the content streamed inside them. Only open responses are
 * kept in full; closed ones leave just their id in a bounded window.
 */
import type { RuleId } from './catalogue.ts';
import type { EventRef } from './findings.ts';
import { checkCreatedShape, checkStatusDetails, checkTerminalStatus, checkUsage } from './response-done.ts';
import { asObj, base64DecodedBytes, BoundedSet, show, str, TextAccumulator, type Obj } from './util.ts';

/** What the tracker needs from the checker. */
export interface ResponseHost {
  report(ruleId: RuleId, message: string, at: EventRef): void;
  /** `type` of the session's current output audio format (`audio/pcm`, `audio/pcmu`, `audio/pcma`). */
  sessionOutputFormatType(): string | undefined;
  /** An output item id was announced (the checker's item registry learns it). */
  noteOutputItem(itemId: string): void;
  /**
   * What `itemId` already names: `input` (committed or client-created), `added` (only seen in
   * `conversation.item.added`), or undefined (new).
   */
  knownItem(itemId: string): 'input' | 'added' | undefined;
}

interface PartState {
  kind: 'audio' | 'text' | 'other';
  done: boolean;
  audioDone: boolean;
  transcriptDone: boolean;
  textDone: boolean;
  transcript: TextAccumulator | null;
  text: TextAccumulator | null;
}

interface ItemState {
  id: string;
  outputIndex: number;
  type: string | undefined;
  done: boolean;
  parts: Map<number, PartState>;
  callId: string | undefined;
  name: string | undefined;
  args: TextAccumulator | null;
  argsDone: boolean;
  argsDoneMatched: boolean;
  convAdded: boolean;
}

interface ResponseState {
  id: string;
  /** Writes to the default conversation (`conversation_id` not null). */
  isDefault: boolean;
  formatType: string | undefined;
  items: Map<string, ItemState>;
  order: string[];
}

/** Event types that carry a `response_id` and belong inside an open response. */
const SCOPED = new Set([
  'response.output_item.added',
  'response.output_item.done',
  'response.content_part.added',
  'response.content_part.done',
  'response.output_audio.delta',
  'response.output_audio.done',
  'response.output_audio_transcript.delta',
  'response.output_audio_transcript.done',
  'response.output_text.delta',
  'response.output_text.done',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
]);

/** Ids of responses and output items remembered for duplicate / after-done detection. */
const ID_WINDOW = 4096;

function partKind(type: string | undefined): PartState['kind'] {
  if (type === 'audio' || type === 'output_audio') return 'audio';
  if (type === 'text' || type === 'output_text') return 'text';
  return 'other';
}

/** Tracks every response of one realtime session. */
export class ResponseTracker {
  private readonly open = new Map<string, ResponseState>();
  private readonly seenResponses = new BoundedSet(ID_WINDOW);
  private readonly seenOutputItems = new BoundedSet(ID_WINDOW);

  constructor(private readonly host: ResponseHost) {}

  /** Whether this tracker judges events of `type`. */
  handles(type: string): boolean {
    return type === 'response.created' || type === 'response.done' || SCOPED.has(type);
  }

  /** Marks an output item as announced by `conversation.item.added`. */
  noteConversationItemAdded(itemId: string): void {
    for (const resp of this.open.values()) {
      const item = resp.items.get(itemId);
      if (item) item.convAdded = true;
    }
  }

  /** Judges one event whose type {@link handles} accepts. */
  onEvent(type: string, ev: Obj, at: EventRef): void {
    if (type === 'response.created') return this.onCreated(ev, at);
    if (type === 'response.done') return this.onDone(ev, at);
    const resp = this.lookup(str(ev, 'response_id'), type, at);
    if (!resp) return;
    switch (type) {
      case 'response.output_item.added': return this.onItemAdded(resp, ev, at);
      case 'response.output_item.done': return this.onItemDone(resp, ev, at);
      case 'response.content_part.added': return this.onPartAdded(resp, ev, at);
      case 'response.content_part.done': return this.onPartDone(resp, ev, at);
      case 'response.output_audio.delta': return this.onStream(resp, ev, at, 'audio', false);
      case 'response.output_audio.done': return this.onStream(resp, ev, at, 'audio', true);
      case 'response.output_audio_transcript.delta': return this.onStream(resp, ev, at, 'transcript', false);
      case 'response.output_audio_transcript.done': return this.onStream(resp, ev, at, 'transcript', true);
      case 'response.output_text.delta': return this.onStream(resp, ev, at, 'text', false);
      case 'response.output_text.done': return this.onStream(resp, ev, at, 'text', true);
      case 'response.function_call_arguments.delta': return this.onArgs(resp, ev, at, false);
      case 'response.function_call_arguments.done': return this.onArgs(resp, ev, at, true);
      default: return; // MCP argument events: only their response scope is judged.
    }
  }

  private lookup(rid: string | undefined, type: string, at: EventRef): ResponseState | undefined {
    if (rid === undefined) {
      this.host.report('RT-ORDER-001', `${type} carries no string response_id`, at);
      return undefined;
    }
    const resp = this.open.get(rid);
    if (resp) return resp;
    if (this.seenResponses.has(rid)) this.host.report('RT-ORDER-002', `${type} for ${rid} after its response.done`, at);
    else this.host.report('RT-ORDER-001', `${type} for ${rid}, which no response.created announced`, at);
    return undefined;
  }

  private onCreated(ev: Obj, at: EventRef): void {
    const response = asObj(ev['response']);
    const rid = str(response, 'id');
    if (!response || rid === undefined) {
      this.host.report('RT-ID-003', 'response.created carries no string response.id', at);
      return;
    }
    if (this.seenResponses.has(rid)) {
      this.host.report('RT-ID-003', `response.created reuses response id ${rid}`, at);
      return;
    }
    const shape = checkCreatedShape(response);
    if (shape.length > 0) this.host.report('RT-DONE-006', `response.created ${rid}: ${shape.join('; ')}`, at);
    // §8.4: `conversation: "none"` responses have `conversation_id: null` and may run in parallel.
    const isDefault = response['conversation_id'] !== null;
    if (isDefault) {
      for (const other of this.open.values()) {
        if (other.isDefault) {
          this.host.report('RT-ORDER-008', `response.created ${rid} while default-conversation response ${other.id} is still active`, at);
          break;
        }
      }
    }
    const format = asObj(asObj(asObj(response['audio'])?.['output'])?.['format']);
    this.seenResponses.add(rid);
    this.open.set(rid, { id: rid, isDefault, formatType: str(format, 'type'), items: new Map(), order: [] });
  }

  private onItemAdded(resp: ResponseState, ev: Obj, at: EventRef): void {
    const item = asObj(ev['item']);
    const id = str(item, 'id');
    if (!item || id === undefined) {
      this.host.report('RT-ID-004', `response.output_item.added in ${resp.id} carries no string item.id`, at);
      return;
    }
    const known = this.host.knownItem(id);
    if (resp.items.has(id) || this.seenOutputItems.has(id) || known === 'input') {
      this.host.report('RT-ID-004', `response.output_item.added reuses item id ${id}`, at);
      return;
    }
    const oi = ev['output_index'];
    const expected = resp.order.length;
    if (oi !== expected) this.host.report('RT-ID-005', `output_item.added ${id} has output_index ${show(oi)}, expected ${expected}`, at);
    const type = str(item, 'type');
    this.seenOutputItems.add(id);
    this.host.noteOutputItem(id);
    resp.order.push(id);
    resp.items.set(id, {
      id,
      outputIndex: typeof oi === 'number' ? oi : expected,
      type,
      done: false,
      parts: new Map(),
      callId: str(item, 'call_id'),
      name: str(item, 'name'),
      args: type === 'function_call' ? new TextAccumulator() : null,
      argsDone: false,
      argsDoneMatched: false,
      // conversation.item.added ahead of output_item.added is tolerated (only §3.4 prose orders them).
      convAdded: known === 'added',
    });
  }

  /** The output item named by `item_id` (or `item.id`), checked against the response and output_index. */
  private itemFor(resp: ResponseState, ev: Obj, at: EventRef, type: string, id: string | undefined): ItemState | undefined {
    if (id === undefined) {
      this.host.report('RT-ID-004', `${type} in ${resp.id} carries no string item id`, at);
      return undefined;
    }
    const item = resp.items.get(id);
    if (!item) {
      this.host.report('RT-ID-004', `${type} names item ${id}, which is not an output item of ${resp.id}`, at);
      return undefined;
    }
    if (ev['output_index'] !== item.outputIndex) {
      this.host.report('RT-ID-005', `${type} for ${id} has output_index ${show(ev['output_index'])}, expected ${item.outputIndex}`, at);
    }
    return item;
  }

  private partFor(item: ItemState, ev: Obj, at: EventRef, type: string): PartState | undefined {
    const ci = ev['content_index'];
    const part = typeof ci === 'number' ? item.parts.get(ci) : undefined;
    if (!part) this.host.report('RT-ID-006', `${type} for ${item.id} names content_index ${show(ci)}, which no content_part.added announced`, at);
    return part;
  }

  private onPartAdded(resp: ResponseState, ev: Obj, at: EventRef): void {
    const type = 'response.content_part.added';
    const item = this.itemFor(resp, ev, at, type, str(ev, 'item_id'));
    if (!item) return;
    if (item.done) return this.host.report('RT-ORDER-003', `content_part.added for ${item.id} after its output_item.done`, at);
    if (item.type !== undefined && item.type !== 'message') {
      return this.host.report('RT-ORDER-003', `content_part.added on a ${item.type} item ${item.id} (only message items have parts)`, at);
    }
    const ci = ev['content_index'];
    const expected = item.parts.size;
    if (ci !== expected) this.host.report('RT-ID-006', `content_part.added for ${item.id} has content_index ${show(ci)}, expected ${expected}`, at);
    const index = typeof ci === 'number' ? ci : expected;
    if (item.parts.has(index)) return;
    const partType = str(asObj(ev['part']), 'type');
    const kind = partKind(partType);
    if (kind === 'other') this.host.report('RT-CONTENT-006', `content_part.added part.type ${show(partType)}, expected "audio" or "text"`, at);
    item.parts.set(index, {
      kind,
      done: false,
      audioDone: false,
      transcriptDone: false,
      textDone: false,
      transcript: kind === 'text' ? null : new TextAccumulator(),
      text: kind === 'audio' ? null : new TextAccumulator(),
    });
  }

  private onStream(resp: ResponseState, ev: Obj, at: EventRef, stream: 'audio' | 'transcript' | 'text', isDone: boolean): void {
    const type = at.type;
    const item = this.itemFor(resp, ev, at, type, str(ev, 'item_id'));
    if (!item) return;
    const part = this.partFor(item, ev, at, type);
    if (!part) return;
    if (part.done) return this.host.report('RT-ORDER-004', `${type} for ${item.id} part ${show(ev['content_index'])} after its content_part.done`, at);
    const need = stream === 'text' ? 'text' : 'audio';
    if (part.kind !== need && part.kind !== 'other') {
      return this.host.report('RT-ORDER-004', `${type} inside the ${part.kind} content part of ${item.id}`, at);
    }
    const doneFlag = stream === 'audio' ? 'audioDone' : stream === 'transcript' ? 'transcriptDone' : 'textDone';
    if (part[doneFlag]) return this.host.report('RT-ORDER-004', `${type} for ${item.id} after that stream's done event`, at);
    if (stream === 'audio') {
      if (isDone) part.audioDone = true;
      else this.checkAudioDelta(resp, ev['delta'], at);
      return;
    }
    const rule: RuleId = stream === 'transcript' ? 'RT-CONTENT-002' : 'RT-CONTENT-003';
    const acc = (stream === 'transcript' ? part.transcript : part.text) ?? new TextAccumulator();
    if (stream === 'transcript') part.transcript = acc;
    else part.text = acc;
    if (!isDone) {
      const delta = ev['delta'];
      if (typeof delta === 'string') acc.append(delta);
      else this.host.report(rule, `${type} delta is ${show(delta)}, expected a string`, at);
      return;
    }
    part[doneFlag] = true;
    const field = stream === 'transcript' ? 'transcript' : 'text';
    const full = ev[field];
    if (typeof full !== 'string') return this.host.report(rule, `${type} ${field} is ${show(full)}, expected a string`, at);
    const diff = acc.mismatch(full);
    if (diff) this.host.report(rule, `${type} ${field} is not the concatenated deltas: ${diff}`, at);
  }

  private checkAudioDelta(resp: ResponseState, delta: unknown, at: EventRef): void {
    if (typeof delta !== 'string') return this.host.report('RT-CONTENT-001', `audio delta is ${show(delta)}, expected a base64 string`, at);
    const bytes = base64DecodedBytes(delta);
    if (bytes < 0) return this.host.report('RT-CONTENT-001', `audio delta of ${delta.length} chars is not valid base64`, at);
    const format = resp.formatType ?? this.host.sessionOutputFormatType() ?? 'audio/pcm';
    // §8.2: PCM16 is 2 bytes per sample (mono); G.711 is 1 byte per sample, any length fits.
    if (format === 'audio/pcm' && bytes % 2 !== 0) {
      this.host.report('RT-CONTENT-001', `audio delta decodes to ${bytes} bytes, odd for PCM16 (${format})`, at);
    }
  }

  private onPartDone(resp: ResponseState, ev: Obj, at: EventRef): void {
    const type = 'response.content_part.done';
    const item = this.itemFor(resp, ev, at, type, str(ev, 'item_id'));
    if (!item) return;
    const part = this.partFor(item, ev, at, type);
    if (!part) return;
    const ci = show(ev['content_index']);
    if (part.done) return this.host.report('RT-ORDER-005', `content_part.done for ${item.id} part ${ci} repeated`, at);
    const missing: string[] = [];
    if (part.kind === 'audio' && !part.audioDone) missing.push('response.output_audio.done');
    if (part.kind !== 'text' && (part.transcript?.deltas ?? 0) > 0 && !part.transcriptDone) missing.push('response.output_audio_transcript.done');
    if (part.kind === 'text' && !part.textDone) missing.push('response.output_text.done');
    if (missing.length > 0) this.host.report('RT-ORDER-005', `content_part.done for ${item.id} part ${ci} before ${missing.join(' and ')}`, at);
    const p = asObj(ev['part']);
    const transcript = p?.['transcript'];
    if (part.kind === 'audio' && typeof transcript === 'string' && part.transcript) {
      const diff = part.transcript.mismatch(transcript);
      if (diff) this.host.report('RT-CONTENT-002', `content_part.done part.transcript is not the concatenated deltas: ${diff}`, at);
    }
    const text = p?.['text'];
    if (part.kind === 'text' && typeof text === 'string' && part.text) {
      const diff = part.text.mismatch(text);
      if (diff) this.host.report('RT-CONTENT-003', `content_part.done part.text is not the concatenated deltas: ${diff}`, at);
    }
    part.done = true;
    part.transcript = null;
    part.text = null;
  }

  private onArgs(resp: ResponseState, ev: Obj, at: EventRef, isDone: boolean): void {
    const type = at.type;
    const item = this.itemFor(resp, ev, at, type, str(ev, 'item_id'));
    if (!item) return;
    if (item.type !== 'function_call') return this.host.report('RT-ORDER-009', `${type} on ${show(item.type)} item ${item.id}`, at);
    if (item.done) return this.host.report('RT-ORDER-009', `${type} for ${item.id} after its output_item.done`, at);
    if (item.argsDone) return this.host.report('RT-ORDER-009', `${type} for ${item.id} after function_call_arguments.done`, at);
    const callId = ev['call_id'];
    if (callId !== undefined && callId !== item.callId) {
      this.host.report('RT-ID-008', `${type} call_id ${show(callId)} ≠ ${show(item.callId)} announced for ${item.id}`, at);
    }
    const acc = item.args ?? new TextAccumulator();
    item.args = acc;
    if (!isDone) {
      const delta = ev['delta'];
      if (typeof delta === 'string') acc.append(delta);
      else this.host.report('RT-CONTENT-004', `${type} delta is ${show(delta)}, expected a string`, at);
      return;
    }
    item.argsDone = true;
    const name = ev['name'];
    if (name !== undefined && name !== item.name) this.host.report('RT-ID-008', `${type} name ${show(name)} ≠ ${show(item.name)} announced for ${item.id}`, at);
    const args = ev['arguments'];
    if (typeof args !== 'string') return this.host.report('RT-CONTENT-004', `${type} arguments is ${show(args)}, expected a string`, at);
    const diff = acc.mismatch(args);
    if (diff) this.host.report('RT-CONTENT-004', `${type} arguments are not the concatenated deltas: ${diff}`, at);
    else item.argsDoneMatched = true;
    if (!isJson(args)) this.host.report('RT-CONTENT-005', `function call ${item.id} arguments are not valid JSON: ${show(args)}`, at);
  }

  private onItemDone(resp: ResponseState, ev: Obj, at: EventRef): void {
    const doneItem = asObj(ev['item']);
    const item = this.itemFor(resp, ev, at, 'response.output_item.done', str(doneItem, 'id'));
    if (!item) return;
    if (item.done) return this.host.report('RT-ORDER-006', `output_item.done for ${item.id} repeated`, at);
    item.done = true;
    const open = [...item.parts].filter(([, p]) => !p.done).map(([i]) => i);
    if (open.length > 0) this.host.report('RT-ORDER-006', `output_item.done for ${item.id} while content part(s) ${open.join(', ')} are open`, at);
    if (item.type !== 'function_call') return;
    const callId = doneItem?.['call_id'];
    if (callId !== undefined && callId !== item.callId) {
      this.host.report('RT-ID-008', `output_item.done call_id ${show(callId)} ≠ ${show(item.callId)} announced for ${item.id}`, at);
    }
    const name = doneItem?.['name'];
    if (name !== undefined && name !== item.name) this.host.report('RT-ID-008', `output_item.done name ${show(name)} ≠ ${show(item.name)} announced for ${item.id}`, at);
    // A cancelled call may end without its arguments (§3.7, item status `incomplete` [R]); only completed calls are held to them.
    if (str(doneItem, 'status') !== 'completed') return;
    if (!item.argsDone) this.host.report('RT-ORDER-006', `output_item.done for function call ${item.id} before function_call_arguments.done`, at);
    const args = doneItem?.['arguments'];
    if (typeof args === 'string') {
      if (item.argsDoneMatched && item.args) {
        const diff = item.args.mismatch(args);
        if (diff) this.host.report('RT-CONTENT-004', `output_item.done ${item.id} arguments are not the concatenated deltas: ${diff}`, at);
      }
      if (!item.argsDone && !isJson(args)) this.host.report('RT-CONTENT-005', `function call ${item.id} arguments are not valid JSON: ${show(args)}`, at);
    }
    item.args = null;
  }

  private onDone(ev: Obj, at: EventRef): void {
    const response = asObj(ev['response']);
    const resp = this.lookup(str(response, 'id'), 'response.done', at);
    if (!resp || !response) return;
    this.open.delete(resp.id);
    const open = resp.order.filter((id) => !resp.items.get(id)?.done);
    if (open.length > 0) this.host.report('RT-ORDER-007', `response.done for ${resp.id} while output item(s) ${open.join(', ')} are not done`, at);
    const statusProblem = checkTerminalStatus(response);
    if (statusProblem) this.host.report('RT-DONE-001', `${resp.id}: ${statusProblem}`, at);
    const details = checkStatusDetails(response);
    if (details.length > 0) this.host.report('RT-DONE-002', `${resp.id}: ${details.join('; ')}`, at);
    const usage = asObj(response['usage']);
    if (usage) {
      const problems = checkUsage(usage);
      if (problems.length > 0) this.host.report('RT-DONE-003', `${resp.id}: ${problems.join('; ')}`, at);
    } else if (response['status'] === 'completed') {
      this.host.report('RT-DONE-004', `completed response ${resp.id} has usage ${show(response['usage'])}`, at);
    }
    this.checkOutputList(resp, response['output'], at);
    if (resp.isDefault) {
      const unannounced = resp.order.filter((id) => !resp.items.get(id)?.convAdded);
      if (unannounced.length > 0) {
        this.host.report('RT-ORDER-010', `output item(s) ${unannounced.join(', ')} of ${resp.id} never announced by conversation.item.added`, at);
      }
    }
  }

  private checkOutputList(resp: ResponseState, output: unknown, at: EventRef): void {
    if (output === undefined && resp.order.length === 0) return;
    if (!Array.isArray(output)) return this.host.report('RT-DONE-005', `response.done ${resp.id} output is ${show(output)}, expected an array`, at);
    const ids = output.map((o) => str(asObj(o), 'id') ?? '?');
    if (ids.length !== resp.order.length || ids.some((id, i) => id !== resp.order[i])) {
      this.host.report('RT-DONE-005', `response.done ${resp.id} output [${ids.join(', ')}] ≠ added items [${resp.order.join(', ')}]`, at);
    }
  }
}

function isJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
