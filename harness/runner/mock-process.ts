import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { ConfigError } from '../../common/errors.ts';
import { DEFAULT_MOCK_PRIORITY, MOCK_PRIORITIES, type MockPriority } from '../scenario/schema.ts';

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
  /** Emulated account limits (`--max-concurrent-sessions`, `--tokens-per-minute`; default none). */
  maxConcurrentSessions?: number | null;
  tokensPerMinute?: number | null;
  /** Where the mock writes its ground-truth trace (default: none). */
  tracePath?: string | null;
  /** Multiplies every delay of the latency profile (`--latency-scale`; default 1). */
  latencyScale?: number;
  /** Serve the SIP leg too (`--sip-port 0`), announcing calls to this webhook (`--sip-webhook`, `--webhook-secret`); default off. */
  sip?: { webhookUrl: string; webhookSecret: string } | null;
  /** How long to wait for the `listening` line, ms (default 20000). */
  startTimeoutMs?: number;
  /**
   * How the mock is scheduled next to the harness (default {@link DEFAULT_MOCK_PRIORITY}). The
   * embedded mock shares the machine's cores with the harness, which is the measuring instrument:
   * every frame the harness writes wakes the mock, and a mock running when a frame for the harness
   * arrives delays the harness's receive stamp. The mock's own timing stays honest whatever its
   * priority: its trace stamps are taken when it writes, so any delay it takes is its own.
   * - `low`: the mock's threads run at {@link niceness} (default 10). The mock yields the larger
   *   share of the CPU to the harness but still gets about a tenth of a core against a busy
   *   neighbour, so other jobs on the machine cannot stall it.
   * - `idle`: Linux `SCHED_IDLE` (through `chrt --idle 0`): the mock runs only when a CPU has
   *   nothing else to do, and a waking harness takes the CPU from it at once, where a merely
   *   niced mock keeps it until its time slice ends. The most accurate stamps when the harness
   *   and the mock are alone on the machine; against other busy jobs the mock is starved and its
   *   answers come late. Falls back to `low` where `chrt` is missing or refused
   *   ({@link MockProcess.priority} says which applied).
   * - `normal`: the harness's own priority.
   */
  priority?: MockPriority;
  /** Niceness added to ours for the `low` priority, 0–19 (default {@link DEFAULT_MOCK_NICENESS}). */
  niceness?: number;
}

export { DEFAULT_MOCK_PRIORITY, MOCK_PRIORITIES, type MockPriority };
/** Default niceness of the embedded mock at the `low` priority. */
export const DEFAULT_MOCK_NICENESS = 10;

/** A running mock child process. */
export interface MockProcess {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  /** UDP/TCP port of the SIP leg when one was asked for, else null. */
  readonly sipPort: number | null;
  readonly pid: number;
  /** The priority the mock got: the one asked for, or `low` where `idle` was not available. */
  readonly priority: MockPriority;
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
  if (opts.maxConcurrentSessions != null) args.push('--max-concurrent-sessions', String(opts.maxConcurrentSessions));
  if (opts.tokensPerMinute != null) args.push('--tokens-per-minute', String(opts.tokensPerMinute));
  if (opts.sip) args.push('--sip-port', '0', '--sip-webhook', opts.sip.webhookUrl, '--webhook-secret', opts.sip.webhookSecret);
  const priority = opts.priority ?? DEFAULT_MOCK_PRIORITY;
  const chrt = priority === 'idle' ? findExecutable('chrt') : null;
  if (chrt) {
    try {
      return await launch(args, opts, { priority: 'idle', chrt });
    } catch (err) {
      // chrt itself refused (a seccomp profile, a kernel without SCHED_IDLE): run it niced instead.
      if (!(err instanceof LauncherRefused)) throw err;
    }
  }
  return launch(args, opts, { priority: priority === 'normal' ? 'normal' : 'low', chrt: null });
}

/** `chrt` exited before starting the mock (its own error message starts with `chrt:`). */
class LauncherRefused extends Error {}

async function launch(args: string[], opts: MockProcessOptions, how: { priority: MockPriority; chrt: string | null }): Promise<MockProcess> {
  // The IPC channel is only a lifeline: `rth mock` stops when it closes (this process died).
  // `chrt` execs node in place, so the child's pid is the mock's, and every thread node starts
  // inherits SCHED_IDLE.
  const child = how.chrt
    ? spawn(how.chrt, ['--idle', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.channel?.unref();
  const niceness = Math.max(0, Math.min(19, Math.round(opts.niceness ?? DEFAULT_MOCK_NICENESS)));
  if (how.priority === 'low' && niceness > 0 && child.pid !== undefined) {
    try {
      // Relative to ours: raising a child's niceness needs no privilege. Set this early, the
      // threads node starts inherit it.
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
  let sipPort: number | null = null;
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
        const sip = /SIP udp\/tcp (\d+)/.exec(line);
        sipPort = sip ? Number(sip[1]) : null;
        resolve(m[1]!);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(how.chrt ? new LauncherRefused(err.message) : new Error(`embedded mock could not be started: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const text = stderr.join('').trim();
      // The mock reports its own configuration errors (latency profile, faults) as `rth: E_…: …`.
      const config = /rth: (E_[A-Z_]+): ([\s\S]*)/.exec(text);
      if (config) reject(new ConfigError(config[1]!, `embedded mock: ${config[2]!.trim()}`));
      else if (how.chrt && text.startsWith('chrt:')) reject(new LauncherRefused(text));
      else reject(new Error(`embedded mock exited (code ${code}, signal ${signal}) before listening: ${text}`));
    });
  });
  return { url, sipPort, pid: child.pid!, priority: how.priority, stop: () => stopChild(child) };
}

/** Absolute path of an executable on `PATH`, or null (Linux/macOS; `chrt` exists on Linux only). */
export function findExecutable(name: string, pathVar: string = process.env['PATH'] ?? ''): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
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
