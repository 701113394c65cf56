/**
 * `rth mock`: runs the bundled mock Realtime server until the stop signal. A thin layer over
 * `startMockServer()`: flags are parsed and validated here (a ConfigError names the flag), then
 * handed to the library. Prints exactly one stdout line containing `listening ws://HOST:PORT`.
 */
import { ConfigError } from '../../../common/errors.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';
import { writeFileSync } from 'node:fs';
import { monotonicClock } from '../../../common/clock.ts';
import { ClientFindings, clientFindingsJson, clientFindingsJUnit, findingWhere, startMockServer, type MockServerOptions } from '../../../mock-server/index.ts';

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
  rtcHost?: string;
  sipPort?: string;
  sipWebhook?: string;
  webhookSecret?: string;
  clientReport?: string;
  junit?: string;
  verbose?: boolean;
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
  if (flags.rtcHost !== undefined) {
    // ICE candidates are IPv4 addresses here (no mDNS names, no IPv6 unless asked for).
    if (!/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(flags.rtcHost) || flags.rtcHost === '0.0.0.0') {
      problems.push(`--rtc-host ${JSON.stringify(flags.rtcHost)}: expected the IPv4 address WebRTC clients reach this machine on, e.g. 127.0.0.1 or 192.168.1.20`);
    } else opts.rtcHost = flags.rtcHost;
  }
  if (flags.sipPort !== undefined) opts.sipPort = int('--sip-port', flags.sipPort, 0, 65535);
  if (flags.sipWebhook !== undefined) {
    if (flags.sipPort === undefined) problems.push('--sip-webhook: needs --sip-port (the webhook announces SIP calls)');
    if (!/^https?:\/\/\S+$/.test(flags.sipWebhook)) problems.push(`--sip-webhook ${JSON.stringify(flags.sipWebhook)}: expected an http:// or https:// URL`);
    opts.sipWebhookUrl = flags.sipWebhook;
  }
  if (flags.webhookSecret !== undefined) opts.webhookSecret = flags.webhookSecret;
  if (flags.sipWebhook !== undefined && !flags.webhookSecret) problems.push('--sip-webhook: needs --webhook-secret whsec_… (the webhook is signed)');
  if (flags.clientReport === '') problems.push('--client-report "": expected a file path');
  if (flags.junit !== undefined && (flags.junit === '' || flags.clientReport === undefined)) problems.push(`--junit ${JSON.stringify(flags.junit)}: expected a file path, with --client-report`);
  if (problems.length > 0) throw new ConfigError('E_FLAG', problems);
  return opts;
}

/** Starts the server, prints the `listening` line, waits for the stop signal, closes. */
export async function runMock(flags: MockFlags, io: CliIo): Promise<void> {
  const options = mockOptionsFromFlags(flags);
  let findings: ClientFindings | null = null;
  const writeReports = (): void => {
    if (!findings || flags.clientReport === undefined) return;
    const report = findings.report();
    writeFileSync(flags.clientReport, clientFindingsJson(report));
    if (flags.junit !== undefined) writeFileSync(flags.junit, clientFindingsJUnit(report));
  };
  if (flags.clientReport !== undefined) {
    // Client findings (docs/client-findings.md): the report file is rewritten as each session ends and once more at stop.
    findings = new ClientFindings({
      clock: monotonicClock,
      onSessionEnd: (session, list) => {
        if (flags.verbose) {
          const worst = list.some((f) => f.severity === 'error') ? 'error' : list.some((f) => f.severity === 'warning') ? 'warning' : list.length ? 'info' : 'clean';
          io.err(`rth mock: session ${session.sessionId ?? '(refused)'} ended (close ${session.closeCode ?? '-'}, ${session.clientEvents} client events): ${list.length} finding(s), ${worst}${list.map((f) => `\n  ${f.severity} ${f.rule}: ${findingWhere(f)}: ${f.evidence}`).join('')}`);
        }
        writeReports();
      },
    });
    options.clientFindings = findings;
    writeReports();
  }
  const server = await startMockServer(options);
  io.out(`rth mock: listening ${server.url} (HTTP ${server.httpUrl}, seed ${flags.seed}${flags.apiKey !== undefined ? ', API key required' : ''}${server.sipPort !== null ? `, SIP udp/tcp ${server.sipPort}` : ''})`);
  // Started by `rth run` (harness/runner/mock-process.ts) with an IPC channel: when that parent
  // goes away, even by kill -9, the channel closes and the mock stops instead of living on orphaned.
  const parentGone = process.channel ? new Promise<void>((resolve) => process.once('disconnect', () => resolve())) : null;
  process.channel?.unref();
  await (parentGone ? Promise.race([io.stopSignal.soft, parentGone]) : io.stopSignal.soft);
  io.err('rth mock: stopping');
  await Promise.race([server.close(), io.stopSignal.hard]);
  if (findings) {
    findings.finish();
    writeReports();
    const c = findings.report().counts;
    io.err(`rth mock: client findings ${c.error} error, ${c.warning} warning, ${c.info} info written to ${flags.clientReport}${flags.junit ? ` and ${flags.junit}` : ''}`);
  }
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
    .option('--rtc-host <ipv4>', 'address of the WebRTC ICE candidates (default: --host when it is an IPv4 address, else 127.0.0.1)')
    .option('--sip-port <port>', 'also serve SIP (UDP and TCP) on this port: INVITE with G.711, RTP both ways, BYE, RFC 4733 DTMF (0 picks one)')
    .option('--sip-webhook <url>', 'POST realtime.call.incoming here for each SIP call and wait for /accept or /reject (default: accept every call)')
    .option('--webhook-secret <secret>', 'signing secret of the webhook (whsec_<base64>), as the official SDK verifies it')
    .option('--client-report <file>', 'judge what clients send and write the findings (JSON) here as each session ends and at stop (docs/client-findings.md)')
    .option('--junit <file>', 'with --client-report: also write the findings as JUnit XML')
    .option('--verbose', 'with --client-report: print a summary line per session (and its findings) as it ends')
    .option('--tool-plan <plan>', 'when function tools are called under tool_choice "auto": auto (user turns), always, never', 'auto')
    .action(async (flags: MockFlags) => {
      await runMock(flags, io);
    });
};
