import { describe, expect, it } from 'vitest';
import type { RecoveryRecord, SessionResult } from '../contract.ts';
import { formatRecoveryTable, nearestRank, recoveryTimeStats, scoreRecoveries } from './recovery-score.ts';

function session(recoveries?: RecoveryRecord[]): SessionResult {
  return {
    sessionIndex: 0,
    sessionId: 'sess_x',
    effort: null,
    model: 'gpt-realtime-2',
    connectMs: 5,
    configureMs: 3,
    connectedMs: 1000,
    turnsCompleted: 1,
    turnsFailed: 0,
    outcome: 'completed',
    closeCode: 1000,
    errors: {},
    ...(recoveries ? { recoveries } : {}),
  };
}

function rec(fault: RecoveryRecord['fault'], recovered: boolean, recoveryMs: number, turnsLost = 0, attempts = 1): RecoveryRecord {
  return { fault, turnIndex: 1, recovered, recoveryMs, turnsLost, attempts, detail: null };
}

describe('nearestRank / recoveryTimeStats', () => {
  it('uses the nearest-rank definition', () => {
    const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(nearestRank(v, 50)).toBe(50);
    expect(nearestRank(v, 95)).toBe(100);
    expect(nearestRank(v, 0)).toBe(10);
    expect(nearestRank([7], 95)).toBe(7);
  });

  it('sorts, rounds to 0.1 ms, and is null for no values', () => {
    expect(recoveryTimeStats([300.04, 100, 200])).toEqual({ count: 3, p50Ms: 200, p95Ms: 300, maxMs: 300 });
    expect(recoveryTimeStats([])).toBeNull();
  });
});

describe('scoreRecoveries', () => {
  it('groups by fault kind in report order; times over recovered faults only; sums turns lost and attempts', () => {
    const sessions = [
      session([rec('abnormal_close', true, 300, 1), rec('rate_limit_exceeded', true, 1200, 0, 2)]),
      session([rec('rate_limit_exceeded', false, 5000, 1, 3), rec('rate_limit_exceeded', true, 600)]),
      session(),
      session([rec('turn_timeout', true, 0, 1, 0), rec('abnormal_close', false, 20_000, 2, 5)]),
    ];
    const scores = scoreRecoveries(sessions);
    expect(scores.map((s) => s.fault)).toEqual(['rate_limit_exceeded', 'abnormal_close', 'turn_timeout']);
    expect(scores[0]).toEqual({
      fault: 'rate_limit_exceeded',
      occurrences: 3,
      recovered: 2,
      recoveryRate: 2 / 3,
      recoveryMs: { count: 2, p50Ms: 600, p95Ms: 1200, maxMs: 1200 },
      turnsLost: 1,
      attempts: 6,
    });
    expect(scores[1]).toMatchObject({ occurrences: 2, recovered: 1, recoveryMs: { count: 1, maxMs: 300 }, turnsLost: 3, attempts: 6 });
    expect(scores[2]).toMatchObject({ occurrences: 1, recovered: 1, recoveryMs: { p50Ms: 0 }, turnsLost: 1 });
  });

  it('a kind never recovered has null times; no recoveries give no rows', () => {
    expect(scoreRecoveries([session([rec('server_error', false, 80, 1)])])).toEqual([
      { fault: 'server_error', occurrences: 1, recovered: 0, recoveryRate: 0, recoveryMs: null, turnsLost: 1, attempts: 1 },
    ]);
    expect(scoreRecoveries([session(), session([])])).toEqual([]);
  });
});

describe('formatRecoveryTable', () => {
  it('one aligned line per row with the rate and dashes for missing times', () => {
    const scores = scoreRecoveries([session([rec('abnormal_close', true, 280, 1), rec('server_error', false, 80, 1)])]);
    const a = scores.find((s) => s.fault === 'abnormal_close');
    const b = scores.find((s) => s.fault === 'server_error');
    const text = formatRecoveryTable([
      { label: 'drop:p=1', score: a! },
      { label: 'server_error:p=1', score: b! },
    ]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^injected\s+fault met\s+occurred\s+recovered\s+p50 ms\s+p95 ms\s+max ms\s+turns lost$/);
    expect(lines[1]).toMatch(/^drop:p=1\s+abnormal_close\s+1\s+1 \(100%\)\s+280\s+280\s+280\s+1$/);
    expect(lines[2]).toMatch(/^server_error:p=1\s+server_error\s+1\s+0 \(0%\)\s+—\s+—\s+—\s+1$/);
  });
});
