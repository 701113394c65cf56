/**
 * What `rth conform` writes besides `conformance.json`: its own small `summary.json`, and the text
 * it prints. Pure functions of the results, so tests compare them directly.
 */
import type { ConformanceReport, ProbeResult } from '../conformance/report.ts';
import { formatRecoveryTable } from './recovery-score.ts';
import type { RecoveryScore } from './recovery-score.ts';
import type { RecoverySuiteResult } from './recovery-suite.ts';

/** The recovery part of `summary.json` (sessions and findings left out; findings are in conformance.json). */
export interface RecoverySummary {
  readonly clock: 'simulated';
  readonly seed: number;
  readonly simulatedMs: number;
  readonly runs: ReadonlyArray<{
    readonly name: string;
    readonly spec: string;
    readonly sessions: number;
    readonly turnsPlanned: number;
    readonly turnsCompleted: number;
    readonly turnsFailed: number;
    readonly outcomes: Record<string, number>;
    readonly exercised: boolean;
    readonly scores: readonly RecoveryScore[];
  }>;
  readonly overall: readonly RecoveryScore[];
}

/** `OUT/summary.json` of `rth conform` (schema version 1). */
export interface ConformSummary {
  readonly schemaVersion: 1;
  readonly command: 'conform';
  readonly tool: { readonly name: 'realtime-harness'; readonly version: string };
  /** `mock`, `openai`, or the URL without query and credentials. */
  readonly target: string;
  /** ISO time the command started. */
  readonly startedAt: string;
  readonly durationMs: number;
  /** No error-severity finding and no failed probe. */
  readonly passed: boolean;
  /** What the process exits with: 0 passed, 1 not. */
  readonly exitCode: 0 | 1;
  readonly counts: {
    readonly findings: number;
    readonly bySeverity: ConformanceReport['counts']['bySeverity'];
    /** Error-severity rules that fired. */
    readonly rulesFailed: number;
    readonly probes: { readonly passed: number; readonly failed: number; readonly skipped: number };
  };
  /** Failed rules: id and occurrences. */
  readonly failedRules: ReadonlyArray<{ readonly id: string; readonly count: number }>;
  readonly probes: ReadonlyArray<Pick<ProbeResult, 'id' | 'status' | 'message' | 'durationMs'>>;
  /** Null unless `--recovery`. */
  readonly recovery: RecoverySummary | null;
  /** Files written (paths as given to the command). */
  readonly files: { readonly conformance: string; readonly summary: string; readonly junit: string | null };
}

/** Inputs of {@link buildConformSummary}. */
export interface ConformSummaryInput {
  readonly report: ConformanceReport;
  readonly target: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly version: string;
  readonly recovery: RecoverySuiteResult | null;
  readonly files: ConformSummary['files'];
}

/** Builds `summary.json`. */
export function buildConformSummary(i: ConformSummaryInput): ConformSummary {
  const { report } = i;
  const count = (s: ProbeResult['status']): number => report.probes.filter((p) => p.status === s).length;
  const failedRules = report.rules.filter((r) => r.status === 'failed').map((r) => ({ id: r.id, count: r.count }));
  return {
    schemaVersion: 1,
    command: 'conform',
    tool: { name: 'realtime-harness', version: i.version },
    target: i.target,
    startedAt: i.startedAt.toISOString(),
    durationMs: Math.round(i.durationMs),
    passed: report.passed,
    exitCode: report.passed ? 0 : 1,
    counts: {
      findings: report.counts.findings,
      bySeverity: report.counts.bySeverity,
      rulesFailed: failedRules.length,
      probes: { passed: count('passed'), failed: count('failed'), skipped: count('skipped') },
    },
    failedRules,
    probes: report.probes.map((p) => ({ id: p.id, status: p.status, ...(p.message !== undefined ? { message: p.message } : {}), ...(p.durationMs !== undefined ? { durationMs: p.durationMs } : {}) })),
    recovery: i.recovery === null ? null : recoverySummary(i.recovery),
    files: i.files,
  };
}

function recoverySummary(r: RecoverySuiteResult): RecoverySummary {
  return {
    clock: r.clock,
    seed: r.seed,
    simulatedMs: r.simulatedMs,
    runs: r.runs.map((run) => ({
      name: run.name,
      spec: run.spec,
      sessions: run.sessions,
      turnsPlanned: run.turnsPlanned,
      turnsCompleted: run.turnsCompleted,
      turnsFailed: run.turnsFailed,
      outcomes: run.outcomes,
      exercised: run.exercised,
      scores: run.scores,
    })),
    overall: r.overall,
  };
}

const MARK: Record<ProbeResult['status'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

/** One line per probe: `PASS PROBE-… (123 ms)`, with the reason for failures and skips. */
export function formatProbeLine(p: ProbeResult): string {
  const ms = p.durationMs !== undefined ? ` (${p.durationMs} ms)` : '';
  return `${MARK[p.status]} ${p.id}${ms}${p.message !== undefined && p.status !== 'passed' ? `: ${p.message}` : ''}`;
}

/** The text `rth conform` prints: verdict first, then probes, failed rules, recovery and files. */
export function formatConformText(s: ConformSummary, report: ConformanceReport, recovery: RecoverySuiteResult | null): string {
  const lines: string[] = [];
  const { probes, bySeverity } = { probes: s.counts.probes, bySeverity: s.counts.bySeverity };
  lines.push(
    `rth conform against ${s.target}: ${s.passed ? 'PASSED' : 'FAILED'} — probes ${probes.passed} passed, ${probes.failed} failed, ${probes.skipped} skipped; ` +
      `findings ${bySeverity.error} error, ${bySeverity.warning} warning, ${bySeverity.info} info`,
  );
  lines.push('', 'Probes:');
  for (const p of report.probes) lines.push(`  ${formatProbeLine(p)}`);
  const failed = report.rules.filter((r) => r.status === 'failed');
  const warned = report.rules.filter((r) => r.status === 'passed' && r.count > 0);
  if (failed.length > 0 || warned.length > 0) {
    lines.push('', 'Rules that fired:');
    for (const r of [...failed, ...warned]) lines.push(`  ${r.status === 'failed' ? 'FAIL' : r.severity === 'warning' ? 'WARN' : 'INFO'} ${r.id} ×${r.count}: ${r.description}`);
  }
  if (recovery) {
    lines.push('', `Recovery (simulated clock, seed ${recovery.seed}; times are simulated ms):`);
    const rows = recovery.runs.flatMap((run) => (run.scores.length > 0 ? run.scores.map((score) => ({ label: run.spec, score })) : []));
    lines.push(...formatRecoveryTable(rows).split('\n').map((l) => `  ${l}`));
    for (const run of recovery.runs.filter((r) => !r.exercised)) lines.push(`  ${run.spec}: not met by any session (seed spared them)`);
  }
  lines.push('', `Wrote ${s.files.conformance}, ${s.files.summary}${s.files.junit ? `, ${s.files.junit}` : ''}`);
  return lines.join('\n');
}
