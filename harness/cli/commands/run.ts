/**
 * `rth run [SCENARIO]`: a thin layer over `runScenario()`. Flags go through the scenario resolver
 * (the same validation as scenario files; a bad flag names the flag), progress goes to stderr, the
 * end-of-run table to stdout. The first SIGINT stops new turns and writes the summary; the second
 * closes everything at once (turns.jsonl and sessions.jsonl are already on disk).
 */
import { Option } from 'commander';
import { createProgress } from '../../progress/progress.ts';
import { runScenario } from '../../runner/run-scenario.ts';
import { runCarrierScenario } from '../../carrier/run-carrier.ts';
import { DEFAULT_SCENARIO, loadScenario } from '../../scenario/index.ts';
import type { ResolvedScenario, ScenarioOverrides } from '../../scenario/types.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';
import { costGuard, type CostGuardFlags } from './run-cost-guard.ts';
import { DEFAULT_TRANSPORT, TRANSPORT_KINDS } from '../../transport/kinds.ts';

/** Flag values as commander gives them. */
export interface RunFlags extends CostGuardFlags {
  target?: string;
  apiKeyEnv?: string;
  model?: string;
  sessions?: string;
  duration?: string;
  turns?: string;
  efforts?: string;
  out?: string;
  seed?: string;
  workers?: string;
  chunkMs?: string;
  transport?: string;
  mockPriority?: string;
  /** `--busy-poll` sets true. */
  busyPoll?: boolean;
  header?: string[];
  /** `--bridge-cmd CMD`: start the bridge under test beside the embedded mock (carrier transports). */
  bridgeCmd?: string;
  /** `--no-progress` sets false. */
  progress: boolean;
  /** `--no-conformance` sets false. */
  conformance: boolean;
}

/** Loads the scenario with every flag applied (and validated) by the scenario resolver. */
export async function scenarioFromFlags(name: string, flags: RunFlags, cwd: string = process.cwd()): Promise<ResolvedScenario> {
  const overrides: ScenarioOverrides = { header: flags.header ?? [] };
  if (flags.target !== undefined) overrides.target = flags.target;
  if (flags.apiKeyEnv !== undefined) overrides.apiKeyEnv = flags.apiKeyEnv;
  if (flags.model !== undefined) overrides.model = flags.model;
  if (flags.sessions !== undefined) overrides.sessions = flags.sessions;
  if (flags.duration !== undefined) overrides.duration = flags.duration;
  if (flags.turns !== undefined) overrides.turns = flags.turns;
  if (flags.efforts !== undefined) overrides.efforts = flags.efforts;
  if (flags.out !== undefined) overrides.out = flags.out;
  if (flags.seed !== undefined) overrides.seed = flags.seed;
  if (flags.workers !== undefined) overrides.workers = flags.workers;
  if (flags.chunkMs !== undefined) overrides.chunkMs = flags.chunkMs;
  if (flags.transport !== undefined) overrides.transport = flags.transport;
  if (flags.mockPriority !== undefined) overrides.mockPriority = flags.mockPriority;
  if (flags.busyPoll !== undefined) overrides.busyPoll = flags.busyPoll;
  if (flags.bridgeCmd !== undefined) overrides.bridgeCmd = flags.bridgeCmd;
  return loadScenario(name, overrides, { cwd });
}

/** Runs the command; returns the exit code. */
export async function runCommand(name: string, flags: RunFlags, io: CliIo): Promise<number> {
  const scenario = await scenarioFromFlags(name, flags);
  if (scenario.carrier !== null) {
    // Phone calls against a bridge (docs/readme/telephony.md): no cost guard, the bridge holds the key.
    const result = await runCarrierScenario(scenario, { stopSignal: io.stopSignal, ...(flags.progress ? { onLine: (l: string) => io.err(`rth run: ${l}`) } : {}) });
    io.out(result.table);
    return result.exitCode;
  }
  // Before anything connects: the estimate, and the confirmation for a billed target.
  const cost = await costGuard(scenario, flags, io);
  const progress = flags.progress ? createProgress({ write: io.err, isTty: io.isTty }) : null;
  // The live display shows the stop itself; otherwise say what is happening.
  void io.stopSignal.soft.then(() => {
    if (!io.isTty || !progress) io.err('rth run: stopping: no new turns; open turns finish (Ctrl-C again to quit now)');
  });
  try {
    const result = await runScenario(scenario, {
      env: io.env,
      stopSignal: io.stopSignal,
      conformance: flags.conformance,
      onWarning: (line) => io.err(line),
      ...(cost ? { cost } : {}),
      ...(progress ? { onEvent: progress.listener } : {}),
    });
    progress?.stop();
    if (result.table === null) {
      io.err(`rth run: stopped at once; turns and sessions so far are in ${result.files.turns} and ${result.files.sessions} (no summary written)`);
    } else {
      io.out(result.table);
    }
    return result.exitCode;
  } finally {
    progress?.stop();
  }
}

/** Collects a repeatable flag. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Registers `rth run`. */
export const registerRun: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('run')
    .description('Replay the corpus into concurrent Realtime sessions and measure time to first audio per reasoning effort')
    .argument('[scenario]', `scenario name (scenarios/NAME.yaml) or file path`, DEFAULT_SCENARIO)
    .option('--target <target>', 'mock (embedded mock, default), openai (OPENAI_API_KEY), or a ws:// / wss:// URL (a server root such as ws://host:port gets /v1/realtime)')
    .option('--api-key-env <var>', 'environment variable holding the API key, sent as Authorization: Bearer (default OPENAI_API_KEY for --target openai; none for a URL)')
    .option('--model <name>', 'model of the sessions (default per kind: gpt-realtime-2, gpt-4o-transcribe, gpt-realtime-translate); e.g. gpt-realtime-2.1, gpt-realtime-2.1-mini')
    .option('--sessions <n>', 'concurrent sessions (closed model) or total sessions (arrival rate)')
    .option('--duration <s>', 'run length, seconds')
    .option('--turns <n>', 'turns per session')
    .option('--efforts <list>', 'reasoning efforts, comma-separated (minimal,low,medium,high,xhigh,none)')
    .option('--out <dir>', 'output folder (default reports/<YYYYMMDD-HHMMSS>-<scenario>/)')
    .option('--seed <n>', 'seed of effort assignment, clip choice, think times, arrivals')
    .option('--workers <n>', 'worker threads to spread sessions over')
    .option('--chunk-ms <n>', 'audio per append frame, ms')
    .option('--transport <kind>', `how sessions reach the target: ${TRANSPORT_KINDS.join(' or ')} (default ${DEFAULT_TRANSPORT}; webrtc: ephemeral key, SDP offer, Opus RTP and the oai-events channel, as a browser)`)
    .option('--busy-poll', 'the harness never sleeps: frames sent and stamped within one event-loop turn, at the cost of a full core per worker (latency benchmarks on a machine with a core to spare)')
    .option('--mock-priority <p>', 'scheduling of the embedded mock: low (niceness +10, default), idle (SCHED_IDLE: most accurate stamps on an otherwise idle machine), normal')
    .option('--bridge-cmd <command>', 'transport twilio/telnyx: start this bridge command beside the embedded mock (OPENAI_BASE_URL, OPENAI_API_KEY, RTH_MOCK_URL and PORT in its environment), wait for its port, stop it at the end')
    .addOption(new Option('--header <header>', "extra handshake header 'Name: value' (repeatable; never printed)").argParser(collect))
    .option('--max-cost-usd <usd>', 'stop starting turns once the spend so far plus one more turn per open session would cross this; open turns finish, the run ends "stopped at budget"')
    .option('--confirm-above-usd <usd>', 'a target other than the embedded mock: an estimate above this needs --yes (or "y" on a terminal) (default 5)')
    .option('--yes', 'start even when the estimated cost is above --confirm-above-usd')
    .option('--estimate-from <run-dir>', 'estimate the cost from a previous run of the same scenario (its measured cost per turn index)')
    .option('--price-card <file>', 'price card JSON for the estimate and the spend (default: the bundled card)')
    .option('--no-progress', 'no progress display')
    .option('--no-conformance', 'skip the passive conformance checks (capacity runs: they cost memory and CPU per connection)')
    .action(async (name: string, flags: RunFlags) => {
      setExitCode(await runCommand(name, flags, io));
    });
};
