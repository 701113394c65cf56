/**
 * The report's charts, drawn from {@link ReportData} with the SVG primitives of svg.ts. Each
 * returns one `<figure>`; the chart ids (`ttfa-percentiles`, `ttfa-by-turn`, `latency-breakdown`,
 * `active-sessions`, `turns-per-second`, `send-lag`, `cost-by-turn`) are stable for tests.
 */
import { REASONING_EFFORTS } from '../../common/protocol/types.ts';
import type { CurvePoint, PercentileCurve, ReportData } from './model.ts';
import { ninesLabel } from './model.ts';
import { DASHES, emptyChart, fmtNum, lineChart, niceAxis, PALETTE, stackedBars, stackedColumns, type Axis, type LineSeries, type Tick } from './svg.ts';

const EFFORT_ORDER: readonly string[] = [...REASONING_EFFORTS, 'none'];

/** A stable colour and dash per effort (same effort, same look, in every chart). */
export function effortStyle(effort: string): { color: string; dash: string } {
  const i = EFFORT_ORDER.indexOf(effort);
  const k = i < 0 ? EFFORT_ORDER.length : i;
  return { color: PALETTE[k % PALETTE.length]!, dash: DASHES[k % DASHES.length]! };
}

/** The x axis of percentile curves: 0 %, 50 %, 90 %, 99 %, 99.9 % … up to `maxNines`. */
export function ninesAxis(maxNines: number): Axis {
  const top = Math.max(2, Math.ceil(maxNines - 1e-9));
  const ticks: Tick[] = [{ v: 0, label: '0%' }, { v: -Math.log10(0.5), label: '50%' }];
  for (let n = 1; n <= top; n++) ticks.push({ v: n, label: ninesLabel(n) });
  return { min: 0, max: top, ticks, title: 'Percentile (log scale of 1/(1 − p): "number of nines")' };
}

function maxOf(values: Iterable<number>): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && v > m) m = v;
  return m;
}

function curveSeries(c: PercentileCurve, style: { color: string; dash: string }, unit: string): LineSeries {
  return {
    name: c.name,
    color: style.color,
    dash: style.dash,
    points: c.points,
    marks: c.marks.map((m) => ({ x: m.nines, y: m.value, title: `${c.name} ${m.label}: ${fmtNum(m.value)} ${unit} (n=${c.count})` })),
  };
}

/** TTFA percentile curves, one line per effort, on a number-of-nines axis. */
export function ttfaPercentileChart(d: ReportData): string {
  const title = 'Time to first audio by percentile, per effort';
  if (d.ttfaCurves.length === 0) return emptyChart('ttfa-percentiles', title, 'No turn reached first audio.');
  const maxNines = maxOf(d.ttfaCurves.flatMap((c) => c.points.map((p) => p[0])));
  const maxMs = maxOf(d.ttfaCurves.flatMap((c) => c.points.map((p) => p[1])));
  return lineChart({
    id: 'ttfa-percentiles',
    title,
    description: 'HdrHistogram style: read a latency off at a percentile; the right end is the maximum. Dots mark p50, p90, p99, p99.9 and max.',
    x: ninesAxis(maxNines),
    y: niceAxis(0, maxMs * 1.05, 'TTFA (ms)'),
    series: d.ttfaCurves.map((c) => curveSeries(c, effortStyle(c.name), 'ms')),
    alt: `TTFA percentile curves for ${d.ttfaCurves.map((c) => c.name).join(', ')}`,
  });
}

/** TTFA p50 (solid) and p95 (dashed) by turn index, per effort. */
export function ttfaByTurnChart(d: ReportData): string {
  const title = 'TTFA by turn index';
  const groups = d.ttfaByTurn.filter((g) => g.points.length > 0);
  if (groups.length === 0) return emptyChart('ttfa-by-turn', title, 'No turn reached first audio.');
  const series: LineSeries[] = [];
  for (const g of groups) {
    const { color } = effortStyle(g.effort);
    for (const stat of ['p50', 'p95'] as const) {
      const key = stat === 'p50' ? 'p50Ms' : 'p95Ms';
      series.push({
        name: `${g.effort} ${stat}`,
        color,
        dash: stat === 'p50' ? '' : '6 4',
        points: g.points.map((p): CurvePoint => [p.turnIndex, p[key]]),
        marks: g.points.map((p) => ({ x: p.turnIndex, y: p[key], title: `${g.effort}, turn ${p.turnIndex}: ${stat} ${fmtNum(p[key])} ms (n=${p.count})` })),
      });
    }
  }
  const maxTurn = maxOf(groups.flatMap((g) => g.points.map((p) => p.turnIndex)));
  const maxMs = maxOf(groups.flatMap((g) => g.points.map((p) => p.p95Ms)));
  const x = niceAxis(1, Math.max(2, maxTurn), 'Turn index in the session', Math.min(10, Math.max(1, maxTurn - 1)), (v) => String(v));
  x.ticks = x.ticks.filter((t) => Number.isInteger(t.v) && t.v >= 1);
  x.min = 1;
  return lineChart({
    id: 'ttfa-by-turn',
    title,
    description: 'Solid: median; dashed: p95. Turn 1 pays connection and context warm-up.',
    x,
    y: niceAxis(0, maxMs * 1.05, 'TTFA (ms)'),
    series,
    alt: 'TTFA median and p95 by turn index per effort',
  });
}

/** Segments of the latency breakdown. */
export const BREAKDOWN_SEGMENTS = [
  { name: 'VAD delay (end of speech → speech_stopped)', color: '#56B4E9' },
  { name: 'Response start (→ response.created)', color: '#009E73' },
  { name: 'First audio (→ first audio delta)', color: '#E69F00' },
  { name: 'Audio until done (→ response.done)', color: '#CC79A7' },
] as const;

/** Stacked bars per effort (p50 and p95): the cumulative milestone times split into phases. */
export function breakdownChart(d: ReportData): string {
  const title = 'Where the time goes, per effort';
  if (d.breakdown.length === 0) return emptyChart('latency-breakdown', title, 'No turn reached first audio.');
  const bars = d.breakdown.flatMap((b) =>
    (['p50', 'p95'] as const).map((stat) => {
      const t = b[stat];
      const bounds = [t.vadDelayMs, t.responseStartMs, t.ttfaMs, t.turnMs];
      const values: number[] = [];
      const titles: string[] = [];
      let prev = 0;
      bounds.forEach((v, i) => {
        const seg = v === null ? 0 : Math.max(0, v - prev);
        values.push(seg);
        titles.push(`${BREAKDOWN_SEGMENTS[i]!.name}: ${fmtNum(seg)} ms${v === null ? ' (not measured)' : ` (${stat} of the milestone: ${fmtNum(v)} ms after end of speech)`}`);
        if (v !== null) prev = Math.max(prev, v);
      });
      return { label: `${b.effort} · ${stat}`, values, titles };
    }),
  );
  const max = maxOf(bars.map((b) => b.values.reduce((a, v) => a + v, 0)));
  return stackedBars({
    id: 'latency-breakdown',
    title,
    description: 'Each boundary is that percentile of the milestone\'s time after the end of the user\'s speech (commit on manual turns); the bar ends at the turn time.',
    x: niceAxis(0, max * 1.05, 'Time after end of speech (ms)'),
    segments: BREAKDOWN_SEGMENTS,
    bars,
    alt: 'Latency breakdown per effort into VAD delay, response start, first audio and done',
  });
}

function timeAxis(d: NonNullable<ReportData['timeline']>): Axis {
  const end = d.bins.length * d.binS;
  return niceAxis(0, end, 'Time since run start (s)', 8, (v) => fmtNum(v));
}

/** Active sessions over the run (step line). */
export function activeSessionsChart(d: ReportData): string {
  const title = 'Active sessions';
  const tl = d.timeline;
  if (!tl) return emptyChart('active-sessions', title, 'No stamps to place sessions in time.');
  const x = timeAxis(tl);
  const points: CurvePoint[] = tl.bins.map((b) => [b.tS, b.activeSessions]);
  points.push([tl.bins.length * tl.binS, tl.bins.at(-1)?.activeSessions ?? 0]);
  const maxY = maxOf(tl.bins.map((b) => b.activeSessions));
  return lineChart({
    id: 'active-sessions',
    title,
    description: `Sessions open in each ${tl.binS} s bin${tl.sessionsEstimated ? ' (spans estimated from turn stamps and connected time)' : ''}.`,
    x,
    y: niceAxis(0, Math.max(1, maxY), 'Sessions', 4, (v) => (Number.isInteger(v) ? String(v) : '')),
    series: [{ name: 'active sessions', color: '#0072B2', points, step: true }],
    height: 220,
    alt: 'Active sessions over time',
  });
}

/** Turns per second over the run, completed and not completed stacked. */
export function turnsPerSecondChart(d: ReportData): string {
  const title = 'Turns per second, and turns that did not complete';
  const tl = d.timeline;
  if (!tl) return emptyChart('turns-per-second', title, 'No stamps to place turns in time.');
  const columns = tl.bins.map((b) => ({ x: b.tS, values: [b.turnsCompleted / tl.binS, b.turnsNotCompleted / tl.binS] }));
  const maxY = maxOf(columns.map((c) => c.values[0]! + c.values[1]!));
  return stackedColumns({
    id: 'turns-per-second',
    title,
    description: `By completion time, ${tl.binS} s bins. Red: failed, timed out or aborted turns (errors).`,
    x: timeAxis(tl),
    y: niceAxis(0, Math.max(maxY, 0.1), 'Turns per second', 4),
    binWidth: tl.binS,
    segments: [
      { name: 'completed turns/s', color: '#009E73' },
      { name: 'not completed turns/s', color: '#D55E00' },
    ],
    columns,
    alt: 'Turns per second over time, completed and not completed',
  });
}

/** Send-lag percentile curve with the p99 budget. */
export function sendLagChart(d: ReportData): string {
  const title = 'Send lag (frame sent − its deadline)';
  const c = d.sendLag.curve;
  if (!c) return emptyChart('send-lag', title, 'No send-lag data: this run paced no frames, or its histograms were lost.');
  const maxMs = Math.max(maxOf(c.points.map((p) => p[1])), d.sendLag.budgetMs);
  return lineChart({
    id: 'send-lag',
    title,
    description: `${c.count} frames${d.sendLag.source === 'hgrm' ? ' (read from send_lag.hgrm)' : ''}; the dashed line is the p99 budget.`,
    x: ninesAxis(maxOf(c.points.map((p) => p[0]))),
    y: niceAxis(0, maxMs * 1.1, 'Send lag (ms)'),
    series: [curveSeries(c, { color: '#0072B2', dash: '' }, 'ms')],
    refLines: [{ y: d.sendLag.budgetMs, label: `p99 budget ${fmtNum(d.sendLag.budgetMs)} ms`, color: '#D55E00' }],
    height: 280,
    alt: 'Send lag percentile curve with the p99 budget',
  });
}

/** Mean cost per response by turn index, per model × effort (the conversation is re-billed as input each turn). */
export function costByTurnChart(d: ReportData): string {
  const title = 'Cost per response by turn index';
  const groups = d.cost?.byTurnIndex.filter((g) => g.points.length > 0) ?? [];
  if (groups.length === 0) return emptyChart('cost-by-turn', title, 'No priced responses.');
  const maxTurn = maxOf(groups.flatMap((g) => g.points.map((p) => p[0])));
  const maxUsd = maxOf(groups.flatMap((g) => g.points.map((p) => p[1])));
  const x = niceAxis(1, Math.max(2, maxTurn), 'Turn index in the session', Math.min(10, Math.max(1, maxTurn - 1)), (v) => String(v));
  x.ticks = x.ticks.filter((t) => Number.isInteger(t.v) && t.v >= 1);
  x.min = 1;
  return lineChart({
    id: 'cost-by-turn',
    title,
    description: `Mean USD per response; price card of ${d.cost!.asOf}. Cost grows with the conversation: every response bills the whole context as input.`,
    x,
    y: niceAxis(0, maxUsd * 1.1, 'USD per response', 5, (v) => `$${Number(v.toPrecision(3))}`),
    series: groups.map((g, i) => {
      const effort = g.name.split(' · ')[1] ?? '';
      const st = EFFORT_ORDER.includes(effort) ? effortStyle(effort) : { color: PALETTE[i % PALETTE.length]!, dash: DASHES[i % DASHES.length]! };
      return { name: g.name, color: st.color, dash: st.dash, points: g.points, marks: g.points.map(([t, usd]) => ({ x: t, y: usd, title: `${g.name}, turn ${t}: $${usd.toPrecision(3)}` })) };
    }),
    height: 280,
    alt: 'Mean cost per response by turn index',
  });
}
