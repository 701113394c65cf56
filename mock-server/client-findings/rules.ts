/**
 * The catalogue of client rules: what the mock reports about what a client sends. Each rule has a
 * stable id, a severity, the source of the expectation (`CFn`: sources listed in
 * docs/client-findings.md; `§n.n`: sections of docs/realtime-protocol.md) and the change that
 * fixes it. A finding is a report: the mock's answers
 * do not change, except for the retired beta protocol, which the real service refuses too.
 */

/** How bad a finding is. `error`: the client is broken against the real service; `warning`: it
 * works badly or not in every case; `info`: worth a look. */
export type Severity = 'error' | 'warning' | 'info';

/** Ordering of severities (for `--fail-on`). */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

/** One rule of the catalogue. */
export interface ClientRule {
  readonly id: string;
  readonly severity: Severity;
  readonly group: 'audio' | 'pacing' | 'lifecycle' | 'security' | 'protocol';
  readonly title: string;
  /** Where the expectation comes from (source ids as in docs/client-findings.md). */
  readonly source: string;
  /** What to change. */
  readonly fix: string;
}

const R = (id: string, severity: Severity, group: ClientRule['group'], title: string, source: string, fix: string): ClientRule => ({ id, severity, group, title, source, fix });

/** Every rule, in report order. */
export const CLIENT_RULES: readonly ClientRule[] = [
  R('audio.g711_as_pcm16', 'error', 'audio', 'G.711 (μ-law / A-law) bytes declared as PCM16', 'CF1, CF4 (agents-extensions Twilio transport), CF5 (no API error for wrong audio)',
    'Declare audio.input.format {type:"audio/pcmu"} (or "audio/pcma") in session.update, or decode G.711 to PCM16 24 kHz before appending.'),
  R('audio.rate_mismatch', 'error', 'audio', 'Audio at another sample rate declared as PCM16 24 kHz', 'CF1 (audio/pcm is 24 kHz only), CF5',
    'Resample to 24 kHz before appending (audio/pcm accepts rate 24000 only), or send G.711 at 8 kHz declared as audio/pcmu / audio/pcma.'),
  R('audio.stereo_interleaved', 'error', 'audio', 'Interleaved stereo declared as mono PCM16', 'CF1 (mono only), CF5', 'Down-mix to one channel before appending.'),
  R('audio.big_endian', 'error', 'audio', 'Big-endian PCM16 (the API reads little-endian)', 'CF1 (PCM16 little-endian), CF5', 'Swap the bytes of each sample (write Int16 little-endian).'),
  R('audio.clipping', 'warning', 'audio', 'Clipped input audio', 'CF5, CF7 (signal level)', 'Lower the capture gain or limit before converting to PCM16.'),
  R('audio.dc_offset', 'warning', 'audio', 'DC offset in input audio', 'CF5, CF7 (VAD thresholds are energy levels)', 'Remove the DC component (a high-pass at ~20 Hz) before appending.'),
  R('audio.all_silence', 'warning', 'audio', 'The session sent only silence', 'CF5 (silence instead of an error)', 'Check that the microphone / media stream is connected and unmuted, and that samples are not zeroed in conversion.'),
  R('pacing.faster_than_realtime', 'warning', 'pacing', 'Live (VAD) session streams audio much faster than real time', 'CF2 (server VAD works on a live stream), §3.3',
    'Pace appends at real time in live sessions (one chunk per chunk duration), or turn turn_detection off and commit turns yourself.'),
  R('pacing.long_gap', 'info', 'pacing', 'Long gap in a live (VAD) audio stream', 'CF2, §3.3', 'Keep streaming (silence included) while the microphone is open; a stalled stream delays turn detection.'),
  R('pacing.chunk_size', 'info', 'pacing', 'Audio chunks far from the usual 20–100 ms', 'CF2 (Twilio and rth send 20 ms frames) [R]', 'Append 20–100 ms of audio per input_audio_buffer.append.'),
  R('lifecycle.event_before_session_created', 'warning', 'lifecycle', 'Client event before session.created', '§3.1 (session.created is the first event)', 'Wait for session.created before sending session.update or audio.'),
  R('lifecycle.audio_before_format_confirmed', 'warning', 'lifecycle', 'Audio appended before session.updated confirmed a format change', '§2.2 (session.update → session.updated), CF1',
    'After a session.update that changes audio.input.format, wait for session.updated before appending audio in the new format.'),
  R('lifecycle.response_while_active', 'warning', 'lifecycle', 'response.create while a response is active', '§4.2 conversation_already_has_active_response',
    'Wait for response.done (or cancel) before response.create; use conversation:"none" for out-of-band responses.'),
  R('lifecycle.voice_after_audio', 'warning', 'lifecycle', 'Voice changed after the first assistant audio', '§4.2 cannot_update_voice', 'Set audio.output.voice before the first response; it cannot change once assistant audio exists.'),
  R('lifecycle.function_output_missing', 'error', 'lifecycle', 'function_call never answered with a function_call_output', '§3.6', 'Send conversation.item.create {type:"function_call_output", call_id, output} for every function_call, then response.create.'),
  R('lifecycle.function_output_unknown_call', 'error', 'lifecycle', 'function_call_output with a call_id the server never issued', '§3.6', 'Echo the call_id of the function_call item exactly.'),
  R('lifecycle.no_truncate_after_barge_in', 'warning', 'lifecycle', 'No conversation.item.truncate after a barge-in (WebSocket)', '§3.8, §2.2 truncate',
    'On input_audio_buffer.speech_started while assistant audio is playing, stop playback and send conversation.item.truncate with the played audio_end_ms.'),
  R('lifecycle.session_cap', 'warning', 'lifecycle', 'Session ran to the 60-minute cap', '§1.4', 'Rotate sessions before session.expires_at (open a new one and carry the conversation over).'),
  R('lifecycle.no_reconnect_after_expiry', 'warning', 'lifecycle', 'No reconnect after session_expired', '§1.4 (close 1001 after session_expired)', 'On session_expired / close 1001, open a new session and restore the conversation.'),
  R('lifecycle.reconnect_without_context', 'warning', 'lifecycle', 'Reconnected after session_expired without restoring context', '§1.4, §2.2 conversation.item.create',
    'After reconnecting, replay the conversation (conversation.item.create of the earlier turns, or a summary) and the session config.'),
  R('lifecycle.reconnect_storm', 'error', 'lifecycle', 'Reconnect or retry storm after rate_limit_exceeded', '§4.2 rate_limit_exceeded ("Please try again in …")', 'Back off exponentially, honouring the "try again in" hint, before reconnecting or retrying.'),
  R('security.standard_key_in_browser', 'error', 'security', 'Standard API key used from a browser', '§1.2 (browser key policy), CF3', 'Mint an ephemeral key (POST /v1/realtime/client_secrets) on your server and give only that ek_ key to the browser.'),
  R('security.key_in_query', 'error', 'security', 'API key in a URL query string', '§1.2 (keys travel in the Authorization header or subprotocol), CF3', 'Send the key as Authorization: Bearer (server) or as the openai-insecure-api-key subprotocol with an ek_ key (browser); URLs end up in logs.'),
  R('protocol.beta_client', 'error', 'protocol', 'Retired beta Realtime protocol', 'CF6 (beta_api_shape_disabled, close 4000), §1.2',
    'Remove the OpenAI-Beta: realtime=v1 header / openai-beta.realtime-v1 subprotocol and use the GA shapes: session.update with session.type "realtime", audio.input/output, output_modalities; mint keys with POST /v1/realtime/client_secrets; WebRTC offers to /v1/realtime/calls.'),
  R('protocol.beta_payload', 'error', 'protocol', 'Beta-era event or field on a GA session', '§2.1 (beta → GA renames)', 'Use the GA names (see the rename table in docs/realtime-protocol.md).'),
  R('protocol.rejected_event', 'warning', 'protocol', 'The server rejected a client event with an error', '§4.2', 'Read the error message; fix the event it names.'),
];

/** Rule by id (throws for an unknown id: a typo in the judge is a bug). */
export function ruleById(id: string): ClientRule {
  const rule = CLIENT_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`unknown client rule ${id}`);
  return rule;
}

/** One finding: a rule broken by one session (or by a client across sessions). */
export interface ClientFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly title: string;
  /** Session that triggered it, or null for a plain HTTP request. */
  readonly sessionId: string | null;
  /** Stable client key the cross-session rules group by (see ClientFindings). */
  readonly client: string;
  /** The event that triggered it: its type, the client's `event_id` if any, and its index among the session's client events (0-based). */
  readonly event: { readonly type: string; readonly eventId: string | null; readonly index: number | null } | null;
  /** Milliseconds since the session opened (or since the server started for HTTP requests). */
  readonly atMs: number;
  /** What was measured, in words and numbers. */
  readonly evidence: string;
  readonly fix: string;
  readonly source: string;
}
