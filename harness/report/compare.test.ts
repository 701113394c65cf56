import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import type { MetricStatsMs, RunSummary } from '../metrics/summary-types.ts';
import { compareSummaries, formatComparison, parseMetricList, parseRegressionLimits } from './compare.ts';

function stats(p50: number, p95: number, count = 100): MetricStatsMs {
  return { count, min: p50 / 2, mean: p50, p50, p90: p95 * 0.95, p95, p99: p95 * 1.2, max: p95 * 1.5 };
}

const EMPTY: MetricStatsMs = { count: 0, min: null, mean: null, p50: null, p90: null, p95: null, p99: null, max: null };

/** A summary with TTFA and turn time per effort; everything else empty. */
function summary(ttfa: Record<string, MetricStatsMs>, over: Partial<RunSummary> = {}): RunSummary {
  const efforts = Object.keys(ttfa);
  const none = Object.fromEntries(efforts.map((e) => [e, EMPTY]));
  return {
    efforts,
    valid: true,
    invalid_reasons: [],
    metrics: { ttfa_ms: ttfa, vad_delay_ms: none, response_start_ms: none, turn_ms: none, first_text_ms: none, connect_ms: none, configure_ms: none, ttfa_ms_by_turn: {}, audio_rtf: none, negative_clamped: {} },
    ...over,
  } as RunSummary;
}

describe('parseRegressionLimits', () => {
  it('parses metric, optional effort, percentile, % or ms', () => {
    expect(parseRegressionLimits(['ttfa.p95=10%', 'turn_ms.high.p99=250ms', 'connect.max=.5%'])).toEqual([
      { metric: 'ttfa', effort: null, stat: 'p95', kind: 'pct', value: 10, raw: 'ttfa.p95=10%' },
      { metric: 'turn', effort: 'high', stat: 'p99', kind: 'ms', value: 250, raw: 'turn_ms.high.p99=250ms' },
      { metric: 'connect', effort: null, stat: 'max', kind: 'pct', value: 0.5, raw: 'connect.max=.5%' },
    ]);
  });

  it('rejects bad limits in one ConfigError naming the flag and every problem', () => {
    let err: unknown;
    try {
      parseRegressionLimits(['latency.p95=10%', 'ttfa.p97=10%', 'ttfa.p95=10', 'ttfa.p95=-5%', 'ttfa.huge.p95=1ms', 'ttfa.p95=10s']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.code).toBe('E_FLAG');
    expect(e.problems).toHaveLength(6);
    expect(e.problems.every((p) => p.startsWith('--max-regression '))).toBe(true);
    expect(e.problems[0]).toMatch(/metric 'latency' is not one of ttfa/);
    expect(e.problems[1]).toMatch(/percentile 'p97' is not one of p50, p90, p95, p99, max/);
    expect(e.problems[2]).toMatch(/expected <metric>/);
    expect(e.problems[4]).toMatch(/effort 'huge'/);
  });

  it('parses --metric lists and names unknown metrics', () => {
    expect(parseMetricList(['ttfa,turn_ms', 'ttfa'])).toEqual(['ttfa', 'turn']);
    expect(() => parseMetricList(['ttfa,latency'])).toThrow(/--metric 'latency'/);
  });
});

describe('compareSummaries', () => {
  const base = summary({ low: stats(500, 800), high: stats(900, 1400) });

  it('flags a percentage regression beyond the limit, and only that row', () => {
    const cand = summary({ low: stats(510, 900), high: stats(905, 1410) });
    const r = compareSummaries(base, cand, { limits: parseRegressionLimits(['ttfa.p95=10%']) });
    expect(r.regressions.map((x) => `${x.effort}.${x.stat}`)).toEqual(['low.p95']);
    const row = r.regressions[0]!;
    expect(row.deltaMs).toBe(100);
    expect(row.deltaPct).toBe(12.5);
  });

  it('applies ms limits and effort-specific limits', () => {
    const cand = summary({ low: stats(560, 800), high: stats(990, 1400) });
    const r = compareSummaries(base, cand, { limits: parseRegressionLimits(['ttfa.high.p50=50ms']) });
    expect(r.regressions.map((x) => `${x.effort}.${x.stat}`)).toEqual(['high.p50']);
    expect(compareSummaries(base, cand, { limits: parseRegressionLimits(['ttfa.p50=100ms']) }).regressions).toEqual([]);
  });

  it('passes an improvement and a change within the limit', () => {
    const cand = summary({ low: stats(400, 700), high: stats(950, 1500) });
    expect(compareSummaries(base, cand, { limits: parseRegressionLimits(['ttfa.p95=10%']) }).regressions).toEqual([]);
  });

  it('treats a candidate without samples where the baseline had them as a regression; a new effort is not', () => {
    const cand = summary({ low: EMPTY, medium: stats(600, 900) });
    const r = compareSummaries(base, cand, { limits: parseRegressionLimits(['ttfa.p95=10%']) });
    expect(r.regressions.map((x) => `${x.effort}.${x.stat}:${x.note}`)).toEqual(['low.p95:no candidate samples', 'high.p95:no candidate samples']);
    expect(r.rows.find((x) => x.effort === 'medium')!.note).toBe('new in candidate');
  });

  it('warns about invalid runs and limits that match nothing', () => {
    const cand = summary({ low: stats(500, 800) }, { valid: false, invalid_reasons: ['send lag p99 9 ms exceeded the 5 ms budget'] });
    const r = compareSummaries(base, cand, { limits: parseRegressionLimits(['ttfa.xhigh.p95=10%']) });
    expect(r.warnings.join('\n')).toMatch(/candidate is an INVALID run/);
    expect(r.warnings.join('\n')).toMatch(/neither run has effort 'xhigh'/);
  });

  it('prints a table per metric with baseline, candidate, delta, % and the verdict', () => {
    const cand = summary({ low: stats(510, 900), high: stats(905, 1410) });
    const lines = formatComparison(compareSummaries(base, cand, { limits: parseRegressionLimits(['ttfa.p95=10%']) }), { baseline: 'runs/a', candidate: 'runs/b' });
    const text = lines.join('\n');
    expect(text).toMatch(/^ttfa \(ms\)\s+baseline\s+candidate\s+delta\s+%\s+limit/m);
    expect(text).toMatch(/low\s+p95\s+800\.0\s+900\.0\s+\+100\.0\s+\+12\.5%\s+10%\s+REGRESSION/);
    expect(lines.at(-1)).toBe('REGRESSION: 1 beyond the limits: ttfa.low.p95 +100.0 ms (+12.5%) > 10%');
    const ok = formatComparison(compareSummaries(base, base, { limits: parseRegressionLimits(['ttfa.p95=10%']) }), { baseline: 'a', candidate: 'a' });
    expect(ok.at(-1)).toBe('OK: no regression shown beyond the limits (2 of 2 checks judged).');
  });
});

describe('compareSummaries with intervals (recorders)', () => {
  // Recorders built in the test: the gate then judges by each run's own histograms.
  async function run(values: number[]): Promise<{ summary: RunSummary; recorder: import('../metrics/recorder.ts').Recorder }> {
    const { Recorder } = await import('../metrics/recorder.ts');
    const { buildSummary } = await import('../metrics/summary.ts');
    const { turn } = await import('../metrics/test-fixtures.ts');
    const r = new Recorder();
    for (const v of values) r.recordTurn(turn({ effort: 'low', milestones: { speechEndSentUs: 0, firstAudioUs: v * 1000 } }));
    const summary = buildSummary(r, {
      scenario: { name: 't', file: null }, target: 'mock', kind: 'realtime', model: 'm', efforts: ['low'], startedAt: new Date(0), durationS: 1,
      chunkMs: 20, sendLagBudgetMs: 5, stallBudgetMs: 50, eventLoop: null, provenance: { toolVersion: '0', gitCommit: null, corpus: {}, seed: 1 },
    });
    return { summary, recorder: r };
  }
  const spread = (base: number, n: number): number[] => Array.from({ length: n }, (_, i) => base + ((i * 37) % 200));

  it('a noisy point difference beyond the limit is not a regression when the intervals overlap', async () => {
    const b = await run(spread(1000, 30));
    const c = await run(spread(1020, 30)); // p50 +20 ms, limit 1 %: points say regression, intervals do not
    const r = compareSummaries(b.summary, c.summary, { limits: parseRegressionLimits(['ttfa.p50=1%']), recorders: { baseline: b.recorder, candidate: c.recorder } });
    const row = r.rows.find((x) => x.stat === 'p50')!;
    expect(row.deltaMs!).toBeGreaterThan(10);
    expect(row.candidateCi!.low!).toBeLessThan(row.baselineCi!.high!);
    expect(r.regressions).toEqual([]);
    expect(r.shifts[0]!.verdict).toBe('not distinguishable');
  });

  it('flags when the candidate lower end exceeds the baseline upper end by the allowance', async () => {
    // 40 values support a p90 at 95 % (36 needed): judged by non-overlapping intervals.
    const b = await run(spread(1000, 40));
    const c = await run(spread(1500, 40));
    const r = compareSummaries(b.summary, c.summary, { limits: parseRegressionLimits(['ttfa.p90=10%', 'ttfa.p90=1000ms']), recorders: { baseline: b.recorder, candidate: c.recorder } });
    const row = r.rows.find((x) => x.stat === 'p90')!;
    expect(row.candidateCi!.low!).toBeGreaterThan(row.baselineCi!.high! * 1.1);
    expect(row.breached.map((l) => l.raw)).toEqual(['ttfa.p90=10%']);
    expect(r.shifts[0]!.verdict).toBe('real');
    const text = formatComparison(r, { baseline: 'a', candidate: 'b' }).join('\n');
    expect(text).toMatch(/REGRESSION: 1 beyond the limits: ttfa\.low\.p90 candidate lower end \d+(\.\d+)? − baseline upper end \d+(\.\d+)? = \+\d+(\.\d)? ms > 10%/);
    expect(text).toMatch(/shift candidate low vs baseline low: TTFA \+\d+ ms \[95% CI/);
  });

  it('judges p50 limits by the shift interval against the allowance', async () => {
    const b = await run(spread(1000, 30));
    const c = await run(spread(1500, 30));
    const r = compareSummaries(b.summary, c.summary, { limits: parseRegressionLimits(['ttfa.p50=100ms', 'ttfa.p50=1000ms']), recorders: { baseline: b.recorder, candidate: c.recorder } });
    const row = r.rows.find((x) => x.stat === 'p50')!;
    expect(row.shiftCi![0]).toBeGreaterThan(100);
    expect(row.shiftCi![0]).toBeLessThan(1000);
    expect(row.breached.map((l) => l.raw)).toEqual(['ttfa.p50=100ms']);
  });

  it('calls a percentile the sample cannot support inconclusive, not a regression', async () => {
    const b = await run(spread(1000, 30));
    const c = await run(spread(3000, 30));
    const r = compareSummaries(b.summary, c.summary, { limits: parseRegressionLimits(['ttfa.p99=10%']), recorders: { baseline: b.recorder, candidate: c.recorder } });
    expect(r.regressions).toEqual([]);
    expect(r.inconclusive).toHaveLength(1);
    const lines = formatComparison(r, { baseline: 'a', candidate: 'b' });
    expect(lines.join('\n')).toMatch(/INCONCLUSIVE: 1 limit could not be judged \(too few values for the interval\): ttfa\.low\.p99 \(10%\)/);
    expect(lines.join('\n')).toMatch(/n=30 too few/);
  });
});
