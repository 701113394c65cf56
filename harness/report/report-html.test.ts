import { describe, expect, it } from 'vitest';
import { computeRunCost } from '../cost/run-cost.ts';
import { loadPriceCard } from '../cost/price-card.ts';
import { createHistogram } from '../metrics/histogram.ts';
import { renderReportHtml, REPORT_CSP } from './html.ts';
import { buildReportData, buildTimeline, ninesLabel, percentileCurve, type ReportData } from './model.ts';
import type { RunFiles } from './read-run.ts';
import { rebuildFromFiles, type RebuiltRun } from './rebuild.ts';
import { syntheticRun, type SyntheticRun } from './test-fixtures.ts';

function files(r: SyntheticRun, over: Partial<RunFiles> = {}): RunFiles {
  return {
    dir: '/runs/x',
    turns: r.turns,
    sessions: r.sessions,
    run: r.run,
    runFileTime: new Date('2026-11-30T10:00:00Z'),
    summary: null,
    conformance: null,
    sendLagHgrm: null,
    recorderSnapshot: null,
    hasMockTrace: false,
    skipped: [],
    ...over,
  };
}

const r = syntheticRun({ sessions: 8, turnsPerSession: 3, efforts: ['low', 'high'] });
const run: RebuiltRun = rebuildFromFiles(files(r));
const data = buildReportData(run, { cost: computeRunCost(run.turns, run.sessions, loadPriceCard()), generatedAt: new Date('2026-12-01T00:00:00Z') });
const html = renderReportHtml(data);

function figures(page: string): { id: string; series: string[]; names: string[] }[] {
  const out: { id: string; series: string[]; names: string[] }[] = [];
  const re = /<figure class="chart" id="chart-([a-z0-9-]+)" data-chart="[^"]*" data-series="([^"]*)">([\s\S]*?)<\/figure>/g;
  for (const m of page.matchAll(re)) {
    const series = JSON.parse(m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as string[];
    const names = [...m[3]!.matchAll(/<g class="series" data-series-name="([^"]*)"/g)].map((x) => x[1]!);
    out.push({ id: m[1]!, series, names });
  }
  return out;
}

describe('percentile curves', () => {
  it('labels the nines axis', () => {
    expect([0, 1, 2, 3, 4].map(ninesLabel)).toEqual(['0%', '90%', '99%', '99.9%', '99.99%']);
  });

  it('is non-decreasing, starts at the min and ends at the max where the data end', () => {
    const h = createHistogram(true);
    for (let i = 1; i <= 1000; i++) h.recordValue(i * 1000);
    const c = percentileCurve('x', h)!;
    expect(c.count).toBe(1000);
    const ys = c.points.map((p) => p[1]);
    expect(ys.every((y, i) => i === 0 || y >= ys[i - 1]!)).toBe(true);
    expect(c.points[0]![0]).toBe(0);
    const [endX, endY] = c.points.at(-1)!;
    expect(endX).toBeGreaterThanOrEqual(3);
    expect(endY).toBe(1000.447);
    expect(c.points.slice(0, -1).every((p) => p[0] <= endX)).toBe(true);
    expect(c.marks.map((m) => m.label)).toEqual(['p50', 'p90', 'p99', 'p99.9', 'max']);
    expect(c.marks.find((m) => m.label === 'p99')!.value).toBeCloseTo(990, 0);
    expect(percentileCurve('empty', createHistogram(true))).toBeNull();
  });
});

describe('buildReportData', () => {
  it('has one TTFA curve per effort, TTFA by turn index and a breakdown per effort', () => {
    expect(data.ttfaCurves.map((c) => c.name)).toEqual(['low', 'high']);
    expect(data.ttfaByTurn.map((g) => [g.effort, g.points.map((p) => p.turnIndex)])).toEqual([
      ['low', [1, 2, 3]],
      ['high', [1, 2, 3]],
    ]);
    for (const b of data.breakdown) {
      expect(b.p50.vadDelayMs!).toBeLessThanOrEqual(b.p50.responseStartMs!);
      expect(b.p50.ttfaMs!).toBeLessThanOrEqual(b.p50.turnMs!);
    }
    expect(data.recovery.byFault).toEqual([{ fault: 'rate_limit_exceeded', count: 1, recovered: 1, meanRecoveryMs: 850, maxRecoveryMs: 850, turnsLost: 0, attempts: 1 }]);
    expect(data.cost!.asOf).toBe(loadPriceCard().as_of);
    expect(data.cost!.groups.map((g) => g.effort)).toEqual(['low', 'high']);
  });

  it('places sessions on the timeline from their stamps when the runner wrote them', () => {
    const base = 1_000_000;
    const tl = buildTimeline({
      timeBaseUs: base,
      turns: [],
      sessions: [
        { ...r.sessions[0]!, startedUs: base, endedUs: base + 2_500_000 },
        { ...r.sessions[1]!, startedUs: base + 1_200_000, endedUs: base + 3_100_000 },
      ],
    })!;
    expect(tl.sessionsEstimated).toBe(false);
    expect(tl.binS).toBe(1);
    expect(tl.bins.map((b) => b.activeSessions)).toEqual([1, 2, 2, 1]);
  });

  it('a killed run: verdict invalid, with the reason', () => {
    expect(data.verdict.status).toBe('invalid');
    expect(data.verdict.invalidReasons[0]).toMatch(/without writing summary\.json/);
  });
});

describe('report.html', () => {
  it('is one self-contained page: CSP forbids the network, no external URL anywhere', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
    expect(REPORT_CSP).toMatch(/default-src 'none'/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\ssrc=/);
    expect(html).not.toMatch(/<link\s/);
  });

  it('shows the verdict first', () => {
    const firstSection = /<section id="([a-z]+)"/.exec(html)!;
    expect(firstSection[1]).toBe('verdict');
    expect(html).toMatch(/<span class="badge">INVALID RUN<\/span>/);
  });

  it('draws every chart with its series named', () => {
    const figs = figures(html);
    expect(figs.map((f) => f.id)).toEqual(['ttfa-percentiles', 'ttfa-by-turn', 'latency-breakdown', 'active-sessions', 'turns-per-second', 'send-lag', 'cost-by-turn']);
    const byId = Object.fromEntries(figs.map((f) => [f.id, f]));
    expect(byId['ttfa-percentiles']!.series).toEqual(['low', 'high']);
    expect(byId['ttfa-by-turn']!.series).toEqual(['low p50', 'low p95', 'high p50', 'high p95']);
    expect(byId['latency-breakdown']!.series).toHaveLength(4);
    expect(byId['send-lag']!.series).toEqual([]); // no send-lag data in a killed run without histograms
    for (const f of figs) expect(f.names).toEqual(f.series);
  });

  it('embeds the data as JSON that cannot break out of its script element', () => {
    const evil = buildReportData(rebuildFromFiles(files(r, { run: { ...r.run, scenario: { ...r.run.scenario, name: '</script><script>alert(1)</script>' } } })), {
      cost: null,
      generatedAt: new Date(0),
    });
    const page = renderReportHtml(evil);
    expect(page).not.toContain('<script>alert(1)');
    const json = /<script type="application\/json" id="rth-data">([\s\S]*?)<\/script>/.exec(page)![1]!;
    const back = JSON.parse(json) as ReportData;
    expect(back.summary.scenario.name).toBe('</script><script>alert(1)</script>');
    expect(back.schema).toBe('rth.report/1');
  });
});
