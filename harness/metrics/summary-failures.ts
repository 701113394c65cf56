/**
 * Failed sessions and why, as `summary.json` carries them: each failed session adds one entry
 * `<outcome>: <reason>` to `errors` (the driver puts it in `SessionResult.errors`, so the recorder,
 * worker merges, `rth report` rebuilds and merges all count it like any error code). This module
 * is the one place that writes and reads those keys, and turns the most common one into the
 * headline of a run in which no session connected, with a hint at the usual cause.
 */
import type { RunSummary } from './summary-types.ts';

/** Session outcomes that carry a failure reason in `errors` (harness/session/driver.ts). */
export const FAILURE_OUTCOMES = ['connect_failed', 'connect_timeout', 'configure_failed', 'configure_timeout', 'closed_by_server', 'reconnect_failed'] as const;

/** Outcomes of a session that never got a configured connection. */
const NEVER_OPENED = new Set<string>(['connect_failed', 'connect_timeout', 'configure_failed', 'configure_timeout']);

/** The `errors` key of a failed session: `connect_failed: HTTP 404 Not Found: …`. */
export function failureErrorKey(outcome: string, reason: string): string {
  return `${outcome}: ${reason}`;
}

/** One group of failed sessions with the same outcome and reason. */
export interface FailureGroup {
  outcome: string;
  reason: string;
  count: number;
}

/** The failure entries of an `errors` map, most frequent first (ties by text). */
export function failureGroups(errors: Readonly<Record<string, number>>): FailureGroup[] {
  const out: FailureGroup[] = [];
  for (const [key, count] of Object.entries(errors)) {
    const outcome = FAILURE_OUTCOMES.find((o) => key.startsWith(`${o}: `));
    if (outcome) out.push({ outcome, reason: key.slice(outcome.length + 2), count });
  }
  return out.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/** The entries of an `errors` map that are error codes (from `error` events, harness errors), not failure reasons. */
export function errorCodeCounts(errors: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(errors).filter(([key]) => !FAILURE_OUTCOMES.some((o) => key.startsWith(`${o}: `))));
}

/**
 * What to try for a failure reason, or null when there is nothing better to say than the reason.
 * Matches the wording of the reasons the transport and connection write.
 */
export function failureHint(reason: string): string | null {
  if (/^HTTP 404\b/.test(reason)) return 'wrong path: give the server root (ws://host:port, which becomes /v1/realtime) or the full /v1/realtime path';
  if (/^HTTP 40[13]\b|invalid_api_key|missing_api_key|Incorrect API key|authentication/i.test(reason)) {
    return 'missing or wrong API key: name the variable holding it with --api-key-env NAME (or api_key_env in the scenario), or pass --header "Authorization: Bearer …"';
  }
  if (/^HTTP 429\b|rate_limit|insufficient_quota/.test(reason)) return 'rate-limited or out of quota: fewer sessions, a slower arrival, or check the account';
  if (/\bECONNREFUSED\b/.test(reason)) return 'nothing is listening at that host and port: is the server running (rth mock --port N)?';
  if (/\b(ENOTFOUND|EAI_AGAIN)\b/.test(reason)) return 'the host name does not resolve: check the URL';
  if (/^TLS |CERT|SSL/.test(reason)) return 'TLS failed: a self-signed or untrusted certificate (NODE_EXTRA_CA_CERTS=ca.pem trusts one), or ws:// vs wss:// swapped';
  if (/timed out|did not complete within|no session\.created within/.test(reason)) return 'no answer in time: check the host and port, a firewall, or raise timeouts.connect_ms';
  if (/^HTTP 5\d\d\b/.test(reason)) return 'the server failed: retry later or check its logs';
  return null;
}

/** Whether every session of the run failed before it had a configured connection. */
export function everySessionFailedToConnect(s: Pick<RunSummary, 'sessions'>): boolean {
  const outcomes = Object.entries(s.sessions.by_outcome).filter(([, n]) => n > 0);
  return s.sessions.started > 0 && outcomes.length > 0 && outcomes.every(([o]) => NEVER_OPENED.has(o));
}

/**
 * The headline of a run in which no session connected, or null: how many failed, the most
 * common reason (with its count) and a hint. Shown first on the console and in the report.
 */
export function connectFailureHeadline(s: Pick<RunSummary, 'sessions' | 'errors'>): { line: string; hint: string | null } | null {
  if (!everySessionFailedToConnect(s)) return null;
  const groups = failureGroups(s.errors).filter((g) => NEVER_OPENED.has(g.outcome));
  const n = s.sessions.started;
  const onlyConnect = Object.keys(s.sessions.by_outcome).every((o) => o.startsWith('connect_'));
  const what = onlyConnect ? 'failed to connect' : 'failed to connect or configure';
  const top = groups[0];
  const line = `FAIL: every session ${what} (${n} of ${n})${top ? `: ${top.reason}${groups.length > 1 || top.count !== n ? ` (${top.count} of ${n}; ${groups.length} different reasons)` : ''}` : ''}`;
  return { line, hint: top ? failureHint(top.reason) : null };
}

/**
 * The console's error lines: error codes, then failed sessions by reason. Never `none` when a
 * session failed: a failure without a recorded reason is still listed by its outcome.
 */
export function errorLines(s: Pick<RunSummary, 'sessions' | 'errors'>): string[] {
  const codes = Object.entries(errorCodeCounts(s.errors)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const groups = failureGroups(s.errors);
  const out: string[] = [];
  if (codes.length > 0) out.push(`Errors: ${codes.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  else if (groups.length === 0 && s.sessions.failed === 0) out.push('Errors: none');
  if (groups.length > 0) {
    const total = groups.reduce((a, g) => a + g.count, 0);
    if (codes.length === 0) out.push(`Errors: ${total} failed session${total === 1 ? '' : 's'}, by reason:`);
    else out.push(`Failed sessions, by reason:`);
    for (const g of groups) out.push(`  ${g.count} × ${g.outcome}: ${g.reason}`);
  } else if (s.sessions.failed > 0) {
    const failed = Object.entries(s.sessions.by_outcome).filter(([o]) => o !== 'completed' && o !== 'stopped' && o !== 'aborted');
    out.push(`${codes.length > 0 ? 'Failed sessions' : 'Errors: no error events, but failed sessions'}: ${failed.map(([o, n]) => `${o} ${n}`).join(', ')} (no reason recorded)`);
  }
  return out;
}
