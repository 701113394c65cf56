/**
 * The estimate `rth run` prints before a run: from the resolved scenario and the corpus manifest
 * (clip speech lengths), or from a previous run directory of the same scenario (`--estimate-from`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { BUNDLED_CORPUS_DIR, readManifest } from '../corpus/load-corpus.ts';
import { clipIdsNeeded, sessionEfforts } from '../runner/plans.ts';
import { LIVE_ARM } from '../scenario/arms.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import { estimateFromRun, estimateFromScenario, expectedTurnsPerSession, type CostEstimate } from './estimate.ts';
import type { PriceCard } from './price-card.ts';
import { readRunRecords } from './read-run.ts';

/** Options of {@link estimateRun}. */
export interface EstimateRunOptions {
  card: PriceCard;
  /** A previous run directory of the same scenario; default none (estimate from the scenario). */
  estimateFrom?: string | undefined;
  /** Corpus folder. Default the bundled corpus. */
  corpusDir?: string;
}

/** The estimate and any warnings (e.g. the previous run's scenario has another name). */
export interface RunEstimate {
  estimate: CostEstimate;
  warnings: string[];
}

/**
 * Estimates the cost of running `scenario`.
 * @throws ConfigError `E_ESTIMATE_FROM` when `estimateFrom` has no turns.jsonl
 */
export async function estimateRun(scenario: ResolvedScenario, opts: EstimateRunOptions): Promise<RunEstimate> {
  const { manifest } = await readManifest(opts.corpusDir ?? BUNDLED_CORPUS_DIR);
  const ids = new Set(clipIdsNeeded(scenario, manifest.clips.map((c) => c.id)));
  const clips = manifest.clips.filter((c) => ids.has(c.id));
  const mean = (f: (c: (typeof clips)[number]) => number): number => (clips.length ? clips.reduce((s, c) => s + f(c), 0) / clips.length : 0);
  const arms = sessionEfforts(scenario);
  const input = {
    model: scenario.model,
    kind: scenario.kind,
    sessions: scenario.sessions,
    turnsPerSession: scenario.turnsPerSession,
    durationS: scenario.durationS,
    meanThinkMs: (scenario.thinkTimeMs.minMs + scenario.thinkTimeMs.maxMs) / 2,
    meanClipMs: mean((c) => c.duration_ms),
    meanUserSpeechMs: mean((c) => c.speech_end_ms - c.speech_start_ms),
    sessionEfforts: arms,
    instructions: scenario.instructions,
  };
  if (opts.estimateFrom === undefined) {
    if (scenario.live === null) return { estimate: estimateFromScenario(input, opts.card), warnings: [] };
    // A realtime scenario with a GPT-Live arm: each part priced on its own card entry, then added.
    const efforts = arms.filter((a) => a !== LIVE_ARM);
    const liveN = arms.length - efforts.length;
    const rt = estimateFromScenario({ ...input, sessions: efforts.length, sessionEfforts: efforts }, opts.card);
    const lv = estimateFromScenario({ ...input, model: scenario.live.model, kind: 'live', sessions: liveN, sessionEfforts: arms.filter((a) => a === LIVE_ARM) }, opts.card);
    const usd = rt.usd === null || lv.usd === null ? null : rt.usd + lv.usd;
    const firstTurnUsd = rt.firstTurnUsd === null || lv.firstTurnUsd === null ? null : Math.max(rt.firstTurnUsd, lv.firstTurnUsd);
    return {
      estimate: { ...rt, usd, firstTurnUsd, sessions: rt.sessions + lv.sessions, turns: rt.turns + lv.turns, reason: rt.reason ?? lv.reason, basis: `${rt.basis}; plus GPT-Live: ${lv.basis}` },
      warnings: [],
    };
  }

  const dir = opts.estimateFrom;
  const warnings: string[] = [];
  let records;
  try {
    records = await readRunRecords(dir);
  } catch (err) {
    throw new ConfigError('E_ESTIMATE_FROM', `--estimate-from ${dir}: expected a run directory with turns.jsonl and sessions.jsonl (${(err as Error).message})`);
  }
  warnings.push(...records.warnings.map((w) => `--estimate-from: ${w}`));
  const previousName = await readScenarioName(dir);
  if (previousName !== null && previousName !== scenario.name) warnings.push(`--estimate-from ${dir}: that run was of scenario '${previousName}', not '${scenario.name}'; the estimate may not fit`);
  const plan = { sessions: scenario.sessions, turnsPerSession: expectedTurnsPerSession(input) };
  return { estimate: estimateFromRun(records.turns, records.sessions, opts.card, plan, dir), warnings };
}

/** The scenario name in a run directory's run.json, or null when it cannot be read. */
async function readScenarioName(dir: string): Promise<string | null> {
  try {
    const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { scenario?: { name?: unknown } };
    return typeof run.scenario?.name === 'string' ? run.scenario.name : null;
  } catch {
    return null;
  }
}
