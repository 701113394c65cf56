/**
 * The `budget` block of `summary.json` and its console lines: the cap, the spend measured live,
 * the estimate made before the run and how far the measurement landed from it, and whether the
 * run was stopped at the budget.
 */
import type { CostEstimate } from './estimate.ts';
import { estimateDifferencePct, signedPct, type SpendTracker } from './budget.ts';
import { formatUsd } from './format.ts';

/** `summary.json` → `budget` (present when cost was tracked: a non-mock target, a cap, or `--estimate-from`). */
export interface BudgetBlock {
  currency: 'USD';
  /** Date of the price card used. */
  price_card_as_of: string;
  /** `--max-cost-usd`, or null without a cap. */
  cap_usd: number | null;
  /** Spend of the priced turns (measured usage, plus estimates where the target gave none). */
  spent_usd: number;
  /** Part of `spent_usd` estimated from audio durations. */
  spent_estimated_part_usd: number;
  turns_priced: number;
  /** Turns that could not be priced (a price missing), with `unpriced_reasons`. */
  turns_unpriced: number;
  unpriced_reasons: string[];
  /** The estimate made before the run, USD (null when unknown). */
  estimated_usd: number | null;
  /** `scenario` or `run DIR`. */
  estimate_source: string | null;
  /** Turns the estimate expected. */
  estimated_turns: number | null;
  /** (spent − estimated) / estimated × 100; null when either is unknown. */
  measured_vs_estimate_pct: number | null;
  /** New turns stopped because one more would have crossed the cap. */
  stopped_at_budget: boolean;
}

/** Builds the block from the run's tracker and estimate. */
export function budgetBlock(tracker: SpendTracker, estimate: CostEstimate | null, asOf: string, stoppedAtBudget: boolean): BudgetBlock {
  const round = (v: number): number => Math.round(v * 1e6) / 1e6;
  const pct = estimateDifferencePct(estimate?.usd ?? null, tracker.spentUsd);
  return {
    currency: 'USD',
    price_card_as_of: asOf,
    cap_usd: tracker.capUsd,
    spent_usd: round(tracker.spentUsd),
    spent_estimated_part_usd: round(tracker.estimatedUsd),
    turns_priced: tracker.turnsPriced,
    turns_unpriced: tracker.unpricedTurns,
    unpriced_reasons: [...tracker.reasons],
    estimated_usd: estimate?.usd === null || estimate === null ? null : round(estimate.usd),
    estimate_source: estimate?.source ?? null,
    estimated_turns: estimate?.turns ?? null,
    measured_vs_estimate_pct: pct === null ? null : Math.round(pct * 10) / 10,
    stopped_at_budget: stoppedAtBudget,
  };
}

/** Console lines of the block (never a key: only figures). */
export function formatBudgetLines(b: BudgetBlock): string[] {
  const lines: string[] = [];
  const est = b.spent_estimated_part_usd > 0 ? ` (${formatUsd(b.spent_estimated_part_usd)} of it estimated from audio: no usage from the target)` : '';
  lines.push(`Cost: spent ${formatUsd(b.spent_usd)} over ${b.turns_priced} priced turn(s)${est}${b.cap_usd === null ? '' : `, cap ${formatUsd(b.cap_usd)}`} — price card of ${b.price_card_as_of}`);
  if (b.stopped_at_budget) lines.push(`Stopped at budget: one more turn would have crossed --max-cost-usd ${formatUsd(b.cap_usd)}; no new turns started, open turns finished`);
  if (b.estimated_usd !== null) {
    const partial = b.estimated_turns !== null && b.turns_priced < b.estimated_turns ? ` (${b.turns_priced} of ${b.estimated_turns} expected turns ran)` : '';
    lines.push(`Cost estimate (${b.estimate_source}): estimated ${formatUsd(b.estimated_usd)}, measured ${formatUsd(b.spent_usd)} (${signedPct(b.measured_vs_estimate_pct)})${partial}`);
  }
  if (b.turns_unpriced > 0) lines.push(`Cost: ${b.turns_unpriced} turn(s) unpriced: ${b.unpriced_reasons.join('; ')}`);
  return lines;
}
