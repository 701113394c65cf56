/**
 * `rth record --target openai|mock|URL [--listen PORT] [--out DIR] [--include-audio] [--api-key-env VAR]`:
 * runs the recording relay (harness/record/relay.ts) until SIGINT/SIGTERM. Prints one stdout line
 * containing `listening ws://127.0.0.1:PORT`; each session's file is announced on stderr. The key
 * is read from the environment (never a flag, never printed).
 */
import path from 'node:path';
import { ConfigError } from '../../../common/errors.ts';
import { startMockServer, type MockServerHandle } from '../../../mock-server/index.ts';
import { startRecordingRelay } from '../../record/relay.ts';
import { OPENAI_REALTIME_BASE, resolveTarget } from '../../runner/target.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flags of `rth record`. */
export interface RecordFlags {
  target?: string;
  listen?: string;
  out?: string;
  includeAudio?: boolean;
  apiKeyEnv?: string;
}

/** `YYYYMMDD-HHMMSS`, local time. */
function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Runs `rth record` until `io.stopSignal.soft` (exported for tests); returns the files written.
 * @throws ConfigError `E_FLAG` for bad flags, `E_TARGET` when the key variable is unset
 */
export async function runRecord(flags: RecordFlags, io: CliIo, onListening?: (url: string) => void): Promise<string[]> {
  const problems: string[] = [];
  const target = flags.target;
  if (target === undefined) problems.push('--target: required (openai, mock, or a ws:// / wss:// URL)');
  else if (target !== 'openai' && target !== 'mock' && !/^wss?:\/\//.test(target)) problems.push(`--target ${JSON.stringify(target)}: expected openai, mock, or a ws:// / wss:// URL`);
  let port = 0;
  if (flags.listen !== undefined) {
    port = Number(flags.listen);
    if (!/^\d+$/.test(flags.listen.trim()) || port > 65535) problems.push(`--listen ${JSON.stringify(flags.listen)}: expected a port from 0 to 65535`);
  }
  if (flags.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.apiKeyEnv)) problems.push(`--api-key-env ${JSON.stringify(flags.apiKeyEnv)}: expected an environment variable name`);
  if (problems.length > 0) throw new ConfigError('E_FLAG', problems);
  const keyVar = flags.apiKeyEnv !== undefined ? { name: flags.apiKeyEnv, from: '--api-key-env' } : null;
  const resolved = resolveTarget(target!, {}, io.env, keyVar);
  let mock: MockServerHandle | null = null;
  let upstreamUrl: string;
  if (target === 'mock') {
    mock = await startMockServer({});
    upstreamUrl = mock.url;
  } else upstreamUrl = target === 'openai' ? new URL(OPENAI_REALTIME_BASE).origin : target!;
  const outDir = path.resolve(flags.out ?? path.join('reports', `${stamp(new Date())}-record`));
  const relay = await startRecordingRelay({
    upstreamUrl,
    upstreamHeaders: resolved.headers,
    outDir,
    port,
    includeAudio: Boolean(flags.includeAudio),
    onSession: (e) => io.err(e.kind === 'open' ? `rth record: session → ${e.file}` : `rth record: ${e.file}: ${e.lines} lines (${e.reason})`),
  });
  io.out(`rth record: listening ${relay.url} → ${resolved.label}${target === 'mock' ? ` (bundled mock ${upstreamUrl})` : ''}; recording to ${outDir} (audio ${flags.includeAudio ? 'included' : 'redacted'})`);
  if (resolved.warning) io.err(resolved.warning.replace('rth run', 'rth record'));
  onListening?.(relay.url);
  await io.stopSignal.soft;
  io.err('rth record: stopping');
  await relay.close();
  await mock?.close();
  return relay.files();
}

/** Registers `rth record`. */
export const registerRecord: RegisterCommand = (program, io) => {
  program
    .command('record')
    .description('Run a recording relay: clients connect to it as to the API; every event both ways is written with monotonic timestamps, one JSONL file per session (keys never, audio only with --include-audio)')
    .option('--target <target>', 'upstream: openai (OPENAI_API_KEY), mock (the bundled mock), or a ws:// / wss:// URL')
    .option('--listen <port>', 'port on 127.0.0.1 (default 0: a free one, printed)')
    .option('--out <dir>', 'folder for the session files (default reports/<YYYYMMDD-HHMMSS>-record/)')
    .option('--include-audio', 'keep audio payloads (default: replaced by "" with their decoded length noted)')
    .option('--api-key-env <var>', 'environment variable holding the upstream key (default OPENAI_API_KEY for --target openai; for a URL, the client\'s own credential is forwarded when none is set)')
    .action(async (flags: RecordFlags) => {
      await runRecord(flags, io);
    });
};
