/**
 * The cost of a run before it starts: from the scenario (sessions, expected turns, clip speech
 * lengths, efforts, instructions) priced with the dated card through the projection's turn model
 * (growing context, `auto` caching, reasoning tokens by effort), or from a previous run of the same
 * scenario (its measured mean cost per response at each turn index). Pure: no I/O.
 */
import type { SessionResult, TurnResult } from '../contract.ts';
import { lookupModel, type PriceCard } from './price-card.ts';
import { DEFAULT_ASSUMPTIONS, DEFAULT_REASONING_TOKENS, sessionTurnTokens, type ProjectionEffort } from './projection.ts';
import { computeRunCost } from './run-cost.ts';
import { ASSISTANT_AUDIO_TOKENS_PER_S, priceTokens, USER_AUDIO_TOKENS_PER_S, zeroClasses } from './usage-cost.ts';

/**
 * Assistant audio per response, s (assumption: OpenAI publishes no figure; a short spoken answer
 * of ~10 words at ~150 words per minute). `--estimate-from RUN_DIR` replaces it with a measurement.
 */
export const ASSUMED_ASSISTANT_AUDIO_S = 4;
/** Time from the end of user speech to the start of the answer, s (assumption, for turns-per-duration only). */
export const ASSUMED_RESPONSE_WAIT_S = 1.5;
/** Characters per text token of the instructions (the usual English rule of thumb). */
export const CHARS_PER_TOKEN = 4;
/** Text tokens of a transcript per second of user speech (same assumption as the projection's transcript rate). */
const TRANSCRIPT_TOKENS_PER_S = 3;

/** What the scenario-based estimate needs (the CLI fills it from the resolved scenario and corpus). */
export interface ScenarioCostInput {
  model: string;
  kind: 'realtime' | 'transcription' | 'translation' | 'live';
  /** Sessions of the run (closed model: concurrent; open model: total). */
  sessions: number;
  /** Turns per session, or null when bounded by `durationS` only. */
  turnsPerSession: number | null;
  /** Run length, s, or null. */
  durationS: number | null;
  /** Mean think time before each turn, ms. */
  meanThinkMs: number;
  /** Mean whole clip length streamed per turn, ms. */
  meanClipMs: number;
  /** Mean user speech per clip (speech end − speech start), ms: what turns.jsonl records as `userSpeechMs`. */
  meanUserSpeechMs: number;
  /** Every session's effort (`none` = no reasoning). */
  sessionEfforts: readonly string[];
  /** Session instructions, or null. */
  instructions: string | null;
}

/** A cost estimate of a whole run. */
export interface CostEstimate {
  /** USD of the whole run, or null when a price is missing (see `reason`). */
  usd: number | null;
  /** Why `usd` is null. */
  reason: string | null;
  /** `scenario`, or `run DIR` for `--estimate-from`. */
  source: string;
  /** Turns expected over the run. */
  turns: number;
  turnsPerSession: number;
  sessions: number;
  /** Expected cost of a session's first turn, USD: the budget's "one more turn" until a turn is measured. */
  firstTurnUsd: number | null;
  /** Price card date. */
  asOf: string;
  /** One line: what the estimate rests on. */
  basis: string;
}

/** Expected turns per session: `turnsPerSession`, capped by how many fit in `durationS` at the assumed turn length. */
export function expectedTurnsPerSession(x: Pick<ScenarioCostInput, 'turnsPerSession' | 'durationS' | 'meanThinkMs' | 'meanClipMs'>): number {
  const cycleMs = x.meanThinkMs + x.meanClipMs + (ASSUMED_RESPONSE_WAIT_S + ASSUMED_ASSISTANT_AUDIO_S) * 1000;
  const byDuration = x.durationS === null ? Infinity : Math.max(1, Math.ceil((x.durationS * 1000) / cycleMs));
  const n = Math.min(x.turnsPerSession ?? Infinity, byDuration);
  return Number.isFinite(n) ? n : 1;
}

/**
 * Estimates a run from its scenario. Realtime sessions: each turn priced with the projection's
 * token model (user audio 10 tok/s, assistant audio 20 tok/s and its transcript, the whole
 * conversation re-billed as input, `auto` prefix caching, reasoning tokens by effort). Per-minute
 * models: every expected connected minute. Token-priced transcription: user audio in, transcript out.
 * Open-model sessions arriving late run fewer turns than estimated: the estimate errs high.
 */
export function estimateFromScenario(x: ScenarioCostInput, card: PriceCard): CostEstimate {
  const turnsPerSession = expectedTurnsPerSession(x);
  const base = { source: 'scenario', turns: turnsPerSession * x.sessions, turnsPerSession, sessions: x.sessions, asOf: card.as_of };
  const basis =
    `${x.sessions} session(s) × ${turnsPerSession} turn(s), ${(x.meanUserSpeechMs / 1000).toFixed(1)} s user speech and ${ASSUMED_ASSISTANT_AUDIO_S} s assistant audio per turn ` +
    `(${USER_AUDIO_TOKENS_PER_S}/${ASSISTANT_AUDIO_TOKENS_PER_S} audio tok/s), context re-billed each turn, price card of ${card.as_of}`;
  const found = lookupModel(card, x.model);
  if (!found.ok) return { ...base, usd: null, firstTurnUsd: null, reason: found.reason, basis };
  const price = found.price;
  if (price.kind === 'per_minute') {
    if (price.usd_per_minute === null) return { ...base, usd: null, firstTurnUsd: null, reason: `no per-minute price for ${x.model} on the price card`, basis };
    const cycleMs = x.meanThinkMs + x.meanClipMs + ASSUMED_RESPONSE_WAIT_S * 1000;
    const minutesPerSession = x.durationS !== null ? x.durationS / 60 : (turnsPerSession * cycleMs) / 60_000;
    const perTurn = (cycleMs / 60_000) * price.usd_per_minute;
    return { ...base, usd: minutesPerSession * x.sessions * price.usd_per_minute, firstTurnUsd: perTurn, reason: null, basis: `${x.sessions} session(s) × ${minutesPerSession.toFixed(2)} connected min at the per-minute price, price card of ${card.as_of}` };
  }
  if (x.kind === 'transcription') {
    const t = zeroClasses();
    t.audio_in = Math.ceil((x.meanUserSpeechMs / 1000) * USER_AUDIO_TOKENS_PER_S);
    t.text_out = Math.ceil((x.meanUserSpeechMs / 1000) * TRANSCRIPT_TOKENS_PER_S);
    const p = priceTokens(t, price, x.model, found.name);
    return { ...base, usd: p.usd === null ? null : p.usd * base.turns, firstTurnUsd: p.usd, reason: p.reason, basis };
  }
  const instructionsTokens = x.instructions === null ? 0 : Math.ceil(x.instructions.length / CHARS_PER_TOKEN);
  // The projection's session model, one turn per "minute", so its talk shares are seconds / 60.
  const assumptions = {
    ...DEFAULT_ASSUMPTIONS,
    minutesPerMonth: 1,
    avgSessionMin: turnsPerSession,
    turnsPerMin: 1,
    userTalkShare: x.meanUserSpeechMs / 60_000,
    assistantTalkShare: ASSUMED_ASSISTANT_AUDIO_S / 60,
    instructionsTokens,
  };
  const sessionsByEffort = new Map<string, number>();
  for (const e of x.sessionEfforts) sessionsByEffort.set(e, (sessionsByEffort.get(e) ?? 0) + 1);
  let usd = 0;
  let firstTurnUsd = 0;
  for (const [effort, n] of sessionsByEffort) {
    const eff = (price.reasoning && effort in DEFAULT_REASONING_TOKENS ? effort : 'none') as ProjectionEffort;
    const turns = sessionTurnTokens(assumptions, DEFAULT_REASONING_TOKENS[eff]);
    for (const [k, turn] of turns.entries()) {
      const p = priceTokens(turn, price, x.model, found.name);
      if (p.usd === null) return { ...base, usd: null, firstTurnUsd: null, reason: p.reason, basis };
      usd += p.usd * n;
      if (k === 0) firstTurnUsd = Math.max(firstTurnUsd, p.usd);
    }
  }
  return { ...base, usd, firstTurnUsd, reason: null, basis };
}

/**
 * Estimates a run from a previous run of the same scenario: for each planned turn index, the
 * previous run's mean measured cost per response at that index (beyond its last index, the last
 * index's mean: an underestimate when the conversation keeps growing, stated in `basis`).
 * Per-minute models: the previous run's cost per connected minute × its mean session length.
 */
export function estimateFromRun(
  turns: readonly TurnResult[],
  sessions: readonly SessionResult[],
  card: PriceCard,
  plan: { sessions: number; turnsPerSession: number },
  source: string,
): CostEstimate {
  const cost = computeRunCost(turns, sessions, card);
  const base = { source: `run ${source}`, turns: plan.sessions * plan.turnsPerSession, turnsPerSession: plan.turnsPerSession, sessions: plan.sessions, asOf: card.as_of };
  if (cost.total.usd === null) return { ...base, usd: null, firstTurnUsd: null, reason: cost.total.reasons.join('; ') || 'the previous run has unpriced parts', basis: `previous run ${source}` };
  const byIndex = cost.total.byTurnIndex.filter((t) => t.meanUsd !== null);
  if (byIndex.length === 0) {
    const started = cost.sessions.filter((s) => s.connectedMs > 0).length;
    if (started === 0) return { ...base, usd: null, firstTurnUsd: null, reason: `previous run ${source} has no priced turn or session`, basis: `previous run ${source}` };
    const perSession = cost.total.usd / started;
    return { ...base, usd: perSession * plan.sessions, firstTurnUsd: perSession / Math.max(1, plan.turnsPerSession), reason: null, basis: `previous run ${source}: ${perSession.toFixed(4)} USD per session` };
  }
  let perSession = 0;
  for (let k = 1; k <= plan.turnsPerSession; k++) {
    const at = byIndex.find((t) => t.turnIndex === k) ?? byIndex.filter((t) => t.turnIndex < k).at(-1) ?? byIndex[0]!;
    perSession += at.meanUsd!;
  }
  const lastIndex = byIndex.at(-1)!.turnIndex;
  const note = plan.turnsPerSession > lastIndex ? `; turns beyond ${lastIndex} priced at turn ${lastIndex}'s mean (low: the context keeps growing)` : '';
  return {
    ...base,
    usd: perSession * plan.sessions,
    firstTurnUsd: byIndex[0]!.meanUsd,
    reason: null,
    basis: `previous run ${source}: mean measured cost per response by turn index over ${cost.total.responses} response(s)${note}, price card of ${card.as_of}`,
  };
}

