/**
 * Internal contracts of the mock server: the seams between the connection loop (server.ts,
 * connection.ts), the session kinds (realtime, transcription, translation), the fault injector and
 * the trace. Types only; every module codes against these so they can be built and tested apart.
 */
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { AccountLimits } from './rate-limits.ts';

/** Seeded pseudo-random numbers (implemented in rng.ts). Same seed, same sequence. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [minInclusive, maxExclusive). */
  int(minInclusive: number, maxExclusive: number): number;
  /** Normal deviate. */
  normal(mean: number, stdDev: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** An independent, deterministic sub-stream named by `label` (same seed + label, same stream). */
  fork(label: string): Rng;
}

/** Id minting in the real service's formats (§8.1), deterministic for a seed (implemented in ids.ts). */
export interface IdFactory {
  /** `event_` + 21 base62. */
  event(): string;
  /** `resp_` + 21 base62. */
  response(): string;
  /** `item_` + 21 base62. */
  item(): string;
  /** `sess_` + 21 base62. */
  session(): string;
  /** `conv_` + 21 base62. */
  conversation(): string;
  /** `call_` + 16 base62. */
  call(): string;
  /** `ek_` + 32 lowercase hex. */
  clientSecret(): string;
}

/** A JSON object event as sent or received on the wire. */
export type WireEvent = { type: string } & Record<string, unknown>;

/** The fields of an `error` event's `error` object (§4.1). */
export interface MockErrorSpec {
  /** Default `invalid_request_error`. */
  type?: string;
  code: string | null;
  message: string;
  /** Dotted parameter path, e.g. `session.audio.input.format.rate`; default null. */
  param?: string | null;
  /** The offending client event's `event_id`, echoed; default null. */
  eventId?: string | null;
}

/** One line of the `--trace` JSONL file: ground truth for one response, on the shared monotonic clock. */
export interface TraceRecord {
  session_id: string;
  response_id: string;
  /** Reasoning effort in force for the response, or null for non-reasoning models. */
  effort: string | null;
  /** 1-based index of the user turn in this session that the response answers (0 for responses not tied to a turn). */
  turn_index: number;
  /** Final `response.done` status. */
  status: string;
  /** When the last audio of the user's turn arrived (the append that ended speech, or the commit), µs monotonic; null if none. */
  turn_audio_end_us: number | null;
  /**
   * When the response's delays started running, µs monotonic: the turn detector's decision (server
   * VAD) or the commit, or the receipt of `response.create`. The drawn delays run from here, so
   * `first_audio_sent_us - delays_start_us` is the first-audio delay the mock actually took: the
   * drawn one plus however late its timers fired.
   */
  delays_start_us: number;
  /**
   * When `response.created` was handed to the socket, µs monotonic: stamped immediately before the
   * socket write (after any stall fault held the frame); null if the connection ended first.
   */
  response_created_sent_us: number | null;
  /** When the first `response.output_audio.delta` was handed to the socket (stamped the same way), µs monotonic; null if no audio was written. */
  first_audio_sent_us: number | null;
  /**
   * When `response.done` was handed to the socket (stamped the same way), µs monotonic; null if the
   * connection ended before it was written. The record is written then.
   */
  response_done_sent_us: number | null;
  /** The drawn delay from end of turn to first audio that the latency model chose, ms. */
  drawn_first_audio_delay_ms: number | null;
  /**
   * Digital silence that led the response's first spoken item (latency profile `leadingSilenceMs`),
   * ms of audio before its speech; null when the response spoke no audio. Written as null when absent.
   */
  leading_silence_ms?: number | null;
}

/** Where trace records go (a JSONL file, or nowhere). */
export interface TraceSink {
  write(record: TraceRecord): void;
  close(): Promise<void>;
}

/** A response failure the fault injector asks for instead of a normal response. */
export interface InjectedResponseFailure {
  kind: 'rate_limit_exceeded' | 'server_error';
  /** For rate limits: the "try again in" hint, seconds. */
  retryAfterS?: number;
  /** For an emulated account budget: its tokens per minute and the tokens used, named in the message. */
  limitTokens?: number;
  usedTokens?: number;
}

/**
 * Told when one frame reached the socket: the monotonic µs taken immediately before the socket
 * write (so a receiver in another process can never observe the frame earlier), or null when the
 * frame was discarded (connection closing or ended, send buffer overflow, dropped by a fault).
 * Called exactly once per frame it was passed with; pass a distinct function per frame.
 */
export type WriteHook = (writtenUs: number | null) => void;

/**
 * Outbound filter for one connection: every server frame passes through it. The fault injector
 * uses it to stall, drop (close 1006), inject malformed frames or reorder events. A frame's
 * `onWritten` travels with it to the raw send (injected frames have none).
 */
export type OutboundFilter = (event: WireEvent, frame: string, onWritten?: WriteHook) => void;

/** The outbound filter plus the hooks a connection needs to close cleanly under faults. */
export interface OutboundChannel extends OutboundFilter {
  /** Calls `cb` once no frame is held back (at once when idle; after a stall otherwise). Use before a close frame. */
  whenIdle(cb: () => void): void;
  /** The connection ended: cancel timers, discard anything queued. */
  dispose(): void;
}

/** The per-connection view of the fault plan (implemented in faults.ts). */
export interface ConnectionFaults {
  /** Called when a response starts: a failure to produce instead of a normal response, or null. */
  responseFailure(): InjectedResponseFailure | null;
  /** Multiplier on the audio streaming interval (1 = as the latency profile says; 3 = three times slower). */
  audioSlowdown(): number;
  /** The session's maximum duration in seconds, given the configured one (early-expiry faults shorten it). */
  maxSessionS(configuredS: number): number;
  /**
   * Wraps the raw sender. `rawSend` writes one text frame and settles its write hook; `terminate`
   * drops the TCP connection without a close frame (the client sees 1006). Returns the filter the
   * connection sends through.
   */
  wrapOutbound(rawSend: (frame: string, onWritten?: WriteHook) => void, terminate: () => void, clock: Clock): OutboundChannel;
}

/** What a session kind gets from the connection loop. */
export interface MockSessionContext {
  /** `sess_…` id of this session. */
  readonly sessionId: string;
  /** Model from the URL (`?model=`), or null (transcription sessions). */
  readonly model: string | null;
  readonly clock: Clock;
  /** Seeded per connection (server seed forked by connection index). */
  readonly rng: Rng;
  readonly ids: IdFactory;
  readonly faults: ConnectionFaults;
  readonly trace: TraceSink;
  /** Session cap in seconds after faults (`--max-session-s`, default 3600). */
  readonly maxSessionS: number;
  /** Resolved server options (latency profile etc.). */
  readonly options: ResolvedMockOptions;
  /**
   * Effective session config of the `ek_` client secret the socket authenticated with (§1.3), applied
   * as the session's initial config; null/absent for standard keys. (Added by the connection loop.)
   */
  readonly clientSecretSession?: Record<string, unknown> | null;
  /**
   * Sends a server event, adding a fresh `event_id` first when absent (an own `event_id: undefined`
   * means "send without one": Live output audio deltas carry none). Returns false once the socket
   * is closing. `onWritten` (default none) learns when the frame was really written, after any
   * fault held it (see {@link WriteHook}); the trace's send stamps come from it.
   */
  send(event: WireEvent, onWritten?: WriteHook): boolean;
  /** Sends a well-formed `error` event (§4.1). */
  sendError(error: MockErrorSpec): void;
  /** Closes the socket with a close frame (after the queued frames). */
  close(code: number, reason: string): void;
  /**
   * A timer on the session's clock, cleared automatically when the connection ends. Never fires
   * before `delayMs` has passed by `clock.nowUs()` ({@link Clock.setTimeout}), so no drawn delay is short.
   */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** One kind of session (realtime, transcription, translation): the protocol state machine of a connection. */
export interface SessionKind {
  /** The socket is open: send `session.created` (it must be the first event). */
  open(ctx: MockSessionContext): void;
  /**
   * One client event: a JSON object with a string `type` (the connection loop answers invalid JSON
   * and a missing or non-string `type` itself).
   */
  onEvent(ctx: MockSessionContext, event: WireEvent): void;
  /** The connection ended (either side). Release timers and state. */
  onClose(ctx: MockSessionContext): void;
  /**
   * The session reached its cap. Default (absent): a `session_expired` error then close 1001 (§1.4).
   * Live sessions answer `session.closed{reason:"expired"}` instead.
   */
  expire?(ctx: MockSessionContext): void;
  /**
   * The `error` event for `spec` in this kind's shape (the connection loop's own errors use it too).
   * Default (absent): the Realtime shape (§4.1).
   */
  errorEvent?(ctx: MockSessionContext, spec: MockErrorSpec): WireEvent;
}

/** Recorded delays of one response (`rth mock --replay`), ms from the end of the turn it answers. */
export interface ReplayedDelays {
  /** To `response.created`. */
  responseCreatedMs: number;
  /** To the first audio delta; null when the recorded response had none (the profile's draw is used). */
  firstAudioMs: number | null;
  /** To `response.done`; null when not recorded. The mock finishes no earlier than this. */
  responseDoneMs: number | null;
}

/** Supplies response delays instead of the latency profile's draws (mock-server/replay/). */
export interface ResponseTimingSource {
  /** A realtime session opened: it is given its recording (in the order sessions open). */
  attach(ctx: MockSessionContext): void;
  /** The next response's delays for this session, or null when its recording has no more (draws are used). */
  next(ctx: MockSessionContext): ReplayedDelays | null;
}

/** Options after defaults (see server.ts `MockServerOptions` for the documented inputs). */
export interface ResolvedMockOptions {
  host: string;
  port: number;
  seed: number;
  apiKey: string | null;
  tls: boolean;
  maxSessionS: number;
  /** Parsed latency profile (latency-profile.ts). */
  latencyProfile: unknown;
  /** Raw `--fault` specs. */
  faultSpecs: readonly string[];
  tracePath: string | null;
  /**
   * When a realtime response calls a function tool under `tool_choice: "auto"` (see
   * realtime/tool-plan.ts): `auto` (default) on user turns, `always` on every response, `never`.
   * (Added by the realtime session.)
   */
  toolPlan?: 'auto' | 'always' | 'never';
  /** Recorded response timing to replay (`--replay`), or absent: delays are drawn from the profile. */
  latencyReplay?: ResponseTimingSource | null;
  /** Emulated account limits shared by every connection (rate-limits.ts), or absent: none. */
  accountLimits?: AccountLimits | null;
  /** Concurrent WebSocket sessions before the handshake is refused with 429, or null: no cap. */
  maxConcurrentSessions?: number | null;
}
