/**
 * `rth k6 export | summary`: a thin layer over `harness/k6` — export a scenario as a k6 test for
 * distributed runs, and read a k6 end-of-test summary into the harness's metric layout.
 */
import { relative } from 'node:path';
import { Option } from 'commander';
import { ConfigError } from '../../../common/errors.ts';
import { exportK6, importK6Summary, type K6AudioMode, type K6ExportResult } from '../../k6/index.ts';
import { loadScenario } from '../../scenario/index.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flags of `rth k6 export`, as commander gives them. */
export interface K6ExportFlags {
  out: string;
  target?: string;
  audio: K6AudioMode;
  parallelism?: string;
  corpus?: string;
  secret: string;
  sessions?: string;
  duration?: string;
  efforts?: string;
  seed?: string;
  chunkMs?: string;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/** `--secret NAME/KEY` → the Secret reference of the TestRun. */
export function parseSecretFlag(value: string): { name: string; key: string } {
  const [name, key, ...rest] = value.split('/');
  if (!name || !key || rest.length > 0 || !K8S_NAME.test(name) || !SECRET_KEY.test(key)) {
    throw new ConfigError('E_FLAG', `--secret: expected NAME/KEY (a Kubernetes Secret name and one of its keys), got '${value}'`);
  }
  return { name, key };
}

function parallelismOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError('E_FLAG', `--parallelism: expected a whole number ≥ 1, got '${value}'`);
  return n;
}

/** The lines `rth k6 export` prints. */
export function exportReport(r: K6ExportResult, cwd: string): string[] {
  const dir = relative(cwd, r.outDir) || '.';
  return [
    `rth k6 export: wrote ${dir}/ (script.js, ${r.clipIds.length} clip(s), scenario.json, testrun.yaml, README.md)`,
    `  executor ${r.executor}; default URL ${r.defaultUrl} (RTH_TARGET_URL overrides it; the key comes from OPENAI_API_KEY)`,
    `  memory: audio ${r.audioBytesPerVu} bytes per VU + ${r.audioBytesPerInstance} bytes per k6 instance (--audio ${r.audioMode}); script ${r.scriptBytes} bytes per VU; clips ${r.clipBytes} bytes on disk`,
    ...r.notes.map((n) => `  note: ${n}`),
    `  run: k6 run ${dir}/script.js    Kubernetes: see ${dir}/README.md`,
  ];
}

async function runExport(scenarioName: string, flags: K6ExportFlags, io: CliIo): Promise<void> {
  const scenario = await loadScenario(scenarioName, {
    ...(flags.sessions !== undefined ? { sessions: flags.sessions } : {}),
    ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
    ...(flags.efforts !== undefined ? { efforts: flags.efforts } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.chunkMs !== undefined ? { chunkMs: flags.chunkMs } : {}),
  });
  const parallelism = parallelismOf(flags.parallelism);
  const result = await exportK6(scenario, {
    outDir: flags.out,
    audioMode: flags.audio,
    secret: parseSecretFlag(flags.secret),
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    ...(flags.corpus !== undefined ? { corpusDir: flags.corpus } : {}),
    ...(parallelism !== undefined ? { parallelism } : {}),
  });
  for (const line of exportReport(result, process.cwd())) io.out(line);
}

/** Registers `rth k6` and its subcommands. */
export const registerK6: RegisterCommand = (program, io) => {
  const k6 = program.command('k6').description('Scale out on k6: export a scenario as a k6 script (k6-operator, Grafana Cloud k6); read k6 summaries');

  k6.command('export')
    .description('Write SCENARIO as a k6 test: script.js, clips/, scenario.json, testrun.yaml (k6-operator) and README.md')
    .argument('<scenario>', 'shipped scenario name (smoke, …) or a scenario file')
    .requiredOption('--out <dir>', 'output directory (created; files of the same names are overwritten)')
    .option('--target <target>', "the script's default target: mock, openai or a ws(s):// URL (default: the scenario's target)")
    .addOption(new Option('--audio <mode>', 'shared: clips once per k6 instance (SharedArray); per-vu: every VU opens them').choices(['shared', 'per-vu']).default('shared'))
    .option('--parallelism <n>', 'k6-operator runners (spec.parallelism); default min(4, sessions)')
    .option('--secret <name/key>', 'Kubernetes Secret holding the API key, as NAME/KEY', 'rth-openai/api-key')
    .option('--corpus <dir>', 'corpus directory (default: the bundled corpus)')
    .option('--sessions <n>', 'override the scenario: sessions')
    .option('--duration <s>', 'override the scenario: duration_s')
    .option('--efforts <list>', 'override the scenario: efforts (comma-separated)')
    .option('--seed <n>', 'override the scenario: seed')
    .option('--chunk-ms <n>', 'override the scenario: chunk_ms')
    .action(async (scenario: string, flags: K6ExportFlags) => {
      await runExport(scenario, flags, io);
    });

  k6.command('summary')
    .description("Read k6's end-of-test summary (--summary-export or handleSummary JSON) and print it as metrics by name and tag")
    .argument('<file>', 'k6 summary JSON')
    .action(async (file: string) => {
      io.out(JSON.stringify(await importK6Summary(file), null, 2));
    });
};
