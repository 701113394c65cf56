/**
 * Issue 20, "Cost before, during and after", end to end through `rth run` in-process:
 * - against a URL target (the bundled mock started here, so not the embedded mock) the estimate is
 *   printed before the run, and the finished run states "estimated $X, measured $Y (±Z %)" in the
 *   console and summary.json `budget`, the measured figure equal to `rth cost`'s for the same files;
 * - above `--confirm-above-usd` without `--yes` and without a terminal the run is refused with
 *   exit 2, and no connection reaches a server that counts them (also when "n" is typed);
 * - `--max-cost-usd` with a small cap stops new turns within one turn's cost of the cap (the mock
 *   reports usage in response.done), marked "stopped at budget".
 * No key appears in any output or file. No assertion depends on timing.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import type { SessionResult, TurnResult } from '../../harness/contract.ts';
import { computeRunCost, loadPriceCard } from '../../harness/cost/index.ts';
import type { RunSummaryWithRunner } from '../../harness/runner/outputs.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { FAST_PROFILE } from '../mock/helpers.ts';
import { captureIo, e2eDir, type E2eDir } from './e2e-helpers.ts';

/** A key that must never appear in any output. */
const KEY = 'sk-rth-cost-guard-key-0123456789abcdef';
const ENV = { RTH_COST_KEY: KEY };

let e: E2eDir;
let m: MockServerHandle;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  e = e2eDir();
  m = await startMockServer({ latency: FAST_PROFILE, seed: 7 });
  closers.push(() => m.close());
  await e.scenario('guarded', { sessions: 1, turns_per_session: 2, efforts: ['low'], think_time_ms: 0 });
});
afterAll(async () => {
  for (const c of closers.splice(0)) await c();
  e.cleanup();
});

/** A TCP server that counts connections (and closes them at once). */
async function countingServer(): Promise<{ url: string; count: () => number }> {
  let n = 0;
  const server: Server = createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, count: () => n };
}

function everything(io: { stdout: string[]; stderr: string[] }, out: string): string {
  const files = existsSync(out) ? readdirSync(out).filter((f) => /\.(json|jsonl|html|csv)$/.test(f)).map((f) => readFileSync(path.join(out, f), 'utf8')) : [];
  return [...io.stdout, ...io.stderr, ...files].join('\n');
}

const scenarioFile = (): string => path.join(e.dir, 'guarded.yaml');

describe('rth run: cost guard', () => {
  it('prints the estimate before a run against a URL target and compares it with the measured cost after', async () => {
    const out = path.join(e.dir, 'out-estimate');
    const io = captureIo(ENV);
    const code = await main(['node', 'rth', 'run', scenarioFile(), '--target', m.url, '--api-key-env', 'RTH_COST_KEY', '--out', out, '--no-progress'], io);
    // 1 when the pacing self-check marks the run invalid (the mock shares this test's event loop on a busy machine); the cost guard does not depend on it.
    expect([0, 1]).toContain(code);
    const estimateLine = io.stderr.findIndex((l) => /^rth run: estimated cost \$[\d.]+ for ~2 turn\(s\) \(from scenario: /.test(l));
    expect(estimateLine).toBe(0); // first line: before anything of the run
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as RunSummaryWithRunner;
    const b = summary.budget!;
    expect(b.cap_usd).toBeNull();
    expect(b.stopped_at_budget).toBe(false);
    expect(b.estimate_source).toBe('scenario');
    expect(summary.turns.completed).toBe(2);
    expect(b.turns_priced).toBe(2);
    expect(b.estimated_usd).toBeGreaterThan(0);
    // The live spend is what `rth cost` computes from the same files (the mock reports usage).
    const turns = e.jsonl<TurnResult>(path.join(out, 'turns.jsonl'));
    const sessions = e.jsonl<SessionResult>(path.join(out, 'sessions.jsonl'));
    const cost = computeRunCost(turns, sessions, loadPriceCard());
    expect(cost.total.estimatedResponses).toBe(0);
    expect(b.spent_usd).toBeCloseTo(cost.total.usd!, 6);
    const pct = ((b.spent_usd - b.estimated_usd!) / b.estimated_usd!) * 100;
    expect(b.measured_vs_estimate_pct).toBeCloseTo(pct, 1);
    const line = io.stdout.join('\n').split('\n').find((l) => l.startsWith('Cost estimate (scenario): '));
    expect(line).toMatch(/^Cost estimate \(scenario\): estimated \$[\d.]+, measured \$[\d.]+ \([+-]\d+\.\d %\)$/);
    expect(everything(io, out)).not.toContain(KEY);
  });

  it('--estimate-from a previous run estimates from its measured cost per turn index', async () => {
    const prev = path.join(e.dir, 'out-estimate');
    const io = captureIo(ENV);
    const out = path.join(e.dir, 'out-from');
    const code = await main(['node', 'rth', 'run', scenarioFile(), '--target', m.url, '--api-key-env', 'RTH_COST_KEY', '--estimate-from', prev, '--out', out, '--no-progress'], io);
    expect([0, 1]).toContain(code);
    const prevSummary = JSON.parse(readFileSync(path.join(prev, 'summary.json'), 'utf8')) as RunSummaryWithRunner;
    const b = (JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as RunSummaryWithRunner).budget!;
    expect(b.estimate_source).toBe(`run ${prev}`);
    // Same scenario, same plan: the estimate is the previous run's measured cost.
    expect(b.estimated_usd).toBeCloseTo(prevSummary.budget!.spent_usd, 6);
    expect(io.stderr[0]).toMatch(/^rth run: estimated cost \$[\d.]+ for ~2 turn\(s\) \(from run /);
  });

  it('refuses to start above --confirm-above-usd without --yes and without a terminal: exit 2, no socket opened', async () => {
    const server = await countingServer();
    const out = path.join(e.dir, 'out-refused');
    const io = captureIo(ENV);
    const code = await main(['node', 'rth', 'run', scenarioFile(), '--target', server.url, '--api-key-env', 'RTH_COST_KEY', '--confirm-above-usd', '0.000001', '--out', out], io);
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/E_COST_CONFIRM: rth run: not started: the estimated cost \$[\d.]+ is above --confirm-above-usd \$0\.00, and there is no terminal to confirm on; pass --yes to start anyway/);
    // Give a connection that was (wrongly) attempted time to land before counting: one event-loop turn plus 100 ms.
    await new Promise((r) => setTimeout(r, 100));
    expect(server.count()).toBe(0);
    expect(existsSync(out)).toBe(false);
    expect(everything(io, out)).not.toContain(KEY);
  });

  it('on a terminal, a "n" answer does not start the run either', async () => {
    const server = await countingServer();
    const questions: string[] = [];
    const io = { ...captureIo(), ask: async (q: string) => (questions.push(q), 'n') };
    const code = await main(['node', 'rth', 'run', scenarioFile(), '--target', server.url, '--confirm-above-usd', '0.000001', '--out', path.join(e.dir, 'out-no')], io);
    expect(code).toBe(2);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toMatch(/Start the run\? \[y\/N\] $/);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.count()).toBe(0);
  });

  it('--max-cost-usd stops new turns within one turn of the cap and says so', async () => {
    const out = path.join(e.dir, 'out-cap');
    const io = captureIo(ENV);
    // A mock turn costs about $0.01 and grows with the context: several turns fit, 60 do not.
    const cap = 0.1;
    const code = await main(['node', 'rth', 'run', scenarioFile(), '--target', m.url, '--api-key-env', 'RTH_COST_KEY', '--sessions', '2', '--turns', '30', '--max-cost-usd', String(cap), '--yes', '--out', out, '--no-progress'], io);
    expect([0, 1]).toContain(code);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as RunSummaryWithRunner;
    const b = summary.budget!;
    expect(b.stopped_at_budget).toBe(true);
    expect(b.cap_usd).toBe(cap);
    const turns = e.jsonl<TurnResult>(path.join(out, 'turns.jsonl'));
    const cost = computeRunCost(turns, e.jsonl<SessionResult>(path.join(out, 'sessions.jsonl')), loadPriceCard());
    const perTurn = cost.responses.map((r) => r.usd!);
    const dearest = Math.max(...perTurn);
    expect(turns.length).toBeGreaterThan(0);
    expect(turns.length).toBeLessThan(60);
    expect(b.spent_usd).toBeCloseTo(cost.total.usd!, 6);
    // The cap holds within one turn's cost, and the run did not stop while a turn per session still fitted.
    expect(b.spent_usd).toBeLessThanOrEqual(cap + dearest);
    expect(b.spent_usd + 2 * dearest).toBeGreaterThan(cap);
    expect(io.stdout.join('\n')).toMatch(/Stopped at budget: one more turn would have crossed --max-cost-usd \$0\.1000/);
    expect(io.stderr.join('\n')).toMatch(/estimated cost \$[\d.]+ .*; cap \$0\.1000 \(--max-cost-usd\)/);
    // The report's cost section says the same.
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(/Stopped at budget: one more turn would have crossed --max-cost-usd \$0\.1000/);
  });

  it('bad cost flags name the flag and what was expected', async () => {
    const io = captureIo();
    expect(await main(['node', 'rth', 'run', scenarioFile(), '--max-cost-usd', 'lots', '--confirm-above-usd', '-1'], io)).toBe(2);
    const err = io.stderr.join('\n');
    expect(err).toMatch(/--max-cost-usd: expected an amount of USD > 0, got 'lots'/);
    expect(err).toMatch(/--confirm-above-usd: expected an amount of USD > 0, got '-1'/);
  });
});
