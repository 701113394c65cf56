/**
 * The report's data: everything report.html shows, computed once from a rebuilt run (and its
 * cost), JSON-safe, embedded in the page as `<script type="application/json" id="rth-data">`.
 * Charts are drawn from this object only, so what a reader sees is what the file carries.
 */
import type { ConformanceReport } from '../conformance/report.ts';
import type { RunCost } from '../cost/run-cost.ts';
import type { Histogram } from '../metrics/histogram.ts';
import { compareEfforts } from '../metrics/recorder.ts';
import { connectFailureHeadline } from '../metrics/summary-failures.ts';
import { verdictLine } from '../metrics/summary-table.ts';
import { deriveTurnMetrics } from '../metrics/turn-metrics.ts';
import type { RebuiltRun } from './rebuild.ts';
import type { ReportSummary } from './read-run.ts';
import { buildTimeline, type Timeline } from './timeline.ts';
import { rateLimitsView, type RateLimitsView } from './rate-limits.ts';

export { buildTimeline, type Timeline } from './timeline.ts';
import { parseHgrm } from './hgrm-read.ts';

/** Schema tag of the embedded data. */
export const REPORT_DATA_SCHEMA = 'rth.report/1';

/** A point of a percentile curve: `[nines, value]`, nines = −log10(1 − percentile/100). */
export type CurvePoint = [number, number];

/** A percentile curve of one effort (or of the send lag). */
export interface PercentileCurve {
  name: string;
  count: number;
  points: CurvePoint[];
  /** Labeled percentiles on the curve (p50, p90, p99, p99.9 when the data reach them, max). */
  marks: { label: string; nines: number; value: number }[];
}

/** Cumulative milestone times after end of speech (ms) at one percentile. */
export interface PhaseTimes {
  vadDelayMs: number | null;
  responseStartMs: number | null;
  ttfaMs: number | null;
  turnMs: number | null;
}

/** Everything report.html shows. */
export interface ReportData {
  schema: typeof REPORT_DATA_SCHEMA;
  generatedAt: string;
  runDir: string;
  summary: ReportSummary;
  verdict: {
    status: 'invalid' | 'fail' | 'pass';
    headline: string;
    invalidReasons: string[];
    sloBreaches: string[];
    interrupted: boolean;
    conformanceErrors: number | null;
    /** Every session failed to connect: the headline (most common reason) and a hint; null otherwise. */
    connectFailure: { line: string; hint: string | null } | null;
  };
  efforts: string[];
  ttfaCurves: PercentileCurve[];
  ttfaByTurn: { effort: string; points: { turnIndex: number; count: number; p50Ms: number; p95Ms: number }[] }[];
  breakdown: { effort: string; count: number; p50: PhaseTimes; p95: PhaseTimes }[];
  timeline: Timeline | null;
  sendLag: {
    source: RebuiltRun['sendLag']['source'];
    curve: PercentileCurve | null;
    count: number;
    p50Ms: number | null;
    p99Ms: number | null;
    maxMs: number | null;
    budgetMs: number;
    chunkMs: number;
    withinBudget: boolean | null;
    eventLoop: ReportSummary['event_loop'];
  };
  conformance: {
    passed: boolean;
    findings: number;
    bySeverity: { error: number; warning: number; info: number };
    rules: { id: string; severity: string; count: number; description: string }[];
    examples: { ruleId: string; severity: string; message: string; sessionId: string | null; eventType: string }[];
  } | null;
  recovery: {
    sessionsWithFaults: number;
    byFault: { fault: string; count: number; recovered: number; meanRecoveryMs: number; maxRecoveryMs: number; turnsLost: number; attempts: number }[];
  };
  cost: {
    asOf: string;
    currency: string;
    usd: number | null;
    knownUsd: number;
    estimatedUsd: number;
    usdPerConnectedMinute: number | null;
    usdPerUserSpeechMinute: number | null;
    usdPerResponse: number | null;
    cachedShare: number | null;
    responses: number;
    estimatedResponses: number;
    reasons: string[];
    groups: { model: string; effort: string; usd: number | null; usdPerConnectedMinute: number | null; usdPerUserSpeechMinute: number | null; usdPerResponse: number | null; responses: number; estimatedResponses: number; cachedShare: number | null }[];
    byTurnIndex: { name: string; points: [number, number][] }[];
  } | null;
  costError: string | null;
  /** Handshake 429s, in-session rate limits and rate_limits.updated (rate-limits.ts); null/absent = none recorded. */
  rateLimits?: RateLimitsView | null;
  sessionRows: { index: number; id: string | null; effort: string; model: string; outcome: string; connectMs: number | null; connectedS: number; turnsCompleted: number; turnsFailed: number; errors: string; recoveries: number; usd: number | null }[];
  sessionRowsTotal: number;
  turnRows: { session: number; turn: number; effort: string; status: string; errorCode: string | null; ttfaMs: number | null; vadDelayMs: number | null; responseStartMs: number | null; turnMs: number | null; usd: number | null }[];
  turnRowsTotal: number;
  notes: string[];
}

/** Options of {@link buildReportData}. */
export interface ReportDataOptions {
  /** Run cost (from `computeRunCost`); null = no cost section. */
  cost: RunCost | null;
  /** Why cost is missing (e.g. a bad price card), shown instead. Default null. */
  costError?: string | null;
  /** Time the report is generated. */
  generatedAt: Date;
  /** Rows of the sessions/turns tables embedded (the CSVs have all). Default 1000 each. */
  maxRows?: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** −log10(1 − p/100): 0 at 0 %, 1 at 90 %, 2 at 99 %, 3 at 99.9 %. */
export function ninesOf(percentile: number): number {
  if (percentile <= 0) return 0;
  return percentile >= 100 ? Infinity : -Math.log10(1 - percentile / 100);
}

/** Percent text of a nines value (0 → `0%`, 1 → `90%`, 3 → `99.9%`). */
export function ninesLabel(nines: number): string {
  const p = 100 * (1 - 10 ** -nines);
  return `${Number(p.toFixed(Math.max(0, Math.ceil(nines) - 2)))}%`;
}

/**
 * The percentile curve of a histogram in the HdrHistogram plotter's style: value against
 * percentile on a "number of nines" axis, from the histogram's own percentile distribution (5
 * ticks per half distance, one pass over the counts), ending at the max where the data end (log10
 * of the count: beyond it every percentile is the max).
 * @param divisor µs → ms by default
 */
export function percentileCurve(name: string, h: Histogram, divisor = 1000): PercentileCurve | null {
  const n = h.totalCount;
  if (n === 0) return null;
  const rows = parseHgrm(h.outputPercentileDistribution(5, divisor));
  const max = round3(h.getValueAtPercentile(100) / divisor);
  const points: CurvePoint[] = [];
  for (const r of rows) if (r.percentile < 1) points.push([round3(ninesOf(r.percentile * 100)), r.value]);
  const end = round3(Math.max(1, Math.log10(n), ...points.map((p) => p[0])));
  points.push([end, max]);
  const marks = (
    [
      ['p50', 50],
      ['p90', 90],
      ['p99', 99],
      ['p99.9', 99.9],
    ] as const
  )
    .filter(([, p]) => ninesOf(p) <= end + 1e-9)
    .map(([label, p]) => ({ label: label as string, nines: round3(ninesOf(p)), value: round3(h.getValueAtPercentile(p) / divisor) }));
  marks.push({ label: 'max', nines: end, value: max });
  return { name, count: n, points, marks };
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function effortOf(e: string | null): string {
  return e ?? 'none';
}

function ttfaByTurn(run: RebuiltRun): ReportData['ttfaByTurn'] {
  const groups = new Map<string, Map<number, number[]>>();
  for (const t of run.turns) {
    const v = deriveTurnMetrics(t).ttfaMs;
    if (v === null) continue;
    const e = t.arm ?? effortOf(t.effort);
    let byIndex = groups.get(e);
    if (!byIndex) groups.set(e, (byIndex = new Map()));
    byIndex.set(t.turnIndex, [...(byIndex.get(t.turnIndex) ?? []), v]);
  }
  return [...groups.keys()].sort(compareEfforts).map((effort) => ({
    effort,
    points: [...groups.get(effort)!.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([turnIndex, vs]) => {
        const s = [...vs].sort((a, b) => a - b);
        return { turnIndex, count: s.length, p50Ms: round3(quantile(s, 0.5)), p95Ms: round3(quantile(s, 0.95)) };
      }),
  }));
}

function breakdown(s: ReportSummary, efforts: readonly string[]): ReportData['breakdown'] {
  const m = s.metrics;
  const at = (stat: 'p50' | 'p95', e: string): PhaseTimes => ({
    vadDelayMs: m.vad_delay_ms[e]?.[stat] ?? null,
    responseStartMs: m.response_start_ms[e]?.[stat] ?? null,
    ttfaMs: m.ttfa_ms[e]?.[stat] ?? null,
    turnMs: m.turn_ms[e]?.[stat] ?? null,
  });
  return efforts.filter((e) => (m.ttfa_ms[e]?.count ?? 0) > 0).map((e) => ({ effort: e, count: m.ttfa_ms[e]!.count, p50: at('p50', e), p95: at('p95', e) }));
}

function conformanceView(report: ConformanceReport | null, s: ReportSummary): ReportData['conformance'] {
  if (report) {
    return {
      passed: report.passed,
      findings: report.counts.findings,
      bySeverity: { ...report.counts.bySeverity },
      rules: report.rules.filter((r) => r.count > 0).map((r) => ({ id: r.id, severity: r.severity, count: r.count, description: r.description })),
      examples: report.findings.slice(0, 40).map((f) => ({ ruleId: f.ruleId, severity: f.severity, message: f.message, sessionId: f.sessionId ?? null, eventType: f.eventType })),
    };
  }
  const c = s.conformance;
  if (!c) return null;
  return {
    passed: c.errors === 0,
    findings: c.findings,
    bySeverity: { error: c.errors, warning: c.warnings, info: c.info },
    rules: Object.entries(c.by_rule).map(([id, count]) => ({ id, severity: '', count, description: '' })),
    examples: [],
  };
}

function recoveryView(run: RebuiltRun): ReportData['recovery'] {
  const by = new Map<string, { count: number; recovered: number; totalMs: number; maxMs: number; turnsLost: number; attempts: number }>();
  let sessionsWithFaults = 0;
  for (const s of run.sessions) {
    const list = s.recoveries ?? [];
    if (list.length > 0) sessionsWithFaults++;
    for (const r of list) {
      const a = by.get(r.fault) ?? { count: 0, recovered: 0, totalMs: 0, maxMs: 0, turnsLost: 0, attempts: 0 };
      a.count++;
      if (r.recovered) a.recovered++;
      a.totalMs += r.recoveryMs;
      a.maxMs = Math.max(a.maxMs, r.recoveryMs);
      a.turnsLost += r.turnsLost;
      a.attempts += r.attempts;
      by.set(r.fault, a);
    }
  }
  return {
    sessionsWithFaults,
    byFault: [...by.entries()]
      .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
      .map(([fault, a]) => ({ fault, count: a.count, recovered: a.recovered, meanRecoveryMs: round3(a.totalMs / a.count), maxRecoveryMs: round3(a.maxMs), turnsLost: a.turnsLost, attempts: a.attempts })),
  };
}

/** Orders `model · effort` names by model, then effort minimal … xhigh, none. */
function byModelEffort(a: string, b: string): number {
  const [ma = '', ea = ''] = a.split(' · ');
  const [mb = '', eb = ''] = b.split(' · ');
  return ma.localeCompare(mb) || compareEfforts(ea, eb);
}

function costView(cost: RunCost | null): ReportData['cost'] {
  if (!cost) return null;
  const t = cost.total;
  // Mean cost per turn index per model × effort, from the priced responses.
  const series = new Map<string, Map<number, number[]>>();
  for (const r of cost.responses) {
    if (r.response?.usd === null || r.response === null) continue;
    const name = `${r.model} · ${r.effort}`;
    let m = series.get(name);
    if (!m) series.set(name, (m = new Map()));
    m.set(r.turnIndex, [...(m.get(r.turnIndex) ?? []), r.response.usd!]);
  }
  return {
    asOf: cost.card.asOf,
    currency: cost.card.currency,
    usd: t.usd,
    knownUsd: t.knownUsd,
    estimatedUsd: t.estimatedUsd,
    usdPerConnectedMinute: t.usdPerConnectedMinute,
    usdPerUserSpeechMinute: t.usdPerUserSpeechMinute,
    usdPerResponse: t.usdPerResponse,
    cachedShare: t.cachedShare,
    responses: t.responses,
    estimatedResponses: t.estimatedResponses,
    reasons: t.reasons,
    groups: [...cost.groups].sort((a, b) => a.model.localeCompare(b.model) || compareEfforts(a.effort, b.effort)).map((g) => ({
      model: g.model,
      effort: g.effort,
      usd: g.usd,
      usdPerConnectedMinute: g.usdPerConnectedMinute,
      usdPerUserSpeechMinute: g.usdPerUserSpeechMinute,
      usdPerResponse: g.usdPerResponse,
      responses: g.responses,
      estimatedResponses: g.estimatedResponses,
      cachedShare: g.cachedShare,
    })),
    byTurnIndex: [...series.entries()].sort((a, b) => byModelEffort(a[0], b[0])).map(([name, m]) => ({
      name,
      points: [...m.entries()].sort((a, b) => a[0] - b[0]).map(([i, vs]): [number, number] => [i, vs.reduce((a, b) => a + b, 0) / vs.length]),
    })),
  };
}

/** Builds the report data of a rebuilt (or merged) run. */
export function buildReportData(run: RebuiltRun, opts: ReportDataOptions): ReportData {
  const s = run.summary;
  const efforts = [...s.efforts];
  const maxRows = opts.maxRows ?? 1000;
  const curves = efforts
    .map((e) => {
      const h = run.recorder.histogram('ttfa', e);
      return h ? percentileCurve(e, h) : null;
    })
    .filter((c): c is PercentileCurve => c !== null);
  const lag = s.pacing.send_lag_ms;
  const cost = opts.cost;
  const sessionUsd = new Map(cost?.sessions.map((c) => [c.sessionIndex, c.usd]) ?? []);
  const turnUsd = new Map(cost?.responses.map((r) => [`${r.sessionIndex}:${r.turnIndex}`, r.usd]) ?? []);
  const sessions = [...run.sessions].sort((a, b) => a.sessionIndex - b.sessionIndex);
  const turns = [...run.turns].sort((a, b) => a.sessionIndex - b.sessionIndex || a.turnIndex - b.turnIndex);
  const conformanceErrors = s.conformance ? s.conformance.errors : null;
  const connectFailure = connectFailureHeadline(s);
  return {
    schema: REPORT_DATA_SCHEMA,
    generatedAt: opts.generatedAt.toISOString(),
    runDir: run.dir,
    summary: s,
    verdict: {
      status: connectFailure ? 'fail' : !s.valid ? 'invalid' : !s.slo.passed || (conformanceErrors ?? 0) > 0 ? 'fail' : 'pass',
      headline: verdictLine(s),
      invalidReasons: [...s.invalid_reasons],
      sloBreaches: s.slo.breaches.map((b) => b.message),
      interrupted: s.interrupted,
      conformanceErrors,
      connectFailure,
    },
    efforts,
    ttfaCurves: curves,
    ttfaByTurn: ttfaByTurn(run),
    breakdown: breakdown(s, efforts),
    timeline: buildTimeline(run),
    sendLag: {
      source: run.sendLag.source,
      curve: run.sendLag.histogram ? percentileCurve('send lag', run.sendLag.histogram) : null,
      count: lag.count,
      p50Ms: lag.p50,
      p99Ms: lag.p99,
      maxMs: lag.max,
      budgetMs: s.pacing.send_lag_p99_budget_ms,
      chunkMs: s.pacing.chunk_ms,
      withinBudget: lag.p99 === null ? null : lag.p99 <= s.pacing.send_lag_p99_budget_ms,
      eventLoop: { ...s.event_loop },
    },
    conformance: conformanceView(run.conformance, s),
    recovery: recoveryView(run),
    cost: costView(cost),
    costError: opts.costError ?? null,
    rateLimits: rateLimitsView(run.sessions, run.timeBaseUs),
    sessionRows: sessions.slice(0, maxRows).map((x) => ({
      index: x.sessionIndex,
      id: x.sessionId,
      effort: x.arm ?? effortOf(x.effort),
      model: x.model,
      outcome: x.outcome,
      connectMs: x.connectMs,
      connectedS: round3(x.connectedMs / 1000),
      turnsCompleted: x.turnsCompleted,
      turnsFailed: x.turnsFailed,
      errors: Object.entries(x.errors).map(([k, v]) => `${k} ${v}`).join(', '),
      recoveries: x.recoveries?.length ?? 0,
      usd: sessionUsd.get(x.sessionIndex) ?? null,
    })),
    sessionRowsTotal: sessions.length,
    turnRows: turns.slice(0, maxRows).map((t) => {
      const m = deriveTurnMetrics(t);
      const r = (v: number | null): number | null => (v === null ? null : round3(v));
      return {
        session: t.sessionIndex,
        turn: t.turnIndex,
        effort: t.arm ?? effortOf(t.effort),
        status: t.status,
        errorCode: t.errorCode,
        ttfaMs: r(m.ttfaMs),
        vadDelayMs: r(m.vadDelayMs),
        responseStartMs: r(m.responseStartMs),
        turnMs: r(m.turnMs),
        usd: turnUsd.get(`${t.sessionIndex}:${t.turnIndex}`) ?? null,
      };
    }),
    turnRowsTotal: turns.length,
    notes: [...run.notes],
  };
}
