import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { importK6Summary, k6MetricByEffort, K6_AGGREGATES_NOTE, parseK6Summary, splitMetricKey } from '../../harness/k6/index.ts';
import { FIXTURES_DIR, removeTemp, tempUnderProject } from './helpers.ts';

const dirs: string[] = [];
afterAll(() => removeTemp(dirs));

describe('importK6Summary', () => {
  it('reads handleSummary data: metrics by name and tag, k6 stat names mapped to the harness names', async () => {
    const r = await importK6Summary(join(FIXTURES_DIR, 'k6-handle-summary.json'));
    expect(r.format).toBe('handle-summary');
    expect(r.testRunDurationMs).toBe(61234.5);
    expect(r.metrics.ttfa_ms!['effort:low']).toEqual({ avg: 1450.2, min: 980.1, p50: 1410.5, max: 2501.7, p90: 1900.1, p95: 2101.4, p99: 2450.3, count: 60 });
    expect(r.metrics.ttfa_ms!.all!.count).toBe(120);
    expect(r.metrics.turns_completed!.all).toEqual({ count: 118, rate: 1.927 });
    expect(r.metrics.turn_success!.all).toEqual({ rate: 0.9833, passes: 118, fails: 2 });
    expect(r.metrics.errors!['code:rate_limit_exceeded']!.count).toBe(2);
    expect(r.metrics.vus!.all).toEqual({ min: 1, max: 4 });
    expect(k6MetricByEffort(r, 'ttfa_ms')).toEqual({ low: r.metrics.ttfa_ms!['effort:low'], high: r.metrics.ttfa_ms!['effort:high'] });
    expect(r.thresholds).toContainEqual({ metric: 'ttfa_ms', tags: 'effort:high', expression: 'p(95)<=2500', ok: false });
    expect(r.thresholds).toContainEqual({ metric: 'turn_success', tags: 'all', expression: 'rate>=0.98', ok: true });
    expect(r.note).toBe(K6_AGGREGATES_NOTE);
    expect(r.note).toMatch(/^k6 gives only aggregates/);
  });

  it('reads --summary-export JSON (thresholds there are true when they failed; no count or p99)', async () => {
    const r = await importK6Summary(join(FIXTURES_DIR, 'k6-summary-export.json'));
    expect(r.format).toBe('summary-export');
    expect(r.testRunDurationMs).toBeNull();
    expect(r.metrics.ttfa_ms!['effort:high']).toEqual({ avg: 1850.2, min: 1200.4, p50: 1790.3, max: 3120.4, p90: 2500.6, p95: 2700.2 });
    expect(r.metrics.ttfa_ms!['effort:high']!.count).toBeUndefined();
    expect(r.metrics.turn_success!.all).toEqual({ passes: 118, fails: 2, rate: 0.9833 });
    expect(r.thresholds).toEqual([
      { metric: 'ttfa_ms', tags: 'effort:low', expression: 'p(95)<=2500', ok: true },
      { metric: 'ttfa_ms', tags: 'effort:high', expression: 'p(95)<=2500', ok: false },
      { metric: 'turn_success', tags: 'all', expression: 'rate>=0.98', ok: true },
    ]);
  });

  it('normalizes tag selectors and keeps what it cannot read as skipped', () => {
    expect(splitMetricKey('ttfa_ms{turn:1, effort:low}')).toEqual({ name: 'ttfa_ms', tags: 'effort:low,turn:1' });
    expect(splitMetricKey('vus')).toEqual({ name: 'vus', tags: 'all' });
    const r = parseK6Summary({ metrics: { odd: 'x', empty: { type: 'trend', values: {} }, ok: { type: 'counter', values: { count: 1 } } } }, 'mem');
    expect(r.skipped).toEqual(['odd', 'empty']);
    expect(r.metrics.ok!.all).toEqual({ count: 1 });
  });

  it('fails with a ConfigError naming the file for unreadable, non-JSON or non-summary input', async () => {
    const dir = tempUnderProject('k6-summary-');
    dirs.push(dir);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"hello": 1}');
    for (const [path, text] of [
      [join(dir, 'missing.json'), 'cannot read'],
      [bad, 'invalid JSON'],
      [other, 'expected a k6 summary'],
    ] as const) {
      const err = await importK6Summary(path).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('E_K6_SUMMARY');
      expect((err as ConfigError).message).toContain(path);
      expect((err as ConfigError).message).toContain(text);
    }
    rmSync(bad);
  });
});
