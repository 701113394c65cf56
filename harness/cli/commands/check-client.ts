/**
 * `rth check-client [options] -- CMD ARGS…`: runs a team's client against the judging mock and
 * reports what the client did wrong. A thin layer over runCheckClient(): prints the findings
 * grouped by rule (session and event of each), writes JSON, a short HTML page next to it and
 * JUnit with --junit; exit 1 when the command failed or a finding at or above --fail-on was made.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../../../common/errors.ts';
import { clientFindingsHtml, clientFindingsJson, clientFindingsJUnit, clientFindingsText, type Severity } from '../../../mock-server/index.ts';
import { commandLineOf, DEFAULT_CHECK_TIMEOUT_S, runCheckClient } from '../../check-client/check-client.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flag values as commander gives them. */
export interface CheckClientFlags {
  junit?: string;
  out: string;
  failOn: string;
  timeout: string;
  tls: boolean;
  seed?: string;
  latencyScale?: string;
  maxSessionS?: string;
  fault: string[];
  quiet?: boolean;
}

/** The HTML page's path: the JSON path with `.html` for its extension. */
export function htmlPathOf(jsonPath: string): string {
  return /\.json$/i.test(jsonPath) ? jsonPath.replace(/\.json$/i, '.html') : `${jsonPath}.html`;
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Runs the check; returns the exit code. */
export async function checkClientCommand(argv: readonly string[], flags: CheckClientFlags, io: CliIo): Promise<number> {
  const problems: string[] = [];
  if (argv.length === 0) problems.push('CMD: expected the command to run after --, e.g. rth check-client -- node my-agent.js');
  if (!['warning', 'error'].includes(flags.failOn)) problems.push(`--fail-on ${JSON.stringify(flags.failOn)}: expected warning or error`);
  const timeoutS = Number(flags.timeout);
  if (!(flags.timeout.trim() !== '' && Number.isFinite(timeoutS) && timeoutS > 0 && timeoutS <= 86_400)) problems.push(`--timeout ${JSON.stringify(flags.timeout)}: expected seconds between 0 and 86400`);
  const num = (flag: string, raw: string | undefined, ok: (n: number) => boolean, what: string): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !ok(n)) {
      problems.push(`${flag} ${JSON.stringify(raw)}: expected ${what}`);
      return undefined;
    }
    return n;
  };
  const seed = num('--seed', flags.seed, Number.isSafeInteger, 'an integer');
  const latencyScale = num('--latency-scale', flags.latencyScale, (n) => n > 0, 'a positive number');
  const maxSessionS = num('--max-session-s', flags.maxSessionS, (n) => n > 0, 'a positive number of seconds');
  if (flags.out.trim() === '') problems.push('--out "": expected a file path');
  if (flags.junit !== undefined && flags.junit.trim() === '') problems.push('--junit "": expected a file path');
  if (problems.length > 0) throw new ConfigError('E_FLAG', problems);
  const command = commandLineOf(argv);
  io.err(`rth check-client: running ${command} against the mock (${flags.tls ? 'wss' : 'ws'}, timeout ${timeoutS} s)`);
  const result = await runCheckClient({
    command,
    timeoutS,
    failOn: flags.failOn as Severity,
    tls: flags.tls,
    mock: { ...(seed !== undefined ? { seed } : {}), ...(latencyScale !== undefined ? { latencyScale } : {}), ...(maxSessionS !== undefined ? { maxSessionS } : {}), faults: flags.fault },
    echo: flags.quiet ? null : process.stderr,
  });
  for (const line of clientFindingsText(result.report)) io.out(line);
  await write(flags.out, clientFindingsJson(result.report));
  const html = htmlPathOf(flags.out);
  await write(html, clientFindingsHtml(result.report));
  const written = [flags.out, html];
  if (flags.junit !== undefined) {
    await write(flags.junit, clientFindingsJUnit(result.report, flags.failOn as Severity));
    written.push(flags.junit);
  }
  io.err(`rth check-client: wrote ${written.join(', ')}`);
  for (const r of result.reasons) io.out(r.startsWith('note:') ? r : `FAIL: ${r}`);
  if (result.failed && (result.exit.code !== 0 || result.timedOut)) {
    const tail = result.outputTail.trim().split('\n').slice(-20).join('\n');
    if (tail) io.err(`last output of the command:\n${tail}`);
  }
  io.out(result.failed ? 'check-client: FAILED' : 'check-client: passed');
  return result.failed ? 1 : 0;
}

/** Registers `rth check-client`. */
export const registerCheckClient: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('check-client')
    .description('Run your client (CMD) against the mock and report what it sends wrong: audio format, pacing, lifecycle, security, retired beta protocol')
    .argument('<cmd...>', 'the command to run, after -- (one argument is run as a shell line)')
    .option('--out <file>', 'findings JSON (a short HTML page is written next to it)', 'client-findings.json')
    .option('--junit <file>', 'also write JUnit XML (one test case per rule)')
    .option('--fail-on <level>', 'exit 1 on a finding at or above this severity: warning or error', 'error')
    .option('--timeout <s>', 'stop the command after this many seconds (a failure)', String(DEFAULT_CHECK_TIMEOUT_S))
    .option('--no-tls', 'serve ws:// instead of wss:// (wss uses a self-signed certificate handed to the command in NODE_EXTRA_CA_CERTS)')
    .option('--seed <n>', 'seed of the mock')
    .option('--latency-scale <factor>', "multiply the mock's delays (e.g. 0.1 for faster CI)")
    .option('--max-session-s <s>', 'session cap of the mock in seconds (to test expiry handling)')
    .option('--fault <spec>', 'inject a mock fault (repeatable), e.g. rate_limit:p=1', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--quiet', "do not copy the command's output to stderr")
    .action(async (cmd: string[], flags: CheckClientFlags) => {
      setExitCode(await checkClientCommand(cmd, flags, io));
    });
};
