/**
 * `conversation.item.create` / `retrieve` / `delete` / `truncate` (§2.2, §3.8, §8.4), with the
 * documented errors: unknown `previous_item_id` (item not added), duplicate id, unknown item id,
 * truncation of anything but assistant audio (`unsupported_content_type`) or beyond its length
 * ("Audio content of X ms is already shorter than Y ms"). A truncated item loses its transcript.
 */
import type { ServerEventOf } from '../../common/protocol/types.ts';
import type { WireEvent } from '../contract.ts';
import { duplicateItemId, invalidValue, itemNotFound, previousItemNotFound, truncateBeyondAudio, truncateUnsupportedContent } from '../errors.ts';
import { assistantAudioMs, type StoredItem } from './conversation.ts';
import { parseClientItem } from './items.ts';
import type { RealtimeState } from './state.ts';
import { asNumber, asString, fail, required, validated } from './validate.ts';

function ev(e: object): WireEvent {
  return e as WireEvent;
}

/** `conversation.item.create`. */
export function handleItemCreate(state: RealtimeState, event: WireEvent, eventId: string | null): void {
  const ctx = state.ctx;
  const conv = state.conversation;
  const parsed = validated(() => {
    const prev = event['previous_item_id'];
    const previous = prev === undefined || prev === null ? undefined : asString(prev, 'previous_item_id');
    if (previous !== undefined && previous !== 'root' && !conv.has(previous)) fail(previousItemNotFound(previous));
    const knownCallIds = new Set<string>();
    for (const id of conv.ids()) {
      const it = conv.get(id)!.item;
      if (it.type === 'function_call' && it.call_id) knownCallIds.add(it.call_id);
    }
    const p = parseClientItem(required(event, 'item', ''), 'item', { ids: ctx.ids, inputFormat: state.session.audio.input.format, knownCallIds });
    return { previous, p };
  });
  if (!parsed.ok) {
    ctx.sendError({ ...parsed.error, eventId });
    return;
  }
  const { previous, p } = parsed.value;
  const id = p.item.id!;
  if (conv.has(id)) {
    ctx.sendError({ ...duplicateItemId(id), eventId });
    return;
  }
  const stored: StoredItem = { item: p.item, userAudio: p.audio, userAudioMs: p.audioMs, userAudioFormat: p.audio ? state.session.audio.input.format : null, assistant: null };
  const previousItemId = conv.insert(stored, previous);
  ctx.send(ev({ type: 'conversation.item.added', previous_item_id: previousItemId, item: structuredClone(p.item) } satisfies Omit<ServerEventOf<'conversation.item.added'>, 'event_id'>));
  ctx.send(ev({ type: 'conversation.item.done', previous_item_id: previousItemId, item: structuredClone(p.item) } satisfies Omit<ServerEventOf<'conversation.item.done'>, 'event_id'>));
  if (p.item.type === 'message' && p.item.role === 'user') {
    state.turnCount += 1;
    state.turnAnswered = false;
    state.lastTurnEndUs = ctx.clock.nowUs();
    state.lastTurnAudioEndUs = null;
  }
}

function itemIdOf(state: RealtimeState, event: WireEvent, eventId: string | null): string | null {
  const r = validated(() => asString(required(event, 'item_id', ''), 'item_id'));
  if (!r.ok) {
    state.ctx.sendError({ ...r.error, eventId });
    return null;
  }
  return r.value;
}

/** `conversation.item.retrieve` → `conversation.item.retrieved` (with audio bytes). */
export function handleItemRetrieve(state: RealtimeState, event: WireEvent, eventId: string | null): void {
  const id = itemIdOf(state, event, eventId);
  if (id === null) return;
  const item = state.conversation.retrieve(id);
  if (!item) {
    state.ctx.sendError({ ...itemNotFound('retrieve', id), eventId });
    return;
  }
  state.ctx.send(ev({ type: 'conversation.item.retrieved', item } satisfies Omit<ServerEventOf<'conversation.item.retrieved'>, 'event_id'>));
}

/** `conversation.item.delete` → `conversation.item.deleted`. */
export function handleItemDelete(state: RealtimeState, event: WireEvent, eventId: string | null): void {
  const id = itemIdOf(state, event, eventId);
  if (id === null) return;
  if (!state.conversation.delete(id)) {
    state.ctx.sendError({ ...itemNotFound('delete', id), eventId });
    return;
  }
  state.ctx.send(ev({ type: 'conversation.item.deleted', item_id: id } satisfies Omit<ServerEventOf<'conversation.item.deleted'>, 'event_id'>));
}

/** `conversation.item.truncate` → `conversation.item.truncated` (assistant audio only). */
export function handleItemTruncate(state: RealtimeState, event: WireEvent, eventId: string | null): void {
  const ctx = state.ctx;
  const parsed = validated(() => ({
    id: asString(required(event, 'item_id', ''), 'item_id'),
    contentIndex: asNumber(required(event, 'content_index', ''), 'content_index', { min: 0, integer: true }),
    audioEndMs: asNumber(required(event, 'audio_end_ms', ''), 'audio_end_ms', { min: 0, integer: true }),
  }));
  if (!parsed.ok) {
    ctx.sendError({ ...parsed.error, eventId });
    return;
  }
  const { id, contentIndex, audioEndMs } = parsed.value;
  const stored = state.conversation.get(id);
  if (!stored) {
    ctx.sendError({ ...itemNotFound('truncate', id), eventId });
    return;
  }
  const a = stored.assistant;
  if (!a || a.generatedMs <= 0) {
    ctx.sendError({ ...truncateUnsupportedContent(), eventId });
    return;
  }
  if (contentIndex !== 0) {
    ctx.sendError({ ...invalidValue('content_index', contentIndex, [0]), eventId });
    return;
  }
  const lengthMs = assistantAudioMs(a);
  // A millisecond of slack for clients that round the byte-derived duration up (§8.2).
  if (audioEndMs > Math.ceil(lengthMs) + 1) {
    ctx.sendError({ ...truncateBeyondAudio(lengthMs, audioEndMs), eventId });
    return;
  }
  a.truncatedMs = Math.min(audioEndMs, a.generatedMs);
  // §2.2: the server drops the part's text transcript; no partial transcript is kept.
  const part = (stored.item as { content?: { transcript?: string | null }[] }).content?.[0];
  if (part && 'transcript' in part) part.transcript = '';
  state.conversation.touch(id);
  ctx.send(ev({ type: 'conversation.item.truncated', item_id: id, content_index: contentIndex, audio_end_ms: audioEndMs } satisfies Omit<ServerEventOf<'conversation.item.truncated'>, 'event_id'>));
}
