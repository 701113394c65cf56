/**
 * The report writers: JUnit is well-formed whatever the evidence holds and fails only rules at or
 * above the level; the HTML page escapes what it shows and runs no script; the console text groups
 * findings by rule with the session and event of each.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { checkXml } from '../../test/conform/xml-check.ts';
import { ClientFindings } from './collector.ts';
import { clientFindingsHtml, clientFindingsJUnit, clientFindingsText } from './report.ts';

function reportWithNastyEvidence() {
  const findings = new ClientFindings({ clock: new ManualClock() });
  const o = findings.observe();
  o.sessionOpened({
    sessionId: 'sess_1', transport: 'websocket', endpoint: 'realtime', redactedTarget: '/v1/realtime?model=x', remoteAddress: '127.0.0.1', userAgent: 'ua',
    origin: 'https://x.example/<script>alert(1)</script>', credentialForm: 'header', credentialKind: 'standard', credentialFingerprint: 'f', keyQueryParams: [], beta: { header: false, subprotocol: false }, openedUs: 0,
  });
  o.serverEvent({ type: 'session.created', session: {} }, 1);
  o.clientEvent({ type: 'nope', event_id: 'e"&<1>' }, 2);
  o.serverEvent({ type: 'error', error: { code: 'invalid_value', message: "Invalid value: 'nope' & <more>\u0001", param: 'type' } }, 3);
  o.sessionClosed(1000, '');
  return findings.finish();
}

describe('client findings writers', () => {
  it('JUnit: well-formed, one case per rule, failures at or above the level', () => {
    const report = reportWithNastyEvidence();
    expect(report.findings.map((f) => [f.rule, f.severity]).sort()).toEqual([['protocol.rejected_event', 'warning'], ['security.standard_key_in_browser', 'error']].sort());
    const warn = clientFindingsJUnit(report, 'warning');
    expect(checkXml(warn).problems).toEqual([]);
    expect(warn).toMatch(/failures="2"/);
    const err = clientFindingsJUnit(report, 'error');
    expect(checkXml(err).problems).toEqual([]);
    expect(err).toMatch(/failures="1"/);
    expect(err).toMatch(/protocol\.rejected_event[^>]*><system-out>/);
  });

  it('HTML: escaped, no script; text: grouped by rule with session and event', () => {
    const report = reportWithNastyEvidence();
    const html = clientFindingsHtml(report);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    const text = clientFindingsText(report).join('\n');
    expect(text).toContain('WARNING protocol.rejected_event');
    expect(text).toMatch(/- session sess_1, event #0 nope \(event_id e"&<1>\), at 0 ms: the server answered error invalid_value/);
  });
});
