/**
 * `rth mock`: runs the bundled mock Realtime server until the stop signal. A thin layer over
 * `startMockServer()`: flags are parsed and validated here (a ConfigError names the flag), then
 * handed to the library. Prints exactly one stdout line containing `listening ws://HOST:PORT`.
 */
import { ConfigError } from '../../../common/errors.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';
import { startMockServer, type MockServerOptions } from '../../../mock-server/index.ts';

/** Raw flag values as commander gives them. */
interface MockFlags {
  host: string;
  port: string;
  seed: string;
  apiKey?: string;
  tls?: boolean;
  cert?: string;
  key?: string;
  maxSessionS: string;
  latency?: string;
  latencyScale?: string;
  fault: string[];
  trace?: string;
  toolPlan: string;
  replay?: string;
  maxConcurrentSessions?: string;
  tokensPerMinute?: string;
}

const TOOL_PLANS = ['auto', 'always', 'never'] as const;

/** Turns flags into server options; throws ConfigError `E_FLAG` listing every bad flag. */
export function mockOptionsFromFlags(flags: MockFlags): MockServerOptions {
  const problems: string[] = [];
  const int = (flag: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${flag} ${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
      return min;
    }
    return n;
  };
  const positive = (flag: string, raw: string): number => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) {
      problems.push(`${flag} ${JSON.stringify(raw)}: expected a positive number`);
      return 1;
    }
    return n;
  };
  const opts: MockServerOptions = {
    host: flags.host,
    port: int('--port', flags.port, 0, 65535),
    seed: int('--seed', flags.seed, -(2 ** 31), 2 ** 31 - 1),
    maxSessionS: positive('--max-session-s', flags.maxSessionS),
    faults: flags.fault,
  };
  if (flags.host.trim() === '') problems.push('--host "": expected an interface name or address');
  if (flags.apiKey !== undefined) {
    if (flags.apiKey === '') problems.push('--api-key "": expected a non-empty key (omit the flag to accept any key)');
    opts.apiKey = flags.apiKey;
  }
  if ((flags.cert === undefined) !== (flags.key === undefined)) problems.push(`${flags.cert === undefined ? '--key' : '--cert'}: give --cert and --key together`);
  if (flags.cert !== undefined && flags.key !== undefined) {
    opts.certFile = flags.cert;
    opts.keyFile = flags.key;
  }
  if (flags.tls) opts.tls = true;
  if (flags.latency !== undefined) opts.latency = flags.latency;
  if (flags.latencyScale !== undefined) opts.latencyScale = positive('--latency-scale', flags.latencyScale);
  if (flags.replay !== undefined) {
    if (flags.replay === '') problems.push('--replay "": expected a folder of recordings (rth record) or one recording file');
    opts.replay = flags.replay;
  }
  if (flags.trace !== undefined) {
    if (flags.trace === '') problems.push('--trace "": expected a file path');
    opts.tracePath = flags.trace;
  }
  if (!(TOOL_PLANS as readonly string[]).includes(flags.toolPlan)) problems.push(`--tool-plan ${JSON.stringify(flags.toolPlan)}: expected one of ${TOOL_PLANS.join(', ')}`);
  else opts.toolPlan = flags.toolPlan as (typeof TOOL_PLANS)[number];
  // Emulated account limits (mock-server/rate-limits.ts): positive integers.
  if (flags.maxConcurrentSessions !== undefined) opts.maxConcurrentSessions = int('--max-concurrent-sessions', flags.maxConcurrentSessions, 1, 1_000_000);
  if (flags.tokensPerMinute !== undefined) opts.tokensPerMinute = int('--tokens-per-minute', flags.tokensPerMinute, 1, 1_000_000_000);
  if (problems.length > 0) throw new ConfigError('E_FLAG', problems);
  return opts;
}

/** Starts the server, prints the `listening` line, waits for the stop signal, closes. */
export async function runMock(flags: MockFlags, io: CliIo): Promise<void> {
  const server = await startMockServer(mockOptionsFromFlags(flags));
  io.out(`rth mock: listening ${server.url} (HTTP ${server.httpUrl}, seed ${flags.seed}${flags.apiKey !== undefined ? ', API key required' : ''})`);
  // Started by `rth run` (harness/runner/mock-process.ts) with an IPC channel: when that parent
  // goes away, even by kill -9, the channel closes and the mock stops instead of living on orphaned.
  const parentGone = process.channel ? new Promise<void>((resolve) => process.once('disconnect', () => resolve())) : null;
  process.channel?.unref();
  await (parentGone ? Promise.race([io.stopSignal.soft, parentGone]) : io.stopSignal.soft);
  io.err('rth mock: stopping');
  await Promise.race([server.close(), io.stopSignal.hard]);
}

/** Registers `rth mock`. */
export const registerMock: RegisterCommand = (program, io) => {
  program
    .command('mock')
    .description('Run the bundled mock Realtime server (WebSocket /v1/realtime, GPT-Live /v1/live/sessions, client secrets) until SIGINT/SIGTERM')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', '0')
    .option('--seed <n>', 'seed of ids, latencies, answers and faults', '1')
    .option('--api-key <key>', 'require this key (or an ek_ key minted by this server); default: any non-empty key')
    .option('--tls', 'serve wss:// and https:// with a self-signed certificate generated at start')
    .option('--cert <file>', 'PEM certificate for TLS (with --key)')
    .option('--key <file>', 'PEM private key for TLS (with --cert)')
    .option('--max-session-s <s>', 'session cap in seconds (then error session_expired and close 1001)', '3600')
    .option('--latency <file>', 'latency profile JSON (merged over the default profile)')
    .option('--latency-scale <factor>', 'multiply every delay of the latency profile (e.g. 0.1 for fast CI)')
    .option('--fault <spec>', 'inject a fault (repeatable), e.g. drop:p=0.1, rate_limit:p=0.2', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--trace <file>', 'write one JSONL ground-truth record per response')
    .option('--replay <dir>', 'replay the response timing of recordings (rth record): the Nth response of session k gets the delays of recording k\'s Nth response')
    .option('--max-concurrent-sessions <n>', 'emulate an account limit: refuse the upgrade beyond N open sessions with HTTP 429 and Retry-After')
    .option('--tokens-per-minute <n>', 'emulate an account limit: responses fail with rate_limit_exceeded once N tokens are used in the 60 s window; rate_limits.updated counts down')
    .option('--tool-plan <plan>', 'when function tools are called under tool_choice "auto": auto (user turns), always, never', 'auto')
    .action(async (flags: MockFlags) => {
      await runMock(flags, io);
    });
};
