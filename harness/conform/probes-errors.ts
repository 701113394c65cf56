/**
 * Probes of the documented, non-fatal request errors (§4.1, §4.2): a second `response.create`
 * while one is active, a commit under 100 ms, a cancel with nothing active, an unknown event type,
 * an unknown parameter and a voice change after assistant audio. Each checks the code (and param
 * where it is documented) and that the socket stays open.
 */
import { errorOf, pathOf } from './probe-session.ts';
import { addUserText, completedAudioResponse, expectCode, expectOpen, openRealtime, requestResponse, responseCreated, responseDone } from './probe-helpers.ts';
import { ProbeFailure, type ProbeDef } from './types.ts';

/** Attempts when a fast target finishes a response before the probe's next event reaches it. */
const RACE_ATTEMPTS = 3;

/** 40 ms of PCM16 24 kHz silence (under the 100 ms minimum commit, §3.2). */
const SHORT_AUDIO_B64 = Buffer.alloc(40 * 48).toString('base64');

/** A second `response.create` while one is active (§4.2 `conversation_already_has_active_response`). */
export const activeResponseProbe: ProbeDef = {
  id: 'PROBE-ACTIVE-RESPONSE',
  description:
    'response.create while a response is active → error conversation_already_has_active_response (non-fatal), no response.created/response.done for the rejected request',
  source: '§4.1, §4.2, §8.4 [M S7 arty#81, livekit#2064, livekit#6818]',
  async run(ctx) {
    const s = await openRealtime(ctx);
    for (let attempt = 1; attempt <= RACE_ATTEMPTS; attempt++) {
      await addUserText(s, 'Tell me a short story about a lighthouse.');
      const first = requestResponse(s);
      const firstId = await responseCreated(s, first);
      const since = s.mark();
      const second = s.builder.responseCreate();
      s.send(second);
      const answer = await s.waitFor(
        (e) => {
          const err = errorOf(e);
          if (err) return err.eventId === second.event_id || err.eventId === null || err.eventId === undefined;
          return e.kind !== 'malformed' && e.type === 'response.created' && pathOf(e, 'response', 'id') !== firstId;
        },
        `an answer to the second response.create (${second.event_id})`,
        { since },
      );
      const err = errorOf(answer);
      if (err) {
        expectCode(err, 'conversation_already_has_active_response', 'second response.create');
        if (err.eventId !== second.event_id) ctx.note(`error.event_id ${JSON.stringify(err.eventId ?? null)} does not echo ${second.event_id} (§4.1: noted)`);
        await responseDone(s, firstId, first.since);
        await s.pause(ctx.quietMs);
        const created = s.eventsOfType('response.created', first.since).map((e) => pathOf(e, 'response', 'id'));
        if (created.length !== 1) throw new ProbeFailure(`a response was created for the rejected response.create: response.created for ${created.join(', ')}`);
        const stray = s.events.slice(first.since).find((e) => {
          const rid = pathOf(e, 'response_id') ?? (e.kind !== 'malformed' && e.type.startsWith('response.') ? pathOf(e, 'response', 'id') : undefined);
          return typeof rid === 'string' && rid !== firstId;
        });
        if (stray && stray.kind !== 'malformed') throw new ProbeFailure(`${stray.type} for another response after the rejected response.create (§4.1: none expected)`);
        expectOpen(s, 'after conversation_already_has_active_response');
        ctx.note(`${firstId} ran; the second response.create got conversation_already_has_active_response`);
        return;
      }
      // A second response was created: a violation if the first was still active, else a race.
      const secondId = pathOf(answer, 'response', 'id') as string;
      const firstDone = s.events.findIndex((e, i) => i >= first.since && e.kind !== 'malformed' && e.type === 'response.done' && pathOf(e, 'response', 'id') === firstId);
      if (firstDone === -1 || firstDone > answer.index) {
        throw new ProbeFailure(`the target created ${secondId} while ${firstId} was still active (expected conversation_already_has_active_response)`);
      }
      ctx.note(`attempt ${attempt}: ${firstId} finished before the second response.create arrived; retried`);
      await responseDone(s, secondId, since);
    }
    throw new ProbeFailure(`every response finished before a second response.create could reach the target (${RACE_ATTEMPTS} attempts)`);
  },
};

/** A commit of under 100 ms of audio (§3.2 `input_audio_buffer_commit_empty`). */
export const commitEmptyProbe: ProbeDef = {
  id: 'PROBE-COMMIT-EMPTY',
  description: '40 ms of audio then input_audio_buffer.commit → error input_audio_buffer_commit_empty (non-fatal), no input_audio_buffer.committed',
  source: '§3.2, §4.2, §8.2 [M S7 agents-js#748]',
  async run(ctx) {
    const s = await openRealtime(ctx, 'manual');
    const since = s.mark();
    s.send(s.builder.append(SHORT_AUDIO_B64));
    const commit = s.builder.commit();
    s.send(commit);
    const err = await s.waitForErrorAnswer(commit.event_id, 'input_audio_buffer.commit of 40 ms', since, ctx.note, ['input_audio_buffer.committed']);
    expectCode(err, 'input_audio_buffer_commit_empty', 'commit of 40 ms');
    expectOpen(s, 'after input_audio_buffer_commit_empty');
  },
};

/** A cancel with nothing active (§3.7 `response_cancel_not_active`). */
export const cancelIdleProbe: ProbeDef = {
  id: 'PROBE-CANCEL-IDLE',
  description: 'response.cancel with no response active → error response_cancel_not_active (non-fatal), no response.done',
  source: '§3.7, §4.2 [M]',
  async run(ctx) {
    const s = await openRealtime(ctx);
    const since = s.mark();
    const cancel = s.builder.responseCancel();
    s.send(cancel);
    const err = await s.waitForErrorAnswer(cancel.event_id, 'response.cancel with nothing active', since, ctx.note, ['response.done']);
    expectCode(err, 'response_cancel_not_active', 'response.cancel with nothing active');
    expectOpen(s, 'after response_cancel_not_active');
  },
};

/** A client event of an unknown type (§4.2 `invalid_value`, param `type`). */
export const unknownEventProbe: ProbeDef = {
  id: 'PROBE-UNKNOWN-EVENT',
  description: 'a client event of unknown type → error invalid_value with param "type" (non-fatal)',
  source: '§4.2 [T S4, M]',
  async run(ctx) {
    const s = await openRealtime(ctx);
    const since = s.mark();
    const id = s.id('unknown_event');
    s.send({ type: 'rth.conform.unknown_event', event_id: id });
    const err = await s.waitForErrorAnswer(id, 'an unknown event type', since, ctx.note);
    expectCode(err, 'invalid_value', 'unknown event type', { expected: '"type"', ok: (p) => p === 'type' });
    await s.pause(ctx.quietMs);
    expectOpen(s, 'after invalid_value');
  },
};

/** The parameter the unknown-parameter probe sends (never a real session field). */
const UNKNOWN_PARAM = 'rth_conform_unknown_parameter';

/** An unknown `session.update` field (§4.2 `unknown_parameter`, dotted param). */
export const unknownParameterProbe: ProbeDef = {
  id: 'PROBE-UNKNOWN-PARAM',
  description: `session.update with session.${UNKNOWN_PARAM} → error unknown_parameter with the dotted param "session.${UNKNOWN_PARAM}" (non-fatal), no session.updated`,
  source: '§4.2 [M S7 langchain_dart#624]',
  async run(ctx) {
    const s = await openRealtime(ctx);
    const since = s.mark();
    const id = s.id('session_update');
    s.send({ type: 'session.update', event_id: id, session: { type: 'realtime', [UNKNOWN_PARAM]: true } });
    const err = await s.waitForErrorAnswer(id, 'a session.update with an unknown parameter', since, ctx.note, ['session.updated']);
    const param = `session.${UNKNOWN_PARAM}`;
    expectCode(err, 'unknown_parameter', 'unknown parameter', { expected: JSON.stringify(param), ok: (p) => p === param });
    expectOpen(s, 'after unknown_parameter');
  },
};

/** A voice change after assistant audio (§4.2 `cannot_update_voice`). */
export const voiceAfterAudioProbe: ProbeDef = {
  id: 'PROBE-VOICE-AFTER-AUDIO',
  description: 'a response with assistant audio, then session.update changing audio.output.voice → error cannot_update_voice (non-fatal), no session.updated',
  source: '§4.2, §5 [M S7 agents-python#1661]',
  async run(ctx) {
    const s = await openRealtime(ctx);
    const { responseId, audioMs } = await completedAudioResponse(s);
    ctx.note(`${responseId} completed with ${Math.round(audioMs)} ms of audio`);
    const since = s.mark();
    const id = s.id('session_update');
    s.send({ type: 'session.update', event_id: id, session: { type: 'realtime', audio: { output: { voice: 'cedar' } } } });
    const err = await s.waitForErrorAnswer(id, 'a voice change after assistant audio', since, ctx.note, ['session.updated']);
    expectCode(err, 'cannot_update_voice', 'voice change after audio');
    expectOpen(s, 'after cannot_update_voice');
  },
};
