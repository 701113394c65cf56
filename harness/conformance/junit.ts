/**
 * JUnit XML for CI: one `<testcase>` per rule and per probe. Error-severity rules that fired get a
 * `<failure>` listing their findings; warnings and info go to `<system-out>` and never fail.
 */
import type { ProbeResult, RuleResult } from './report.ts';
import type { Finding } from './types.ts';

/** Findings listed per test case before the rest are summarised. */
const MAX_LISTED = 50;

// XML 1.0 forbids most C0 controls and lone surrogates even when escaped.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML content and attribute values (and drops characters XML cannot carry). */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function findingLine(f: Finding): string {
  const where = f.eventIndex >= 0 ? `event #${f.eventIndex} ${f.eventType}` : f.eventType || 'session';
  const session = f.sessionId !== undefined ? `[${f.sessionId}] ` : '';
  const raw = f.rawExcerpt ? `\n    raw: ${f.rawExcerpt}` : '';
  return `${session}${where}: ${f.message}${raw}`;
}

function listFindings(findings: readonly Finding[]): string {
  const lines = findings.slice(0, MAX_LISTED).map(findingLine);
  if (findings.length > MAX_LISTED) lines.push(`… ${findings.length - MAX_LISTED} more findings not listed`);
  return lines.join('\n');
}

function ruleCase(r: RuleResult): string {
  const open = `    <testcase classname="${escapeXml(`rth.conformance.${r.group}`)}" name="${escapeXml(`${r.id}: ${r.description}`)}" time="0"`;
  const body: string[] = [];
  if (r.status === 'failed') {
    body.push(
      `      <failure type="${escapeXml(r.severity)}" message="${escapeXml(`${r.id} fired ${r.count} time(s) (source ${r.source})`)}">${escapeXml(listFindings(r.findings))}</failure>`,
    );
  } else if (r.count > 0) {
    body.push(`      <system-out>${escapeXml(`${r.severity}: ${r.count} finding(s)\n${listFindings(r.findings)}`)}</system-out>`);
  }
  return body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`;
}

function probeCase(p: ProbeResult): string {
  const time = ((p.durationMs ?? 0) / 1000).toFixed(3);
  const open = `    <testcase classname="rth.conformance.probes" name="${escapeXml(`${p.id}: ${p.description}`)}" time="${time}"`;
  const detail = p.details !== undefined ? escapeXml(p.details) : '';
  if (p.status === 'failed') {
    return `${open}>\n      <failure type="probe" message="${escapeXml(p.message ?? 'probe failed')}">${detail}</failure>\n    </testcase>`;
  }
  if (p.status === 'skipped') return `${open}>\n      <skipped message="${escapeXml(p.message ?? 'skipped')}"/>\n    </testcase>`;
  return detail ? `${open}>\n      <system-out>${detail}</system-out>\n    </testcase>` : `${open}/>`;
}

function suite(name: string, cases: string[], failures: number, skipped: number, timeS: number): string {
  return [
    `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${timeS.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
  ].join('\n');
}

/**
 * Renders rule results (from `summarizeRules`) and probe results as a JUnit XML document: suite
 * `rth.conformance.rules` with one test case per rule, and, when probes are given, suite
 * `rth.conformance.probes` with one per probe.
 */
export function toJunitXml(results: { rules: readonly RuleResult[]; probes?: readonly ProbeResult[] }): string {
  const probes = results.probes ?? [];
  const ruleFailures = results.rules.filter((r) => r.status === 'failed').length;
  const probeFailures = probes.filter((p) => p.status === 'failed').length;
  const probeSkipped = probes.filter((p) => p.status === 'skipped').length;
  const probeTimeS = probes.reduce((a, p) => a + (p.durationMs ?? 0), 0) / 1000;
  const suites = [suite('rth.conformance.rules', results.rules.map(ruleCase), ruleFailures, 0, 0)];
  if (probes.length > 0) suites.push(suite('rth.conformance.probes', probes.map(probeCase), probeFailures, probeSkipped, probeTimeS));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rth conform" tests="${results.rules.length + probes.length}" failures="${ruleFailures + probeFailures}" errors="0" skipped="${probeSkipped}" time="${probeTimeS.toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
