/**
 * The cost guard of `rth run`, before anything connects: validates `--max-cost-usd`,
 * `--confirm-above-usd`, `--estimate-from` and `--price-card`, prints the estimate, and decides
 * whether the run may start (`--yes`, a "y" typed on a terminal, or an estimate under the
 * threshold). Nothing here opens a socket; a refusal throws before `runScenario` is called.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../../../common/errors.ts';
import { budgetSupport, DEFAULT_CONFIRM_ABOVE_USD, formatUsd, loadPriceCard, startDecision } from '../../cost/index.ts';
import { estimateRun } from '../../cost/run-estimate.ts';
import type { RunOptions } from '../../runner/run-scenario.ts';
import type { ResolvedScenario } from '../../scenario/types.ts';
import type { CliIo } from '../io.ts';

/** The cost flags of `rth run`, as commander gives them. */
export interface CostGuardFlags {
  maxCostUsd?: string;
  confirmAboveUsd?: string;
  estimateFrom?: string;
  priceCard?: string;
  /** `--yes` sets true. */
  yes?: boolean;
}

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function usdFlag(name: string, raw: string | undefined, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const n = NUMBER.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n <= 0) {
    problems.push(`${name}: expected an amount of USD > 0, got '${raw}'`);
    return undefined;
  }
  return n;
}

/**
 * Runs the guard. Cost is tracked (and the estimate printed) when the target is not the embedded
 * mock, or a cap or `--estimate-from` is given; the confirmation applies to non-mock targets only
 * (the embedded mock costs nothing).
 * @returns the `cost` option for `runScenario`, or undefined when cost is not tracked
 * @throws ConfigError `E_FLAG` for bad flags, `E_COST_CONFIRM` when the run may not start
 */
export async function costGuard(scenario: ResolvedScenario, flags: CostGuardFlags, io: CliIo): Promise<RunOptions['cost']> {
  const problems: string[] = [];
  const capUsd = usdFlag('--max-cost-usd', flags.maxCostUsd, problems);
  const confirmAboveUsd = usdFlag('--confirm-above-usd', flags.confirmAboveUsd, problems) ?? DEFAULT_CONFIRM_ABOVE_USD;
  if (problems.length) throw new ConfigError('E_FLAG', problems);
  const billed = scenario.target !== 'mock';
  if (!billed && capUsd === undefined && flags.estimateFrom === undefined) return undefined;

  const card = loadPriceCard(flags.priceCard === undefined ? undefined : resolve(flags.priceCard));
  if (capUsd !== undefined) {
    const support = budgetSupport(card, scenario.model);
    if (!support.ok) throw new ConfigError('E_FLAG', `--max-cost-usd: cannot cap the spend of this run: ${support.reason}`);
  }
  const { estimate, warnings } = await estimateRun(scenario, { card, estimateFrom: flags.estimateFrom === undefined ? undefined : resolve(flags.estimateFrom) });
  for (const w of warnings) io.err(`rth run: ${w}`);
  const cap = capUsd === undefined ? '' : `; cap ${formatUsd(capUsd)} (--max-cost-usd)`;
  io.err(
    estimate.usd === null
      ? `rth run: estimated cost unknown: ${estimate.reason}${cap}`
      : `rth run: estimated cost ${formatUsd(estimate.usd)} for ~${estimate.turns} turn(s) (from ${estimate.source}: ${estimate.basis})${cap}`,
  );

  if (billed) {
    const decision = startDecision({ estimateUsd: estimate.usd, reason: estimate.reason, confirmAboveUsd, yes: flags.yes === true, canAsk: io.ask !== undefined });
    if (decision.action === 'refuse') throw new ConfigError('E_COST_CONFIRM', decision.message);
    if (decision.action === 'ask') {
      const answer = (await io.ask!(decision.question)).trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') throw new ConfigError('E_COST_CONFIRM', 'rth run: not started (not confirmed)');
    }
  }
  return { card, capUsd: capUsd ?? null, estimate };
}
