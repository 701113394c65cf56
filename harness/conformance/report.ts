/**
 * Findings → per-rule results and the `conformance.json` document. Pure except for
 * {@link writeConformanceJson}. The run's other reports embed {@link buildConformanceReport}.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RULES } from './catalogue.ts';
import type { Finding, RuleDef, Severity } from './types.ts';

/** One rule with the findings it produced over every session checked. */
export interface RuleResult extends RuleDef {
  /** Findings of this rule as kept (per-session caps applied; summary findings included). */
  readonly findings: readonly Finding[];
  /** Occurrences, including those dropped by per-session caps. */
  readonly count: number;
  /** `failed` when an error-severity rule fired; warning/info rules always pass. */
  readonly status: 'passed' | 'failed';
}

/** One active probe's outcome (produced by `rth conform`'s probes; one JUnit test case each). */
export interface ProbeResult {
  /** Stable probe id, e.g. `PROBE-CANCEL-IDLE`. */
  readonly id: string;
  /** One line: what the probe provokes and what it expects (codes, close codes). */
  readonly description: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  readonly message?: string;
  /** Wall time of the probe, ms. */
  readonly durationMs?: number;
  /** Extra detail for the report (expected vs observed events). */
  readonly details?: string;
}

/** Occurrences of each rule in `findings`, counting suppressed ones (rules without findings omitted). */
export function countByRule(findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.ruleId] = (counts[f.ruleId] ?? 0) + (f.suppressed ?? 1);
  return counts;
}

/** Whether any finding has error severity (the run must then exit non-zero). */
export function hasErrorFindings(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/** One result per catalogue rule (default: {@link RULES}), in catalogue order. */
export function summarizeRules(findings: readonly Finding[], rules: readonly RuleDef[] = RULES): RuleResult[] {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byRule.get(f.ruleId);
    if (list) list.push(f);
    else byRule.set(f.ruleId, [f]);
  }
  const counts = countByRule(findings);
  return rules.map((rule) => {
    const list = byRule.get(rule.id) ?? [];
    const count = counts[rule.id] ?? 0;
    return { ...rule, findings: list, count, status: rule.severity === 'error' && count > 0 ? 'failed' : 'passed' };
  });
}

/** The `conformance.json` document. */
export interface ConformanceReport {
  readonly schemaVersion: 1;
  /** No error-severity finding and no failed probe. */
  readonly passed: boolean;
  readonly counts: {
    readonly findings: number;
    readonly bySeverity: Record<Severity, number>;
    readonly byRule: Record<string, number>;
  };
  /** The catalogue with each rule's count and status. */
  readonly rules: ReadonlyArray<Omit<RuleResult, 'findings'>>;
  readonly probes: readonly ProbeResult[];
  /** Every kept finding (per-session caps applied). */
  readonly findings: readonly Finding[];
}

/** Builds the `conformance.json` document from findings (and probe results, default none). */
export function buildConformanceReport(findings: readonly Finding[], probes: readonly ProbeResult[] = []): ConformanceReport {
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) bySeverity[f.severity] += f.suppressed ?? 1;
  const byRule = countByRule(findings);
  const rules = summarizeRules(findings).map(({ findings: _kept, ...rest }) => rest);
  return {
    schemaVersion: 1,
    passed: bySeverity.error === 0 && probes.every((p) => p.status !== 'failed'),
    counts: { findings: Object.values(byRule).reduce((a, b) => a + b, 0), bySeverity, byRule },
    rules,
    probes,
    findings,
  };
}

/**
 * Writes `conformance.json` (pretty-printed, parent directories created) and returns the document.
 * @param probes probe results to include; default none.
 */
export async function writeConformanceJson(findings: readonly Finding[], path: string, probes: readonly ProbeResult[] = []): Promise<ConformanceReport> {
  const report = buildConformanceReport(findings, probes);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
  return report;
}
