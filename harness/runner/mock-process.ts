import { spawn, type ChildProcess } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { ConfigError } from '../errors.ts';

/** Options for the embedded mock started as a child process. */
export interface MockProcessOptions {
  /** Seed of the mock (default 1). */
  seed?: number;
  /** Latency profile JSON file (default: the mock's built-in profile). */
  latencyFile?: string | null;
  /** `--fault` specs (default none). */
  faults?: readonly string[];
  /** Maximum session length, s (default: the mock's 3600). */
  maxSessionS?: number | null;
  /** Where the mock writes its ground-truth trace (default: none). */
  tracePath?: string | null;
  /** Multiplies every delay of the latency profile (`--latency-scale`; default 1). */
  latencyScale?: number;
  /** How long to wait for the `listening` line, ms (default 20000). */
  startTimeoutMs?: number;
  /**
   * Scheduling niceness given to the mock's main thread, 0–19 (default {@link DEFAULT_MOCK_NICENESS}).
   * The embedded mock shares the machine's cores with the harness, which is the measuring
   * instrument: every frame the harness writes wakes the mock, and a woken mock at equal priority
   * preempts the harness mid-wake, which shows up as send lag and late receive stamps. At a higher
   * niceness the mock yields to the harness instead. The mock's own timing stays honest: its trace
   * stamps are taken when it sends, so any delay it takes is its own and is not charged to the
   * harness. 0 leaves the priority alone.
   */
  niceness?: number;
}

/** Default niceness of the embedded mock (see {@link MockProcessOptions.niceness}). */
export const DEFAULT_MOCK_NICENESS = 10;

/** A running mock child process. */
export interface MockProcess {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** Stops the mock (SIGTERM, then SIGKILL after 3 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

const binPath = fileURLToPath(new URL('../../bin/rth.mjs', import.meta.url));

/**
 * Starts the bundled mock in its own process, so it does not share the harness's event loop
 * (its work would otherwise show up as the harness's send lag), and resolves once it prints its
 * `listening ws://…` line.
 */
export async function startMockProcess(opts: MockProcessOptions = {}): Promise<MockProcess> {
  const args = [binPath, 'mock', '--host', '127.0.0.1', '--port', '0', '--seed', String(opts.seed ?? 1)];
  if (opts.latencyFile) args.push('--latency', opts.latencyFile);
  if (opts.latencyScale !== undefined && opts.latencyScale !== 1) args.push('--latency-scale', String(opts.latencyScale));
  for (const f of opts.faults ?? []) args.push('--fault', f);
  if (opts.maxSessionS != null) args.push('--max-session-s', String(opts.maxSessionS));
  if (opts.tracePath) args.push('--trace', opts.tracePath);
  // The IPC channel is only a lifeline: `rth mock` stops when it closes (this process died).
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.channel?.unref();
  const niceness = Math.max(0, Math.min(19, Math.round(opts.niceness ?? DEFAULT_MOCK_NICENESS)));
  if (niceness > 0 && child.pid !== undefined) {
    try {
      // Relative to ours: raising a child's niceness needs no privilege.
      setPriority(child.pid, Math.min(19, getPriority() + niceness));
    } catch {
      // Not permitted or not supported here: the mock runs at our priority, which is only slower.
    }
  }
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    if (stderr.join('').length < 8000) stderr.push(s);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`embedded mock did not start within ${opts.startTimeoutMs ?? 20000} ms: ${stderr.join('').trim()}`));
    }, opts.startTimeoutMs ?? 20000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /listening (wss?:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const text = stderr.join('').trim();
      // The mock reports its own configuration errors (latency profile, faults) as `rth: E_…: …`.
      const config = /rth: (E_[A-Z_]+): ([\s\S]*)/.exec(text);
      if (config) reject(new ConfigError(config[1]!, `embedded mock: ${config[2]!.trim()}`));
      else reject(new Error(`embedded mock exited (code ${code}, signal ${signal}) before listening: ${text}`));
    });
  });
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
