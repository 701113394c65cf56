import { describe, expect, it } from 'vitest';
import type { SessionResult } from '../contract.ts';
import { loadPriceCard, lookupModel, parsePriceCard } from './price-card.ts';
import { computeRunCost } from './run-cost.ts';
import { costOfLiveUsage } from './usage-cost.ts';

const card = loadPriceCard();

function liveSession(i: number, seconds: number | undefined, connectedMs = 90_000): SessionResult {
  return {
    sessionIndex: i, sessionId: `live_${i}`, effort: null, model: 'gpt-live-1.1', arm: 'live:gpt-live-1.1',
    connectMs: 5, configureMs: 500, connectedMs, turnsCompleted: 1, turnsFailed: 0, outcome: 'completed', closeCode: 1000, errors: {},
    ...(seconds === undefined ? {} : { liveUsageSeconds: seconds }),
  };
}

describe('GPT-Live cost', () => {
  it('the dated card lists both Live models per active minute, gpt-live-1.1 with a standby rate', () => {
    const a = lookupModel(card, 'gpt-live-1');
    const b = lookupModel(card, 'gpt-live-1.1');
    expect(a.ok && a.price.kind === 'per_minute' && [a.price.usd_per_minute, a.price.usd_per_standby_minute]).toEqual([0.05, null]);
    expect(b.ok && b.price.kind === 'per_minute' && [b.price.usd_per_minute, b.price.usd_per_standby_minute]).toEqual([0.05, 0.02]);
  });

  it('prices active and standby seconds at their rates, per second; a missing standby rate is null with the reason', () => {
    expect(costOfLiveUsage(90, 0, 'gpt-live-1', card).usd).toBeCloseTo(0.075, 12);
    expect(costOfLiveUsage(90, 30, 'gpt-live-1.1', card).usd).toBeCloseTo(0.075 + 0.01, 12);
    const noStandby = costOfLiveUsage(90, 30, 'gpt-live-1', card);
    expect(noStandby.usd).toBeNull();
    expect(noStandby.reason).toBe('no standby price for gpt-live-1 on the price card');
  });

  it('a run prices Live sessions from usage.seconds (not connected time), grouped by arm; without usage it falls back to an estimate', () => {
    const cost = computeRunCost([], [liveSession(0, 60), liveSession(1, 30), liveSession(2, undefined, 120_000)], card);
    const g = cost.groups.find((x) => x.effort === 'live:gpt-live-1.1')!;
    expect(g.model).toBe('gpt-live-1.1');
    expect(cost.sessions[0]!.usd).toBeCloseTo(0.05, 12);
    expect(cost.sessions[1]!.usd).toBeCloseTo(0.025, 12);
    expect(cost.sessions[2]!.minuteCharge!.estimated).toBe(true);
    expect(cost.sessions[2]!.usd).toBeCloseTo(0.1, 12);
    expect(g.estimatedMinuteSessions).toBe(1);
  });

  it('the card schema refuses a standby rate that is not a price', () => {
    const text = JSON.stringify({ schema_version: 1, as_of: '2026-11-24', currency: 'USD', source_note: 'x', models: { m: { kind: 'per_minute', source_url: 'https://x.example/', usd_per_minute: 1, usd_per_standby_minute: -1 } } });
    expect(() => parsePriceCard(text, 'card.json')).toThrow(/usd_per_standby_minute/);
  });
});
