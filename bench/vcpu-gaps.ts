/**
 * How often this machine takes a CPU away from a thread that wants to run, with one and with two
 * threads busy. Each thread spins on the monotonic clock for `--seconds` and records every gap
 * between two consecutive readings longer than 0.2 ms: time in which the thread did not run
 * (another task, the kernel, or the hypervisor had its CPU).
 *
 * Why: the end-to-end bench (bench/harness-e2e.ts) keeps both of a 2-core VM's CPUs partly busy
 * (harness + mock ≈ 1.2 cores). A first-audio stamp that lands in such a gap is late by its
 * length, whatever the harness does, so this is the floor under the measurement-error tail.
 *
 * Prints one JSON line per level: gaps over 0.2/1/2 ms per thread-second, the longest, and the
 * share of time lost.
 *
 *   node --import tsx bench/vcpu-gaps.ts [--seconds 10] [--threads 1,2]
 */
import { execFile } from 'node:child_process';
import { arg } from './bench-util.ts';

interface Gaps {
  over02: number;
  over1: number;
  over2: number;
  maxMs: number;
  lostMs: number;
}

/** Spins for `seconds` and returns the gaps it saw (`performance.now()`: no allocation, so no GC of its own). */
function spin(seconds: number): Gaps {
  const endMs = performance.now() + seconds * 1000;
  const g: Gaps = { over02: 0, over1: 0, over2: 0, maxMs: 0, lostMs: 0 };
  let last = performance.now();
  for (;;) {
    const now = performance.now();
    const ms = now - last;
    last = now;
    if (ms > 0.2) {
      g.over02++;
      if (ms > 1) g.over1++;
      if (ms > 2) g.over2++;
      if (ms > g.maxMs) g.maxMs = ms;
      g.lostMs += ms;
    }
    if (now >= endMs) return g;
  }
}

// Each spinner is its own process (like the harness and the mock) running `spin`'s source (tsx has
// already stripped its types), so it needs no TypeScript loader. Worker threads showed 4× more
// short gaps than processes on an idle machine: they measure the worker machinery, not the CPU.
const CHILD_SOURCE = `const spin = ${spin.toString()};
process.stdout.write(JSON.stringify(spin(Number(process.argv[1]))));`;

{
  const seconds = Number(arg('seconds', '10'));
  const levels = arg('threads', '1,2').split(',').map(Number);
  for (const threads of levels) {
    const results = await Promise.all(
      Array.from(
        { length: threads },
        () =>
          new Promise<Gaps>((resolve, reject) => {
            execFile(process.execPath, ['-e', CHILD_SOURCE, String(seconds)], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as Gaps)));
          }),
      ),
    );
    const sum = (f: (g: Gaps) => number): number => results.reduce((a, g) => a + f(g), 0);
    const threadS = threads * seconds;
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    console.log(
      JSON.stringify({
        busy_threads: threads,
        seconds,
        gaps_per_thread_s: { over_0_2ms: r2(sum((g) => g.over02) / threadS), over_1ms: r2(sum((g) => g.over1) / threadS), over_2ms: r2(sum((g) => g.over2) / threadS) },
        max_gap_ms: r2(Math.max(...results.map((g) => g.maxMs))),
        lost_pct: r2((sum((g) => g.lostMs) / (threadS * 1000)) * 100),
      }),
    );
  }
}
