/**
 * Issue 4, "every rule can fail": for every rule in the catalogue at least one mutated valid stream
 * makes it fire (with its id), and every valid fixture yields no error or warning findings.
 */
import { describe, expect, it } from 'vitest';
import { RULES, type RuleId } from '../../harness/conformance/catalogue.ts';
import type { StreamLine } from '../../harness/conformance/replay.ts';
import {
  all,
  checkFixture,
  drop,
  dup,
  FIXTURE_NAMES,
  insertAfter,
  moveAfter,
  moveBefore,
  set,
  setClose,
  type FixtureName,
  type Mutation,
} from './stream-mutations.ts';

interface BreakingCase {
  readonly fixture: FixtureName;
  readonly what: string;
  readonly mutate: Mutation;
}

const AUDIO: FixtureName = 'realtime-audio-response.jsonl';
const TEXT: FixtureName = 'realtime-text-response.jsonl';
const CALL: FixtureName = 'realtime-function-call.jsonl';
const CANCEL: FixtureName = 'realtime-cancel.jsonl';
const BARGE: FixtureName = 'realtime-barge-in.jsonl';
const TX: FixtureName = 'transcription.jsonl';
const TR: FixtureName = 'translation.jsonl';
const LV: FixtureName = 'live.jsonl';

const server = (event: Record<string, unknown>): StreamLine => ({ server: event });

/** At least one stream per rule that breaks it. */
const CASES: Record<RuleId, readonly BreakingCase[]> = {
  'RT-SESSION-001': [
    { fixture: AUDIO, what: 'session.created dropped', mutate: drop('session.created') },
    { fixture: AUDIO, what: 'session.created sent twice', mutate: dup('session.created') },
    { fixture: TR, what: 'translation stream starts with a delta', mutate: moveAfter('session.created', 0, 'session.updated') },
  ],
  'RT-SESSION-002': [
    { fixture: AUDIO, what: 'session.updated dropped', mutate: drop('session.updated') },
    { fixture: TR, what: 'translation session.updated dropped', mutate: drop('session.updated') },
  ],
  'RT-SESSION-003': [{ fixture: AUDIO, what: 'session.type transcription on a realtime session', mutate: set('session.created', 0, 'session.type', 'transcription') }],
  'RT-ORDER-001': [
    { fixture: AUDIO, what: 'response.created dropped', mutate: drop('response.created') },
    { fixture: AUDIO, what: 'delta without response_id', mutate: set('response.output_audio.delta', 0, 'response_id', undefined) },
  ],
  'RT-ORDER-002': [
    { fixture: AUDIO, what: 'audio delta moved after response.done', mutate: moveAfter('response.output_audio.delta', 2, 'response.done') },
    { fixture: AUDIO, what: 'response.done sent twice', mutate: dup('response.done') },
  ],
  'RT-ORDER-003': [
    {
      fixture: CALL,
      what: 'content part on a function_call item',
      mutate: insertAfter('response.function_call_arguments.done', 0, server({
        type: 'response.content_part.added', event_id: 'event_X0001', response_id: 'resp_C001', item_id: 'item_C003',
        output_index: 1, content_index: 0, part: { type: 'text', text: '' },
      })),
    },
    { fixture: AUDIO, what: 'content_part.added after output_item.done', mutate: moveAfter('response.content_part.added', 0, 'response.output_item.done') },
  ],
  'RT-ORDER-004': [
    { fixture: AUDIO, what: 'audio delta after output_audio.done', mutate: moveAfter('response.output_audio.delta', 0, 'response.output_audio.done') },
    { fixture: TEXT, what: 'text delta after content_part.done', mutate: moveAfter('response.output_text.delta', 3, 'response.content_part.done', 1) },
    { fixture: AUDIO, what: 'text delta inside an audio part', mutate: set('response.output_audio_transcript.delta', 0, 'type', 'response.output_text.delta') },
  ],
  'RT-ORDER-005': [
    { fixture: AUDIO, what: 'output_audio.done dropped', mutate: drop('response.output_audio.done') },
    { fixture: AUDIO, what: 'transcript done dropped', mutate: drop('response.output_audio_transcript.done') },
    { fixture: AUDIO, what: 'content_part.done twice', mutate: dup('response.content_part.done') },
  ],
  'RT-ORDER-006': [
    { fixture: AUDIO, what: 'content_part.done dropped', mutate: drop('response.content_part.done') },
    { fixture: AUDIO, what: 'output_item.done twice', mutate: dup('response.output_item.done') },
    { fixture: CALL, what: 'arguments done dropped', mutate: drop('response.function_call_arguments.done') },
  ],
  'RT-ORDER-007': [{ fixture: AUDIO, what: 'output_item.done dropped', mutate: drop('response.output_item.done') }],
  'RT-ORDER-008': [
    { fixture: TEXT, what: 'second response in the default conversation', mutate: set('response.created', 1, 'response.conversation_id', 'conv_B001') },
    { fixture: BARGE, what: 'cancelled response never done', mutate: drop('response.done', 0) },
  ],
  'RT-ORDER-009': [
    { fixture: CALL, what: 'arguments done twice', mutate: dup('response.function_call_arguments.done') },
    { fixture: CALL, what: 'arguments delta on a message item', mutate: set('response.function_call_arguments.delta', 0, 'item_id', 'item_C002') },
  ],
  'RT-ORDER-010': [
    { fixture: AUDIO, what: 'assistant conversation.item.added dropped', mutate: drop('conversation.item.added', 1) },
  ],
  'RT-ID-001': [
    { fixture: AUDIO, what: 'delta without event_id', mutate: set('response.output_audio.delta', 0, 'event_id', undefined) },
    { fixture: TR, what: 'translation delta with empty event_id', mutate: set('session.output_audio.delta', 0, 'event_id', '') },
  ],
  'RT-ID-002': [{ fixture: AUDIO, what: 'event_id reused', mutate: set('response.output_audio.delta', 1, 'event_id', 'event_A0013') }],
  'RT-ID-003': [
    { fixture: TEXT, what: 'response id reused', mutate: set('response.created', 1, 'response.id', 'resp_B001') },
    { fixture: AUDIO, what: 'response.created without id', mutate: set('response.created', 0, 'response.id', undefined) },
  ],
  'RT-ID-004': [
    { fixture: AUDIO, what: 'delta names the user item', mutate: set('response.output_audio.delta', 0, 'item_id', 'item_U001') },
    { fixture: AUDIO, what: 'output item id repeated', mutate: set('response.output_item.added', 0, 'item.id', 'item_U001') },
  ],
  'RT-ID-005': [
    { fixture: AUDIO, what: 'output_index changes', mutate: set('response.output_audio_transcript.delta', 0, 'output_index', 1) },
    { fixture: CALL, what: 'second item gets index 0', mutate: set('response.output_item.added', 1, 'output_index', 0) },
  ],
  'RT-ID-006': [
    { fixture: AUDIO, what: 'delta names part 1', mutate: set('response.output_audio.delta', 0, 'content_index', 1) },
    { fixture: AUDIO, what: 'first part has content_index 2', mutate: set('response.content_part.added', 0, 'content_index', 2) },
  ],
  'RT-ID-007': [
    { fixture: AUDIO, what: 'previous_item_id unknown', mutate: set('conversation.item.added', 1, 'previous_item_id', 'item_nope') },
    { fixture: TX, what: 'committed previous_item_id unknown', mutate: set('input_audio_buffer.committed', 1, 'previous_item_id', 'item_F999') },
  ],
  'RT-ID-008': [
    { fixture: CALL, what: 'call_id changes on a delta', mutate: set('response.function_call_arguments.delta', 1, 'call_id', 'call_other') },
    { fixture: CALL, what: 'name changes on done', mutate: set('response.function_call_arguments.done', 0, 'name', 'get_time') },
  ],
  'RT-CONTENT-001': [
    { fixture: AUDIO, what: 'odd PCM16 length', mutate: set('response.output_audio.delta', 0, 'delta', 'AA==') },
    { fixture: AUDIO, what: 'not base64', mutate: set('response.output_audio.delta', 1, 'delta', 'not base64!') },
    { fixture: AUDIO, what: 'delta not a string', mutate: set('response.output_audio.delta', 1, 'delta', 12) },
  ],
  'RT-CONTENT-002': [
    { fixture: AUDIO, what: 'transcript done differs', mutate: set('response.output_audio_transcript.done', 0, 'transcript', 'Hi there?') },
    { fixture: AUDIO, what: 'part.transcript differs', mutate: set('response.content_part.done', 0, 'part.transcript', 'Hi') },
    { fixture: AUDIO, what: 'transcript delta dropped', mutate: drop('response.output_audio_transcript.delta', 1) },
  ],
  'RT-CONTENT-003': [
    { fixture: TEXT, what: 'text done differs', mutate: set('response.output_text.done', 1, 'text', '2+2 is 5.') },
    { fixture: TEXT, what: 'text delta duplicated', mutate: dup('response.output_text.delta', 0) },
  ],
  'RT-CONTENT-004': [
    { fixture: CALL, what: 'arguments done differs', mutate: set('response.function_call_arguments.done', 0, 'arguments', '{"city":"Lyon"}') },
    { fixture: CALL, what: 'item arguments differ', mutate: set('response.output_item.done', 1, 'item.arguments', '{"city":"Nice"}') },
  ],
  'RT-CONTENT-005': [
    {
      fixture: CALL,
      what: 'arguments consistently truncated JSON',
      mutate: all(
        set('response.function_call_arguments.delta', 1, 'delta', '"Paris"'),
        set('response.function_call_arguments.done', 0, 'arguments', '{"city":"Paris"'),
        set('response.output_item.done', 1, 'item.arguments', '{"city":"Paris"'),
      ),
    },
  ],
  'RT-CONTENT-006': [{ fixture: AUDIO, what: 'part type video', mutate: set('response.content_part.added', 0, 'part.type', 'video') }],
  'RT-DONE-001': [{ fixture: AUDIO, what: 'status in_progress', mutate: set('response.done', 0, 'response.status', 'in_progress') }],
  'RT-DONE-002': [
    { fixture: CANCEL, what: 'cancel reason unknown', mutate: set('response.done', 0, 'response.status_details.reason', 'turn_finished') },
    { fixture: AUDIO, what: 'completed with cancelled details', mutate: set('response.done', 0, 'response.status_details', { type: 'cancelled', reason: 'client_cancelled' }) },
    { fixture: BARGE, what: 'cancelled without details', mutate: set('response.done', 0, 'response.status_details', null) },
  ],
  'RT-DONE-003': [
    { fixture: AUDIO, what: 'total ≠ input + output', mutate: set('response.done', 0, 'response.usage.total_tokens', 254) },
    { fixture: AUDIO, what: 'cached ≠ Σ cached details', mutate: set('response.done', 0, 'response.usage.input_token_details.cached_tokens', 70) },
    { fixture: AUDIO, what: 'output ≠ text + audio', mutate: set('response.done', 0, 'response.usage.output_token_details.audio_tokens', 90) },
    { fixture: AUDIO, what: 'input ≠ text + audio + image', mutate: set('response.done', 0, 'response.usage.input_token_details.image_tokens', 3) },
  ],
  'RT-DONE-004': [{ fixture: AUDIO, what: 'usage null on completed', mutate: set('response.done', 0, 'response.usage', null) }],
  'RT-DONE-005': [
    { fixture: AUDIO, what: 'output emptied', mutate: set('response.done', 0, 'response.output', []) },
    { fixture: CALL, what: 'output order swapped', mutate: (lines) => {
      const m = set('response.done', 0, 'response.output', []);
      const i = lines.findIndex((l) => 'server' in l && l.server['type'] === 'response.done');
      const out = ((lines[i] as { server: { response: { output: unknown[] } } }).server.response.output).slice().reverse();
      return set('response.done', 0, 'response.output', out)(m(lines));
    } },
  ],
  'RT-DONE-006': [{ fixture: AUDIO, what: 'response.created already completed', mutate: set('response.created', 0, 'response.status', 'completed') }],
  'RT-ERROR-001': [
    { fixture: CANCEL, what: 'error.message not a string', mutate: set('error', 0, 'error.message', 42) },
    { fixture: CANCEL, what: 'error object missing', mutate: set('error', 1, 'error', undefined) },
  ],
  'RT-ERROR-002': [{ fixture: CANCEL, what: 'error echoes an id never sent', mutate: set('error', 0, 'error.event_id', 'evt_never_sent') }],
  'RT-ERROR-003': [
    { fixture: AUDIO, what: 'remaining not a number', mutate: set('rate_limits.updated', 0, 'rate_limits.1.remaining', 'lots') },
    { fixture: AUDIO, what: 'rate_limits not an array', mutate: set('rate_limits.updated', 0, 'rate_limits', {}) },
  ],
  'RT-EVENT-001': [
    { fixture: AUDIO, what: 'beta audio delta name', mutate: set('response.output_audio.delta', 0, 'type', 'response.audio.delta') },
    { fixture: TEXT, what: 'beta conversation.item.created', mutate: set('conversation.item.added', 0, 'type', 'conversation.item.created') },
  ],
  'RT-EVENT-002': [{ fixture: AUDIO, what: 'unknown event type', mutate: insertAfter('response.created', 0, server({ type: 'response.thinking.delta', event_id: 'event_X0002' })) }],
  'RT-EVENT-003': [
    { fixture: AUDIO, what: 'truncated JSON frame', mutate: insertAfter('response.created', 0, { serverRaw: '{"type":"response.output_audio.delta","delta":"AAAA' }) },
    { fixture: TR, what: 'event without type', mutate: insertAfter('session.updated', 0, { serverRaw: '{"event_id":"event_X0003"}' }) },
  ],
  'RT-EVENT-004': [
    { fixture: TX, what: 'response on a transcription session', mutate: insertAfter('session.updated', 0, server({ type: 'response.created', event_id: 'event_X0004', response: { id: 'resp_X' } })) },
    { fixture: AUDIO, what: 'translation event on a realtime session', mutate: insertAfter('session.updated', 0, server({ type: 'session.output_transcript.delta', event_id: 'event_X0005', delta: 'hola' })) },
  ],
  'RT-VAD-001': [
    { fixture: BARGE, what: 'speech_started dropped', mutate: drop('input_audio_buffer.speech_started', 0) },
    { fixture: TX, what: 'speech_stopped names another item', mutate: set('input_audio_buffer.speech_stopped', 1, 'item_id', 'item_F001') },
  ],
  'RT-VAD-002': [
    { fixture: BARGE, what: 'end before start', mutate: set('input_audio_buffer.speech_stopped', 0, 'audio_end_ms', 100) },
    { fixture: BARGE, what: 'timeout end before start', mutate: set('input_audio_buffer.timeout_triggered', 0, 'audio_end_ms', 8000) },
    { fixture: TX, what: 'negative start', mutate: set('input_audio_buffer.speech_started', 0, 'audio_start_ms', -5) },
  ],
  'RT-VAD-003': [{ fixture: BARGE, what: 'committed item never added', mutate: drop('conversation.item.added', 4) }],
  'RT-VAD-004': [
    { fixture: BARGE, what: 'committed after item added', mutate: moveAfter('input_audio_buffer.committed', 0, 'conversation.item.added', 0) },
    { fixture: TX, what: 'transcription committed after item added', mutate: moveAfter('input_audio_buffer.committed', 0, 'conversation.item.added', 0) },
  ],
  'RT-TRANSCRIBE-001': [
    { fixture: TX, what: 'completion for an uncommitted item', mutate: set('conversation.item.input_audio_transcription.completed', 1, 'item_id', 'item_F999') },
    { fixture: TX, what: 'committed after the completion (added before)', mutate: moveAfter('input_audio_buffer.committed', 0, 'conversation.item.input_audio_transcription.completed', 0) },
    { fixture: AUDIO, what: 'realtime completion before commit and item', mutate: moveBefore('conversation.item.input_audio_transcription.completed', 0, 'input_audio_buffer.committed') },
  ],
  'RT-TRANSCRIBE-002': [{ fixture: TX, what: 'completion repeated', mutate: dup('conversation.item.input_audio_transcription.completed', 0) }],
  'RT-TRANSCRIBE-003': [
    { fixture: TX, what: 'token usage sum wrong', mutate: set('conversation.item.input_audio_transcription.completed', 0, 'usage.total_tokens', 27) },
    { fixture: TX, what: 'negative duration', mutate: set('conversation.item.input_audio_transcription.completed', 1, 'usage.seconds', -1) },
  ],
  'RT-TRANSCRIBE-004': [
    { fixture: TX, what: 'delta after completed', mutate: moveAfter('conversation.item.input_audio_transcription.delta', 1, 'conversation.item.input_audio_transcription.completed', 0) },
  ],
  'RT-TRANSLATE-001': [
    { fixture: TR, what: 'audio delta after session.closed', mutate: moveAfter('session.output_audio.delta', 2, 'session.closed') },
    { fixture: TR, what: 'session.closed twice', mutate: dup('session.closed') },
  ],
  'RT-TRANSLATE-002': [{ fixture: TR, what: 'session.closed dropped', mutate: drop('session.closed') }],
  'RT-TRANSLATE-003': [
    { fixture: TR, what: 'format not pcm16', mutate: set('session.output_audio.delta', 0, 'format', 'g711_ulaw') },
    { fixture: TR, what: 'odd byte count', mutate: set('session.output_audio.delta', 1, 'delta', 'AA==') },
    { fixture: TR, what: 'zero channels', mutate: set('session.output_audio.delta', 2, 'channels', 0) },
  ],
  'RT-TRANSLATE-004': [{ fixture: TR, what: 'sample_rate missing', mutate: set('session.output_audio.delta', 0, 'sample_rate', undefined) }],
  'RT-TRANSLATE-005': [
    { fixture: TR, what: 'elapsed_ms goes back', mutate: set('session.output_transcript.delta', 1, 'elapsed_ms', 0) },
    { fixture: TR, what: 'elapsed_ms negative', mutate: set('session.input_transcript.delta', 0, 'elapsed_ms', -200) },
  ],
  'RT-CLOSE-001': [
    { fixture: 'realtime-session-expired.jsonl', what: 'expiry closed with 1000', mutate: setClose(1000, 'OK') },
    { fixture: 'realtime-bad-key.jsonl', what: 'bad key closed with 1008', mutate: setClose(1008, 'policy') },
    { fixture: 'realtime-bad-key.jsonl', what: 'bad key close reason', mutate: setClose(3000, 'unauthorized') },
  ],
  'RT-CLOSE-002': [{ fixture: TR, what: 'translation closed with 1011', mutate: setClose(1011, 'internal') }],
  'LIVE-SESSION-001': [
    { fixture: LV, what: 'transcript before session.started', mutate: moveBefore('session.input_transcript.delta', 0, 'session.started') },
    { fixture: LV, what: 'session.started twice', mutate: dup('session.started') },
  ],
  'LIVE-SESSION-002': [
    { fixture: LV, what: 'session id without live_', mutate: set('session.started', 0, 'session.id', 'sess_123') },
    { fixture: LV, what: 'closed snapshot status not active', mutate: set('session.closed', 0, 'session.status', 'closed') },
  ],
  'LIVE-AUDIO-001': [
    { fixture: LV, what: 'event_id on a primary audio delta', mutate: set('session.output_audio.delta', 0, 'event_id', 'event_X1') },
    { fixture: LV, what: 'odd byte count', mutate: set('session.output_audio.delta', 1, 'delta', 'AA==') },
  ],
  'LIVE-TRANSCRIPT-001': [{ fixture: LV, what: 'end_ms before start_ms', mutate: set('session.input_transcript.delta', 0, 'end_ms', 100) }],
  'LIVE-TRANSCRIPT-002': [{ fixture: LV, what: 'input start_ms goes back', mutate: set('session.input_transcript.delta', 1, 'start_ms', 200) }],
  'LIVE-IDS-001': [
    { fixture: LV, what: 'usage update without event_id', mutate: set('session.usage.updated', 0, 'event_id', undefined) },
    { fixture: LV, what: 'repeated event_id', mutate: set('session.output_transcript.delta', 1, 'event_id', 'event_L0005') },
  ],
  'LIVE-USAGE-001': [{ fixture: LV, what: 'usage.seconds goes down at close', mutate: set('session.closed', 0, 'usage.seconds', 3) }],
  'LIVE-CLOSE-001': [
    { fixture: LV, what: 'audio after session.closed', mutate: moveAfter('session.output_audio.delta', 0, 'session.closed') },
    { fixture: LV, what: 'unknown close reason', mutate: set('session.closed', 0, 'reason', 'done') },
  ],
  'LIVE-CLOSE-002': [{ fixture: LV, what: 'session.closed dropped before a 1000 close', mutate: drop('session.closed') }],
  'LIVE-DELEGATION-001': [{ fixture: LV, what: 'delegation target responses on a client session', mutate: set('session.delegation.created', 0, 'delegation.target', 'responses') }],
  'LIVE-EVENTS-001': [
    { fixture: LV, what: 'a Realtime event on a Live socket', mutate: set('session.usage.updated', 0, 'type', 'response.done') },
    { fixture: LV, what: 'an SDK-reserved type', mutate: set('session.usage.updated', 0, 'type', 'open') },
  ],
  'LIVE-ERROR-001': [
    {
      fixture: LV,
      what: 'Realtime-shaped error with null param',
      mutate: insertAfter('session.usage.updated', 0, server({ type: 'error', event_id: 'event_X0002', error: { type: 'invalid_request_error', code: null, message: 'x', param: null } })),
    },
  ],
  'LIVE-ACK-001': [{ fixture: LV, what: 'ack echoing an id the client never sent', mutate: set('session.commentary.appended', 0, 'client_event_id', 'nope_1') }],
};

describe('every rule can fail', () => {
  it('every catalogue rule has at least one breaking case, and no case names an unknown rule', () => {
    const missing = RULES.map((r) => r.id).filter((id) => (CASES[id as RuleId]?.length ?? 0) === 0);
    expect(missing).toEqual([]);
    const known = new Set<string>(RULES.map((r) => r.id));
    expect(Object.keys(CASES).filter((id) => !known.has(id))).toEqual([]);
  });

  for (const rule of RULES) {
    for (const c of CASES[rule.id as RuleId] ?? []) {
      it(`${rule.id} fires: ${c.what} (${c.fixture})`, () => {
        const findings = checkFixture(c.fixture, c.mutate);
        const hits = findings.filter((f) => f.ruleId === rule.id);
        expect(hits.length, `findings: ${JSON.stringify(findings.map((f) => `${f.ruleId} ${f.message}`))}`).toBeGreaterThan(0);
        for (const h of hits) expect(h.severity).toBe(rule.severity);
      });
    }
  }
});

describe('valid fixtures', () => {
  for (const name of FIXTURE_NAMES) {
    it(`${name} produces no error or warning findings`, () => {
      const findings = checkFixture(name);
      expect(findings.filter((f) => f.severity !== 'info').map((f) => `${f.ruleId} #${f.eventIndex}: ${f.message}`)).toEqual([]);
    });
  }

  it('the unknown event in the text fixture is reported as info, never an error', () => {
    const findings = checkFixture(TEXT);
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([['RT-EVENT-002', 'info']]);
  });
});
