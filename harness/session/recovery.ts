/**
 * Recovery (issue 4): what the session driver does when the target rate-limits, fails a response,
 * expires the session or drops the socket, and the record of it. Pure decisions and bookkeeping;
 * the driver performs the actions.
 *
 * | fault | signal | action |
 * | --- | --- | --- |
 * | `rate_limit_exceeded` | `response.done` failed, `status_details.error.code` | wait the "try again in Xs" hint (§4.2), re-send `response.create` |
 * | `server_error` | `error`/failed response of type `server_error` | re-send `response.create` once |
 * | `session_expired` | `error` code `session_expired`, then close 1001 (§1.4) | reconnect, re-seed history, go on |
 * | `going_away` | close 1001 without that error | same as expiry |
 * | `abnormal_close` | close 1005/1006/1011/1012/1013 (the SDK's recoverable set, §1.4) | reconnect with capped exponential back-off and seeded jitter |
 * | `turn_timeout` | no `response.done` within `turnTimeoutMs` | recorded; the session goes on with the next turn |
 */
import type { FaultKind, RecoveryRecord } from '../contract.ts';

/** How hard the driver tries to recover. Every field has a default in {@link DEFAULT_RECOVERY_POLICY}. */
export interface RecoveryPolicy {
  /** Master switch. Default true; false records faults (recovered: false) and never retries or reconnects. */
  enabled: boolean;
  /** Retries of a turn whose response failed with `rate_limit_exceeded`. Default 3. */
  rateLimitRetries: number;
  /** Back-off when the message carries no "try again in" hint, ms. Default 1000. */
  rateLimitDefaultBackoffMs: number;
  /** Upper bound of a hinted back-off, ms. Default 60000. */
  rateLimitMaxBackoffMs: number;
  /** Retries after a `server_error`. Default 1. */
  serverErrorRetries: number;
  /** Reconnect attempts per fault. Default 5. */
  reconnectAttempts: number;
  /** First reconnect delay (before jitter), ms; doubles per attempt. Default 250. */
  reconnectBaseDelayMs: number;
  /** Cap of the reconnect delay, ms. Default 8000. */
  reconnectMaxDelayMs: number;
  /** Fraction of the delay that is random ("equal jitter"): delay × (1 − j + j·u), u ∈ [0,1). Default 0.5. */
  reconnectJitter: number;
  /** After a reconnect, re-create earlier turns as conversation items. Default true. */
  reseedHistory: boolean;
  /** Earlier turns kept for re-seeding (most recent). Default 20. */
  reseedMaxTurns: number;
}

/** Defaults of {@link RecoveryPolicy}. */
export const DEFAULT_RECOVERY_POLICY: Readonly<RecoveryPolicy> = Object.freeze({
  enabled: true,
  rateLimitRetries: 3,
  rateLimitDefaultBackoffMs: 1000,
  rateLimitMaxBackoffMs: 60_000,
  serverErrorRetries: 1,
  reconnectAttempts: 5,
  reconnectBaseDelayMs: 250,
  reconnectMaxDelayMs: 8000,
  reconnectJitter: 0.5,
  reseedHistory: true,
  reseedMaxTurns: 20,
});

/** Fills a partial policy with defaults. */
export function resolveRecoveryPolicy(partial?: Partial<RecoveryPolicy>): RecoveryPolicy {
  return { ...DEFAULT_RECOVERY_POLICY, ...(partial ?? {}) };
}

/**
 * The fault a close code means, or null when it is not one to recover from: 1000 is a clean close;
 * 1002/1003/1007/1008/1009/1010/1015 and application codes (3000 = bad key, §1.2) would fail again.
 * Recoverable set as the official SDK's `isRecoverableClose` (§1.4).
 */
export function faultOfClose(code: number, sessionExpiredSeen: boolean): FaultKind | null {
  if (code === 1001) return sessionExpiredSeen ? 'session_expired' : 'going_away';
  if (code === 1005 || code === 1006 || code === 1011 || code === 1012 || code === 1013) return 'abnormal_close';
  return null;
}

/**
 * The wait a rate-limit message asks for, ms, from its "try again in …" hint (§4.2, e.g.
 * "Please try again in 1m26.4s.", "in 20ms", "in 6s", "in 1h2m"), or null without a hint.
 */
export function parseRetryAfterMs(message: string): number | null {
  const m = /try again in\s+((?:\d+(?:\.\d+)?\s*(?:ms|h|m|s)\s*)+)/i.exec(message);
  if (!m || m[1] === undefined) return null;
  let totalMs = 0;
  for (const part of m[1].matchAll(/(\d+(?:\.\d+)?)\s*(ms|h|m|s)/gi)) {
    const value = Number(part[1]);
    const unit = (part[2] ?? '').toLowerCase();
    totalMs += unit === 'ms' ? value : unit === 's' ? value * 1000 : unit === 'm' ? value * 60_000 : value * 3_600_000;
  }
  return Math.round(totalMs);
}

/** Back-off before retrying a rate-limited turn: the hint (capped), else the default. */
export function rateLimitBackoffMs(message: string, policy: RecoveryPolicy): number {
  const hint = parseRetryAfterMs(message);
  return Math.min(policy.rateLimitMaxBackoffMs, hint ?? policy.rateLimitDefaultBackoffMs);
}

/** Reconnect delay before attempt `attempt` (1-based): capped exponential with equal jitter. */
export function reconnectDelayMs(attempt: number, policy: RecoveryPolicy, random: () => number): number {
  const exp = Math.min(policy.reconnectMaxDelayMs, policy.reconnectBaseDelayMs * 2 ** Math.max(0, attempt - 1));
  const j = Math.min(1, Math.max(0, policy.reconnectJitter));
  return exp * (1 - j + j * random());
}

/** A small seeded PRNG (mulberry32) for jitter, so two runs with one seed back off identically. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One recovery in progress; ends once with {@link OpenRecovery.succeed} or {@link OpenRecovery.fail}. */
export interface OpenRecovery {
  readonly fault: FaultKind;
  /** Counts one retry or reconnect attempt. */
  attempt(): void;
  /** The number of attempts so far. */
  readonly attempts: number;
  /** Recovery succeeded at `nowUs`; `turnsLost` turns were lost on the way. */
  succeed(nowUs: number, turnsLost?: number): void;
  /** Recovery gave up (or was not attempted) at `nowUs`. */
  fail(nowUs: number, turnsLost?: number): void;
}

/** The list of faults and recoveries of one session, in the order the faults happened. */
export class RecoveryLog {
  readonly records: RecoveryRecord[] = [];

  /** Opens a record for a fault observed at `startUs`. */
  begin(fault: FaultKind, turnIndex: number | null, detail: string | null, startUs: number): OpenRecovery {
    const record: RecoveryRecord = { fault, turnIndex, recovered: false, recoveryMs: 0, turnsLost: 0, attempts: 0, detail };
    this.records.push(record);
    let open = true;
    const end = (recovered: boolean, nowUs: number, turnsLost: number): void => {
      if (!open) return;
      open = false;
      record.recovered = recovered;
      record.recoveryMs = Math.max(0, (nowUs - startUs) / 1000);
      record.turnsLost += turnsLost;
    };
    return {
      fault,
      attempt: () => {
        record.attempts += 1;
      },
      get attempts() {
        return record.attempts;
      },
      succeed: (nowUs, turnsLost = 0) => end(true, nowUs, turnsLost),
      fail: (nowUs, turnsLost = 0) => end(false, nowUs, turnsLost),
    };
  }

  /** Records a fault that needs no action beyond the record (e.g. a turn timeout). */
  note(fault: FaultKind, turnIndex: number | null, detail: string | null, recovered: boolean, turnsLost: number): void {
    this.records.push({ fault, turnIndex, recovered, recoveryMs: 0, turnsLost, attempts: 0, detail });
  }
}
