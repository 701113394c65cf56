/**
 * A user's command run beside the embedded mock: a bridge under test (`rth run --bridge-cmd`) or a
 * client under test (`rth check-client`). One place spawns it, keeps the tail of its output for the
 * report, tells it where the mock is, and stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/** Bytes of combined stdout/stderr kept for the report (default 16 KiB). */
export const DEFAULT_OUTPUT_TAIL_BYTES = 16 * 1024;

/** How a child command ended. */
export interface CommandExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** Signal name, or null. */
  signal: string | null;
  /** True when {@link RunningCommand.stop} ended it (an exit after stop is not the command's failure). */
  stoppedByUs: boolean;
  /** Set when it could not be started at all (e.g. `spawn /bin/sh ENOENT`). */
  spawnError: string | null;
}

/** A command started by {@link startCommand}. */
export interface RunningCommand {
  readonly pid: number | null;
  /** Settles once the command has exited (never rejects). */
  readonly exited: Promise<CommandExit>;
  /** The last {@link DEFAULT_OUTPUT_TAIL_BYTES} of its stdout and stderr interleaved, as text. */
  tail(): string;
  /** SIGTERM to its process group, SIGKILL after `graceMs` (default 3000). Resolves with the exit. */
  stop(graceMs?: number): Promise<CommandExit>;
}

/** Options of {@link startCommand}. */
export interface StartCommandOptions {
  /** Shell command line (run with `/bin/sh -c`, as a user types it). */
  command: string;
  /** Variables added to this process's environment. */
  env?: Record<string, string>;
  /** Working directory (default this process's). */
  cwd?: string;
  /** Output bytes kept (default {@link DEFAULT_OUTPUT_TAIL_BYTES}). */
  tailBytes?: number;
  /** Also copy its output to this stream as it comes (default none). */
  echo?: NodeJS.WritableStream | null;
}

/**
 * The environment that points a client or bridge at the mock, as the official SDKs read it:
 * `OPENAI_BASE_URL` (HTTP, ending in `/v1`), `OPENAI_API_KEY`, and `RTH_MOCK_URL` (the Realtime
 * WebSocket URL) for code that builds its own URL.
 */
export function mockClientEnv(mockWsUrl: string, apiKey: string): Record<string, string> {
  const base = mockWsUrl.replace(/^ws(s?):/, 'http$1:').replace(/\/+$/, '');
  return { OPENAI_BASE_URL: `${base}/v1`, OPENAI_API_KEY: apiKey, RTH_MOCK_URL: `${mockWsUrl.replace(/\/+$/, '')}/v1/realtime` };
}

/** Starts `options.command` in its own process group (so stop() reaches its children too). */
export function startCommand(options: StartCommandOptions): RunningCommand {
  const limit = options.tailBytes ?? DEFAULT_OUTPUT_TAIL_BYTES;
  let chunks: Buffer[] = [];
  let kept = 0;
  const keep = (b: Buffer): void => {
    options.echo?.write(b);
    chunks.push(b);
    kept += b.length;
    while (kept - chunks[0]!.length >= limit) kept -= chunks.shift()!.length;
  };
  let stoppedByUs = false;
  let child: ChildProcess;
  let resolveExit!: (e: CommandExit) => void;
  const exited = new Promise<CommandExit>((r) => (resolveExit = r));
  let done: CommandExit | null = null;
  const finish = (e: Omit<CommandExit, 'stoppedByUs'>): void => {
    if (done) return;
    done = { ...e, stoppedByUs };
    resolveExit(done);
  };
  try {
    child = spawn('/bin/sh', ['-c', options.command], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (err) {
    finish({ code: null, signal: null, spawnError: err instanceof Error ? err.message : String(err) });
    return { pid: null, exited, tail: () => '', stop: async () => exited };
  }
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('error', (err) => finish({ code: null, signal: null, spawnError: err.message }));
  child.on('close', (code, signal) => finish({ code, signal, spawnError: null }));
  const signalGroup = (sig: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  };
  return {
    pid: child.pid ?? null,
    exited,
    tail: () => {
      const text = Buffer.concat(chunks).toString('utf8');
      return kept > limit ? text.slice(text.length - limit) : text;
    },
    stop: async (graceMs = 3000) => {
      if (done) return done;
      stoppedByUs = true;
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const e = await exited;
      clearTimeout(timer);
      chunks = chunks.length > 64 ? [Buffer.concat(chunks)] : chunks;
      return e;
    },
  };
}

/**
 * Resolves once a TCP connection to `host:port` succeeds; rejects after `timeoutMs` (default
 * 20000) naming the address, or at once when `gaveUp` settles first (the command exited).
 */
export async function waitForPort(host: string, port: number, timeoutMs = 20_000, gaveUp?: Promise<unknown>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let abandoned = false;
  void gaveUp?.then(() => (abandoned = true));
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (abandoned) throw new Error(`the command exited before anything listened on ${host}:${port}`);
    if (Date.now() >= deadline) throw new Error(`nothing accepted connections on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
