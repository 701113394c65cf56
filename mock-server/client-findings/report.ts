/**
 * Writers of a {@link ClientFindingsReport}: JSON (the report itself), JUnit XML (one test case per
 * rule, a failure per rule with findings at or above `failOn`), a short HTML page, and the console
 * text grouped by rule. Keys never appear: findings hold fingerprints and redacted URLs only.
 */
import type { ClientFindingsReport } from './collector.ts';
import { CLIENT_RULES, SEVERITY_RANK, type ClientFinding, type Severity } from './rules.ts';

/** The report as pretty JSON. */
export function clientFindingsJson(report: ClientFindingsReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const xml = (s: string): string => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** Where a finding happened, in words: `session sess_x, event #3 response.create (event_id e1) at 120 ms`. */
export function findingWhere(f: ClientFinding): string {
  const parts = [f.sessionId ? `session ${f.sessionId}` : f.event?.type.startsWith('HTTP ') ? 'HTTP request' : 'refused connection'];
  if (f.event) parts.push(`${f.event.index !== null ? `event #${f.event.index} ` : ''}${f.event.type}${f.event.eventId ? ` (event_id ${f.event.eventId})` : ''}`);
  parts.push(`at ${f.atMs} ms`);
  return parts.join(', ');
}

function byRule(findings: readonly ClientFinding[]): Map<string, ClientFinding[]> {
  const m = new Map<string, ClientFinding[]>();
  for (const rule of CLIENT_RULES) {
    const list = findings.filter((f) => f.rule === rule.id);
    if (list.length > 0) m.set(rule.id, list);
  }
  return m;
}

/**
 * JUnit XML: suite `rth client findings`, one case per catalogue rule; a rule with findings at or
 * above `failOn` (default `warning`) fails, lower ones are listed in `system-out`.
 */
export function clientFindingsJUnit(report: ClientFindingsReport, failOn: Severity = 'warning'): string {
  const cases: string[] = [];
  let failures = 0;
  for (const rule of CLIENT_RULES) {
    const list = report.findings.filter((f) => f.rule === rule.id);
    const text = list.map((f) => `${findingWhere(f)}: ${f.evidence}`).join('\n');
    const failing = list.length > 0 && SEVERITY_RANK[rule.severity] >= SEVERITY_RANK[failOn];
    let body = '';
    if (failing) {
      failures += 1;
      body = `<failure type="${rule.severity}" message="${xml(`${list.length} finding(s): ${rule.title}`)}">${xml(`${text}\nFix: ${rule.fix}\nSource: ${rule.source}`)}</failure>`;
    } else if (list.length > 0) body = `<system-out>${xml(text)}</system-out>`;
    cases.push(`    <testcase classname="client.${rule.group}" name="${xml(`${rule.id} (${rule.severity}): ${rule.title}`)}">${body}</testcase>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="rth check-client" tests="${CLIENT_RULES.length}" failures="${failures}">\n  <testsuite name="rth client findings" tests="${CLIENT_RULES.length}" failures="${failures}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`;
}

/** Console lines: counts, then the findings grouped by rule with the session and event of each. */
export function clientFindingsText(report: ClientFindingsReport): string[] {
  const lines = [`client findings: ${report.counts.error} error, ${report.counts.warning} warning, ${report.counts.info} info in ${report.sessions.length} session(s)`];
  for (const [ruleId, list] of byRule(report.findings)) {
    const rule = CLIENT_RULES.find((r) => r.id === ruleId)!;
    lines.push(`${rule.severity.toUpperCase()} ${rule.id}: ${rule.title} (${list.length})`);
    for (const f of list) lines.push(`  - ${findingWhere(f)}: ${f.evidence}`);
    lines.push(`    fix: ${rule.fix}`);
  }
  return lines;
}

/** A short self-contained HTML page of the findings (no scripts, no external resources). */
export function clientFindingsHtml(report: ClientFindingsReport, title = 'rth check-client'): string {
  const h = xml;
  const groups = [...byRule(report.findings)]
    .map(([ruleId, list]) => {
      const rule = CLIENT_RULES.find((r) => r.id === ruleId)!;
      const rows = list.map((f) => `<tr><td>${h(f.sessionId ?? '—')}</td><td>${h(f.event ? `${f.event.index !== null ? `#${f.event.index} ` : ''}${f.event.type}${f.event.eventId ? ` (${f.event.eventId})` : ''}` : '—')}</td><td>${f.atMs} ms</td><td>${h(f.evidence)}</td></tr>`).join('');
      return `<section class="${rule.severity}"><h2><span class="sev">${rule.severity}</span> ${h(rule.id)} — ${h(rule.title)}</h2><table><tr><th>session</th><th>event</th><th>at</th><th>evidence</th></tr>${rows}</table><p><b>Fix:</b> ${h(rule.fix)}<br><b>Source:</b> ${h(rule.source)}</p></section>`;
    })
    .join('\n');
  const sessions = report.sessions.map((s) => `<tr><td>${h(s.sessionId ?? '(refused)')}</td><td>${h(s.transport)}</td><td>${h(s.endpoint ?? '—')}</td><td>${s.clientEvents}</td><td>${s.closeCode ?? '—'} ${h(s.closeReason)}</td><td>${s.findings}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${h(title)}</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px;text-align:left;vertical-align:top}
.sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;background:#888}.error .sev{background:#c0392b}.warning .sev{background:#d68910}.info .sev{background:#2874a6}
</style></head><body><h1>${h(title)}: client findings</h1>
<p>${report.counts.error} error, ${report.counts.warning} warning, ${report.counts.info} info in ${report.sessions.length} session(s). Generated ${h(report.generatedAt)}.</p>
${groups || '<p>No findings: the client did nothing the catalogue flags.</p>'}
<h2>Sessions</h2><table><tr><th>session</th><th>transport</th><th>endpoint</th><th>client events</th><th>close</th><th>findings</th></tr>${sessions}</table>
</body></html>
`;
}
