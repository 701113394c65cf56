/**
 * Cost: the dated price card, cost from measured usage (or estimates from audio durations), run
 * cost by model × effort and turn index, projections from assumptions, `cost.csv` and text tables.
 */
export * from './price-card.ts';
export * from './usage-cost.ts';
export * from './run-cost.ts';
export * from './projection.ts';
export * from './cost-csv.ts';
export * from './format.ts';
export * from './read-run.ts';
export * from './estimate.ts';
export * from './budget.ts';
export * from './budget-summary.ts';
