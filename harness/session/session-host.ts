/**
 * What a turn engine (realtime/transcription or translation) needs from the session driver: the
 * plan, time, the event builder, the current connection's send and microphone, recovery policy and
 * log, and a place to report finished turns. Keeps the engines testable and the driver small.
 */
import type { Clock } from '../../common/clock.ts';
import type { SessionPlan, TurnResult } from '../contract.ts';
import type { ClientEventBuilder } from '../protocol/client-events.ts';
import type { AnyMicrophone } from './microphone.ts';
import type { RecoveryLog, RecoveryPolicy } from './recovery.ts';
import type { TurnContext, TurnTracker } from './turn-tracker.ts';

/** The driver as seen by a turn engine. */
export interface SessionHost {
  readonly plan: SessionPlan;
  readonly clock: Clock;
  readonly builder: ClientEventBuilder;
  readonly policy: RecoveryPolicy;
  readonly log: RecoveryLog;
  /** Sends a client event on the current connection (dropped when none is open). */
  send(event: object): void;
  /** The current connection's microphone, or null between connections. */
  mic(): AnyMicrophone | null;
  /** Whether a connection is open. */
  connected(): boolean;
  /** Whether new turns may start (false once `stopNewTurns` resolved). */
  mayStartTurns(): boolean;
  /** Facts for a turn result. */
  turnContext(): TurnContext;
  /** A turn finished: count it, remember it for re-seeding, hand it to `onTurn`. */
  report(result: TurnResult, tracker: TurnTracker): void;
  /** An `error` event arrived with this code (or type when it has no code). */
  errorSeen(code: string): void;
}

/** Reads a string field of an unvalidated object. */
export function str(obj: unknown, key: string): string | null {
  if (typeof obj !== 'object' || obj === null) return null;
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : null;
}

/** Reads an object field of an unvalidated object. */
export function obj(o: unknown, key: string): Record<string, unknown> | null {
  if (typeof o !== 'object' || o === null) return null;
  const v = (o as Record<string, unknown>)[key];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}
