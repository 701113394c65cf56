import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { capturingIo } from '../cli/testing.ts';
import { parseConfidence, runPlan } from '../cli/commands/plan.ts';
import { normalQuantile } from '../stats/normal.ts';
import { formatPlan, MOCK_PROFILE, planTurns, profileShape } from './plan.ts';

describe('profileShape', () => {
  it('discretises the mock effort log-normal with its median and p95', () => {
    const s = profileShape(MOCK_PROFILE, 'low');
    const d = MOCK_PROFILE.firstAudio.efforts.low;
    const sorted = [...s.values].sort((a, b) => a - b);
    expect(sorted[999]! / d.medianMs).toBeCloseTo(1, 2);
    expect(sorted[1899]! / d.p95Ms).toBeCloseTo(1, 1);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6449, 4);
  });
});

describe('planTurns', () => {
  it('needs fewer turns for a larger difference and more for higher power', () => {
    const base = { efforts: ['low', 'high'] as [string, string], a: profileShape(MOCK_PROFILE, 'low'), b: profileShape(MOCK_PROFILE, 'high'), source: { kind: 'profile' as const, name: 'default' } };
    const small = planTurns({ ...base, detectMs: 150 });
    const large = planTurns({ ...base, detectMs: 600 });
    const strict = planTurns({ ...base, detectMs: 150, power: 0.95 });
    expect(large.turnsPerEffort).toBeLessThan(small.turnsPerEffort);
    expect(strict.turnsPerEffort).toBeGreaterThan(small.turnsPerEffort);
    expect(small.p).toBeGreaterThan(0.5);
    const withScenario = planTurns({ ...base, detectMs: 150, scenarioEfforts: ['minimal', 'low', 'medium', 'high', 'xhigh'], secondsPerTurnPerSession: 8, sessions: 10 });
    expect(withScenario.turnsTotal).toBe(small.turnsPerEffort * 5);
    expect(withScenario.runSeconds).toBe(Math.ceil((withScenario.turnsTotal * 8) / 10));
    const text = formatPlan(withScenario, { scenario: 'x', sessions: 10, secondsPerTurnSource: '8 s per turn' }).join('\n');
    expect(text).toMatch(/^To tell a 150 ms TTFA difference between high and low apart at 95% confidence with 80% power:$/m);
    expect(text).toMatch(/Method: Noether \(1987\)/);
  });
});

describe('rth plan', () => {
  it('plans from the mock profile and rejects bad flags with the flag named', async () => {
    const io = capturingIo();
    expect(await runPlan({ detect: '150ms', effort: 'low,high' }, io)).toBe(0);
    expect(io.outLines[1]).toMatch(/^ {2}\d+ turns per effort \(P\(high > low\) = 0\.\d{3} under that difference\)$/);
    await expect(runPlan({ detect: 'fast', effort: 'low,high' }, io)).rejects.toThrow(ConfigError);
    await expect(runPlan({ detect: '150ms', effort: 'low' }, io)).rejects.toThrow(/--effort 'low': expected two different efforts/);
    expect(parseConfidence('90%', '--power')).toBeCloseTo(0.9, 12);
    expect(() => parseConfidence('1.5', '--confidence')).toThrow(/--confidence '1.5'/);
  });
});
