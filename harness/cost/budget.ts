/**
 * Spend during a run and the decisions around it: {@link SpendTracker} prices each finished turn as
 * it arrives (its `response.done` usage; an estimate from audio durations where the target gave
 * none, exactly as `rth cost` does), and says when one more turn per open session would cross the
 * cap; {@link startDecision} says whether a run may start given its estimate.
 */
import type { TurnResult } from '../contract.ts';
import { lookupModel, type PriceCard } from './price-card.ts';
import {
  ASSISTANT_AUDIO_TOKENS_PER_S,
  audioTokensOf,
  costOfTranscriptionUsage,
  costOfUsage,
  estimateFromAudio,
  parseResponseUsage,
  USER_AUDIO_TOKENS_PER_S,
  type CostFigure,
} from './usage-cost.ts';

/** Default of `--confirm-above-usd`: estimates above this need `--yes` (or a "y" on a terminal). */
export const DEFAULT_CONFIRM_ABOVE_USD = 5;

/** Options of {@link SpendTracker}. */
export interface SpendTrackerOptions {
  card: PriceCard;
  /** The cap, USD; null tracks spend without a cap. */
  capUsd: number | null;
  /** Expected cost of one turn until a turn is measured (the estimate's first turn), USD; null = 0. */
  turnUsdHint: number | null;
  /** Turns expected over the whole run (for the projection), or null. */
  expectedTurns: number | null;
}

const sumMs = (ds: TurnResult['audioDeltas']): number => ds.reduce((s, d) => s + (Number.isFinite(d.durationMs) ? d.durationMs : 0), 0);
const hadResponse = (t: TurnResult): boolean => t.usage !== null || t.milestones.responseCreatedUs !== null || t.audioDeltas.length > 0;

/** Live spend of a run. Not thread-safe by design: it lives on the main thread, fed by the run's turn events. */
export class SpendTracker {
  /** USD of every priced turn (measured and estimated). */
  spentUsd = 0;
  /** Part of `spentUsd` estimated from audio durations (no usage from the target). */
  estimatedUsd = 0;
  /** Turns with a price. */
  turnsPriced = 0;
  /** Turns whose response could not be priced (a price missing on the card), with the reasons. */
  unpricedTurns = 0;
  readonly reasons = new Set<string>();
  private maxTurnUsd = 0;
  private readonly contextAudio = new Map<number, number>();

  constructor(private readonly opts: SpendTrackerOptions) {}

  get capUsd(): number | null {
    return this.opts.capUsd;
  }

  /**
   * Prices a finished turn and adds it. A turn with readable usage is priced from it; a turn that
   * got a response without usage is estimated from its audio (earlier audio of the session counted
   * as re-billed context); a turn with no response costs nothing (a transcription session's turn
   * is priced from its transcription usage).
   * @returns the turn's figure, or null when it cost nothing
   */
  addTurn(t: TurnResult): CostFigure | null {
    let fig: CostFigure | null = null;
    if (hadResponse(t)) {
      const ctx = this.contextAudio.get(t.sessionIndex) ?? 0;
      fig = parseResponseUsage(t.usage).ok
        ? costOfUsage(t.usage, t.model, this.opts.card)
        : estimateFromAudio({ userSpeechMs: t.userSpeechMs, assistantAudioMs: sumMs(t.audioDeltas), model: t.model, card: this.opts.card, contextAudioTokens: ctx });
      this.contextAudio.set(t.sessionIndex, ctx + audioTokensOf(t.userSpeechMs, USER_AUDIO_TOKENS_PER_S) + audioTokensOf(sumMs(t.audioDeltas), ASSISTANT_AUDIO_TOKENS_PER_S));
    } else if (t.transcriptionUsage) {
      fig = costOfTranscriptionUsage(t.transcriptionUsage, t.model, this.opts.card);
    }
    if (fig === null) return null;
    if (fig.usd === null) {
      this.unpricedTurns++;
      if (fig.reason) this.reasons.add(fig.reason);
      return fig;
    }
    this.spentUsd += fig.usd;
    if (fig.estimated) this.estimatedUsd += fig.usd;
    this.turnsPriced++;
    this.maxTurnUsd = Math.max(this.maxTurnUsd, fig.usd);
    return fig;
  }

  /**
   * The expected cost of one more turn, USD: the dearest turn priced so far (a session's turns get
   * dearer as its context grows, so the dearest seen is the nearest measured figure to the next
   * one), or the estimate's first-turn hint until a turn is priced.
   */
  nextTurnUsd(): number {
    return this.turnsPriced > 0 ? this.maxTurnUsd : (this.opts.turnUsdHint ?? 0);
  }

  /**
   * Whether starting turns should stop: the spend so far plus one more turn in every open session
   * would cross the cap. `openSessions` counts the sessions that will start (or have started) a
   * turn whose cost is not yet in `spentUsd`.
   */
  wouldCross(openSessions: number): boolean {
    const cap = this.opts.capUsd;
    if (cap === null) return false;
    return this.spentUsd + Math.max(1, openSessions) * this.nextTurnUsd() > cap;
  }

  /** Spend at the end of the run if the remaining expected turns cost what the priced ones did on average, USD; null without an expected turn count. */
  projectedUsd(): number | null {
    const expected = this.opts.expectedTurns;
    if (expected === null) return null;
    const done = this.turnsPriced + this.unpricedTurns;
    const mean = this.turnsPriced > 0 ? this.spentUsd / this.turnsPriced : this.opts.turnUsdHint ?? 0;
    return this.spentUsd + Math.max(0, expected - done) * mean;
  }
}

/** Whether a model can be held to a cap (token-priced and on the card), or why not. */
export function budgetSupport(card: PriceCard, model: string): { ok: true } | { ok: false; reason: string } {
  const found = lookupModel(card, model);
  if (!found.ok) return found;
  if (found.price.kind !== 'tokens') return { ok: false, reason: `${model} is priced per minute of audio; the cap counts priced turns of token-priced models only` };
  return { ok: true };
}

/** What to do before a run starts. */
export type StartDecision =
  /** Start. */
  | { action: 'start' }
  /** Ask on the terminal; start only on "y". */
  | { action: 'ask'; question: string }
  /** Do not start; the message says why and what to pass. */
  | { action: 'refuse'; message: string };

/**
 * Decides whether a run may start. An estimate above `confirmAboveUsd` (or an unknown estimate:
 * it cannot be shown to be below) needs `yes`, or a "y" typed on a terminal; without a terminal
 * (CI) the run is refused.
 */
export function startDecision(x: { estimateUsd: number | null; reason: string | null; confirmAboveUsd: number; yes: boolean; canAsk: boolean }): StartDecision {
  if (x.yes) return { action: 'start' };
  if (x.estimateUsd !== null && x.estimateUsd <= x.confirmAboveUsd) return { action: 'start' };
  const what =
    x.estimateUsd === null
      ? `the estimated cost is unknown (${x.reason ?? 'no price'})`
      : `the estimated cost $${x.estimateUsd.toFixed(2)} is above --confirm-above-usd $${x.confirmAboveUsd.toFixed(2)}`;
  if (x.canAsk) return { action: 'ask', question: `rth run: ${what}. Start the run? [y/N] ` };
  return { action: 'refuse', message: `rth run: not started: ${what}, and there is no terminal to confirm on; pass --yes to start anyway` };
}

/** "estimated $X, measured $Y (+Z %)": Z is measured relative to the estimate; null when either is unknown or the estimate is 0. */
export function estimateDifferencePct(estimatedUsd: number | null, measuredUsd: number): number | null {
  if (estimatedUsd === null || estimatedUsd <= 0) return null;
  return ((measuredUsd - estimatedUsd) / estimatedUsd) * 100;
}

/** Formats a signed percentage, e.g. `+12.3 %`. */
export function signedPct(v: number | null): string {
  if (v === null) return 'n/a';
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)} %`;
}
