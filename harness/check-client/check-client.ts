/**
 * `runCheckClient()`: a team's client under test. Starts the mock with a client-findings collector
 * (through the mock's public entry), runs the team's command with the mock's address in its
 * environment (harness/child/command.ts), waits for it to exit (bounded), stops the mock and
 * returns the findings and how the command ended. Writes nothing and never exits: the CLI does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicClock } from '../../common/clock.ts';
import { ConfigError } from '../../common/errors.ts';
import { ClientFindings, hasFindingAtOrAbove, startMockServer, type ClientFindingsReport, type ClientFinding, type ClientSessionSummary, type MockServerOptions, type Severity } from '../../mock-server/index.ts';
import { mockClientEnv, startCommand, type CommandExit } from '../child/command.ts';

/** Key handed to the command (the mock accepts any key; this one is not secret). */
export const CHECK_CLIENT_API_KEY = 'sk-rth-check-client';
/** Default bound on the command's run, seconds. */
export const DEFAULT_CHECK_TIMEOUT_S = 300;

/** Options of {@link runCheckClient}. */
export interface CheckClientOptions {
  /** Shell command line run with `/bin/sh -c`. */
  readonly command: string;
  /** Stop the command after this many seconds (a timeout is a failure). Default 300. */
  readonly timeoutS?: number;
  /** Findings at or above this fail the check. Default `error`. */
  readonly failOn?: Severity;
  /** Serve wss:// with a self-signed certificate the command trusts via NODE_EXTRA_CA_CERTS (the `openai` SDK always dials wss). Default true. */
  readonly tls?: boolean;
  /** More mock options (latency, faults, seed, session cap). `clientFindings`, `tls` and `host` are set here. */
  readonly mock?: Omit<MockServerOptions, 'clientFindings' | 'tls' | 'host' | 'certFile' | 'keyFile'>;
  /** Copy the command's output here as it comes. Default none. */
  readonly echo?: NodeJS.WritableStream | null;
  /** Called as each session ends. Default none. */
  readonly onSessionEnd?: (session: ClientSessionSummary, findings: readonly ClientFinding[]) => void;
  /** Working directory of the command. Default this process's. */
  readonly cwd?: string;
}

/** What {@link runCheckClient} found. */
export interface CheckClientResult {
  readonly report: ClientFindingsReport;
  readonly exit: CommandExit;
  readonly timedOut: boolean;
  /** The command's last output (for the failure message). */
  readonly outputTail: string;
  /** True when the command failed, timed out, or a finding at or above `failOn` was made. */
  readonly failed: boolean;
  /** Why it failed, one line each (empty when it passed). */
  readonly reasons: readonly string[];
  /** The environment variables handed to the command (names → values; the key is a fixed test key). */
  readonly env: Readonly<Record<string, string>>;
}

/** Validates options; throws ConfigError `E_CHECK_CLIENT` listing every problem. */
export function checkClientProblems(options: CheckClientOptions): string[] {
  const problems: string[] = [];
  if (options.command.trim() === '') problems.push('command: expected a command after --, e.g. rth check-client -- node my-agent.js');
  const t = options.timeoutS ?? DEFAULT_CHECK_TIMEOUT_S;
  if (!(Number.isFinite(t) && t > 0 && t <= 86_400)) problems.push(`timeout: expected seconds between 0 and 86400, got ${String(options.timeoutS)}`);
  if (options.failOn !== undefined && !['warning', 'error'].includes(options.failOn)) problems.push(`fail-on: expected warning or error, got ${String(options.failOn)}`);
  return problems;
}

/** Runs the command against a judging mock and returns the findings. */
export async function runCheckClient(options: CheckClientOptions): Promise<CheckClientResult> {
  const problems = checkClientProblems(options);
  if (problems.length > 0) throw new ConfigError('E_CHECK_CLIENT', problems);
  const failOn = options.failOn ?? 'error';
  const timeoutS = options.timeoutS ?? DEFAULT_CHECK_TIMEOUT_S;
  const tls = options.tls ?? true;
  const findings = new ClientFindings({ clock: monotonicClock, ...(options.onSessionEnd ? { onSessionEnd: options.onSessionEnd } : {}) });
  const server = await startMockServer({ ...options.mock, host: '127.0.0.1', tls, clientFindings: findings });
  let caDir: string | null = null;
  try {
    const env: Record<string, string> = { ...mockClientEnv(server.url, CHECK_CLIENT_API_KEY) };
    if (server.certPem) {
      caDir = await mkdtemp(join(tmpdir(), 'rth-check-client-'));
      const caFile = join(caDir, 'mock-ca.pem');
      await writeFile(caFile, server.certPem);
      // Node clients trust the mock's self-signed certificate without any code change.
      env['NODE_EXTRA_CA_CERTS'] = caFile;
      env['RTH_MOCK_CA_FILE'] = caFile;
    }
    const cmd = startCommand({ command: options.command, env, ...(options.cwd ? { cwd: options.cwd } : {}), echo: options.echo ?? null });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([cmd.exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutS * 1000)))]);
    clearTimeout(timer);
    const exit = timedOut ? await cmd.stop() : await cmd.exited;
    await server.close();
    const report = findings.finish();
    const reasons: string[] = [];
    if (exit.spawnError) reasons.push(`the command could not be started: ${exit.spawnError}`);
    else if (timedOut) reasons.push(`the command did not exit within ${timeoutS} s (--timeout) and was stopped`);
    else if (exit.code !== 0) reasons.push(`the command failed: ${exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`}`);
    if (hasFindingAtOrAbove(report.findings, failOn)) {
      const n = report.findings.filter((f) => (failOn === 'warning' ? f.severity !== 'info' : f.severity === 'error')).length;
      reasons.push(`${n} finding(s) at or above ${failOn}`);
    }
    if (report.sessions.length === 0) reasons.push('note: the command opened no session on the mock (is it using OPENAI_BASE_URL / RTH_MOCK_URL?)');
    const failed = reasons.some((r) => !r.startsWith('note:'));
    return { report, exit, timedOut, outputTail: cmd.tail(), failed, reasons, env };
  } finally {
    await server.close();
    if (caDir) await rm(caDir, { recursive: true, force: true });
  }
}

/** A shell command line from argv after `--`: one argument is taken as a shell line, several are quoted one by one. */
export function commandLineOf(argv: readonly string[]): string {
  if (argv.length === 1) return argv[0]!;
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
