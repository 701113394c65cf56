/**
 * Long fuzz run of the mock (issue 7): ≥ 100,000 seeded hostile frames (test/hardening/fuzz-gen.ts)
 * over many concurrent sessions against the mock in its own process (`rth mock`, as CI runs it),
 * plus frames over the size limit. Prints one JSON object: frames/s, errors answered, violations,
 * server errors, crashes, and the mock's RSS before, at peak and after (sampled from /proc).
 *
 *   node --import tsx bench/fuzz-mock.ts [--sessions 50] [--frames 2000] [--seed 1] [--oversize 3]
 *
 * `--frames` is per session; the default 50 × 2,000 = 100,000 frames takes about a minute on two cores.
 */
import { parseArgs } from 'node:util';
import { startMockProcess } from '../harness/runner/mock-process.ts';
import { oversizeFrame, runFuzz } from '../test/hardening/fuzz-run.ts';
import { isAlive, mib, rssBytes } from '../test/hardening/proc.ts';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '50' },
    frames: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    oversize: { type: 'string', default: '3' },
  },
});

async function main(): Promise<void> {
  const mock = await startMockProcess({ seed: 1, latencyScale: 0.01 });
  let exited: string | null = null;
  try {
    // Warm up: one short fuzz so the baseline includes loaded code and JIT.
    await runFuzz({ url: mock.url, sessions: 2, framesPerSession: 200, seed: 999 });
    const rssBefore = rssBytes(mock.pid);
    let rssPeak = rssBefore ?? 0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(mock.pid) ?? 0)), 250);
    const report = await runFuzz({ url: mock.url, sessions: Number(values.sessions), framesPerSession: Number(values.frames), seed: Number(values.seed) });
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
      mock_rss_mib: { before: mib(rssBefore), peak: mib(rssPeak), after: mib(rssAfter) },
      by_family: report.byFamily,
    };
    console.log(JSON.stringify(out, null, 2));
    if (report.violationCount > 0 || exited !== null) process.exitCode = 1;
  } finally {
    await mock.stop();
  }
}

await main();
