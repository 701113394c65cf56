import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from './catalogue.ts';
import { escapeXml, toJunitXml } from './junit.ts';
import { buildConformanceReport, countByRule, hasErrorFindings, summarizeRules, writeConformanceJson, type ProbeResult } from './report.ts';
import type { Finding } from './types.ts';

const finding = (ruleId: string, severity: Finding['severity'], extra: Partial<Finding> = {}): Finding => ({
  ruleId,
  severity,
  message: `broke ${ruleId} <"&'>`,
  eventIndex: 4,
  eventType: 'response.done',
  rawExcerpt: '{"type":"response.done","x":"a<b&c]]>"}\u0001',
  ...extra,
});

const FINDINGS: Finding[] = [
  finding('RT-DONE-003', 'error', { sessionId: 's1' }),
  finding('RT-DONE-003', 'error', { sessionId: 's2' }),
  finding('RT-DONE-003', 'error', { eventIndex: -1, eventType: '', rawExcerpt: '', suppressed: 5 }),
  finding('RT-ORDER-010', 'warning'),
  finding('RT-EVENT-002', 'info'),
];

const PROBES: ProbeResult[] = [
  { id: 'PROBE-CANCEL-IDLE', description: 'cancel with nothing active → response_cancel_not_active', status: 'passed', durationMs: 120 },
  { id: 'PROBE-EXPIRY', description: 'short session → session_expired, close 1001', status: 'failed', message: 'closed with 1000 <not 1001>', durationMs: 900, details: 'saw: error session_expired; close 1000' },
  { id: 'PROBE-BAD-KEY', description: 'bad key → close 3000', status: 'skipped', message: 'target has no auth' },
];

/**
 * A deliberately small XML 1.0 well-formedness check: one root, tags nest and match, attributes
 * are quoted and unique, text and attribute values contain no raw `<` or bare `&`, and no control
 * characters. Enough to catch escaping mistakes in our own writer.
 */
function assertWellFormedXml(xml: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/.test(xml)) throw new Error('control character in XML');
  let rest = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  const stack: string[] = [];
  let roots = 0;
  const checkText = (t: string): void => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(t)) throw new Error(`bare & in ${JSON.stringify(t.slice(0, 60))}`);
    if (t.includes('>') && t.includes(']]>')) throw new Error(']]> in text');
  };
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    if (lt < 0) {
      checkText(rest);
      if (rest.trim() !== '') throw new Error('text after root');
      break;
    }
    const text = rest.slice(0, lt);
    checkText(text);
    if (stack.length === 0 && text.trim() !== '') throw new Error('text outside root');
    const m = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(rest.slice(lt));
    if (!m) throw new Error(`bad tag at ${JSON.stringify(rest.slice(lt, lt + 80))}`);
    const [whole, close, name, attrs, selfClose] = m as unknown as [string, string, string, string, string];
    const attrNames = [...attrs.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)].map((a) => {
      checkText(a[2]!);
      return a[1]!;
    });
    if (new Set(attrNames).size !== attrNames.length) throw new Error(`duplicate attribute on ${name}`);
    if (close) {
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
    rest = rest.slice(lt + whole.length);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('><')}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

describe('summaries', () => {
  it('counts by rule including suppressed findings, and fails only error rules that fired', () => {
    expect(countByRule(FINDINGS)).toEqual({ 'RT-DONE-003': 7, 'RT-ORDER-010': 1, 'RT-EVENT-002': 1 });
    const results = summarizeRules(FINDINGS);
    expect(results).toHaveLength(RULES.length);
    expect(results.filter((r) => r.status === 'failed').map((r) => r.id)).toEqual(['RT-DONE-003']);
    expect(results.find((r) => r.id === 'RT-ORDER-010')).toMatchObject({ count: 1, status: 'passed' });
    expect(hasErrorFindings(FINDINGS)).toBe(true);
    expect(hasErrorFindings(FINDINGS.filter((f) => f.severity !== 'error'))).toBe(false);
  });

  it('buildConformanceReport: passed only without error findings and failed probes', () => {
    const report = buildConformanceReport(FINDINGS, PROBES);
    expect(report.passed).toBe(false);
    expect(report.counts).toEqual({ findings: 9, bySeverity: { error: 7, warning: 1, info: 1 }, byRule: countByRule(FINDINGS) });
    expect(report.rules).toHaveLength(RULES.length);
    expect(buildConformanceReport([finding('RT-EVENT-002', 'info')]).passed).toBe(true);
    expect(buildConformanceReport([], [PROBES[1]!]).passed).toBe(false);
  });

  it('writeConformanceJson writes the document, creating directories', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rth-conf-'));
    try {
      const path = join(dir, 'out', 'conformance.json');
      const written = await writeConformanceJson(FINDINGS, path, PROBES);
      const parsed = JSON.parse(await readFile(path, 'utf8')) as typeof written;
      expect(parsed.schemaVersion).toBe(1);
      expect(parsed.findings).toHaveLength(FINDINGS.length);
      expect(parsed.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
      expect(parsed.probes.map((p) => p.id)).toEqual(PROBES.map((p) => p.id));
      expect(parsed.counts.byRule['RT-DONE-003']).toBe(7);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('toJunitXml', () => {
  it('escapes the five XML characters and replaces characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('a\u0001b\uD800c')).toBe('a\uFFFDb\uFFFDc');
  });

  it('one test case per rule and per probe, failures for error rules and failed probes, well-formed', () => {
    const xml = toJunitXml({ rules: summarizeRules(FINDINGS), probes: PROBES });
    assertWellFormedXml(xml);
    expect(xml.match(/<testcase /g)).toHaveLength(RULES.length + PROBES.length);
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml.match(/<skipped /g)).toHaveLength(1);
    expect(xml).toContain(`<testsuites name="rth conform" tests="${RULES.length + 3}" failures="2" errors="0" skipped="1"`);
    expect(xml).toMatch(/<testcase classname="rth.conformance.response-done" name="RT-DONE-003: [^"]*" time="0">\s*<failure type="error" message="RT-DONE-003 fired 7 time/);
    expect(xml).toContain('[s1] event #4 response.done: broke RT-DONE-003 &lt;&quot;&amp;&apos;&gt;');
    expect(xml).toContain('<system-out>warning: 1 finding(s)');
    expect(xml).toContain('name="PROBE-EXPIRY: short session → session_expired, close 1001" time="0.900"');
  });

  it('without probes: rules suite only, and a clean run has no failures', () => {
    const xml = toJunitXml({ rules: summarizeRules([]) });
    assertWellFormedXml(xml);
    expect(xml).not.toContain('rth.conformance.probes');
    expect(xml).not.toContain('<failure');
  });

  it('the well-formedness check itself rejects broken XML', () => {
    expect(() => assertWellFormedXml('<a><b></a></b>')).toThrow();
    expect(() => assertWellFormedXml('<a x="1 & 2"/>')).toThrow();
    expect(() => assertWellFormedXml('<a>1 < 2</a>')).toThrow();
    expect(() => assertWellFormedXml('<a/><b/>')).toThrow();
  });
});
