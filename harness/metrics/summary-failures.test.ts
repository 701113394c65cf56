import { describe, expect, it } from 'vitest';
import { Recorder } from './recorder.ts';
import { buildSummary } from './summary.ts';
import { connectFailureHeadline, errorCodeCounts, errorLines, failureErrorKey, failureGroups, failureHint } from './summary-failures.ts';
import { formatSummaryTable } from './summary-table.ts';
import { session } from './test-fixtures.ts';

const R404 = 'HTTP 404 Not Found: not_found: No WebSocket endpoint at /; use /v1/realtime or /v1/realtime/translations.';

function summaryOf(sessions: Parameters<typeof session>[0][]): ReturnType<typeof buildSummary> {
  const r = new Recorder();
  for (const s of sessions) r.recordSession(session(s));
  return buildSummary(r, {
    scenario: { name: 't', file: null, description: '' },
    target: 'ws://127.0.0.1:1/',
    kind: 'realtime',
    model: 'gpt-realtime-2',
    efforts: ['low'],
    startedAt: new Date(0),
    durationS: 1,
    chunkMs: 20,
    sendLagBudgetMs: 5,
    stallBudgetMs: 50,
    eventLoop: null,
    interrupted: false,
    provenance: { toolVersion: 't', gitCommit: null, corpus: {}, seed: 1, workers: 1 },
  });
}

function failed(outcome: string, reason: string): Parameters<typeof session>[0] {
  return { outcome, connectMs: null, configureMs: null, connectedMs: 0, turnsCompleted: 0, errors: { [failureErrorKey(outcome, reason)]: 1 }, failure: { kind: outcome, code: null, reason } };
}

describe('failure groups in errors', () => {
  it('round-trips <outcome>: <reason> keys; error codes stay apart', () => {
    const errors = { invalid_api_key: 3, [failureErrorKey('connect_failed', R404)]: 2, [failureErrorKey('connect_failed', 'ECONNREFUSED: x')]: 2, [failureErrorKey('reconnect_failed', 'drop')]: 1 };
    expect(failureGroups(errors)).toEqual([
      { outcome: 'connect_failed', reason: 'ECONNREFUSED: x', count: 2 },
      { outcome: 'connect_failed', reason: R404, count: 2 },
      { outcome: 'reconnect_failed', reason: 'drop', count: 1 },
    ]);
    expect(errorCodeCounts(errors)).toEqual({ invalid_api_key: 3 });
  });

  it('hints: wrong path, key, nothing listening, TLS, timeout; none for what it cannot place', () => {
    expect(failureHint(R404)).toMatch(/^wrong path/);
    expect(failureHint('HTTP 401 Unauthorized')).toMatch(/--api-key-env/);
    expect(failureHint('error invalid_api_key: Missing bearer…; then closed 3000 "invalid_request_error.invalid_api_key" before session.created')).toMatch(/--api-key-env/);
    expect(failureHint('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9')).toMatch(/nothing is listening/);
    expect(failureHint('TLS DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate')).toMatch(/^TLS failed/);
    expect(failureHint('opening handshake timed out after 100 ms (no HTTP answer to the upgrade)')).toMatch(/no answer in time/);
    expect(failureHint('something else')).toBeNull();
  });
});

describe('the console and the headline', () => {
  it('every session failed to connect: said first, with the most common reason and a hint; never "Errors: none"', () => {
    const s = summaryOf([failed('connect_failed', R404), failed('connect_failed', R404), failed('connect_timeout', 'opening handshake timed out after 100 ms (no HTTP answer to the upgrade)')]);
    expect(connectFailureHeadline(s)).toEqual({
      line: `FAIL: every session failed to connect (3 of 3): ${R404} (2 of 3; 2 different reasons)`,
      hint: expect.stringMatching(/^wrong path/),
    });
    const lines = formatSummaryTable(s).split('\n');
    expect(lines[0]).toBe(connectFailureHeadline(s)!.line);
    expect(lines[1]).toMatch(/^Hint: wrong path/);
    expect(lines).toContain('Errors: 3 failed sessions, by reason:');
    expect(lines).toContain(`  2 × connect_failed: ${R404}`);
    expect(lines.join('\n')).not.toContain('Errors: none');
  });

  it('one reason for all: no "of N" repetition; configure failures are named too', () => {
    const s = summaryOf([failed('connect_failed', R404), failed('connect_failed', R404)]);
    expect(connectFailureHeadline(s)!.line).toBe(`FAIL: every session failed to connect (2 of 2): ${R404}`);
    const c = summaryOf([failed('configure_failed', 'session.update refused: error invalid_value: bad voice')]);
    expect(connectFailureHeadline(c)!.line).toMatch(/^FAIL: every session failed to connect or configure \(1 of 1\): session\.update refused/);
  });

  it('some sessions connected: no headline; failed sessions are listed after the error codes', () => {
    const s = summaryOf([{ errors: { session_expired: 1 } }, failed('connect_failed', 'ECONNREFUSED: x')]);
    expect(connectFailureHeadline(s)).toBeNull();
    expect(errorLines(s)).toEqual(['Errors: session_expired 1', 'Failed sessions, by reason:', '  1 × connect_failed: ECONNREFUSED: x']);
  });

  it('a failed session without a recorded reason is still not "none"', () => {
    const s = summaryOf([{ outcome: 'closed_by_server' }]);
    expect(errorLines(s)).toEqual(['Errors: no error events, but failed sessions: closed_by_server 1 (no reason recorded)']);
    expect(errorLines(summaryOf([{}]))).toEqual(['Errors: none']);
  });
});
