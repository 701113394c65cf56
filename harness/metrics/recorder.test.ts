import { describe, expect, it } from 'vitest';
import { Recorder, classifySession, classifyTurn, turnBucket } from './recorder.ts';
import { session, turn } from './test-fixtures.ts';

/** Within HDR's 3-significant-digit precision (0.1 %). */
function near(actual: number | null, expected: number): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(expected * 0.001 + 0.001);
}

/** A completed VAD turn whose TTFA is `ttfaMs`. */
function ttfaTurn(ttfaMs: number, over: Parameters<typeof turn>[0] = {}) {
  return turn({
    ...over,
    milestones: { speechEndSentUs: 1_000_000, speechStoppedUs: 1_400_000, responseCreatedUs: 1_450_000, firstAudioUs: 1_000_000 + ttfaMs * 1000, responseDoneUs: 1_000_000 + ttfaMs * 1000 + 500_000, ...over.milestones },
    audioDeltas: over.audioDeltas ?? [{ receivedUs: 1_000_000 + ttfaMs * 1000, durationMs: 1000 }],
  });
}

describe('Recorder', () => {
  it('records turn metrics per effort and per turn bucket, reported in ms', () => {
    const r = new Recorder();
    r.recordTurn(ttfaTurn(800, { turnIndex: 1, effort: 'low' }));
    r.recordTurn(ttfaTurn(600, { turnIndex: 2, effort: 'low' }));
    r.recordTurn(ttfaTurn(500, { turnIndex: 3, effort: 'low' }));
    r.recordTurn(ttfaTurn(400, { turnIndex: 9, effort: 'low' }));
    r.recordTurn(ttfaTurn(2000, { turnIndex: 1, effort: 'high' }));
    r.recordTurn(ttfaTurn(1000, { turnIndex: 1, effort: null }));
    expect(r.stats('ttfa', 'low').count).toBe(4);
    near(r.stats('ttfa', 'low').max, 800);
    expect(r.stats('ttfa', 'low', '1').count).toBe(1);
    near(r.stats('ttfa', 'low', '1').p50, 800);
    expect(r.stats('ttfa', 'low', '3+').count).toBe(2);
    near(r.stats('ttfa', 'high').p50, 2000);
    expect(r.stats('ttfa', 'none').count).toBe(1);
    near(r.stats('vad_delay', 'low').p50, 400);
    near(r.stats('response_start', 'low').p50, 450);
    near(r.stats('turn', 'high').p50, 2500);
    near(r.stats('audio_rtf', 'high').p50, 2); // 1000 ms of audio in 500 ms
    expect(r.stats('first_text', 'low').count).toBe(0);
    expect(r.efforts()).toEqual(['low', 'high', 'none']);
    expect(r.counters).toMatchObject({ turnsCompleted: 6, turnsFailed: 0, turnsWithAudio: 6, playbackUnderruns: 0 });
  });

  it('a barged-in cancelled turn counts as completed and keeps its TTFA, but not its turn time', () => {
    const r = new Recorder();
    r.recordTurn(ttfaTurn(700, { status: 'cancelled', bargedIn: true }));
    expect(r.counters).toMatchObject({ turnsCompleted: 1, turnsFailed: 0, bargeIns: 1, turnsByStatus: { cancelled: 1 } });
    expect(r.stats('ttfa', 'low').count).toBe(1);
    expect(r.stats('turn', 'low').count).toBe(0);
    expect(r.stats('audio_rtf', 'low').count).toBe(0);
  });

  it('failed and aborted turns: counted apart, error codes by code', () => {
    const r = new Recorder();
    r.recordTurn(turn({ status: 'failed', errorCode: 'rate_limit_exceeded' }));
    r.recordTurn(turn({ status: 'timeout', errorCode: 'turn_timeout' }));
    r.recordTurn(turn({ status: 'cancelled', bargedIn: false }));
    r.recordTurn(turn({ status: 'aborted' }));
    expect(r.counters).toMatchObject({
      turnsCompleted: 0,
      turnsFailed: 3,
      turnsAborted: 1,
      turnErrorCodes: { rate_limit_exceeded: 1, turn_timeout: 1 },
      turnsByStatus: { failed: 1, timeout: 1, cancelled: 1, aborted: 1 },
    });
    expect(classifyTurn({ status: 'incomplete', bargedIn: false })).toBe('failed');
  });

  it('negative values are recorded as 0 and counted', () => {
    const r = new Recorder();
    r.recordTurn(turn({ milestones: { speechEndSentUs: 1_000_000, speechStoppedUs: 990_000 } }));
    expect(r.stats('vad_delay', 'low')).toMatchObject({ count: 1, max: 0 });
    expect(r.counters.negativeClamped).toEqual({ vad_delay: 1 });
  });

  it('sessions: connect/configure, outcomes, error events; errors by code', () => {
    const r = new Recorder();
    r.recordSession(session({ connectMs: 150, configureMs: 30, errors: { invalid_value: 2 } }));
    r.recordSession(session({ connectMs: null, configureMs: null, outcome: 'connect_failed', effort: 'high' }));
    r.recordSession(session({ outcome: 'aborted' }));
    r.recordError('ECONNRESET');
    r.recordError('invalid_value');
    expect(r.stats('connect', 'low')).toMatchObject({ count: 2 });
    near(r.stats('connect', 'low').min, 120);
    expect(r.stats('connect', 'high').count).toBe(0);
    expect(r.counters).toMatchObject({
      sessionsCompleted: 1,
      sessionsFailed: 1,
      sessionsAborted: 1,
      sessionsByOutcome: { completed: 1, connect_failed: 1, aborted: 1 },
      errors: { invalid_value: 3, ECONNRESET: 1 },
    });
  });

  it('a session stopped by the end of a duration-bounded run counts as completed and keeps its outcome', () => {
    expect(classifySession('stopped')).toBe('completed');
    expect(classifySession('completed')).toBe('completed');
    expect(classifySession('aborted')).toBe('aborted');
    expect(classifySession('reconnect_failed')).toBe('failed');
    const r = new Recorder();
    r.recordSession(session({ outcome: 'stopped' }));
    r.recordSession(session({ outcome: 'completed' }));
    expect(r.counters).toMatchObject({ sessionsCompleted: 2, sessionsFailed: 0, sessionsAborted: 0, sessionsByOutcome: { stopped: 1, completed: 1 } });
  });

  it('snapshots survive JSON and merge by adding histograms, never averaging percentiles', () => {
    const a = new Recorder();
    const b = new Recorder();
    for (let i = 0; i < 99; i++) a.recordTurn(ttfaTurn(1000));
    for (let i = 0; i < 99; i++) b.recordTurn(ttfaTurn(3000));
    b.recordTurn(ttfaTurn(9000));
    a.recordSendLagUs(500);
    b.recordSendLagUs(7000);
    a.recordError('x');
    b.recordError('x', 2);
    const wire = [a.encode(), b.encode()].map((s) => JSON.parse(JSON.stringify(s)));
    const m = Recorder.merge(wire);
    const s = m.stats('ttfa', 'low');
    expect(s.count).toBe(199);
    // The union's median is 3000 (100 of 199 values are >= 3000); the mean of the medians would be 2000.
    near(s.p50, 3000);
    near(s.p99, 3000);
    near(s.max, 9000);
    expect(m.stats('ttfa', 'low', '1').count).toBe(199);
    expect(m.counters.errors).toEqual({ x: 3 });
    expect(m.counters.turnsCompleted).toBe(199);
    expect(m.sendLagHistogram().totalCount).toBe(2);
    expect(m.sendLagHistogram().maxValue).toBeGreaterThanOrEqual(7000);
    // Merging is associative with the live recorder's own statistics.
    expect(Recorder.merge([a.encode()]).stats('ttfa', 'low')).toEqual(a.stats('ttfa', 'low'));
  });

  it('rejects an unknown snapshot schema', () => {
    expect(() => Recorder.merge([{ schema: 'nope' } as never])).toThrow(/schema/);
  });

  it('turn buckets', () => {
    expect([1, 2, 3, 40].map(turnBucket)).toEqual(['1', '2', '3+', '3+']);
  });
});
