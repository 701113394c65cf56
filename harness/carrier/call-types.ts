/**
 * The call engine's plan and results (call.ts runs them): what one call needs, and what it records
 * per call and per turn (µs stamps on the shared monotonic clock).
 */
import type { CarrierCodec } from '../scenario/carrier-schema.ts';
import type { CarrierClip } from './audio.ts';
import type { CarrierFlavour, MediaFormat, StreamIds } from './flavour.ts';

/** Everything one call needs. */
export interface CallPlan {
  index: number;
  /** The bridge's media-stream URL. */
  url: string;
  headers: Readonly<Record<string, string>>;
  flavour: CarrierFlavour;
  codec: CarrierCodec;
  format: MediaFormat;
  customParameters: Readonly<Record<string, string>>;
  ids: StreamIds;
  /** One entry per turn: the clip and the silence before it, ms. */
  turns: readonly { clip: CarrierClip; thinkMs: number }[];
  bargeInAfterAudioMs: number | null;
  dtmf: readonly { digit: string; atMs: number }[];
  connectTimeoutMs: number;
  turnTimeoutMs: number;
  answerEndSilenceMs: number;
  hangupAfterMs: number;
  /** When the call's setup began (before a TwiML fetch, if any), µs; default: when the socket is opened. */
  setupStartUs?: number;
}

/** Counters of bad input from the bridge (keys as written to calls.jsonl). */
export const PROBLEM_KINDS = ['invalid_json', 'invalid_message', 'wrong_stream_id', 'bad_base64', 'wrong_size', 'not_codec'] as const;
/** One of {@link PROBLEM_KINDS}. */
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

/** One turn of a call, as measured at the caller's ear (µs stamps on the shared monotonic clock). */
export interface CallTurn {
  call: number;
  /** 1-based. */
  turn: number;
  clipId: string;
  /** `completed` (answer heard and ended), `no_answer` (no audio within the turn timeout), `answer_timeout` (audio never stopped), `call_ended`. */
  status: 'pending' | 'completed' | 'no_answer' | 'answer_timeout' | 'call_ended';
  /** This turn's clip was spoken over the previous answer. */
  isBargeIn: boolean;
  /** The caller spoke over this turn's answer. */
  bargedIn: boolean;
  speechStartSentUs: number | null;
  /** When the frame carrying the caller's last speech sample was sent: the end of the caller's speech. */
  speechEndSentUs: number | null;
  /** First outbound media frame of the answer received. */
  firstAudioUs: number | null;
  /** The outbound media frame holding the answer's speech onset received. */
  onsetUs: number | null;
  /** Answer audio received, ms. */
  audioMs: number;
  /** Barge-in turns: the first `clear` after this clip's speech started, µs; null when none came. */
  clearUs: number | null;
  /** Barge-in turns: queued answer audio that `clear` dropped, ms. */
  droppedAudioMs: number | null;
}

/** How a call ended. */
export type CallOutcome = 'completed' | 'connect_failed' | 'closed_by_bridge' | 'aborted';

/** One call's record (a line of calls.jsonl, minus per-turn detail). */
export interface CallResult {
  call: number;
  streamId: string;
  callId: string;
  outcome: CallOutcome;
  /** Why, when not `completed`. */
  reason: string | null;
  /** Setup start → WebSocket open, ms (includes a TwiML fetch). */
  setupMs: number | null;
  framesSent: number;
  mediaReceived: number;
  marks: { received: number; echoed: number; echoedOnClear: number; unnamed: number; echoDelaysMs: number[] };
  clears: number;
  dtmfSent: number;
  /** Bad input from the bridge, by kind. */
  problems: Record<ProblemKind, number>;
  /** The first few problem reasons, verbatim. */
  problemExamples: string[];
  /** Events the carrier does not act on, by name. */
  otherEvents: Record<string, number>;
  /** Bridge messages that arrived after the carrier sent `stop` (ignored, as the carrier does). */
  afterStop: number;
  turns: CallTurn[];
  closeCode: number | null;
}
