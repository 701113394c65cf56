/**
 * `rth plan --detect 150ms --effort low,high [--from RUN_DIR] [--scenario NAME]`: how many turns
 * (and roughly how long a run) a scenario needs to tell a TTFA difference of that size apart at the
 * chosen confidence and power. A thin layer over harness/report/plan.ts; bad flags are a
 * ConfigError (exit 2) naming the flag.
 */
import { readFileSync } from 'node:fs';
import path, { resolve } from 'node:path';
import { ConfigError } from '../../../common/errors.ts';
import { REASONING_EFFORTS } from '../../../common/protocol/types.ts';
import { BUNDLED_CORPUS_DIR } from '../../corpus/load-corpus.ts';
import { formatPlan, MOCK_PROFILE, planTurns, profileShape, rebuildRun, runShape } from '../../report/index.ts';
import { loadScenario } from '../../scenario/index.ts';
import type { ResolvedScenario } from '../../scenario/types.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';

/** Flags of `rth plan`. */
export interface PlanFlags {
  detect?: string;
  effort?: string;
  from?: string;
  scenario?: string;
  confidence?: string;
  power?: string;
}

/**
 * Parses a level such as `0.95`, `95%` or `95` (a bare number ≥ 1 is a percentage) into [0.5, 1):
 * a confidence or power below a half is always a typo.
 * @throws ConfigError `E_FLAG` naming the flag
 */
export function parseConfidence(raw: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$/.exec(raw);
  let v = m ? Number(m[1]) : NaN;
  if (m && (m[2] === '%' || v >= 1)) v /= 100;
  if (!(v >= 0.5 && v < 1)) throw new ConfigError('E_FLAG', `${flag} '${raw}': expected a level in [0.5, 1) or a percentage in [50, 100), e.g. 0.95 or 95%`);
  return v;
}

function parseDetect(raw: string | undefined): number {
  const m = raw === undefined ? null : /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(raw);
  const v = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
  if (!(v > 0)) throw new ConfigError('E_FLAG', `--detect '${raw ?? ''}': expected a difference > 0 such as 150ms or 0.2s`);
  return v;
}

function parseEfforts(raw: string | undefined): [string, string] {
  const list = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const known = [...REASONING_EFFORTS, 'none'] as string[];
  const bad = list.filter((e) => !known.includes(e));
  if (list.length !== 2 || bad.length || list[0] === list[1]) {
    throw new ConfigError('E_FLAG', `--effort '${raw ?? ''}': expected two different efforts, comma-separated, from ${known.join(', ')} (e.g. low,high)${bad.length ? `; unknown: ${bad.join(', ')}` : ''}`);
  }
  return [list[0]!, list[1]!];
}

/** Registers `rth plan`. */
export const registerPlan: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('plan')
    .description('How many turns (and how long a run) it takes to tell a TTFA difference apart between two efforts')
    .requiredOption('--detect <difference>', 'the TTFA difference to detect, e.g. 150ms or 0.2s')
    .requiredOption('--effort <a,b>', 'the two efforts to compare, e.g. low,high')
    .option('--from <run-dir>', 'take the spread from this run\'s TTFA histograms (default: the mock\'s latency profile)')
    .option('--scenario <name-or-file>', 'the scenario to plan for (its efforts, sessions and turn timing)')
    .option('--confidence <level>', 'confidence level, e.g. 0.95 or 95% (default 95%)')
    .option('--power <level>', 'power, e.g. 0.8 or 80% (default 80%)')
    .action(async (flags: PlanFlags) => {
      setExitCode(await runPlan(flags, io));
    });
};

/** Mean clip length of the bundled corpus, s (for a rough turn time without a run). */
function meanClipSeconds(): number | null {
  try {
    const m = JSON.parse(readFileSync(path.join(BUNDLED_CORPUS_DIR, 'manifest.json'), 'utf8')) as { clips?: { duration_ms?: number }[] };
    const d = (m.clips ?? []).map((c) => c.duration_ms).filter((x): x is number => typeof x === 'number');
    return d.length ? d.reduce((a, b) => a + b, 0) / d.length / 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Runs `rth plan` (exported for tests).
 * @returns 0
 * @throws ConfigError `E_FLAG` for bad flags, `E_RUN_DIR` for a run without values of both efforts
 */
export async function runPlan(flags: PlanFlags, io: CliIo): Promise<number> {
  const detectMs = parseDetect(flags.detect);
  const efforts = parseEfforts(flags.effort);
  const level = flags.confidence === undefined ? undefined : parseConfidence(flags.confidence, '--confidence');
  const power = flags.power === undefined ? undefined : parseConfidence(flags.power, '--power');
  const scenario: ResolvedScenario | null = flags.scenario ? await loadScenario(flags.scenario) : null;
  let plan;
  let secondsPerTurn: number | null = null;
  let timingSource: string | null = null;
  if (flags.from) {
    const run = await rebuildRun(resolve(flags.from));
    const [a, b] = efforts.map((e) => runShape(run.recorder, 'ttfa', e)) as [ReturnType<typeof runShape>, ReturnType<typeof runShape>];
    const counts: [number, number] = [a.counts.reduce((x, y) => x + y, 0), b.counts.reduce((x, y) => x + y, 0)];
    const missing = efforts.filter((_, i) => counts[i]! < 2);
    if (missing.length) throw new ConfigError('E_RUN_DIR', `${flags.from}: fewer than 2 TTFA values for effort ${missing.join(', ')} (--effort names efforts the run has, e.g. ${run.summary.efforts.join(',')})`);
    const s = run.summary;
    const turns = s.turns.completed + s.turns.failed + s.turns.aborted;
    if (turns > 0 && s.duration_s > 0 && s.sessions.started > 0) {
      secondsPerTurn = (s.duration_s * s.sessions.started) / turns;
      timingSource = `${secondsPerTurn.toFixed(1)} s per turn per session, as measured in ${flags.from}`;
    }
    plan = { a, b, source: { kind: 'run' as const, dir: flags.from, counts } };
  } else {
    plan = { a: profileShape(MOCK_PROFILE, efforts[0]), b: profileShape(MOCK_PROFILE, efforts[1]), source: { kind: 'profile' as const, name: MOCK_PROFILE.name } };
  }
  if (scenario && secondsPerTurn === null) {
    const clip = meanClipSeconds();
    const silence = scenario.turnDetection.type === 'server_vad' ? scenario.turnDetection.silenceDurationMs / 1000 : 0;
    const fa = (MOCK_PROFILE.firstAudio.efforts as Record<string, { medianMs: number }>)[efforts[1]]?.medianMs ?? MOCK_PROFILE.firstAudio.default.medianMs;
    const think = (scenario.thinkTimeMs.minMs + scenario.thinkTimeMs.maxMs) / 2000;
    if (clip !== null) {
      secondsPerTurn = clip + silence + fa / 1000 + think;
      timingSource = `at least ${secondsPerTurn.toFixed(1)} s per turn per session: mean clip ${clip.toFixed(1)} s + silence wait + first-audio median + think time; the response's own length is not counted (--from gives a measured figure)`;
    }
  }
  const sessions = scenario?.sessions ?? 1;
  const result = planTurns({
    detectMs,
    efforts,
    ...plan,
    ...(level !== undefined ? { level } : {}),
    ...(power !== undefined ? { power } : {}),
    ...(scenario ? { scenarioEfforts: scenario.efforts } : {}),
    secondsPerTurnPerSession: secondsPerTurn,
    sessions,
  });
  for (const line of formatPlan(result, { scenario: scenario?.name ?? null, sessions, secondsPerTurnSource: timingSource })) io.out(line);
  return 0;
}
