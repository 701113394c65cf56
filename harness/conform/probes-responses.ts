/**
 * Probes of response control and conversation items: a cancel mid-response (§3.7), barge-in with
 * server VAD and the client's truncate (§3.8), truncate errors, and item delete/retrieve (§2.2).
 */
import { describeError, pathOf } from './probe-session.ts';
import {
  addUserText,
  audioMsOf,
  completedAudioResponse,
  configure,
  expectCode,
  expectOpen,
  openRealtime,
  probePlan,
  requestResponse,
  responseCreated,
  responseDone,
  silenceFrames,
  speak,
  TRAILING_SILENCE_MS,
} from './probe-helpers.ts';
import { ProbeFailure, type ProbeDef } from './types.ts';

/** Attempts when a fast target finishes a response before the cancel reaches it. */
const RACE_ATTEMPTS = 3;

/** An item id no target has minted (§8.1 ids are `item_` + 21 base62). */
const NO_SUCH_ITEM = 'item_rthConformNoSuchItem0';

/** A cancel mid-response (§3.7: `response.done` cancelled, `client_cancelled`). */
export const cancelActiveProbe: ProbeDef = {
  id: 'PROBE-CANCEL-ACTIVE',
  description: 'response.cancel right after response.created → response.done status "cancelled", status_details {type:"cancelled", reason:"client_cancelled"}',
  source: '§3.7, §4.2 [T S1]',
  async run(ctx) {
    const s = await openRealtime(ctx);
    for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
      await addUserText(s, 'Describe the sea in three sentences.');
      const req = requestResponse(s);
      const responseId = await responseCreated(s, req);
      const since = s.mark();
      const cancel = s.builder.responseCancel();
      s.send(cancel);
      const done = await responseDone(s, responseId, req.since);
      const status = pathOf(done, 'response', 'status');
      if (status === 'cancelled') {
        const details = pathOf(done, 'response', 'status_details') as Record<string, unknown> | null | undefined;
        if (details?.['type'] !== 'cancelled' || details['reason'] !== 'client_cancelled') {
          throw new ProbeFailure(`cancelled response.done has status_details ${JSON.stringify(details ?? null)}, expected {type:"cancelled", reason:"client_cancelled"}`);
        }
        await s.pause(ctx.quietMs);
        const refused = s.eventsOfType('error', since).find((e) => pathOf(e, 'error', 'event_id') === cancel.event_id);
        if (refused) throw new ProbeFailure(`the cancel that ended ${responseId} was also answered by error ${JSON.stringify(pathOf(refused, 'error', 'code'))}`);
        expectOpen(s, 'after the cancel');
        ctx.note(`${responseId} cancelled (client_cancelled)`);
        return;
      }
      if (status !== 'completed') throw new ProbeFailure(`response.done after response.cancel has status ${JSON.stringify(status)}, expected "cancelled"`);
      // Completed: only acceptable if the response was over before the cancel arrived, which the
      // target then says with response_cancel_not_active (§3.7: "harmless race").
      const err = await s.waitForErrorAnswer(cancel.event_id, 'a response.cancel that came too late', since, ctx.note);
      if (err.code !== 'response_cancel_not_active') {
        throw new ProbeFailure(`response ${responseId} completed although cancelled; the cancel got ${describeError(err)}`);
      }
      ctx.note(`attempt ${attempt}: ${responseId} completed before the cancel arrived (response_cancel_not_active); retried`);
    }
    throw new ProbeFailure(`every response completed before response.cancel reached the target (${RACE_ATTEMPTS} attempts)`);
  },
};

/** Barge-in with server VAD and the client's truncate (§3.8). */
export const bargeInProbe: ProbeDef = {
  id: 'PROBE-BARGE-IN',
  description:
    'server_vad: speech while assistant audio streams → input_audio_buffer.speech_started and response.done "cancelled" with reason "turn_detected" (or "completed" when generation had finished, §3.8); then conversation.item.truncate → conversation.item.truncated',
  source: '§3.3, §3.8 [T S4, M S6]; item status after cancel unverified (§9.5: not checked)',
  async run(ctx) {
    const s = await ctx.open('realtime');
    await configure(s, probePlan('realtime', 'server_vad'));
    const since = s.mark();
    await speak(s, ctx.clips.first);
    const created = await s.waitForType('response.created', 'response.created for the VAD turn (§3.3)', { since });
    const responseId = pathOf(created, 'response', 'id');
    const firstDelta = await s.waitForType('response.output_audio.delta', `response.output_audio.delta of ${String(responseId)}`, { since }, (e) => pathOf(e, 'response_id') === responseId);
    const itemId = pathOf(firstDelta, 'item_id');
    if (typeof responseId !== 'string' || typeof itemId !== 'string') throw new ProbeFailure('response.created/output_audio.delta lack response or item ids');
    const bargeSince = s.mark();
    await s.sendFrames(ctx.clips.second.frames);
    await s.waitForType('input_audio_buffer.speech_started', 'input_audio_buffer.speech_started for speech over the answer', { since: bargeSince });
    const done = await responseDone(s, responseId, since);
    const status = pathOf(done, 'response', 'status');
    if (status === 'cancelled') {
      const reason = pathOf(done, 'response', 'status_details', 'reason');
      if (reason !== 'turn_detected') throw new ProbeFailure(`barged-in response cancelled with reason ${JSON.stringify(reason)}, expected "turn_detected"`);
      ctx.note(`${responseId} cancelled by the barge-in (turn_detected)`);
    } else if (status === 'completed') {
      ctx.note(`${responseId} had finished generating before the barge-in: completed (§3.8: accepted; only the truncate applies)`);
    } else {
      throw new ProbeFailure(`barged-in response ended with status ${JSON.stringify(status)}, expected "cancelled" (turn_detected) or "completed"`);
    }
    // §3.8: over WebSocket the client truncates what it did not play; half of what arrived is safely inside the item's audio.
    const receivedMs = audioMsOf(s, itemId, since);
    const audioEndMs = Math.max(1, Math.floor(receivedMs / 2));
    const truncSince = s.mark();
    const truncate = s.builder.truncate(itemId, audioEndMs);
    s.send(truncate);
    const truncated = await s.waitForType('conversation.item.truncated', `conversation.item.truncated for ${itemId}`, { since: truncSince, failOnErrorFor: truncate.event_id }, (e) => pathOf(e, 'item_id') === itemId);
    if (pathOf(truncated, 'content_index') !== 0 || pathOf(truncated, 'audio_end_ms') !== audioEndMs) {
      throw new ProbeFailure(`conversation.item.truncated has content_index ${JSON.stringify(pathOf(truncated, 'content_index'))}, audio_end_ms ${JSON.stringify(pathOf(truncated, 'audio_end_ms'))}, expected 0 and ${audioEndMs}`);
    }
    ctx.note(`truncated ${itemId} at ${audioEndMs} ms of ${Math.round(receivedMs)} ms received`);
    await s.sendFrames(silenceFrames(TRAILING_SILENCE_MS));
  },
};

/** Truncates the target must refuse (§3.8, §9.10). */
export const truncateErrorsProbe: ProbeDef = {
  id: 'PROBE-TRUNCATE-ERRORS',
  description:
    'conversation.item.truncate of a user item → error unsupported_content_type; past the end of the assistant audio → an error (code not captured, §9.10: any code); of an unknown item → an error (code unverified, §9.10: any code); never conversation.item.truncated',
  source: '§3.8, §4.2 [M S7 livekit#6158, twilio#45]; §9.10',
  async run(ctx) {
    const s = await openRealtime(ctx);
    const userItem = await addUserText(s, 'Hello there.');
    const { itemId, audioMs } = await completedAudioResponse(s);
    const cases: { what: string; itemId: string; audioEndMs: number; code: string | null }[] = [
      { what: `truncate of user item ${userItem}`, itemId: userItem, audioEndMs: 0, code: 'unsupported_content_type' },
      { what: `truncate of ${itemId} at ${Math.ceil(audioMs) + 5000} ms (audio ${Math.round(audioMs)} ms)`, itemId, audioEndMs: Math.ceil(audioMs) + 5000, code: null },
      { what: `truncate of unknown item ${NO_SUCH_ITEM}`, itemId: NO_SUCH_ITEM, audioEndMs: 0, code: null },
    ];
    for (const c of cases) {
      const since = s.mark();
      const truncate = s.builder.truncate(c.itemId, c.audioEndMs);
      s.send(truncate);
      const err = await s.waitForErrorAnswer(truncate.event_id, c.what, since, ctx.note, ['conversation.item.truncated']);
      if (c.code !== null) expectCode(err, c.code, c.what);
      else ctx.note(`${c.what}: error ${JSON.stringify(err.code ?? null)} (any code accepted, §9.10)`);
    }
    expectOpen(s, 'after the truncate errors');
  },
};

/** Item retrieve and delete, and their unknown-id errors (§2.2, §9.10). */
export const itemDeleteRetrieveProbe: ProbeDef = {
  id: 'PROBE-ITEM-DELETE-RETRIEVE',
  description:
    'conversation.item.retrieve → conversation.item.retrieved (same id); conversation.item.delete → conversation.item.deleted; retrieve/delete of a deleted or unknown id → an error (code unverified, §9.10: any code)',
  source: '§2.2, §2.3, §8.3 [T S1]; §9.10',
  async run(ctx) {
    const s = await openRealtime(ctx);
    const id = await addUserText(s, 'Remember the number seven.');
    let since = s.mark();
    const retrieve = s.builder.retrieveItem(id);
    s.send(retrieve);
    await s.waitForType('conversation.item.retrieved', `conversation.item.retrieved of ${id}`, { since, failOnErrorFor: retrieve.event_id }, (e) => pathOf(e, 'item', 'id') === id);
    since = s.mark();
    const del = s.builder.deleteItem(id);
    s.send(del);
    await s.waitForType('conversation.item.deleted', `conversation.item.deleted of ${id}`, { since, failOnErrorFor: del.event_id }, (e) => pathOf(e, 'item_id') === id);
    const errorCases = [
      { what: `retrieve of deleted item ${id}`, event: s.builder.retrieveItem(id), wrong: 'conversation.item.retrieved' },
      { what: `delete of unknown item ${NO_SUCH_ITEM}`, event: s.builder.deleteItem(NO_SUCH_ITEM), wrong: 'conversation.item.deleted' },
    ];
    for (const c of errorCases) {
      since = s.mark();
      s.send(c.event);
      const err = await s.waitForErrorAnswer(c.event.event_id, c.what, since, ctx.note, [c.wrong]);
      ctx.note(`${c.what}: error ${JSON.stringify(err.code ?? null)} (any code accepted, §9.10)`);
    }
    expectOpen(s, 'after the item errors');
  },
};
