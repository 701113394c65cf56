/**
 * Session plans from a resolved scenario: one per session, each a pure function of
 * (scenario, session index), so a worker thread rebuilds exactly the plans the main thread would
 * have built without any plan crossing a thread boundary. Clips are the shared prepared frames.
 */
import type { PlannedTurn, PreparedClip, SessionPlan } from '../contract.ts';
import type { ReasoningEffort } from '../../common/protocol/types.ts';
import { assignEfforts } from '../scenario/efforts.ts';
import { clipIdForTurn } from '../scenario/clips.ts';
import { seededRandom } from '../scenario/seeded.ts';
import { toWireTurnDetection } from '../scenario/wire.ts';
import type { EffortKey, ResolvedScenario } from '../scenario/types.ts';
import { LIVE_ARM, sessionArms, type SessionArm } from '../scenario/arms.ts';
import { liveSessionUrl } from './target.ts';

/** Stream of the think-time draws in the scenario's seeded randomness (per session: + index). */
const THINK_STREAM = 0x7417_0000;
/** Upper bound of planned turns per session when the run is bounded by time only. */
export const MAX_PLANNED_TURNS = 5000;

/** What every plan of a run shares. */
export interface PlanContext {
  /** The session URL (incl. query) for the scenario's kind. */
  url: string;
  /** Handshake headers. Never logged. */
  headers: Readonly<Record<string, string>>;
  /** Prepared clips by id (every id the scenario can pick). */
  clips: ReadonlyMap<string, PreparedClip>;
  /** Every corpus id, in manifest order (for random clip choice). */
  corpusIds: readonly string[];
}

/** `none` means no `reasoning` in `session.update`. */
export function effortOf(key: EffortKey): ReasoningEffort | null {
  return key === 'none' ? null : key;
}

/**
 * Arm of every session — its effort, or the GPT-Live arm (harness/scenario/arms.ts) — interleaved
 * with the scenario seed (see `assignEfforts`).
 */
export function sessionEfforts(scenario: Pick<ResolvedScenario, 'sessions' | 'efforts' | 'seed' | 'kind' | 'model' | 'live'>): SessionArm[] {
  return assignEfforts(scenario.sessions, sessionArms(scenario), scenario.seed);
}

/**
 * Turns to plan for one session: `turnsPerSession`, or when only `durationS` bounds the run, as
 * many as could fit if every turn took no longer than its shortest clip plus the shortest think time
 * (the runner stops new turns at the deadline, so extra planned turns are never spoken), capped at
 * {@link MAX_PLANNED_TURNS}.
 */
export function plannedTurnCount(scenario: Pick<ResolvedScenario, 'turnsPerSession' | 'durationS' | 'thinkTimeMs'>, shortestClipMs: number): number {
  if (scenario.turnsPerSession !== null) return scenario.turnsPerSession;
  const durationMs = (scenario.durationS ?? 0) * 1000;
  const perTurnMs = Math.max(100, shortestClipMs + scenario.thinkTimeMs.minMs);
  return Math.max(1, Math.min(MAX_PLANNED_TURNS, Math.ceil(durationMs / perTurnMs) + 1));
}

/**
 * The plan of session `index` (0-based).
 * @param efforts the run's effort assignment ({@link sessionEfforts})
 */
export function buildSessionPlan(scenario: ResolvedScenario, index: number, efforts: readonly SessionArm[], ctx: PlanContext): SessionPlan {
  const clipList = [...ctx.clips.values()];
  const shortestClipMs = clipList.reduce((m, c) => Math.min(m, c.durationMs), Infinity);
  const count = plannedTurnCount(scenario, Number.isFinite(shortestClipMs) ? shortestClipMs : 1000);
  const random = seededRandom(scenario.seed, THINK_STREAM + index);
  const { minMs, maxMs } = scenario.thinkTimeMs;
  const turns: PlannedTurn[] = [];
  for (let t = 1; t <= count; t++) {
    const id = clipIdForTurn(scenario.clips, ctx.corpusIds, index, t);
    const clip = ctx.clips.get(id);
    if (!clip) throw new Error(`buildSessionPlan: clip '${id}' was not prepared`);
    turns.push({
      clip,
      thinkTimeMs: Math.round(minMs + (maxMs - minMs) * random()),
      bargeInAfterAudioMs: scenario.bargeIn ? scenario.bargeIn.afterAudioMs : null,
    });
  }
  const arm = efforts[index] ?? sessionArms(scenario)[0] ?? 'none';
  // A Live arm session: its own URL (/v1/live/sessions), model and kind; no effort (§7 of docs/live-protocol.md).
  const live = arm === LIVE_ARM;
  const plan: SessionPlan = {
    index,
    url: live && scenario.kind !== 'live' ? liveSessionUrl(ctx.url) : ctx.url,
    headers: ctx.headers,
    kind: live ? 'live' : scenario.kind,
    model: live && scenario.live ? scenario.live.model : scenario.model,
    effort: live ? null : effortOf(arm as EffortKey),
    voice: scenario.voice,
    instructions: scenario.instructions,
    outputModalities: scenario.outputModalities,
    turnMode: scenario.turnMode,
    turnDetection: toWireTurnDetection(scenario.turnDetection),
    format: scenario.wireFormat,
    chunkMs: scenario.chunkMs,
    tools: scenario.tools,
    turns,
    turnTimeoutMs: scenario.timeouts.turnMs,
    connectTimeoutMs: scenario.timeouts.connectMs,
    transport: scenario.transport,
    ...(scenario.outputLanguage !== null ? { translationOutputLanguage: scenario.outputLanguage } : {}),
  };
  return plan;
}

/** Clip ids the scenario can pick (a list's ids, or the whole corpus for random choice). */
export function clipIdsNeeded(scenario: Pick<ResolvedScenario, 'clips'>, corpusIds: readonly string[]): string[] {
  return scenario.clips.type === 'list' ? [...new Set(scenario.clips.ids)] : [...corpusIds];
}
