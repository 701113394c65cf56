/**
 * `rth conform`: a thin layer over `runConform()`. Probe progress goes to stderr, the verdict-first
 * text to stdout; the exit code is 0 when every probe passed and no error-severity finding was made,
 * 1 otherwise (2 for a configuration error, from main). Keys and headers are never printed.
 */
import { Option } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatProbeLine } from '../../conform/conform-report.ts';
import { conformOptionProblems, runConform, type ConformOptions } from '../../conform/conform.ts';
import { PROBES, shortProbeName } from '../../conform/probes.ts';
import { ConfigError } from '../../../common/errors.ts';
import { toJunitXml } from '../../conformance/junit.ts';
import { summarizeRules, writeConformanceJson } from '../../conformance/report.ts';
import { formatReplayJudgement, judgeRecordings } from '../../record/conform-replay.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flag values as commander gives them. */
export interface ConformFlags {
  target?: string;
  header?: string[];
  apiKeyEnv?: string;
  model?: string;
  probes?: string;
  junit?: string;
  out?: string;
  recovery?: boolean;
  seed?: string;
  mockLatency?: string;
  stepTimeoutMs?: string;
  listProbes?: boolean;
  replay?: string;
}

/**
 * Turns flags into library options; the flags only the CLI parses (`--seed`, `--step-timeout-ms`)
 * add their problems to `problems`.
 */
export function conformOptionsFromFlags(flags: ConformFlags, io: CliIo, problems: string[]): ConformOptions {
  let seed: number | undefined;
  if (flags.seed !== undefined) {
    seed = Number(flags.seed);
    if (!/^\s*-?\d+\s*$/.test(flags.seed) || !Number.isSafeInteger(seed)) {
      problems.push(`--seed ${JSON.stringify(flags.seed)}: expected an integer`);
      seed = undefined;
    }
  }
  let stepTimeoutMs: number | undefined;
  if (flags.stepTimeoutMs !== undefined) {
    stepTimeoutMs = Number(flags.stepTimeoutMs);
    if (!/^\s*\d+\s*$/.test(flags.stepTimeoutMs) || !(stepTimeoutMs >= 100 && stepTimeoutMs <= 600_000)) {
      problems.push(`--step-timeout-ms ${JSON.stringify(flags.stepTimeoutMs)}: expected milliseconds from 100 to 600000`);
      stepTimeoutMs = undefined;
    }
  }
  return {
    env: io.env,
    headers: flags.header ?? [],
    recovery: Boolean(flags.recovery),
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    ...(flags.apiKeyEnv !== undefined ? { apiKeyEnv: flags.apiKeyEnv } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.probes !== undefined ? { probes: flags.probes } : {}),
    ...(flags.junit !== undefined ? { junitPath: flags.junit } : {}),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(flags.mockLatency !== undefined ? { mockLatencyFile: flags.mockLatency } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(stepTimeoutMs !== undefined ? { stepTimeoutMs } : {}),
  };
}

/** The probe catalogue as printed by `--list-probes`. */
export function probeListText(): string {
  return PROBES.map((p) => `${shortProbeName(p.id).padEnd(22)} ${p.id}\n${' '.repeat(23)}${p.description}\n${' '.repeat(23)}source: ${p.source}`).join('\n');
}

/** Runs the command; returns the exit code. */
export async function conformCommand(flags: ConformFlags, io: CliIo): Promise<number> {
  if (flags.listProbes) {
    io.out(probeListText());
    return 0;
  }
  if (flags.replay !== undefined) return conformReplayCommand(flags, io);
  const problems: string[] = [];
  const opts = conformOptionsFromFlags(flags, io, problems);
  // Every bad flag in one error, the CLI's own and the library's, before any socket opens.
  if (problems.length > 0) throw new ConfigError('E_FLAG', [...problems, ...conformOptionProblems(opts)]);
  const result = await runConform({
    ...opts,
    onPhase: (phase) => {
      if (phase === 'mock') io.err('rth conform: starting the bundled mock');
      else if (phase === 'recovery') io.err('rth conform: recovery suite (bundled mocks with faults, simulated clock)');
    },
    onProbe: (r) => io.err(`rth conform: ${formatProbeLine(r)}`),
  });
  io.out(result.text);
  return result.exitCode;
}

/**
 * `rth conform --replay FILE|DIR`: judges recordings offline (harness/record/conform-replay.ts);
 * writes `conformance.json` to `--out` (default `reports/<YYYYMMDD-HHMMSS>-conform-replay/`) and
 * `--junit` when given. Exit 1 on an error-severity finding. Live-only flags are refused.
 */
async function conformReplayCommand(flags: ConformFlags, io: CliIo): Promise<number> {
  const live = (['target', 'apiKeyEnv', 'model', 'probes', 'recovery', 'seed', 'mockLatency', 'stepTimeoutMs'] as const).filter((k) => flags[k] !== undefined);
  if (live.length > 0 || (flags.header?.length ?? 0) > 0) {
    const names = [...live.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`), ...((flags.header?.length ?? 0) > 0 ? ['--header'] : [])];
    throw new ConfigError('E_FLAG', `--replay judges a recording offline: ${names.join(', ')} ${names.length > 1 ? 'apply' : 'applies'} only to live probing`);
  }
  const judged = await judgeRecordings(flags.replay!);
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  const outDir = flags.out ?? join('reports', `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-conform-replay`);
  await mkdir(outDir, { recursive: true });
  const written = [join(outDir, 'conformance.json')];
  await writeConformanceJson(judged.files.flatMap((f) => f.findings), written[0]!);
  if (flags.junit !== undefined) {
    await mkdir(dirname(flags.junit), { recursive: true });
    await writeFile(flags.junit, toJunitXml({ rules: summarizeRules(judged.files.flatMap((f) => f.findings)) }));
    written.push(flags.junit);
  }
  io.out(formatReplayJudgement(judged, written));
  return judged.passed ? 0 : 1;
}

/** Collects a repeatable flag. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Registers `rth conform`. */
export const registerConform: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('conform')
    .description('Probe a Realtime target for documented protocol behaviour, check every event against the conformance rules, and score recovery from faults')
    .option('--target <target>', 'mock (the bundled mock, default), openai (OPENAI_API_KEY), or a ws:// / wss:// URL')
    .addOption(new Option('--header <header>', "extra handshake header 'Name: value' (repeatable; never printed)").argParser(collect))
    .option('--api-key-env <var>', 'environment variable holding the API key (default OPENAI_API_KEY for --target openai)')
    .option('--model <model>', 'realtime model of the probe sessions (default gpt-realtime-2)')
    .option('--probes <list>', 'probes to run, comma-separated (see --list-probes; default all)')
    .option('--junit <file>', 'write JUnit XML: one test case per rule and per probe')
    .option('--out <dir>', 'output folder (default reports/<YYYYMMDD-HHMMSS>-conform/)')
    .option('--recovery', 'also run the recovery suite: sessions against the bundled mock with each fault, scored')
    .option('--seed <n>', 'seed of the bundled mocks and the recovery suite (default 1)')
    .option('--mock-latency <file>', 'latency profile JSON for the bundled mocks (as rth mock --latency)')
    .option('--step-timeout-ms <ms>', 'longest wait for one expected answer, ms (default 15000)')
    .option('--list-probes', 'list the probes and exit')
    .option('--replay <file>', 'judge a recording (rth record) or any capture in the stream format offline instead of probing a target; a folder judges every *.jsonl in it')
    .action(async (flags: ConformFlags) => {
      setExitCode(await conformCommand(flags, io));
    });
};
