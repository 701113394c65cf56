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
    expect(ok.at(-1)).toBe('OK: no regression beyond the limits (2 checks).');
  });
});
