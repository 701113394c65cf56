import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { resolveScenario } from './resolve.ts';

const SRC = { label: 'cap.yaml', path: null, dir: '/tmp' };
const STEPS = { type: 'steps', start: 10, step: 10, step_s: 3, max: 40 };

function problems(raw: Record<string, unknown>, overrides = {}): readonly string[] {
  try {
    resolveScenario(raw, SRC, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('arrival: steps and stop_when (capacity search)', () => {
  it('resolves: sessions is max, the run lasts one step_s per step, sessions keep taking turns', () => {
    const s = resolveScenario({ arrival: STEPS, stop_when: { ttfa_p95_ms: 1500, rate_limited: true } }, SRC);
    expect(s.arrival).toEqual({ type: 'steps', start: 10, step: 10, stepS: 3, max: 40 });
    expect(s.sessions).toBe(40);
    expect(s.durationS).toBe(12);
    expect(s.turnsPerSession).toBeNull();
    expect(s.stopWhen).toEqual({ ttfaP95Ms: 1500, errorRate: null, rateLimited: true });
    expect(resolveScenario({ arrival: STEPS }, SRC).stopWhen).toBeNull();
    expect(resolveScenario({ arrival: { type: 'steps', start: 5, step: 10, step_s: 2, max: 22 } }, SRC).durationS).toBe(6);
  });

  it('bad step fields are named', () => {
    expect(problems({ arrival: { ...STEPS, max: 5 } })).toEqual(['cap.yaml: arrival.max: expected max >= start (10), got 5']);
    expect(problems({ arrival: { ...STEPS, step: 0 } })[0]).toMatch(/^cap\.yaml: arrival\.step: /);
    expect(problems({ arrival: { ...STEPS, step_s: 0 } })[0]).toMatch(/^cap\.yaml: arrival\.step_s: /);
    expect(problems({ arrival: { type: 'steps', start: 1, step: 1, max: 2 } })[0]).toMatch(/^cap\.yaml: arrival\.step_s: /);
    expect(problems({ arrival: STEPS, stop_when: { error_rate: 2 } })[0]).toMatch(/^cap\.yaml: stop_when\.error_rate: /);
    expect(problems({ arrival: STEPS, stop_when: { ttfa_p95: 1 } })[0]).toMatch(/^cap\.yaml: stop_when/);
  });

  it('fields the search decides are refused, not ignored', () => {
    expect(problems({ arrival: { type: 'ramp' }, stop_when: { rate_limited: true } })).toEqual([
      'cap.yaml: stop_when: applies to arrival type steps (a capacity search) only, got arrival type ramp',
    ]);
    expect(problems({ arrival: STEPS, duration_s: 60 })).toEqual(['cap.yaml: duration_s: expected no duration_s with arrival type steps: the search lasts 4 steps × 3 s = 12 s']);
    expect(problems({ arrival: STEPS, turns_per_session: 3 })[0]).toMatch(/^cap\.yaml: turns_per_session: expected no turns_per_session/);
    expect(problems({ arrival: STEPS }, { sessions: '20' })[0]).toMatch(/^--sessions: sessions: expected no sessions \(or 40\)/);
    expect(resolveScenario({ arrival: STEPS, sessions: 40 }, SRC).sessions).toBe(40);
  });
});

describe('arrival: steps exported to k6', () => {
  it('each step is a jump to its concurrency held for step_s; the stop rule is noted as not exported', async () => {
    const { executorFor } = await import('../k6/k6-options.ts');
    const s = resolveScenario({ arrival: { type: 'steps', start: 5, step: 10, step_s: 2, max: 22 }, stop_when: { rate_limited: true } }, SRC);
    const plan = executorFor(s, { meanMs: 3000, maxMs: 3500 });
    expect(plan.executor).toBe('ramping-vus');
    expect((plan.scenario as { stages: unknown[] }).stages).toEqual([
      { duration: '1ms', target: 5 },
      { duration: '1999ms', target: 5 },
      { duration: '1ms', target: 15 },
      { duration: '1999ms', target: 15 },
      { duration: '1ms', target: 22 },
      { duration: '1999ms', target: 22 },
    ]);
    expect(plan.notes).toContain('stop_when: k6 has no capacity stop rule; every step runs to max');
  });
});
