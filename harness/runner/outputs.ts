/**
 * A run's files besides the streamed JSONL: `summary.json`, `histograms/*.hgrm`, `run.json` and
 * `conformance.json`, plus the run summary's runner-side additions (measurement error, conformance
 * counts) and the text shown at the end. No header value or key is ever written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildConformanceReport } from '../conformance/report.ts';
import type { Finding } from '../conformance/types.ts';
import { formatBudgetLines, type BudgetBlock } from '../cost/budget-summary.ts';
import { formatSummaryTable } from '../metrics/summary-table.ts';
import type { RunSummary } from '../metrics/summary-types.ts';
import { rateLimitLines, type RateLimitsSummary } from '../metrics/summary-rate-limits.ts';
import type { MockPriority } from '../scenario/schema.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import { formatCapacityLines, type CapacityBlock } from './capacity.ts';
import type { MeasurementError } from './measurement-error.ts';

/** Conformance counts in `summary.json`. */
export interface ConformanceCounts {
  /** Findings, counting those dropped by per-session caps. */
  findings: number;
  errors: number;
  warnings: number;
  info: number;
  by_rule: Record<string, number>;
}

/**
 * `summary.json`: the metrics summary (schema in harness/metrics/summary-types.ts) plus the
 * runner's fields, added under their own keys (schema version unchanged: fields are only added).
 */
export interface RunSummaryWithRunner extends RunSummary {
  /**
   * Harness `first_audio` stamp minus the mock's send stamp of the same delta (docs/measurement.md,
   * "Ground truth from the mock"), ms; null when the target is not the embedded mock.
   */
  measurement_error_ms: {
    matched: number;
    unmatched: number;
    p50: number | null;
    p99: number | null;
    max: number | null;
    min: number | null;
    /** Matched responses stamped by the harness before the mock's post-send stamp (counted as 0 in p50/p99). */
    negative: number;
  } | null;
  /** Passive conformance findings over every connection of the run. */
  conformance: ConformanceCounts;
  /** Sessions whose intended arrival came after new turns stopped. */
  sessions_not_started: number;
  /** How late sessions began connecting after their intended arrival, ms (coordinated-omission check). */
  arrival_lateness_ms: { max: number };
  /** Spend, cap and estimate (harness/cost/budget-summary.ts); absent when cost was not tracked. */
  budget?: BudgetBlock;
  /** Handshake 429s, in-session rate limits and `rate_limits.updated`, apart (metrics/summary-rate-limits.ts). Absent in older summaries. */
  rate_limits?: RateLimitsSummary;
  /** Capacity search result with the evidence per step (runner/capacity.ts); absent unless `arrival.type: steps`. */
  capacity?: CapacityBlock;
}

/** `summary.json`'s measurement error block from {@link MeasurementError}. */
export function measurementErrorBlock(e: MeasurementError | null): RunSummaryWithRunner['measurement_error_ms'] {
  if (!e) return null;
  return { matched: e.matched, unmatched: e.unmatched, p50: e.p50Ms, p99: e.p99Ms, max: e.maxMs, min: e.minMs, negative: e.negative };
}

/** Conformance counts of a run's findings. */
export function conformanceCounts(findings: readonly Finding[]): ConformanceCounts {
  const r = buildConformanceReport(findings);
  return { findings: r.counts.findings, errors: r.counts.bySeverity.error, warnings: r.counts.bySeverity.warning, info: r.counts.bySeverity.info, by_rule: r.counts.byRule };
}

/** Writes `conformance.json` (the conformance module's document) next to the summary. */
export function writeConformance(outDir: string, findings: readonly Finding[]): string {
  const file = path.join(outDir, 'conformance.json');
  writeFileSync(file, `${JSON.stringify(buildConformanceReport(findings), null, 2)}\n`);
  return file;
}

/**
 * `run.json`: the resolved scenario as run, for `rth report` and reruns. Header values are dropped
 * (only their names are kept): they are usually credentials.
 */
export function runRecord(
  scenario: ResolvedScenario,
  extra: { target: string; outDir: string; url: string; headerNames: readonly string[]; mockPriority?: MockPriority | null },
): Record<string, unknown> {
  const { headers: _values, ...rest } = scenario;
  return {
    schema_version: 1,
    scenario: { ...rest, outDir: extra.outDir },
    /** The embedded mock's scheduling as applied (`idle` falls back to `low` without `chrt`); null for other targets. */
    mock_priority: extra.mockPriority ?? null,
    /** Names of the handshake headers sent (scenario, `--header`, and the target's Authorization). */
    header_names: [...extra.headerNames].sort(),
    target: extra.target,
    session_url: redactQuery(extra.url),
  };
}

/** A URL with query values that look secret removed (a relay might carry a token in its query). */
function redactQuery(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (/key|token|secret|sig|auth|password|credential/i.test(k)) u.searchParams.set(k, 'REDACTED');
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

/** Writes a JSON file (pretty, trailing newline), creating its folder. */
export function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The end-of-run text: the metrics table (verdict first: INVALID before anything else), then the
 * measurement error, conformance and where the files are.
 */
export function formatRunTable(s: RunSummaryWithRunner, outDir: string): string {
  const lines = [formatSummaryTable(s)];
  const m = s.measurement_error_ms;
  if (m) {
    lines.push(
      m.matched > 0
        ? `Measurement error vs mock trace: p50 ${m.p50} ms, p99 ${m.p99} ms, max ${m.max} ms, min ${m.min} ms (${m.matched} responses matched${m.unmatched ? `, ${m.unmatched} unmatched` : ''})`
        : `Measurement error vs mock trace: no responses matched${m.unmatched ? ` (${m.unmatched} unmatched)` : ''}`,
    );
  }
  const c = s.conformance;
  lines.push(
    `Conformance: ${c.findings === 0 ? 'no findings' : `${c.errors} errors, ${c.warnings} warnings, ${c.info} info (${Object.entries(c.by_rule).map(([r, n]) => `${r} ${n}`).join(', ')})`}`,
  );
  if (s.budget) lines.push(...formatBudgetLines(s.budget));
  if (s.sessions_not_started > 0) lines.push(`Sessions not started (arrived after the stop): ${s.sessions_not_started}`);
  lines.push(...rateLimitLines(s.rate_limits));
  lines.push(...formatCapacityLines(s.capacity));
  lines.push(`Output: ${outDir}`);
  return lines.join('\n');
}
