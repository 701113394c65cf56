/**
 * The rule catalogue, as data. Ids are stable: a check that changes meaning gets a new id.
 * `source` cites docs/realtime-protocol.md (§) and its S-numbers. Rules whose fact §9 lists as
 * unverified are warning/info and say so.
 */
import type { RuleDef, SessionKind } from './types.ts';

const ALL: readonly SessionKind[] = ['realtime', 'transcription', 'translation'];
const RT: readonly SessionKind[] = ['realtime'];
const RT_TX: readonly SessionKind[] = ['realtime', 'transcription'];
const TR: readonly SessionKind[] = ['translation'];
/** GPT-Live sessions: their rules cite docs/live-protocol.md (§, L-numbers) instead. */
const LV: readonly SessionKind[] = ['live'];

/** Every rule the checker implements, grouped in report order. */
export const RULES = [
  // ── session ──────────────────────────────────────────────────────────────────────────────────
  { id: 'RT-SESSION-001', severity: 'error', group: 'session', sessionKinds: ALL, source: '§3.1 [T, M S6]; §2.5',
    description: '`session.created` is the first server event and is sent once (an `error` may precede it when the session is refused, §4.3).' },
  { id: 'RT-SESSION-002', severity: 'error', group: 'session', sessionKinds: ALL, source: '§2.2, §4.1, §3.1',
    description: 'Every client `session.update` is answered by `session.updated` or by an `error` echoing its `event_id` before the session ends (not checked after an abnormal close or a fatal error).' },
  { id: 'RT-SESSION-003', severity: 'warning', group: 'session', sessionKinds: ALL, source: '§2.4, §2.5, §5 [T S1]',
    description: '`session.created`/`session.updated` `session.type`, when present, matches the session kind (realtime, transcription, translation).' },

  // ── response lifecycle (§3.4–§3.7) ────────────────────────────────────────────────────────────
  { id: 'RT-ORDER-001', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§2.3, §3.4 [T S1]',
    description: 'Every response-scoped event carries the `response_id` of a response already announced by `response.created`.' },
  { id: 'RT-ORDER-002', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§3.4 step 11, §3.7',
    description: 'Nothing is sent for a response after its `response.done` (WebRTC `output_audio_buffer.*` excepted).' },
  { id: 'RT-ORDER-003', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§3.4 steps 3–5, §3.6',
    description: '`response.content_part.added` only inside an open (added, not done) `message` output item of its response.' },
  { id: 'RT-ORDER-004', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§3.4 steps 6–7, §3.5',
    description: 'Audio, transcript and text deltas and their `*.done` only inside an open content part of the matching type, never after that stream\'s `*.done`.' },
  { id: 'RT-ORDER-005', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§3.4 steps 7–8, §3.5, §3.7; §9.4',
    description: '`response.content_part.done` closes an open part after its stream `*.done` events (`output_audio.done` / `output_text.done`, transcript done when transcript deltas were sent); audio-vs-transcript done order not checked (§9.4).' },
  { id: 'RT-ORDER-006', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§3.4 step 9, §3.6',
    description: '`response.output_item.done` closes an open item once, after all its content parts are done (and, for a completed function call, after `function_call_arguments.done`).' },
  { id: 'RT-ORDER-007', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§3.4 step 11, §3.7',
    description: '`response.done` comes after every output item of the response is done.' },
  { id: 'RT-ORDER-008', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§8.4, §4.2 [M S7 arty#81, livekit#2064]',
    description: 'At most one default-conversation response is active at a time (`conversation_id: null` out-of-band responses may overlap).' },
  { id: 'RT-ORDER-009', severity: 'error', group: 'lifecycle', sessionKinds: RT, source: '§3.6 [T S1]',
    description: '`response.function_call_arguments.delta`/`.done` only inside an open `function_call` output item, with at most one `.done`.' },
  { id: 'RT-ORDER-010', severity: 'warning', group: 'lifecycle', sessionKinds: RT, source: '§3.4 step 4, §3.6; §9.4',
    description: 'Each output item of a default-conversation response is announced by `conversation.item.added` before `response.done`; `conversation.item.done` only for an added item. Lenient: its order against `output_item.done` is unverified (§9.4).' },

  // ── ids ───────────────────────────────────────────────────────────────────────────────────────
  { id: 'RT-ID-001', severity: 'error', group: 'ids', sessionKinds: ALL, source: '§2 [T S1]',
    description: 'Every server event carries a non-empty string `event_id` (except the SIP `input_audio_buffer.dtmf_event_received`).' },
  { id: 'RT-ID-002', severity: 'error', group: 'ids', sessionKinds: ALL, source: '§2, §8.1',
    description: 'Server `event_id`s are unique within the session (checked over a window of the last 8,192 events).' },
  { id: 'RT-ID-003', severity: 'error', group: 'ids', sessionKinds: RT, source: '§2.3, §8.1',
    description: '`response.created` carries a string `response.id` not used before in the session.' },
  { id: 'RT-ID-004', severity: 'error', group: 'ids', sessionKinds: RT, source: '§2.3 [T S1]',
    description: 'Output item ids are strings, unique, and every `item_id` on a part/delta/done event names an output item of the same response.' },
  { id: 'RT-ID-005', severity: 'error', group: 'ids', sessionKinds: RT, source: '§3.4 step 3, §3.6',
    description: '`output_index` is assigned 0, 1, … per response by `output_item.added` and repeated unchanged by every later event for that item.' },
  { id: 'RT-ID-006', severity: 'error', group: 'ids', sessionKinds: RT, source: '§3.4 step 5',
    description: '`content_index` is assigned 0, 1, … per item by `content_part.added`; later events name an announced part.' },
  { id: 'RT-ID-007', severity: 'error', group: 'ids', sessionKinds: RT_TX, source: '§2.3, §3.2, §8.4',
    description: '`previous_item_id` (`conversation.item.added`/`.done`, `input_audio_buffer.committed`) is null, "root" or an item seen earlier in the session.' },
  { id: 'RT-ID-008', severity: 'error', group: 'ids', sessionKinds: RT, source: '§3.6, §8.1',
    description: 'A function call\'s `call_id` (and `name`) is the same on `output_item.added`, `function_call_arguments.delta`/`.done` and `output_item.done`.' },

  // ── content ───────────────────────────────────────────────────────────────────────────────────
  { id: 'RT-CONTENT-001', severity: 'error', group: 'content', sessionKinds: RT, source: '§2.3, §5, §8.2',
    description: '`response.output_audio.delta` is valid base64 whose decoded length fits the output format (PCM16: an even number of bytes).' },
  { id: 'RT-CONTENT-002', severity: 'error', group: 'content', sessionKinds: RT, source: '§2.3, §3.4 steps 7–8',
    description: 'The transcript in `output_audio_transcript.done` and `content_part.done` equals the concatenated transcript deltas.' },
  { id: 'RT-CONTENT-003', severity: 'error', group: 'content', sessionKinds: RT, source: '§3.5',
    description: 'The text in `output_text.done` and `content_part.done` equals the concatenated text deltas.' },
  { id: 'RT-CONTENT-004', severity: 'error', group: 'content', sessionKinds: RT, source: '§3.6',
    description: '`function_call_arguments.done.arguments` (and the completed item\'s `arguments`) equals the concatenated argument deltas.' },
  { id: 'RT-CONTENT-005', severity: 'error', group: 'content', sessionKinds: RT, source: '§3.6, §2.2',
    description: 'A completed function call\'s `arguments` is valid JSON.' },
  { id: 'RT-CONTENT-006', severity: 'error', group: 'content', sessionKinds: RT, source: '§2.3, §8.3 [T S1, S3]',
    description: '`content_part.added` `part.type` is `audio` or `text` (`output_audio`/`output_text` tolerated, §8.3).' },

  // ── response.done ─────────────────────────────────────────────────────────────────────────────
  { id: 'RT-DONE-001', severity: 'error', group: 'response-done', sessionKinds: RT, source: '§2.3, §4.2 [T S1]',
    description: '`response.done` status is one of completed, cancelled, failed, incomplete.' },
  { id: 'RT-DONE-002', severity: 'error', group: 'response-done', sessionKinds: RT, source: '§3.7, §3.8, §4.2, §5 [T S1, M S6]',
    description: '`status_details` fits the status: null for completed; `{type:"cancelled", reason: turn_detected|client_cancelled}`; `{type:"incomplete", reason: max_output_tokens|content_filter}`; `{type:"failed", error?}`.' },
  { id: 'RT-DONE-003', severity: 'error', group: 'response-done', sessionKinds: RT, source: '§6.1 [T S1, S4]',
    description: 'Usage invariants: total = input + output; input = text + audio + image; cached = Σ cached details ≤ input; output = text + audio; all non-negative integers.' },
  { id: 'RT-DONE-004', severity: 'error', group: 'response-done', sessionKinds: RT, source: '§6.1, §5 [M S6]',
    description: 'A completed `response.done` carries a `usage` object.' },
  { id: 'RT-DONE-005', severity: 'error', group: 'response-done', sessionKinds: RT, source: '§2.3, §3.6',
    description: '`response.done.response.output` lists exactly the items announced by `output_item.added`, in order.' },
  { id: 'RT-DONE-006', severity: 'warning', group: 'response-done', sessionKinds: RT, source: '§2.3, §5 [M S6]',
    description: '`response.created` has status `in_progress`, an empty `output`, and null `usage`/`status_details`.' },

  // ── errors and rate limits ────────────────────────────────────────────────────────────────────
  { id: 'RT-ERROR-001', severity: 'error', group: 'errors', sessionKinds: ALL, source: '§4.1 [T S1]',
    description: '`error` events are well-formed: `error.type` and `error.message` strings; `code`, `param`, `event_id` string or null.' },
  { id: 'RT-ERROR-002', severity: 'error', group: 'errors', sessionKinds: ALL, source: '§4.1 [M S7 livekit#6818]',
    description: 'A non-null `error.event_id` echoes the `event_id` of a client event sent in this session (window of the last 4,096 ids).' },
  { id: 'RT-ERROR-003', severity: 'error', group: 'errors', sessionKinds: RT, source: '§6.3 [T S1, M S8]; §9.3',
    description: '`rate_limits.updated` is well-formed: `rate_limits[]` of `{name, limit, remaining, reset_seconds}`. Its position and which entries are sent are unverified (§9.3) and not checked.' },

  // ── event names ───────────────────────────────────────────────────────────────────────────────
  { id: 'RT-EVENT-001', severity: 'error', group: 'events', sessionKinds: ALL, source: '§2.1 [T S1, S2]',
    description: 'No beta-era event names on a GA session (`response.audio.delta`, `response.text.*`, `conversation.item.created`, `transcription_session.*`, …).' },
  { id: 'RT-EVENT-002', severity: 'info', group: 'events', sessionKinds: ALL, source: '§8.3 [T S2, S3]',
    description: 'Unknown event types are recorded, never failed (clients must tolerate them).' },
  { id: 'RT-EVENT-003', severity: 'error', group: 'events', sessionKinds: ALL, source: '§2 [T S1]',
    description: 'Every frame is a JSON text frame holding an object with a string `type`.' },
  { id: 'RT-EVENT-004', severity: 'warning', group: 'events', sessionKinds: ALL, source: '§2.4, §2.5',
    description: 'Events belong to the session kind (no responses on transcription sessions, no translation events on realtime sessions, only translation events on translation sessions).' },

  // ── VAD and input buffer ──────────────────────────────────────────────────────────────────────
  { id: 'RT-VAD-001', severity: 'error', group: 'vad', sessionKinds: RT_TX, source: '§3.3 [T S4, M S6 #274]',
    description: '`input_audio_buffer.speech_stopped` follows a `speech_started` with the same `item_id`.' },
  { id: 'RT-VAD-002', severity: 'error', group: 'vad', sessionKinds: RT_TX, source: '§2.3, §3.3',
    description: '`audio_end_ms` ≥ `audio_start_ms` (speech_stopped against its speech_started; timeout_triggered), both non-negative numbers.' },
  { id: 'RT-VAD-003', severity: 'error', group: 'vad', sessionKinds: RT, source: '§3.2, §3.3; §9.2',
    description: 'A committed item (`input_audio_buffer.committed`) appears as `conversation.item.added` (realtime sessions; not checked on transcription sessions, §9.2).' },

  { id: 'RT-VAD-004', severity: 'error', group: 'vad', sessionKinds: RT_TX, source: '§3.2, §3.3, §3.10',
    description: '`input_audio_buffer.committed` for an item comes before that item\'s `conversation.item.added`.' },

  // ── transcription ─────────────────────────────────────────────────────────────────────────────
  { id: 'RT-TRANSCRIBE-001', severity: 'error', group: 'transcription', sessionKinds: RT_TX, source: '§3.2, §3.10 [M S8 1371205]',
    description: '`…input_audio_transcription.completed`/`.failed` refers to an item already committed (on realtime sessions: or already added to the conversation).' },
  { id: 'RT-TRANSCRIBE-002', severity: 'warning', group: 'transcription', sessionKinds: RT_TX, source: '§3.10',
    description: 'At most one transcription `completed`/`failed` per item and content index.' },
  { id: 'RT-TRANSCRIBE-003', severity: 'error', group: 'transcription', sessionKinds: RT_TX, source: '§2.3, §6.1 [T S1]',
    description: 'Transcription `completed.usage`, when present, is `{type:"tokens"}` with total = input + output, or `{type:"duration", seconds ≥ 0}`.' },
  { id: 'RT-TRANSCRIBE-004', severity: 'error', group: 'transcription', sessionKinds: RT_TX, source: '§3.2, §3.10',
    description: 'No `…input_audio_transcription.delta` for an item after its `completed`/`failed` (deltas precede the result; across items any order).' },

  // ── translation ───────────────────────────────────────────────────────────────────────────────
  { id: 'RT-TRANSLATE-001', severity: 'error', group: 'translation', sessionKinds: TR, source: '§2.5, §3.11 [T S1, S2]',
    description: '`session.closed` is the last server event of a translation session.' },
  { id: 'RT-TRANSLATE-002', severity: 'error', group: 'translation', sessionKinds: TR, source: '§3.11',
    description: 'A client `session.close` is answered by `session.closed` before the socket closes (not checked after an abnormal close).' },
  { id: 'RT-TRANSLATE-003', severity: 'error', group: 'translation', sessionKinds: TR, source: '§2.5, §8.2 [T S1]',
    description: '`session.output_audio.delta` is valid base64 PCM16 (even length); `format`, when present, is "pcm16"; `sample_rate` and `channels` positive integers.' },
  { id: 'RT-TRANSLATE-004', severity: 'warning', group: 'translation', sessionKinds: TR, source: '§2.5 [T S1: optional in the SDK type]',
    description: '`session.output_audio.delta` carries `format`, `sample_rate` and `channels`.' },
  { id: 'RT-TRANSLATE-005', severity: 'error', group: 'translation', sessionKinds: TR, source: '§2.5',
    description: '`elapsed_ms`, when present, is a non-negative number that never decreases within its delta stream (it may repeat).' },

  // ── close ─────────────────────────────────────────────────────────────────────────────────────
  { id: 'RT-CLOSE-001', severity: 'warning', group: 'close', sessionKinds: ALL, source: '§4.2, §4.3 [M S6]',
    description: 'The close after a fatal error matches: `invalid_api_key` → 3000 (reason `invalid_request_error.invalid_api_key`), `session_expired` → 1001.' },
  { id: 'RT-CLOSE-002', severity: 'info', group: 'close', sessionKinds: TR, source: '§3.11, §4.3; §9.15',
    description: 'After `session.closed` the translation socket closes with 1000, 1001 or 1005 (exact code unverified, §9.15).' },

  // ── GPT-Live (rules cite docs/live-protocol.md) ─────────────────────────────────────────────────
  { id: 'LIVE-SESSION-001', severity: 'error', group: 'session', sessionKinds: LV, source: '§8.2 step 1, §3.2 [T L1, L7]',
    description: 'Nothing but `error` precedes `session.started`, and `session.started` is sent once.' },
  { id: 'LIVE-SESSION-002', severity: 'error', group: 'session', sessionKinds: LV, source: '§8.2 step 2, §2.2 [T L1, M L5]',
    description: '`session.started.session.id` starts with `live_`, and `status` is `"active"` in every session snapshot (started, updated, closed).' },
  { id: 'LIVE-AUDIO-001', severity: 'error', group: 'content', sessionKinds: LV, source: '§8.2 step 3, §3.2, §4.1 [M L5]',
    description: 'A primary-socket `session.output_audio.delta` has only `type` and `delta`, and `delta` is non-empty base64 (whole PCM16 samples for `audio/pcm`).' },
  { id: 'LIVE-TRANSCRIPT-001', severity: 'error', group: 'content', sessionKinds: LV, source: '§8.2 step 4, §3.2 [T L1]',
    description: 'Transcript deltas carry a string `delta`, an integer `start_ms ≥ 0` and an integer `end_ms ≥ start_ms`.' },
  { id: 'LIVE-TRANSCRIPT-002', severity: 'warning', group: 'content', sessionKinds: LV, source: '§8.2 step 4, §4.2 [T L2]',
    description: 'Per direction (input, output), transcript `start_ms` never decreases (a decrease is a timeline reset).' },
  { id: 'LIVE-IDS-001', severity: 'error', group: 'ids', sessionKinds: LV, source: '§8.2 step 5, §3.2 [T L1]',
    description: 'Every server event except primary output audio deltas carries a string `event_id`, unique within the connection.' },
  { id: 'LIVE-USAGE-001', severity: 'error', group: 'content', sessionKinds: LV, source: '§8.2 step 6, §6 [T L1, M L5]',
    description: '`usage.seconds` of `session.usage.updated` and `session.closed` is a number ≥ 0 that never decreases.' },
  { id: 'LIVE-CLOSE-001', severity: 'error', group: 'close', sessionKinds: LV, source: '§8.2 step 7, §3.2 [T L1]',
    description: '`session.closed` is terminal (no event follows it) and its `reason` is one of close_requested, expired, content, remote_hangup, connection_lost.' },
  { id: 'LIVE-CLOSE-002', severity: 'warning', group: 'close', sessionKinds: LV, source: '§8.2 step 7, §1.4 [T L1]',
    description: 'A client `session.close` is answered by `session.closed` before the socket closes ("a connection closing without this event does not confirm finalization").' },
  { id: 'LIVE-DELEGATION-001', severity: 'error', group: 'content', sessionKinds: LV, source: '§8.2 step 8, §5.1 [T L1]',
    description: '`session.delegation.created` carries a string `delegation.id`, `type: "delegation"`, a `target` equal to the session\'s delegation type, and an integer `offset_ms ≥ 0`.' },
  { id: 'LIVE-EVENTS-001', severity: 'error', group: 'events', sessionKinds: LV, source: '§8.2 step 9, §1.2 [T L1, T L2]',
    description: 'Only JSON text frames with a Live event type: no Realtime event names, no SDK-reserved types (open, close, raw, event, reconnecting, reconnected), no binary or malformed frames.' },
  { id: 'LIVE-ERROR-001', severity: 'error', group: 'errors', sessionKinds: LV, source: '§8.2 step 10, §3.3 [T L1 L3]',
    description: '`error` events have the Live shape: `error.type`, `error.code` and `error.message` strings; `param` and `client_event_id`, when present, strings.' },
  { id: 'LIVE-ACK-001', severity: 'error', group: 'session', sessionKinds: LV, source: '§8.2 step 11, §3.2 [T L1]',
    description: 'A `client_event_id` on an acknowledgement or error names a command the client had already sent.' },
] as const satisfies readonly RuleDef[];

/** Id of a catalogue rule. */
export type RuleId = (typeof RULES)[number]['id'];

/** Rules by id. */
export const RULES_BY_ID: ReadonlyMap<string, RuleDef> = new Map(RULES.map((r) => [r.id, r as RuleDef]));

/** The rule for `id`; throws on an id missing from the catalogue (a programming error, caught by tests). */
export function ruleById(id: RuleId): RuleDef {
  const rule = RULES_BY_ID.get(id);
  if (!rule) throw new Error(`unknown conformance rule ${id}`);
  return rule;
}
