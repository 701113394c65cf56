/**
 * V8 garbage-collector settings for latency: every `rth` process (the CLI, the embedded mock, the
 * benchmarks) applies them first thing, before its heap has grown.
 *
 * Why: a load run keeps a steady ~30 MB of live old-generation data (sessions, trackers,
 * conformance windows) and promotes ~1.4 MB/s more that dies there (turn-scoped objects that live
 * for seconds). V8's default heap growing factor sets the next full-GC trigger a few MB above
 * the live size, so under load it ran a full mark-compact every 0.5–2 s: 20–30 pauses of 5–35 ms
 * per 20 s run, each stalling every session's pacing and receive stamps at once. With the heap
 * allowed to grow to four times its live size before the next full GC, the same 20 s run has none
 * after start-up (bench/harness-e2e.ts, 200 sessions, 4 back-to-back pairs with `RTH_DEFAULT_GC=1`:
 * send-lag p99 6.0/9.4/12.4/12.5 → 3.3/3.1/3.2/3.0 ms, measurement-error p99 8.2/16.4/16.5/12.0 →
 * 4.8/3.8/3.1/3.2 ms; see README "Benchmarks"). The cost is memory that is not returned as eagerly: the
 * harness's heap may reach ~4× its live size (about 120 MB at 200 sessions).
 *
 * The flags are set at run time (`v8.setFlagsFromString`) because `node` cannot take V8 flags from
 * `NODE_OPTIONS` or a portable shebang; both are read when V8 next sizes the heap, so setting them
 * before the work starts is as good as passing them on the command line (measured: 4 full GCs
 * per run, all at start-up, against 3 with `node --initial-old-space-size=128 --no-memory-reducer`).
 */
import { setFlagsFromString } from 'node:v8';

/**
 * The flags, in V8's syntax.
 * - `--heap-growing-percent=300`: the next full GC is due at (1 + 300 %) × the live size after
 *   the last one. V8's default adapts between 1.1× and 4× and sat near the low end here.
 * - `--no-memory-reducer`: no extra full GCs to give memory back when the process looks idle;
 *   a paced load generator between turns looks idle to that heuristic and is not.
 */
export const LATENCY_GC_FLAGS: readonly string[] = ['--heap-growing-percent=300', '--no-memory-reducer'];

let applied = false;

/**
 * Applies {@link LATENCY_GC_FLAGS} to this process, once; later calls do nothing. With
 * `RTH_DEFAULT_GC=1` in the environment (inherited by the embedded mock) it does nothing, so a
 * benchmark can compare against V8's defaults. Returns whether the flags were set by this call.
 */
export function applyLatencyGcFlags(env: NodeJS.ProcessEnv = process.env, setFlag: (flag: string) => void = setFlagsFromString): boolean {
  if (applied || env['RTH_DEFAULT_GC'] === '1') return false;
  for (const flag of LATENCY_GC_FLAGS) setFlag(flag);
  applied = true;
  return true;
}
