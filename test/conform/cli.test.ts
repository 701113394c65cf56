/**
 * `rth conform` end to end, in process (fake IO): against the bundled mock started in its own
 * process (latency profile scaled ×0.05 through `--mock-latency`), against a mock with the
 * `disorder` and `malformed` faults (error findings → exit 1), flag errors (exit 2), JUnit output.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../harness/cli/io.ts';
import { main } from '../../harness/cli/main.ts';
import type { ConformSummary } from '../../harness/conform/conform-report.ts';
import { PROBES } from '../../harness/conform/probes.ts';
import { RULES } from '../../harness/conformance/catalogue.ts';
import type { ConformanceReport } from '../../harness/conformance/report.ts';
import { DEFAULT_LATENCY_PROFILE, scaleLatencyProfile } from '../../mock-server/latency-profile.ts';
import { startMockServer } from '../../mock-server/server.ts';
import { checkXml } from './xml-check.ts';

let dir: string;
let latencyFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rth-conform-'));
  latencyFile = path.join(dir, 'latency-x0.05.json');
  writeFileSync(latencyFile, JSON.stringify(scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, 0.05)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeIo(env: NodeJS.ProcessEnv = {}): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const never = new Promise<void>(() => undefined);
  return { io: { out: (l) => void out.push(l), err: (l) => void err.push(l), env, isTty: false, stopSignal: { soft: never, hard: never } }, out, err };
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

function countCases(xml: string): { cases: number; failures: number; skipped: number; attrs: Record<string, string> } {
  const root = /<testsuites ([^>]*)>/.exec(xml)![1]!;
  const attrs = Object.fromEntries([...root.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
  return { cases: (xml.match(/<testcase /g) ?? []).length, failures: (xml.match(/<failure /g) ?? []).length, skipped: (xml.match(/<skipped /g) ?? []).length, attrs };
}

describe('rth conform', () => {
  it('against the bundled mock: every probe passes, no error findings, exit 0; conformance.json, summary.json, JUnit and the recovery table written', async () => {
    const out = path.join(dir, 'mock');
    const junit = path.join(dir, 'mock', 'conformance.xml');
    const f = fakeIo({ OPENAI_API_KEY: 'sk-never-printed' });
    const code = await main(['node', 'rth', 'conform', '--mock-latency', latencyFile, '--out', out, '--junit', junit, '--seed', '3', '--recovery'], f.io);
    expect(code, f.out.join('\n') + f.err.join('\n')).toBe(0);
    const summary = readJson<ConformSummary>(path.join(out, 'summary.json'));
    expect(summary).toMatchObject({ schemaVersion: 1, command: 'conform', target: 'mock', passed: true, exitCode: 0, failedRules: [] });
    // Recovery: one run per default fault, scored, with no findings from those sessions either. Which
    // responses a probabilistic fault hits depends on connection order; expiry hits every session.
    expect(summary.recovery?.runs.map((r) => r.name)).toEqual(['rate_limit', 'expire', 'drop', 'server_error', 'stall']);
    const expiry = summary.recovery!.runs[1]!;
    expect(expiry).toMatchObject({ exercised: true, scores: [{ fault: 'session_expired', recoveryRate: 1 }] });
    expect(expiry.scores[0]!.occurrences).toBeGreaterThanOrEqual(3);
    expect(summary.recovery!.overall.length).toBeGreaterThanOrEqual(1);
    expect(summary.counts.probes).toEqual({ passed: PROBES.length, failed: 0, skipped: 0 });
    expect(summary.counts.bySeverity.error).toBe(0);
    const report = readJson<ConformanceReport>(path.join(out, 'conformance.json'));
    expect(report.passed).toBe(true);
    expect(report.probes.map((p) => p.status)).toEqual(PROBES.map(() => 'passed'));
    expect(report.rules).toHaveLength(RULES.length);
    const xml = readFileSync(junit, 'utf8');
    expect(checkXml(xml).problems).toEqual([]);
    const c = countCases(xml);
    expect(c).toMatchObject({ cases: RULES.length + PROBES.length, failures: 0, skipped: 0 });
    expect(c.attrs).toMatchObject({ tests: String(RULES.length + PROBES.length), failures: '0' });
    const text = f.out.join('\n');
    expect(text).toMatch(/^rth conform against mock: PASSED — probes 14 passed, 0 failed, 0 skipped/);
    for (const p of PROBES) expect(text).toContain(`PASS ${p.id}`);
    expect(f.err.filter((l) => l.startsWith('rth conform: PASS'))).toHaveLength(PROBES.length);
    expect(text).toMatch(/Recovery \(simulated clock, seed 3; times are simulated ms\):\n\s+injected\s+fault met/);
    expect(text).toMatch(/expire:after_s=8\s+session_expired\s+(\d+)\s+\1 \(100%\)/);
    expect([...f.out, ...f.err].join('\n')).not.toContain('sk-never-printed');
  });

  it('against a mock with the disorder and malformed faults: error findings, failing JUnit cases, exit 1', async () => {
    const mock = await startMockServer({ port: 0, seed: 11, latency: scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, 0.05), faults: ['disorder:p=1', 'malformed:p=0.1,kind=json'] });
    try {
      const out = path.join(dir, 'faulty');
      const junit = path.join(out, 'c.xml');
      const f = fakeIo();
      const code = await main(
        ['node', 'rth', 'conform', '--target', mock.url, '--header', 'Authorization: Bearer sk-test', '--probes', 'voice-after-audio,cancel-active,item-delete-retrieve', '--out', out, '--junit', junit, '--step-timeout-ms', '3000'],
        f.io,
      );
      expect(code).toBe(1);
      const report = readJson<ConformanceReport>(path.join(out, 'conformance.json'));
      expect(report.passed).toBe(false);
      expect(report.counts.bySeverity.error).toBeGreaterThan(0);
      const fired = Object.keys(report.counts.byRule);
      expect(fired).toContain('RT-EVENT-003');
      expect(fired.some((id) => id.startsWith('RT-ORDER-'))).toBe(true);
      for (const finding of report.findings) expect(finding.sessionId).toMatch(/^PROBE-[A-Z-]+#\d+$/);
      const summary = readJson<ConformSummary>(path.join(out, 'summary.json'));
      expect(summary).toMatchObject({ passed: false, exitCode: 1, target: expect.stringContaining(mock.url) });
      expect(summary.failedRules.map((r) => r.id)).toContain('RT-EVENT-003');
      const xml = readFileSync(junit, 'utf8');
      expect(checkXml(xml).problems).toEqual([]);
      const c = countCases(xml);
      expect(c.cases).toBe(RULES.length + 3);
      expect(c.failures).toBeGreaterThanOrEqual(summary.failedRules.length);
      expect(f.out.join('\n')).toMatch(/FAILED/);
      expect(f.out.join('\n')).toMatch(/FAIL RT-EVENT-003/);
    } finally {
      await mock.close();
    }
  });

  it('a misbehaving relay fails the probes it breaks and the run exits 1', async () => {
    const { startRelay } = await import('./misbehaving-proxy.ts');
    const mock = await startMockServer({ port: 0, seed: 2 });
    const relay = await startRelay(mock.url, {
      serverEvent: (e) => {
        const err = e['error'] as { code?: string } | undefined;
        return e.type === 'error' && err?.code === 'response_cancel_not_active' ? null : e;
      },
    });
    try {
      const f = fakeIo();
      const out = path.join(dir, 'relay');
      const code = await main(['node', 'rth', 'conform', '--target', relay.url, '--header', 'Authorization: Bearer sk-test', '--probes', 'cancel-idle,unknown-event', '--out', out, '--step-timeout-ms', '1500'], f.io);
      expect(code).toBe(1);
      const summary = readJson<ConformSummary>(path.join(out, 'summary.json'));
      expect(summary.probes.map((p) => [p.id, p.status])).toEqual([
        ['PROBE-CANCEL-IDLE', 'failed'],
        ['PROBE-UNKNOWN-EVENT', 'passed'],
      ]);
      expect(summary.counts.bySeverity.error).toBe(0);
      expect(f.out.join('\n')).toMatch(/FAIL PROBE-CANCEL-IDLE \(\d+ ms\): no error answering response\.cancel/);
    } finally {
      await relay.close();
      await mock.close();
    }
  });

  it('rejects bad flags before any socket opens, naming each (exit 2), and never prints a header', async () => {
    const f = fakeIo({});
    const code = await main(
      ['node', 'rth', 'conform', '--target', 'openai', '--probes', 'cancel-idle,nope', '--seed', 'x1', '--header', 'sk-secret-looking-thing', '--api-key-env', 'MISSING_KEY_VAR'],
      f.io,
    );
    expect(code).toBe(2);
    const text = f.err.join('\n');
    expect(text).toContain('E_FLAG');
    for (const s of ['--probes: unknown probe "nope"', '--seed', '--header: header 1', 'MISSING_KEY_VAR is not set']) expect(text).toContain(s);
    expect(text).not.toContain('sk-secret-looking-thing');
    const g = fakeIo();
    expect(await main(['node', 'rth', 'conform', '--target', 'http://example.com'], g.io)).toBe(2);
    expect(g.err.join('\n')).toContain('expected mock, openai, or a ws:// or wss:// URL');
  });

  it('--list-probes lists every probe by short name and id', async () => {
    const f = fakeIo();
    expect(await main(['node', 'rth', 'conform', '--list-probes'], f.io)).toBe(0);
    const text = f.out.join('\n');
    for (const p of PROBES) expect(text).toContain(p.id);
    expect(text).toContain('cancel-idle');
  });
});
