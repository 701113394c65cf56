import { describe, expect, it } from 'vitest';
import { session, turn } from '../metrics/test-fixtures.ts';
import type { StopWhen } from '../scenario/types.ts';
import { stepSchedule, type CapacityStep } from './arrivals.ts';
import { CapacityMonitor, capacityOf, formatCapacityLines, judgeStep, p95MinTurns, type CapacityStepBlock, type StepFacts } from './capacity.ts';

const STEP: CapacityStep = { index: 0, concurrency: 10, startMs: 0, endMs: 3000 };
const ALL: StopWhen = { ttfaP95Ms: 1000, errorRate: 0.05, rateLimited: true };

function facts(over: Partial<StepFacts> = {}): StepFacts {
  return { ttfaMs: [], turns: 0, turnsFailed: 0, sessionsFailed: 0, handshake429: 0, inSession: 0, ...over };
}
/** n TTFA values 1..n ms scaled so that the largest is `top`. */
function ttfas(n: number, top: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i + 1) * top) / n);
}

describe('judgeStep (the stop rule on one step)', () => {
  it('a p95 needs 72 values at 95 %', () => {
    expect(p95MinTurns()).toBe(72);
  });

  it('too few turns: the p95 is not judged, the step holds on the other conditions, and says so', () => {
    const b = judgeStep(STEP, facts({ ttfaMs: ttfas(71, 5000), turns: 71 }), ALL, true);
    expect(b.verdict).toBe('held');
    expect(b.ttfa_ms.p95).toBeNull();
    expect(b.ttfa_ms.p50).not.toBeNull();
    expect(b.notes).toEqual(['p95 not supported at this step (n=71, needs 72 at 95%): TTFA not judged']);
  });

  it('a supported p95 above the limit breaks the step; at or below holds', () => {
    const over = judgeStep(STEP, facts({ ttfaMs: ttfas(100, 1200), turns: 100 }), ALL, true);
    expect(over.verdict).toBe('broke');
    expect(over.ttfa_ms.p95).toBe(1140);
    expect(over.broken).toEqual(['TTFA p95 1140 ms > 1000 ms']);
    expect(over.ttfa_ms.ci.p95.low).not.toBeNull();
    const under = judgeStep(STEP, facts({ ttfaMs: ttfas(100, 1000), turns: 100 }), ALL, true);
    expect(under.verdict).toBe('held');
    expect(under.ttfa_ms.p95).toBe(950);
  });

  it('error rate counts failed turns and failed session opens over all attempts', () => {
    const b = judgeStep(STEP, facts({ turns: 18, turnsFailed: 0, sessionsFailed: 2 }), ALL, true);
    expect(b.error_rate).toBe(0.1);
    expect(b.broken).toEqual(['error rate 10% > 5%']);
    expect(judgeStep(STEP, facts({ turns: 20, turnsFailed: 1 }), ALL, true).verdict).toBe('held');
  });

  it('rate limits break the step only with rate_limited, and are named by kind', () => {
    const f = facts({ turns: 20, handshake429: 3, inSession: 1 });
    const b = judgeStep(STEP, f, ALL, true);
    expect(b.broken).toEqual(['handshake 429 ×3', 'in-session rate_limit_exceeded ×1']);
    expect(b.rate_limits).toEqual({ handshake_429: 3, in_session: 1 });
    expect(judgeStep(STEP, f, { ...ALL, rateLimited: false }, true).verdict).toBe('held');
  });

  it('no stop_when, or not judged: the evidence is kept, no verdict drawn', () => {
    const f = facts({ turns: 10, turnsFailed: 10, handshake429: 1 });
    expect(judgeStep(STEP, f, null, true).verdict).toBe('held');
    const nj = judgeStep(STEP, f, ALL, false);
    expect(nj.verdict).toBe('not judged');
    expect(nj.error_rate).toBe(1);
  });
});

describe('capacityOf', () => {
  const block = (concurrency: number, verdict: CapacityStepBlock['verdict'], broken: string[] = []): CapacityStepBlock => ({
    ...judgeStep({ index: 0, concurrency, startMs: 0, endMs: 1 }, facts(), null, true),
    verdict,
    broken,
  });

  it('the last step that held before the first that broke, and what broke it', () => {
    const c = capacityOf([block(10, 'held'), block(20, 'held'), block(30, 'broke', ['handshake 429 ×2', 'error rate 20% > 5%']), block(40, 'not judged')], 40, ALL);
    expect(c.sessions).toBe(20);
    expect(c.stopped_by).toBe('handshake 429');
    expect(c.stopped_at).toBe(30);
    expect(c.max_reached).toBe(false);
    expect(c.steps).toHaveLength(4);
  });

  it('0 when the first step broke; max when every step held', () => {
    expect(capacityOf([block(10, 'broke', ['TTFA p95 2000 ms > 1000 ms'])], 40, ALL)).toMatchObject({ sessions: 0, stopped_by: 'ttfa p95' });
    expect(capacityOf([block(10, 'held'), block(20, 'held')], 20, ALL)).toMatchObject({ sessions: 20, stopped_by: null, max_reached: true });
  });

  it('the console table names the result and each step', () => {
    const lines = formatCapacityLines(capacityOf([block(10, 'held'), block(20, 'broke', ['handshake 429 ×1'])], 30, ALL));
    expect(lines[0]).toBe('Capacity: 10 sessions (stopped at 20 by handshake 429)');
    expect(lines[1]).toContain('>= 72 turns');
    expect(lines.at(-1)).toContain('broke: handshake 429 ×1');
  });
});

describe('CapacityMonitor', () => {
  const RUN_US = 1_000_000;
  const steps = stepSchedule({ type: 'steps', start: 1, step: 1, stepS: 1, max: 3 });
  const at = (ms: number): number => RUN_US + ms * 1000;
  const manual = (sessionIndex: number, commitMs: number, over: Parameters<typeof turn>[0] = {}) =>
    turn({ sessionIndex, mode: 'manual', ...over, milestones: { turnStartUs: at(commitMs - 500), commitSentUs: at(commitMs), firstAudioUs: at(commitMs + 300) } });

  function monitor(stopWhen: StopWhen | null = ALL) {
    const broke: CapacityStepBlock[] = [];
    const m = new CapacityMonitor({ steps, runStartUs: RUN_US, stopWhen, maxSessions: 3, onBreak: (b) => broke.push(b) });
    return { m, broke };
  }

  it('a step is judged only once every session open at its end reported a later turn or ended', () => {
    const { m, broke } = monitor();
    m.sessionStarted(0);
    m.turn(manual(0, 200), 300, at(500));
    m.stepOver(0);
    // Session 0's open turn may still belong to step 0: nothing judged yet.
    expect(m.judgedSteps).toBe(0);
    // The slow turn committed in step 0 arrives after the step ended and still counts for step 0.
    m.turn(manual(0, 900, { status: 'failed', errorCode: 'server_error' }), null, at(1400));
    expect(m.judgedSteps).toBe(0);
    m.turn(manual(0, 1300), 300, at(1700));
    expect(m.judgedSteps).toBe(1);
    expect(broke).toHaveLength(1);
    expect(broke[0]).toMatchObject({ index: 0, verdict: 'broke', turns: 2, turns_failed: 1, error_rate: 0.5 });
  });

  it('calls onBreak once, at the first step that breaks, and later steps are not judged', () => {
    const { m, broke } = monitor();
    m.sessionStarted(0);
    m.turn(manual(0, 300), 300, at(600));
    m.stepOver(0);
    m.sessionStarted(1);
    m.turn(manual(0, 1200), 300, at(1500));
    // Session 2 is refused at the handshake with 429 during step 1 (its record carries the hit).
    m.sessionStarted(2);
    m.session(session({ sessionIndex: 2, outcome: 'connect_failed', failure: { kind: 'connect_failed', code: 'http_429', reason: 'HTTP 429' }, rateLimits: { handshake429: [{ atUs: at(1100), openSessions: 3, retryAfterMs: 1000, source: 'handshake' }], inSession: [], updates: { events: 0, lastRemainingRequests: null, lastRemainingTokens: null, limitRequests: null, limitTokens: null, minRemainingRequests: null, minRemainingTokens: null, samples: [] } } }), at(1100));
    // A rate limit breaks its step at once (more turns cannot undo it): no waiting for the step's end.
    expect(broke).toHaveLength(1);
    expect(broke[0]).toMatchObject({ concurrency: 2, rate_limits: { handshake_429: 1, in_session: 0 }, sessions_failed: 1 });
    m.turn(manual(1, 1300), 300, at(1600));
    m.stepOver(1);
    m.turn(manual(0, 2100), 300, at(2400));
    m.turn(manual(1, 2100), 300, at(2400));
    m.stepOver(2);
    m.session(session({ sessionIndex: 0 }), at(2500));
    m.session(session({ sessionIndex: 1 }), at(2500));
    const c = m.finish(at(2500), false);
    expect(c).toMatchObject({ sessions: 1, stopped_by: 'handshake 429', stopped_at: 2 });
    expect(c.steps.map((s) => s.verdict)).toEqual(['held', 'broke', 'not judged']);
    expect(broke).toHaveLength(1);
  });

  it('an in-session limit told live breaks its step though a retried turn is still open', () => {
    const { m, broke } = monitor();
    m.sessionStarted(0);
    m.sessionStarted(1);
    m.turn(manual(0, 300), 300, at(600));
    m.turn(manual(1, 300), 300, at(600));
    m.stepOver(0);
    // Session 0 answers in step 1; session 1's step-1 turn is refused and retried (not finished).
    m.turn(manual(0, 1200), 300, at(1500));
    expect(m.judgedSteps).toBe(0);
    m.rateLimit(1, 'in_session', at(1210));
    expect(m.judgedSteps).toBe(2);
    expect(broke).toEqual([expect.objectContaining({ index: 1, verdict: 'broke', broken: ['in-session rate_limit_exceeded ×1'] })]);
    // The retried turn finishes later and still counts in step 1's final evidence.
    m.turn(manual(1, 1200, { status: 'failed', errorCode: 'rate_limit_exceeded' }), null, at(2600));
    m.session(session({ sessionIndex: 0 }), at(2700));
    m.session(session({ sessionIndex: 1 }), at(2700));
    const c = m.finish(at(2700), false);
    expect(c).toMatchObject({ sessions: 1, stopped_by: 'in-session rate limit', stopped_at: 2 });
    expect(c.steps[1]).toMatchObject({ turns: 2, turns_failed: 1, rate_limits: { handshake_429: 0, in_session: 1 } });
  });

  it('counts a hit once whether told live, by the turn or by the session record', () => {
    const { m } = monitor(null);
    m.sessionStarted(0);
    // An in-session limit seen first as the turn's error code, then told live, then in the record.
    m.turn(manual(0, 300, { status: 'failed', errorCode: 'rate_limit_exceeded' }), null, at(600));
    m.rateLimit(0, 'in_session', at(550));
    const hit = { atUs: at(550), openSessions: 1, retryAfterMs: 2000, source: 'response.done' as const };
    m.stepOver(0);
    m.stepOver(1);
    m.stepOver(2);
    m.session(session({ sessionIndex: 0, rateLimits: { handshake429: [], inSession: [hit], updates: { events: 0, lastRemainingRequests: null, lastRemainingTokens: null, limitRequests: null, limitTokens: null, minRemainingRequests: null, minRemainingTokens: null, samples: [] } } }), at(3000));
    const c = m.finish(at(3000), true);
    expect(c.steps[0]!.rate_limits).toEqual({ handshake_429: 0, in_session: 1 });
    expect(c.sessions).toBe(3);
    expect(c.max_reached).toBe(true);
  });

  it('a 429 failure without a rate-limit record is still counted as a handshake 429', () => {
    const { m, broke } = monitor();
    m.sessionStarted(0);
    m.session(session({ sessionIndex: 0, outcome: 'connect_failed', failure: { kind: 'connect_failed', code: 'http_429', reason: 'HTTP 429 Too Many Requests' } }), at(100));
    m.stepOver(0);
    expect(broke[0]?.rate_limits.handshake_429).toBe(1);
  });
});
