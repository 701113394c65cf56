import { describe, expect, it } from 'vitest';
import { createHistogram } from './histogram.ts';
import { Recorder } from './recorder.ts';
import { evaluateSlosWithIntervals } from './slo.ts';
import { buildSummary, type SummaryMeta } from './summary.ts';
import { buildComparisons, histogramSample, sampleCi } from './summary-uncertainty.ts';
import { turn } from './test-fixtures.ts';

function ttfa(ms: number, effort: 'low' | 'medium' | 'high', turnIndex = 1) {
  return turn({ effort, turnIndex, milestones: { speechEndSentUs: 0, firstAudioUs: ms * 1000 }, audioDeltas: [{ receivedUs: ms * 1000, durationMs: 100 }] });
}

const META: SummaryMeta = {
  scenario: { name: 't', file: null },
  target: 'mock',
  kind: 'realtime',
  model: 'gpt-realtime-2',
  efforts: ['low', 'medium', 'high'],
  startedAt: new Date(0),
  durationS: 1,
  chunkMs: 20,
  sendLagBudgetMs: 5,
  stallBudgetMs: 50,
  eventLoop: null,
  provenance: { toolVersion: '0', gitCommit: null, corpus: {}, seed: 1 },
};

describe('histogramSample', () => {
  it('reads bucket values (ms) and counts from an HDR histogram', () => {
    const h = createHistogram(true);
    for (const us of [1000, 1000, 2000, 500_000]) h.recordValue(us);
    const s = histogramSample(h);
    expect(s.counts).toEqual([2, 1, 1]);
    expect(s.values.slice(0, 2)).toEqual([1, 2]); // below 2048 µs every µs is its own bucket
    expect(s.values[2]! / 500).toBeGreaterThanOrEqual(1);
    expect(s.values[2]! / 500).toBeLessThan(1.001); // the ±0.1 % resolution
  });
});

describe('sampleCi', () => {
  it('gives ranks, values and a reason for unsupported percentiles', () => {
    const s = { values: [1, 2, 3, 4, 5, 6, 7, 8, 9], counts: [1, 1, 1, 1, 1, 1, 1, 1, 1] };
    const ci = sampleCi(s, 0.95);
    expect(ci.p50).toMatchObject({ estimate: 5, low: 2, high: 8, low_rank: 2, high_rank: 8, coverage: 0.9609, reason: null });
    expect(ci.p99).toMatchObject({ estimate: null, high: null, min_count: 368, reason: 'n=9 too few: p99 needs at least 368 values at 95%' });
    expect(sampleCi({ values: [], counts: [] }, 0.95).p50.reason).toBe('no values');
  });
});

describe('comparisons', () => {
  it('says which effort differences are real, Holm-corrected, at the chosen level', () => {
    const r = new Recorder();
    for (let i = 0; i < 30; i++) {
      r.recordTurn(ttfa(1000 + ((i * 37) % 300), 'low', 1 + (i % 3)));
      r.recordTurn(ttfa(1010 + ((i * 53) % 300), 'medium', 1 + (i % 3)));
      r.recordTurn(ttfa(1700 + ((i * 41) % 300), 'high', 1 + (i % 3)));
    }
    const c = buildComparisons(r, ['low', 'medium', 'high']).ttfa_ms!;
    const byPair = Object.fromEntries(c.filter((x) => x.kind === 'effort').map((x) => [`${x.b}-${x.a}`, x]));
    expect(byPair['high-low']!.verdict).toBe('real');
    expect(byPair['high-low']!.shift!).toBeGreaterThan(650);
    expect(byPair['high-low']!.ci![0]).toBeLessThan(byPair['high-low']!.shift!);
    expect(byPair['medium-low']!.verdict).toBe('not distinguishable');
    expect(byPair['medium-low']!.text).toMatch(/^medium vs low: TTFA \+\d+(\.\d)? ms \[95% CI −\d+(\.\d)?, \+\d+(\.\d)?\], p=\d\.\d+ \(Holm\) — not distinguishable$/);
    // Holm: each adjusted p is at least the raw p.
    for (const x of c) expect(x.p_holm!).toBeGreaterThanOrEqual(x.p!);
    expect(c.filter((x) => x.kind === 'turn').map((x) => x.a)).toEqual(['low turn 1', 'medium turn 1', 'high turn 1']);
    const s90 = buildSummary(r, { ...META, confidence: 0.9 });
    expect(s90.uncertainty!.level).toBe(0.9);
    expect(s90.metrics.ttfa_ms.low!.ci!.level).toBe(0.9);
    expect(s90.comparisons!.ttfa_ms![0]!.text).toContain('[90% CI');
  });
});

describe('SLO verdicts by interval', () => {
  it('breaches only when the lower end is above the limit; unproven when the limit is inside', () => {
    const r = new Recorder();
    for (let i = 0; i < 100; i++) r.recordTurn(ttfa(1000 + i, 'low'));
    const s = buildSummary(r, { ...META, efforts: ['low'] });
    const p50 = s.metrics.ttfa_ms.low!.ci!.p50; // ~[1040, 1060]
    const held = evaluateSlosWithIntervals(s, { ttfa_ms: { p50: p50.high! } });
    expect(held).toEqual({ breaches: [], unproven: [] });
    const inside = evaluateSlosWithIntervals(s, { ttfa_ms: { p50: p50.estimate! } });
    expect(inside.breaches).toEqual([]);
    expect(inside.unproven[0]!.message).toMatch(/^ttfa_ms\.low\.p50: not shown to hold \(10\d\d(\.\d+)? \[95% CI 10\d\d(\.\d+)?, 10\d\d(\.\d+)?\] reaches above it; limit 10\d\d(\.\d+)?\)$/);
    const below = evaluateSlosWithIntervals(s, { ttfa_ms: { p50: p50.low! - 1 } });
    expect(below.breaches.map((b) => b.ci)).toEqual([[p50.low, p50.high]]);
    // max stays an observed value: compared as a point.
    expect(evaluateSlosWithIntervals(s, { ttfa_ms: { max: 1000 } }).breaches).toHaveLength(1);
  });
});
