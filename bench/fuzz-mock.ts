/**
 * Long fuzz run of the mock (issue 7): ≥ 100,000 seeded hostile frames (test/hardening/fuzz-gen.ts)
 * over many concurrent sessions against the mock in its own process (`rth mock`, as CI runs it),
 * plus frames over the size limit. Prints one JSON object: frames/s, errors answered, violations,
 * server errors, crashes, and the mock's RSS before, at peak and after (sampled from /proc).
 *
 *   node --import tsx bench/fuzz-mock.ts [--sessions 50] [--frames 2000] [--seed 1] [--oversize 3]
 *
 * `--frames` is per session; the default 50 × 2,000 = 100,000 frames takes about a minute and a half
 * on two cores. `--rounds N` repeats the run N times (seeds seed … seed+N−1) on the same mock and
 * reports its RSS after each: growth that continues round after round would be a leak, a first-round
 * rise that stays put is the heap settling.
 */
import { parseArgs } from 'node:util';
import { startMockProcess } from '../harness/runner/mock-process.ts';
import { oversizeFrame, runFuzz, type FuzzReport } from '../test/hardening/fuzz-run.ts';
import { isAlive, mib, rssBytes } from '../test/hardening/proc.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '50' },
    frames: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    oversize: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
  },
});

/** Adds the figures of two fuzz reports. */
function mergeReports(a: FuzzReport, b: FuzzReport): FuzzReport {
  const byFamily = { ...a.byFamily };
  for (const [k, v] of Object.entries(b.byFamily)) byFamily[k] = (byFamily[k] ?? 0) + v;
  return {
    framesSent: a.framesSent + b.framesSent,
    bytesSent: a.bytesSent + b.bytesSent,
    errorsReceived: a.errorsReceived + b.errorsReceived,
    errorsAnswered: a.errorsAnswered + b.errorsAnswered,
    serverErrors: a.serverErrors + b.serverErrors,
    byFamily,
    unexpectedCloses: [...a.unexpectedCloses, ...b.unexpectedCloses],
    violations: [...a.violations, ...b.violations].slice(0, 50),
    violationCount: a.violationCount + b.violationCount,
    elapsedMs: a.elapsedMs + b.elapsedMs,
  };
}

async function main(): Promise<void> {
  const mock = await startMockProcess({ seed: 1, latencyScale: 0.01 });
  let exited: string | null = null;
  try {
    // Warm up: one short fuzz so the baseline includes loaded code and JIT.
    await runFuzz({ url: mock.url, sessions: 2, framesPerSession: 200, seed: 999 });
    const rssBefore = rssBytes(mock.pid);
    let rssPeak = rssBefore ?? 0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(mock.pid) ?? 0)), 250);
    const rounds = Number(values.rounds);
    const rssAfterRounds: (number | null)[] = [];
    let report: FuzzReport | null = null;
    for (let r = 0; r < rounds; r++) {
      const one = await runFuzz({ url: mock.url, sessions: Number(values.sessions), framesPerSession: Number(values.frames), seed: Number(values.seed) + r });
      report = report === null ? one : mergeReports(report, one);
      await new Promise((res) => setTimeout(res, 2000));
      rssAfterRounds.push(mib(rssBytes(mock.pid)));
    }
    if (report === null) throw new Error('--rounds must be at least 1');
    const oversizeCodes: number[] = [];
    for (let i = 0; i < Number(values.oversize); i++) oversizeCodes.push((await oversizeFrame(mock.url, 32 * 1024 * 1024 + 1)).code);
    clearInterval(sampler);
    // Let closed sessions be collected before the "after" sample.
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = rssBytes(mock.pid);
    if (!isAlive(mock.pid)) exited = 'mock process died';
    const out = {
      bench: 'fuzz-mock',
      node: process.version,
      sessions: Number(values.sessions),
      frames: report.framesSent,
      bytes_sent_mib: mib(report.bytesSent),
      elapsed_s: Math.round(report.elapsedMs) / 1000,
      frames_per_s: Math.round(report.framesSent / (report.elapsedMs / 1000)),
      errors_received: report.errorsReceived,
      errors_answered_as_expected: report.errorsAnswered,
      server_errors: report.serverErrors,
      violations: report.violationCount,
      violation_examples: report.violations.slice(0, 10),
      unexpected_closes: report.unexpectedCloses.length,
      oversize_close_codes: oversizeCodes,
      crashes: exited === null ? 0 : 1,
      mock_rss_mib: { before: mib(rssBefore), peak: mib(rssPeak), after: mib(rssAfter), after_each_round: rssAfterRounds },
      by_family: report.byFamily,
    };
    console.log(JSON.stringify(out, null, 2));
    if (report.violationCount > 0 || exited !== null) process.exitCode = 1;
  } finally {
    await mock.stop();
  }
}

await main();
