import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { StallDetector, defaultSendLagBudgetMs, judgeRun, startEventLoopMonitor } from './self-check.ts';

describe('judgeRun', () => {
  it('valid within budgets, and with nothing paced', () => {
    expect(judgeRun({ sendLagP99Ms: 4.9, budgetMs: 5, maxStallMs: 20, stallBudgetMs: 50 })).toEqual({ valid: true, reasons: [] });
    expect(judgeRun({ sendLagP99Ms: null, budgetMs: 5, maxStallMs: null, stallBudgetMs: 50 }).valid).toBe(true);
  });
  it('invalid with a reason for each exceeded budget', () => {
    const j = judgeRun({ sendLagP99Ms: 7.25, budgetMs: 5, maxStallMs: 180, stallBudgetMs: 50 });
    expect(j.valid).toBe(false);
    expect(j.reasons).toHaveLength(2);
    expect(j.reasons[0]).toMatch(/^send lag p99 7\.25 ms exceeded the 5 ms budget/);
    expect(j.reasons[1]).toMatch(/^event loop stalled for 180 ms \(budget 50 ms\)/);
  });
  it('the send-lag budget scales with the chunk: 5 ms at 20 ms', () => {
    expect(defaultSendLagBudgetMs(20)).toBe(5);
    expect(defaultSendLagBudgetMs(200)).toBe(50);
    expect(defaultSendLagBudgetMs(10)).toBe(2.5);
  });
});

describe('StallDetector', () => {
  it('measures gaps beyond the interval', () => {
    const d = new StallDetector(10, 50);
    for (const t of [0, 10, 20, 95, 105, 300]) d.observe(t * 1000);
    expect(d.maxStallMs).toBe(185); // 300 - 105 - 10
    expect(d.stalls).toBe(2); // 65 ms and 185 ms beyond the interval
  });
  it('a punctual manual clock shows no stall', () => {
    const clock = new ManualClock();
    const m = startEventLoopMonitor({ clock, intervalMs: 10 });
    clock.advanceMs(1000);
    const r = m.stop();
    expect(r.stalls).toBe(0);
    expect(m.stop()).toBe(r);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('startEventLoopMonitor (real loop)', () => {
  it('sees a blocked event loop at least as long as the block', async () => {
    const m = startEventLoopMonitor({ intervalMs: 5, resolutionMs: 5 });
    await new Promise((r) => setTimeout(r, 30));
    const until = performance.now() + 120;
    while (performance.now() < until) {
      // block the loop
    }
    await new Promise((r) => setTimeout(r, 30));
    const r = m.stop();
    // A lower bound only: a slow machine makes the stall longer, never shorter. 100 for a 120 ms
    // block: the monitor samples every 5 ms and subtracts its 5 ms resolution from each sample,
    // and the block may start part-way into a sampling interval (20 ms covers both with room).
    expect(r.maxStallMs).toBeGreaterThanOrEqual(100);
    expect(r.stalls).toBeGreaterThanOrEqual(1);
  });
});
