/**
 * `rth cost RUN_DIR` (cost of a finished run from its measured usage) and `rth cost
 * --minutes-per-month N …` (a projection from assumptions): a thin layer over `harness/cost`.
 * Flags are validated here; a ConfigError `E_FLAG` names every bad flag and what was expected.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../../../common/errors.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';
import {
  computeRunCost,
  DEFAULT_ASSUMPTIONS,
  formatProjection,
  formatRunCost,
  loadPriceCard,
  lookupModel,
  PROJECTION_EFFORTS,
  projectCost,
  readRunRecords,
  writeCostCsv,
  writeProjectionCsv,
  type PriceCard,
  type ProjectionAssumptions,
  type ProjectionEffort,
} from '../../cost/index.ts';

/** Flags of `rth cost` as commander hands them over (strings, unparsed). */
export interface CostFlags {
  priceCard?: string;
  csv?: string;
  transcriptionModel?: string;
  model?: string;
  effort?: string;
  minutesPerMonth?: string;
  avgSessionMin?: string;
  userTalkShare?: string;
  assistantTalkShare?: string;
  turnsPerMin?: string;
  instructionsTokens?: string;
  cachedShare?: string;
  reasoningTokens?: string;
}

/** Flags that only make sense for a projection. */
const PROJECTION_FLAGS: readonly (keyof CostFlags)[] = [
  'model',
  'effort',
  'minutesPerMonth',
  'avgSessionMin',
  'userTalkShare',
  'assistantTalkShare',
  'turnsPerMin',
  'instructionsTokens',
  'cachedShare',
  'reasoningTokens',
];
const flagName = (k: string): string => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** Sessions longer than this many turns are refused (the 60-min session cap at 4 turns/min is 240). */
const MAX_TURNS_PER_SESSION = 10_000;

/** Registers `rth cost`. */
export const registerCost: RegisterCommand = (program, io) => {
  program
    .command('cost')
    .description('Cost in USD from a run directory (measured usage) or from assumptions (--minutes-per-month), per minute and per month, with the price card date beside every figure')
    .argument('[run-dir]', 'run directory with turns.jsonl and sessions.jsonl')
    .option('--price-card <file>', 'price card JSON (default: the bundled card harness/cost/price-cards/openai-2026-11-24.json)')
    .option('--csv <file>', 'also write the figures as CSV to this file')
    .option('--transcription-model <model>', 'run dir: model that transcribed user audio in realtime sessions (turns.jsonl does not record it)')
    .option('--model <list>', 'projection: comma-separated models (default gpt-realtime-2)')
    .option('--effort <list>', `projection: comma-separated efforts: ${PROJECTION_EFFORTS.join(', ')} (default low)`)
    .option('--minutes-per-month <n>', 'projection: connected session minutes per month (turns the projection on)')
    .option('--avg-session-min <n>', `projection: mean session length, minutes (default ${DEFAULT_ASSUMPTIONS.avgSessionMin})`)
    .option('--user-talk-share <x>', `projection: share of time the user speaks, 0-1 (default ${DEFAULT_ASSUMPTIONS.userTalkShare})`)
    .option('--assistant-talk-share <x>', `projection: share of time the assistant speaks, 0-1 (default ${DEFAULT_ASSUMPTIONS.assistantTalkShare})`)
    .option('--turns-per-min <n>', `projection: user turns per minute (default ${DEFAULT_ASSUMPTIONS.turnsPerMin})`)
    .option('--instructions-tokens <n>', `projection: text tokens of the instructions (default ${DEFAULT_ASSUMPTIONS.instructionsTokens})`)
    .option('--cached-share <auto|x>', 'projection: auto (prefix cache rule) or a fixed share 0-1 of input billed at cached rates (default auto)')
    .option('--reasoning-tokens <effort=n,...>', 'projection: reasoning tokens per response by effort, overriding the assumption table')
    .action(async (runDir: string | undefined, flags: CostFlags) => {
      await runCost(runDir, flags, io);
    });
};

/** Runs `rth cost` with parsed arguments (exported for tests and scripts). */
export async function runCost(runDir: string | undefined, flags: CostFlags, io: CliIo): Promise<void> {
  const projectionFlags = PROJECTION_FLAGS.filter((k) => flags[k] !== undefined);
  if (runDir !== undefined && projectionFlags.length)
    throw new ConfigError('E_FLAG', projectionFlags.map((k) => `${flagName(k)}: applies to projections only; drop it, or drop RUN_DIR (${runDir}) to project from assumptions`));
  if (runDir === undefined && flags.minutesPerMonth === undefined)
    throw new ConfigError('E_FLAG', 'rth cost: expected RUN_DIR, or --minutes-per-month N for a projection from assumptions');
  if (runDir === undefined && flags.transcriptionModel !== undefined) throw new ConfigError('E_FLAG', '--transcription-model: applies to RUN_DIR only');
  const card = loadPriceCard(flags.priceCard === undefined ? undefined : resolve(flags.priceCard));
  if (runDir !== undefined) {
    const dir = resolve(runDir);
    const { turns, sessions, warnings } = await readRunRecords(dir);
    const cost = computeRunCost(turns, sessions, card, { inputTranscriptionModel: flags.transcriptionModel ?? null });
    for (const line of formatRunCost(cost, runDir, warnings)) io.out(line);
    if (flags.csv !== undefined) {
      await writeCostCsv(cost, resolve(flags.csv));
      io.err(`wrote ${flags.csv}`);
    }
    return;
  }
  const { models, efforts, assumptions } = parseProjectionFlags(flags, card);
  const projection = projectCost(models, efforts, assumptions, card);
  for (const line of formatProjection(projection, card)) io.out(line);
  if (flags.csv !== undefined) {
    await writeProjectionCsv(projection, resolve(flags.csv));
    io.err(`wrote ${flags.csv}`);
  }
}

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Validates the projection flags against the card.
 * @throws ConfigError `E_FLAG` listing every bad flag, each with what was expected
 */
export function parseProjectionFlags(flags: CostFlags, card: PriceCard): { models: string[]; efforts: ProjectionEffort[]; assumptions: ProjectionAssumptions } {
  const problems: string[] = [];
  const num = (key: keyof CostFlags, def: number, check: (n: number) => boolean, expected: string): number => {
    const raw = flags[key];
    if (raw === undefined) return def;
    const n = NUMBER.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isFinite(n) || !check(n)) {
      problems.push(`${flagName(key)}: expected ${expected}, got '${raw}'`);
      return def;
    }
    return n;
  };
  const list = (key: keyof CostFlags, def: string): string[] => {
    const items = (flags[key] ?? def).split(',').map((s) => s.trim());
    if (items.some((s) => s === '')) problems.push(`${flagName(key)}: expected a comma-separated list without empty entries, got '${flags[key]}'`);
    return [...new Set(items.filter((s) => s !== ''))];
  };

  const models = list('model', 'gpt-realtime-2');
  for (const m of models) {
    if (!lookupModel(card, m).ok) problems.push(`--model: '${m}' is not on the price card of ${card.as_of} (known: ${[...Object.keys(card.models), ...Object.keys(card.aliases)].join(', ')})`);
  }
  const efforts = list('effort', 'low').filter((e): e is ProjectionEffort => {
    if ((PROJECTION_EFFORTS as readonly string[]).includes(e)) return true;
    problems.push(`--effort: expected one of ${PROJECTION_EFFORTS.join(', ')}, got '${e}'`);
    return false;
  });

  const d = DEFAULT_ASSUMPTIONS;
  const minutesPerMonth = num('minutesPerMonth', 0, (n) => n > 0, 'a number of minutes > 0');
  const avgSessionMin = num('avgSessionMin', d.avgSessionMin, (n) => n > 0, 'a number of minutes > 0');
  const share = (n: number): boolean => n >= 0 && n <= 1;
  const userTalkShare = num('userTalkShare', d.userTalkShare, share, 'a share from 0 to 1');
  const assistantTalkShare = num('assistantTalkShare', d.assistantTalkShare, share, 'a share from 0 to 1');
  if (userTalkShare + assistantTalkShare > 1)
    problems.push(`--user-talk-share + --assistant-talk-share: expected a sum ≤ 1 (they share the session's time), got ${userTalkShare} + ${assistantTalkShare}`);
  const turnsPerMin = num('turnsPerMin', d.turnsPerMin, (n) => n > 0, 'a number of turns per minute > 0');
  if (turnsPerMin * avgSessionMin > MAX_TURNS_PER_SESSION)
    problems.push(`--turns-per-min × --avg-session-min: expected at most ${MAX_TURNS_PER_SESSION} turns per session, got ${turnsPerMin * avgSessionMin}`);
  const instructionsTokens = num('instructionsTokens', d.instructionsTokens, (n) => Number.isInteger(n) && n >= 0, 'a whole number of tokens ≥ 0');
  let cachedShare: 'auto' | number = 'auto';
  if (flags.cachedShare !== undefined && flags.cachedShare.trim() !== 'auto') cachedShare = num('cachedShare', 0, share, "'auto' or a share from 0 to 1");

  const reasoningTokensPerTurn = { ...d.reasoningTokensPerTurn };
  if (flags.reasoningTokens !== undefined) {
    for (const part of flags.reasoningTokens.split(',')) {
      const m = /^\s*([a-z]+)\s*=\s*(\d+)\s*$/.exec(part);
      if (!m || !(PROJECTION_EFFORTS as readonly string[]).includes(m[1]!)) {
        problems.push(`--reasoning-tokens: expected effort=tokens pairs (efforts: ${PROJECTION_EFFORTS.join(', ')}; tokens a whole number), got '${part}'`);
        continue;
      }
      reasoningTokensPerTurn[m[1] as ProjectionEffort] = Number(m[2]);
    }
  }
  if (problems.length) throw new ConfigError('E_FLAG', problems);
  return {
    models,
    efforts,
    assumptions: {
      minutesPerMonth,
      avgSessionMin,
      userTalkShare,
      assistantTalkShare,
      turnsPerMin,
      instructionsTokens,
      cachedShare,
      reasoningTokensPerTurn: flags.reasoningTokens === undefined ? d.reasoningTokensPerTurn : reasoningTokensPerTurn,
    },
  };
}
