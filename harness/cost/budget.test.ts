import { describe, expect, it } from 'vitest';
import { SpendTracker, startDecision, estimateDifferencePct } from './budget.ts';
import { loadPriceCard } from './price-card.ts';
import { computeRunCost } from './run-cost.ts';
import { smallRun } from './test-fixtures.ts';

const card = loadPriceCard();

describe('SpendTracker', () => {
  it('prices turns as rth cost does (measured usage and audio estimates) for token-priced models', () => {
    const { turns, sessions } = smallRun();
    const realtime = turns.filter((t) => t.model === 'gpt-realtime-2');
    const t = new SpendTracker({ card, capUsd: null, turnUsdHint: null, expectedTurns: null });
    for (const turn of realtime) t.addTurn(turn);
    const cost = computeRunCost(realtime, sessions.filter((s) => s.model === 'gpt-realtime-2'), card);
    expect(t.spentUsd).toBeCloseTo(cost.total.knownUsd, 12);
    expect(t.estimatedUsd).toBeCloseTo(cost.total.estimatedUsd, 12);
    expect(t.estimatedUsd).toBeGreaterThan(0);
  });

  it('would cross the cap when spend plus one more turn per open session exceeds it', () => {
    const t = new SpendTracker({ card, capUsd: 1, turnUsdHint: 0.3, expectedTurns: 10 });
    expect(t.wouldCross(3)).toBe(false); // 0 + 3 × 0.3 = 0.9
    expect(t.wouldCross(4)).toBe(true); // 1.2
    expect(t.projectedUsd()).toBeCloseTo(3, 12); // nothing priced: 10 × hint
  });
});

describe('startDecision', () => {
  const base = { reason: null, confirmAboveUsd: 5, yes: false, canAsk: false };
  it('starts under the threshold or with --yes, asks on a terminal, refuses otherwise', () => {
    expect(startDecision({ ...base, estimateUsd: 4.99 }).action).toBe('start');
    expect(startDecision({ ...base, estimateUsd: 50, yes: true }).action).toBe('start');
    expect(startDecision({ ...base, estimateUsd: 50, canAsk: true }).action).toBe('ask');
    const refused = startDecision({ ...base, estimateUsd: 50 });
    expect(refused).toEqual({ action: 'refuse', message: expect.stringMatching(/\$50\.00 is above --confirm-above-usd \$5\.00.*pass --yes/) });
    expect(startDecision({ ...base, estimateUsd: null, reason: 'model x is not on the price card' }).action).toBe('refuse');
  });
  it('states the difference of the measured cost from the estimate', () => {
    expect(estimateDifferencePct(2, 2.5)).toBeCloseTo(25, 12);
    expect(estimateDifferencePct(null, 1)).toBeNull();
  });
});
