/**
 * The one hook a door of the mock (the WebSocket loop today; WebRTC, SIP or sideband doors later)
 * calls so the client-findings judge can see a session. It carries plain wire events and
 * transport-neutral facts only: no socket, request or peer-connection type appears here.
 *
 * How a door calls it, in order:
 * 1. `observer = findings.observe()` when a client arrives (before authentication, so refused
 *    sessions are judged too), then `observer.sessionOpened(info)` once with what the door knows.
 * 2. `observer.clientEvent(event, receivedUs)` for every parsed client event (a JSON object with a
 *    `type`), before the session kind handles it. `input_audio_buffer.append` is passed as is: the
 *    judge decodes the audio itself.
 * 3. `observer.serverEvent(event, sentUs)` for every event the door sends (with its `event_id`),
 *    including a fatal `error` sent before closing.
 * 4. `observer.sessionClosed(code, reason)` once when the session has ended (WebSocket close code;
 *    a door without close codes passes 1000 for a normal end, 1006 for a lost peer).
 *
 * Calls never throw into the door and never change what the door answers: a finding is a report.
 * Times are microseconds on the server's Clock.
 */

/** How the client presented its credential. */
export type CredentialForm = 'header' | 'subprotocol' | 'query' | 'none';

/** What the door knows about a client when its session opens. */
export interface ClientSessionInfo {
  /** Mock session id (`sess_…`), or null when the session was refused before one was assigned. */
  readonly sessionId: string | null;
  /** `websocket`, `webrtc`, `sip` or `sideband`. Truncation after a barge-in is judged on `websocket` only. */
  readonly transport: 'websocket' | 'webrtc' | 'sip' | 'sideband';
  /** `realtime`, `transcription`, `translation`, `live`, or null when the route was refused. */
  readonly endpoint: 'realtime' | 'transcription' | 'translation' | 'live' | null;
  /** The path and query as sent, with every query value that may carry a key replaced by `***`. */
  readonly redactedTarget: string;
  /** Client IP address (no port), or null. */
  readonly remoteAddress: string | null;
  /** `User-Agent`, or null. */
  readonly userAgent: string | null;
  /** `Origin` header (browsers always send one on a WebSocket upgrade), or null. */
  readonly origin: string | null;
  /** Where the credential travelled. */
  readonly credentialForm: CredentialForm;
  /**
   * `ephemeral` for an `ek_` client secret, `standard` for any other key (e.g. `sk-…`), `none`
   * when no key was presented.
   */
  readonly credentialKind: 'standard' | 'ephemeral' | 'none';
  /** Short one-way fingerprint of the key (never the key), or null. */
  readonly credentialFingerprint: string | null;
  /** Names of query parameters that carried a key (`api_key`, `token`, …, or any value shaped like a key). */
  readonly keyQueryParams: readonly string[];
  /** Beta opt-ins presented (`OpenAI-Beta: realtime=v1` header, `openai-beta.realtime-v1` subprotocol). */
  readonly beta: { readonly header: boolean; readonly subprotocol: boolean };
  /** When the session opened (server Clock, µs). */
  readonly openedUs: number;
}

/** A plain HTTP request a door answered (used for the retired beta HTTP endpoints). */
export interface ClientHttpRequestInfo {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  /** Query parameter names (values are never kept). */
  readonly queryParams: readonly string[];
  readonly remoteAddress: string | null;
  readonly userAgent: string | null;
  /** HTTP status the mock answered. */
  readonly status: number;
  /** Error code the mock answered, if any. */
  readonly errorCode: string | null;
  readonly atUs: number;
}

/** A wire event as the judge sees it. */
export type ObservedEvent = { readonly type: string } & Readonly<Record<string, unknown>>;

/** Per-session observer (see the file comment for the calling order). */
export interface ClientObserver {
  sessionOpened(info: ClientSessionInfo): void;
  clientEvent(event: ObservedEvent, receivedUs: number): void;
  serverEvent(event: ObservedEvent, sentUs: number): void;
  sessionClosed(code: number, reason: string): void;
}

/** Per-server source of observers (what a door is given). */
export interface ClientObserverFactory {
  /** A fresh observer for one arriving client. */
  observe(): ClientObserver;
  /** A plain HTTP request was answered (no session). */
  httpRequest(info: ClientHttpRequestInfo): void;
}
