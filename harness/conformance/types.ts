/**
 * Data types of the passive conformance checker: what it is fed (structurally compatible with
 * `parseServerEvent` in harness/protocol/server-events.ts, so the session driver passes its parsed
 * events straight in), what it returns (findings), and the rule catalogue's shape.
 */
import type { WireAudioFormat } from '../contract.ts';

/** Fields every parsed server event carries. */
interface InputBase {
  /** The frame as received. Only excerpts of it (≤ 300 chars, keys redacted) reach a finding. */
  readonly raw: string;
  /** Receive time stamped by the transport, µs (monotonic). Not used by the rules. */
  readonly receivedUs: number;
  /** 0-based index of the event in its connection's stream; findings point at it. */
  readonly index: number;
}

/** A JSON object whose `type` the parser knows (fields not validated: the rules judge them). */
export interface KnownInputEvent extends InputBase {
  readonly kind: 'known';
  readonly type: string;
  /** The parsed JSON object (any interface type is accepted). */
  readonly event: object;
}

/** A JSON object with a string `type` the parser does not know (beta names land here too). */
export interface UnknownInputEvent extends InputBase {
  readonly kind: 'unknown';
  readonly type: string;
  /** The parsed object when the parser kept it; otherwise the checker re-parses `raw` if it needs fields. */
  readonly event?: object;
}

/** A frame that is not a JSON object with a string `type`. */
export interface MalformedInputEvent extends InputBase {
  readonly kind: 'malformed';
  /** What is wrong, in words. */
  readonly problem: string;
}

/** One server event as the checker receives it. */
export type InputEvent = KnownInputEvent | UnknownInputEvent | MalformedInputEvent;

/** One client event the harness sent (the checker reads `event_id`, and `session.update`/`session.close`/item ids). */
export interface ClientEventInput {
  readonly type: string;
  readonly event: Record<string, unknown>;
  /** Send time, µs (monotonic). Not used by the rules. */
  readonly sentUs: number;
}

/** The three session kinds (§2.2–§2.5). */
export type SessionKind = 'realtime' | 'transcription' | 'translation' | 'live';

/** Finding and rule severities: only `error` fails a run. */
export type Severity = 'error' | 'warning' | 'info';

/** One rule violation (or, for info rules, one observation) in one session. */
export interface Finding {
  /** Stable rule id from the catalogue, e.g. `RT-ORDER-004`. */
  readonly ruleId: string;
  /** The rule's severity. */
  readonly severity: Severity;
  /** What was wrong, naming the ids and values involved. */
  readonly message: string;
  /** Index of the server event that revealed it; -1 when it was found at close/finish or on a client event. */
  readonly eventIndex: number;
  /** `type` of that event ('' when unknown or not event-bound). */
  readonly eventType: string;
  /** ≤ 300 chars of the offending frame, with anything that looks like a key (`sk-…`, `ek_…`, bearer tokens) redacted. */
  readonly rawExcerpt: string;
  /** Set by the checker when created with a `sessionId`, so findings of many sessions can be merged. */
  readonly sessionId?: string;
  /**
   * Present only on the one summary finding the checker appends when a rule hit its per-session cap:
   * how many further findings of that rule were dropped. Counts by rule add it.
   */
  readonly suppressed?: number;
}

/** Catalogue groups, in report order. */
export type RuleGroup =
  | 'session'
  | 'lifecycle'
  | 'ids'
  | 'content'
  | 'response-done'
  | 'errors'
  | 'events'
  | 'vad'
  | 'transcription'
  | 'translation'
  | 'close';

/** A rule as data. The logic lives in the checker's state machine; tests prove each rule can fire. */
export interface RuleDef {
  /** Stable id: `RT-<GROUP>-NNN`. Never reused for a different check. */
  readonly id: string;
  readonly severity: Severity;
  readonly group: RuleGroup;
  /** One line: what a conforming stream does. Says so when it is lenient because §9 lists the fact as unverified. */
  readonly description: string;
  /** Where the fact comes from: § of docs/realtime-protocol.md and S-numbers. */
  readonly source: string;
  /** Session kinds the rule applies to. */
  readonly sessionKinds: readonly SessionKind[];
}

/** Options of {@link createConformanceChecker}. */
export interface ConformanceCheckerOptions {
  readonly sessionKind: SessionKind;
  /**
   * Output format the session was configured with; used for audio-delta length checks until the
   * server states one (`session.created/updated`, `response.created`). Default PCM16 24 kHz.
   * Translation output is always PCM16 (§2.5).
   */
  readonly outputFormat?: WireAudioFormat;
  /** Copied onto every finding. Default: none. */
  readonly sessionId?: string;
  /** Findings kept per rule per session before the rest are only counted. Default 20. */
  readonly maxFindingsPerRule?: number;
}

/** The per-session checker. Feed it everything, in order; call `finish` once at the end. */
export interface ConformanceChecker {
  /** Every server event of the session, in receive order. Never throws. */
  onServerEvent(e: InputEvent): void;
  /** Every client event the harness sent, in send order, when it was handed to the socket. */
  onClientEvent(e: ClientEventInput): void;
  /** The socket closed with this code and reason. */
  onClose(code: number, reason: string): void;
  /** The client closed the socket itself (before any server close); optional. */
  onClientClose?(): void;
  /** Runs end-of-session checks and returns all findings (idempotent; later events are ignored). */
  finish(): Finding[];
}
