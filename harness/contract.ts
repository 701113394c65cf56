/**
 * Contracts between the harness's parts: corpus (prepared clips), pacer, session driver, metrics
 * recorder and runner. Types only, so each part can be built and tested on its own.
 */
import type { ReasoningEffort } from '../common/protocol/types.ts';

import type { WireAudioFormat } from '../common/audio/formats.ts';
import type { TransportKind } from './transport/kinds.ts';

export type { WireAudioFormat };

/**
 * One corpus clip, decoded, converted to the session format and sliced once into prebuilt
 * `input_audio_buffer.append` frames (serialized JSON text), shared by every session.
 */
export interface PreparedClip {
  /** Manifest id. */
  readonly id: string;
  readonly transcript: string;
  readonly language: string;
  readonly format: WireAudioFormat;
  /** Duration of one frame, ms. */
  readonly chunkMs: number;
  /** Serialized `input_audio_buffer.append` events, each `chunkMs` of audio (the last may be shorter). */
  readonly frames: readonly string[];
  /** Index of the frame carrying the last speech sample (from the manifest's `speech_end_ms`). */
  readonly speechEndFrameIndex: number;
  readonly speechStartMs: number;
  readonly speechEndMs: number;
  /** Whole clip duration, ms (trailing silence included). */
  readonly durationMs: number;
}

/** A frame of digital silence for the format and chunk size (streamed between utterances on VAD sessions). */
export interface SilenceFrame {
  readonly frame: string;
  readonly chunkMs: number;
}

/** How a turn ends. */
export type TurnMode = 'server_vad' | 'semantic_vad' | 'manual';

/** A function tool with a scripted result (what the harness answers when the model calls it). */
export interface ScriptedTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  /** JSON value returned as `function_call_output.output` (serialized). */
  result: unknown;
}

/** One user turn of a session plan. */
export interface PlannedTurn {
  readonly clip: PreparedClip;
  /** Silence (VAD) or idle time (manual) before this turn starts, ms. Default 0. */
  readonly thinkTimeMs: number;
  /** Barge-in: start speaking this clip's successor after this many ms of assistant audio played; null = no barge-in. */
  readonly bargeInAfterAudioMs: number | null;
}

/** Everything one session driver needs; built by the runner from the resolved scenario. */
export interface SessionPlan {
  /** 0-based index of the session in the run. */
  readonly index: number;
  /** WebSocket URL incl. query (`?model=` / `?intent=transcription` / translations path). */
  readonly url: string;
  /** Extra handshake headers (Authorization etc.). Never logged. */
  readonly headers: Readonly<Record<string, string>>;
  readonly kind: 'realtime' | 'transcription' | 'translation' | 'live';
  readonly model: string;
  /** Reasoning effort sent in `session.update` (`reasoning.effort`), or null for none. */
  readonly effort: ReasoningEffort | null;
  readonly voice: string;
  readonly instructions: string | null;
  readonly outputModalities: readonly ('audio' | 'text')[];
  readonly turnMode: TurnMode;
  /** server_vad options / semantic_vad eagerness, passed through to `audio.input.turn_detection`. */
  readonly turnDetection: Record<string, unknown> | null;
  readonly format: WireAudioFormat;
  readonly chunkMs: number;
  readonly tools: readonly ScriptedTool[];
  readonly turns: readonly PlannedTurn[];
  /** A turn that has not reached `response.done` this long after its end-of-speech is failed with `turn_timeout`. Default 30000. */
  readonly turnTimeoutMs: number;
  /** Connect + `session.created` timeout, ms. Default 10000. */
  readonly connectTimeoutMs: number;
  /** Translation sessions only: `session.audio.output.language` (ISO-639-1). Default `'es'` when absent. */
  readonly translationOutputLanguage?: string;
  /** How the session reaches its target. Default `websocket` when absent. */
  readonly transport?: TransportKind;
}

/** Monotonic µs stamps of one turn's milestones (docs/measurement.md), null when not reached. */
export interface TurnMilestones {
  /** The turn's first append frame handed to the socket. */
  turnStartUs: number | null;
  speechEndSentUs: number | null;
  commitSentUs: number | null;
  speechStoppedUs: number | null;
  committedUs: number | null;
  responseCreatedUs: number | null;
  firstAudioUs: number | null;
  firstTextUs: number | null;
  responseDoneUs: number | null;
}

/** One received audio delta of the answer, for real-time factor and playback simulation. */
export interface AudioDeltaArrival {
  receivedUs: number;
  durationMs: number;
}

/** Final state of a turn. */
export type TurnStatus = 'completed' | 'failed' | 'cancelled' | 'incomplete' | 'timeout' | 'aborted';

/** What the session driver reports for each finished turn (one line of turns.jsonl). */
export interface TurnResult {
  sessionIndex: number;
  sessionId: string | null;
  /** 1-based within the session. */
  turnIndex: number;
  effort: ReasoningEffort | null;
  model: string;
  clipId: string;
  mode: TurnMode;
  status: TurnStatus;
  /** Error / status_details code when not completed (e.g. `rate_limit_exceeded`, `turn_timeout`). */
  errorCode: string | null;
  responseId: string | null;
  milestones: TurnMilestones;
  /** Audio deltas of the response in arrival order. */
  audioDeltas: readonly AudioDeltaArrival[];
  /**
   * Speech onset in the turn's received audio (common/audio/onset.ts): ms of audio, counted from the
   * start of the first audio delta, before the first voiced window. Null when the audio has no
   * onset or there was no audio; absent in records written before onset detection existed.
   */
  audioOnsetMs?: number | null;
  /** WebRTC only: the received audio track during this turn (absent on WebSocket turns). */
  media?: TurnMediaStats;
  /** `response.done.response.usage` as received, or null. */
  usage: Record<string, unknown> | null;
  /** Input transcription usage for the user item, when reported. */
  transcriptionUsage: Record<string, unknown> | null;
  /** Function calls answered during this turn. */
  toolCalls: number;
  /** Whether a barge-in was performed in this turn (truncate sent). */
  bargedIn: boolean;
  /** User speech in this turn, ms (clip speech_end_ms - speech_start_ms). */
  userSpeechMs: number;
  /**
   * The comparison group of a result that is not labelled by a reasoning effort: `live:<model>`
   * for GPT-Live sessions (the Live voice model has no effort). Absent for every other kind; the
   * metrics then group by `effort` (or `none`).
   */
  arm?: string;
}

/**
 * A WebRTC turn's received audio (the remote RTP track, attributed to the turn whose response is
 * playing). Stamps are µs on the run's clock; the turn's first packet is `milestones.firstAudioUs`.
 */
export interface TurnMediaStats {
  /** Audio packets received for the turn's responses. */
  packets: number;
  /** Packets missing by RTP sequence number. */
  lost: number;
  /** RFC 3550 interarrival jitter after the turn's last packet, ms. */
  jitterMs: number;
  /** Longest time between two consecutive packets of the turn, ms (20 at an even real-time pace). */
  maxGapMs: number;
  /** `output_audio_buffer.started` received, or null. */
  playbackStartedUs: number | null;
  /** `output_audio_buffer.stopped` / `cleared` received, or null. */
  playbackStoppedUs: number | null;
  /** Arrival of the turn's last audio packet, or null. */
  lastPacketUs: number | null;
  /**
   * Barge-in turns: from the moment the user's speech starts over the assistant (the next clip's
   * first packet sent plus its `speech_start_ms`) to the arrival of this turn's last audio packet,
   * ms; 0 when the audio had already stopped. Null when no barge-in happened.
   */
  bargeInStopMs: number | null;
}

/** Per-session facts the driver reports once at the end of the session. */
export interface SessionResult {
  sessionIndex: number;
  sessionId: string | null;
  effort: ReasoningEffort | null;
  model: string;
  /** `session.created` received minus connect start, ms; null if never. */
  connectMs: number | null;
  /** `session.updated` received minus `session.update` sent, ms; null if never. */
  configureMs: number | null;
  /** Connected time, ms. */
  connectedMs: number;
  /** WebRTC only: setup phases of the first connection, ms from the start of setup (absent on WebSocket). */
  setup?: SetupPhases;
  /** See {@link TurnResult.arm}. */
  arm?: string;
  /**
   * GPT-Live sessions: the session's billed voice time as it reported it (`usage.seconds` of
   * `session.closed`, else of the last `session.usage.updated`), s; active time (WebSocket sessions
   * have no standby). Absent for other kinds or when never reported.
   */
  liveUsageSeconds?: number;
  turnsCompleted: number;
  turnsFailed: number;
  /** How the session ended: `completed`, `connect_failed`, `closed_by_server`, `aborted`, … */
  outcome: string;
  closeCode: number | null;
  /** Error codes seen in `error` events, counted. */
  errors: Record<string, number>;
  /** Faults met and what recovery did about them, in order (issue 4). Absent = none. */
  recoveries?: RecoveryRecord[];
  /**
   * Why the session failed to open (or reopen) its connection, or why the server ended it: set
   * when the outcome is a failure. Also counted in `errors` as `<outcome>: <reason>`. No credential.
   */
  failure?: SessionFailure;
  /**
   * Rate limiting met by the session, the three kinds kept apart (handshake 429s, in-session
   * `rate_limit_exceeded`, `rate_limits.updated`). Absent = none met and no update seen.
   */
  rateLimits?: SessionRateLimits;
}

/** Rate limiting met by one session (`SessionResult.rateLimits`). */
export interface SessionRateLimits {
  /** Opening handshakes (first connect or a reconnect) refused with HTTP 429, in order. */
  handshake429: RateLimitHit[];
  /**
   * In-session `rate_limit_exceeded`, in order: a failed `response.done` (how the real service
   * reports it, docs/realtime-protocol.md §4.2) or an `error` event with that code.
   */
  inSession: RateLimitHit[];
  /** `rate_limits.updated` events seen (§6.3). */
  updates: RateLimitUpdates;
}

/** One rate-limit refusal. */
export interface RateLimitHit {
  /** When it was received, µs on the run's clock (the clock of turn milestones). */
  atUs: number;
  /**
   * The concurrency when it happened: connections open (upgraded, not yet closed) in this runner
   * thread — for an in-session hit this session's own included, for a handshake 429 the refused
   * one not (so a cap of N shows as N). With `--workers N`, the worker's own connections. Null when
   * the driver was not told.
   */
  openSessions: number | null;
  /** The wait the server asked for, ms: the `Retry-After` header of a 429, or the "try again in" hint of the message; null without one. */
  retryAfterMs: number | null;
  /** Where it came from. */
  source: 'handshake' | 'response.done' | 'error';
}

/** `rate_limits.updated` as seen by one session. */
export interface RateLimitUpdates {
  events: number;
  /** The last `remaining`/`limit` of each entry; null when that entry never came. */
  lastRemainingRequests: number | null;
  lastRemainingTokens: number | null;
  limitRequests: number | null;
  limitTokens: number | null;
  /** Smallest `remaining` seen per entry, or null. */
  minRemainingRequests: number | null;
  minRemainingTokens: number | null;
  /**
   * The remaining values over time, bounded: at most 65 samples per session (64 kept by halving —
   * when full every second one is dropped and only every 2nd, 4th, … later event is kept — plus
   * the last event), the first included.
   */
  samples: RateLimitSample[];
}

/** One sampled `rate_limits.updated`. */
export interface RateLimitSample {
  atUs: number;
  remainingRequests: number | null;
  remainingTokens: number | null;
}

/**
 * A WebRTC call's setup, each phase in ms from the start of setup (the ephemeral key request), null
 * when not reached. `sessionCreatedMs` equals the session's `connectMs`.
 */
export interface SetupPhases {
  /** The offer POSTed (key minted, candidates gathered). */
  offerPostedMs: number | null;
  /** The answer SDP received. */
  answerMs: number | null;
  /** ICE connected. */
  iceConnectedMs: number | null;
  /** The `oai-events` channel open (DTLS and SCTP done). */
  channelOpenMs: number | null;
  /** `session.created` received on the channel. */
  sessionCreatedMs: number | null;
}

/** Why a session failed (`SessionResult.failure`). */
export interface SessionFailure {
  /** `connect_failed`, `connect_timeout`, `closed`, `configure_failed`, `configure_timeout`. */
  kind: string;
  /** Short stable code: `http_404`, `ECONNREFUSED`, `tls`, `handshake_timeout`, `close_3000`, `invalid_api_key`… */
  code: string | null;
  /** One line: HTTP status and body excerpt, errno and message, TLS error, close code and reason, error event. */
  reason: string;
}

/** The kinds of fault the session driver recovers from (or records). */
export type FaultKind =
  | 'rate_limit_exceeded'
  | 'server_error'
  | 'session_expired'
  | 'going_away'
  | 'abnormal_close'
  | 'turn_timeout';

/** One fault met by a session and the driver's recovery from it. */
export interface RecoveryRecord {
  fault: FaultKind;
  /** 1-based turn index that was open when the fault hit, or null between turns. */
  turnIndex: number | null;
  /** Whether the recovery action succeeded (retried response created / reconnected and configured). */
  recovered: boolean;
  /** Fault observed until recovery succeeded (or was given up), ms. */
  recoveryMs: number;
  /** Planned turns that never completed because of this fault. */
  turnsLost: number;
  /** Retries or reconnect attempts made. */
  attempts: number;
  /** Close code (socket faults) or error code, when there is one. */
  detail: string | null;
}

/** What a paced stream sends: a prebuilt append frame (WebSocket) or an Opus packet (WebRTC RTP). */
export type PacedFrame = string | Uint8Array;

/**
 * A paced frame stream: frame i is due at `startUs + i * chunkMs * 1000` (deadlines, never chained).
 * Frames are opaque to the pacer: prebuilt append frames (WebSocket) or Opus packets (WebRTC).
 */
export interface PacedStream<F extends PacedFrame = string> {
  /** The frame to send in slot `i` (0-based), or null to end the stream. Called at send time. */
  nextFrame(i: number): F | null;
  /** Frame `i` was handed to the transport at `sentUs` (its deadline was `deadlineUs`). */
  onSent?(i: number, deadlineUs: number, sentUs: number): void;
  /** The stream ended (nextFrame returned null, or the handle was stopped). Called once. */
  onEnd?(): void;
}

/** Control of one running stream. */
export interface StreamHandle {
  /** Stops the stream before its next slot; onEnd is called. Idempotent. */
  stop(): void;
  /** Frames sent so far. */
  readonly sentFrames: number;
}

/**
 * One deadline scheduler for all sessions of a process (no per-session intervals). Records the
 * send lag (actual minus deadline) of every frame.
 */
export interface Pacer {
  /** Starts a stream; `send` writes one frame to that session's transport. */
  start<F extends PacedFrame = string>(stream: PacedStream<F>, send: (frame: F) => void, opts: { startUs: number; chunkMs: number }): StreamHandle;
}
