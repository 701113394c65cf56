/**
 * `rth report`, `rth report merge` and `rth compare` run in-process through the CLI's main():
 * exit codes, files written, flag validation naming the flag.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../harness/cli/testing.ts';
import { syntheticRun, writeRunDir } from '../../harness/report/test-fixtures.ts';

const rth = (...args: string[]) => runCli(args);

let root = '';
const baseline = (): string => path.join(root, 'baseline');
const slower = (): string => path.join(root, 'slower');
const killed = (): string => path.join(root, 'killed');

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'rth-report-cli-'));
  const opts = { sessions: 4, turnsPerSession: 3, efforts: ['low', 'high'] as const };
  await writeRunDir(baseline(), syntheticRun({ ...opts, efforts: [...opts.efforts], seed: 5 }));
  await writeRunDir(slower(), syntheticRun({ ...opts, efforts: [...opts.efforts], seed: 5, ttfaExtraMs: 400 }));
  await writeRunDir(killed(), syntheticRun({ ...opts, efforts: [...opts.efforts], seed: 6 }), { finished: false, tornLastLine: true });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('rth report', () => {
  it('rebuilds every file of a killed run, saying how many lines were skipped', async () => {
    const out = path.join(root, 'killed-report');
    const r = await rth('report', killed(), '--out', out);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^INVALID RUN: /);
    expect(r.err).toMatch(/note: turns\.jsonl: 1 line skipped \(line 13: incomplete last line/);
    for (const f of ['report.html', 'turns.csv', 'sessions.csv', 'cost.csv', 'summary.json', 'histograms/latency.hlog', 'histograms/ttfa.low.hgrm']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.rebuilt.skipped_lines).toBe(1);
    expect(summary.turns.completed + summary.turns.failed).toBe(12);
  });

  it('regenerates in place by default and keeps the run\'s send-lag distribution', async () => {
    const r = await rth('report', baseline());
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS: valid run/);
    expect(existsSync(path.join(baseline(), 'report.html'))).toBe(true);
    expect(existsSync(path.join(baseline(), 'histograms', 'send_lag.hgrm'))).toBe(true);
  });

  it('validates its flags, naming them', async () => {
    expect((await rth('report')).code).toBe(2);
    const both = await rth('report', baseline(), '--k6-summary', 'x.json');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--k6-summary: renders a k6 summary on its own/);
    expect(both.err).toMatch(/--k6-summary: needs --out DIR/);
    const hlog = await rth('report', baseline(), '--hlog-interval', '0');
    expect(hlog.code).toBe(2);
    expect(hlog.err).toMatch(/--hlog-interval: expected a number of seconds > 0/);
    const notRun = await rth('report', root);
    expect(notRun.code).toBe(2);
    expect(notRun.err).toMatch(/E_RUN_DIR/);
  });

  it('renders a k6 summary, saying k6 gives only aggregates', async () => {
    const file = path.join(root, 'k6.json');
    await writeFile(
      file,
      JSON.stringify({
        state: { testRunDurationMs: 30_000 },
        metrics: {
          'ttfa_ms{effort:low}': { type: 'trend', contains: 'time', values: { med: 500, 'p(90)': 700, 'p(95)': 800, 'p(99)': 950, max: 1000, count: 40 }, thresholds: { 'p(95)<=900': { ok: true } } },
          'ttfa_ms{effort:high}': { type: 'trend', contains: 'time', values: { med: 900, 'p(90)': 1300, 'p(95)': 1500, 'p(99)': 1700, max: 1800, count: 40 }, thresholds: { 'p(95)<=900': { ok: false } } },
          turns_completed: { type: 'counter', contains: 'default', values: { count: 78, rate: 2.6 } },
        },
      }),
    );
    const out = path.join(root, 'k6-report');
    const r = await rth('report', '--k6-summary', file, '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/k6 gives only aggregates/);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('k6 gives only aggregates.');
    expect(html).toMatch(/1 k6 threshold failed/);
    expect(html).toMatch(/data-chart="k6-ttfa" data-series="\[&quot;low&quot;,&quot;high&quot;\]"/);
    const csv = await readFile(path.join(out, 'k6-metrics.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('metric,tags,count,avg,min,p50,p90,p95,p99,max,rate,passes,fails');
    expect(csv).toContain('ttfa_ms,effort:low,40,,,500,700,800,950,1000,,,');
  });
});

describe('rth report merge', () => {
  it('merges runs by adding histograms and lists the inputs', async () => {
    const out = path.join(root, 'merged');
    const r = await rth('report', 'merge', baseline(), slower(), '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/merged 2 runs: 24 turns, 8 sessions/);
    const m = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const a = JSON.parse(await readFile(path.join(baseline(), 'summary.json'), 'utf8'));
    const b = JSON.parse(await readFile(path.join(slower(), 'summary.json'), 'utf8'));
    expect(m.metrics.ttfa_ms.low.count).toBe(a.metrics.ttfa_ms.low.count + b.metrics.ttfa_ms.low.count);
    expect(m.merged_from.map((x: { dir: string }) => x.dir)).toEqual([baseline(), slower()]);
  });

  it('needs --out; two run dirs without merge are refused', async () => {
    const r = await rth('report', 'merge', baseline(), slower());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out: rth report merge needs --out DIR/);
    const two = await rth('report', baseline(), slower());
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/expected one RUN_DIR, got 2/);
  });
});

describe('rth compare', () => {
  it('exits 1 on a regression beyond a limit and prints the table', async () => {
    // 5–6 turns per effort: too few for a p95 interval (inconclusive), enough for the p50 shift
    // interval, which lies above +50 ms for both efforts (the candidate is 400 ms slower).
    const r = await rth('compare', baseline(), slower(), '--max-regression', 'ttfa.p50=50ms', '--max-regression', 'ttfa.p95=10%', '--metric', 'ttfa');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ttfa \(ms\)\s+baseline\s+candidate\s+delta\s+%\s+limit/m);
    expect(r.out).toMatch(/^INCONCLUSIVE: 2 limits could not be judged/m);
    expect(r.out).toMatch(/REGRESSION: 2 beyond the limits: ttfa\.low\.p50 shift interval \[\+\d+(\.\d)?, \+\d+(\.\d)?\] ms, lower end > 50ms/);
    expect(r.out).not.toMatch(/^vad_delay/m);
  });

  it('exits 0 within the limits', async () => {
    const r = await rth('compare', baseline(), slower(), '--max-regression', 'ttfa.p95=1000ms', '--max-regression', 'vad_delay.p50=5%');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/OK: no regression shown beyond the limits \(2 of 4 checks judged\)\./);
  });

  it('exits 2 on a bad limit, naming the flag', async () => {
    const r = await rth('compare', baseline(), slower(), '--max-regression', 'ttfa.p96=10%');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/E_FLAG: --max-regression 'ttfa\.p96=10%': percentile 'p96'/);
    const m = await rth('compare', baseline(), slower(), '--metric', 'latency');
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/--metric 'latency'/);
  });

  it('compares a run that left no summary by rebuilding it', async () => {
    const r = await rth('compare', baseline(), killed());
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/has no summary\.json; figures rebuilt/);
    expect(r.out).toMatch(/warning: candidate is an INVALID run/);
  });
});
