/** Measurement: turn metrics, HDR recorder, self-check, summary.json, text table, .hgrm files. */
export * from './histogram.ts';
export * from './turn-metrics.ts';
export * from './recorder.ts';
export * from './self-check.ts';
export * from './slo.ts';
export * from './summary.ts';
export { formatSummaryTable, verdictLine } from './summary-table.ts';
export { writeHgrm, hgrmFileName, percentileDistribution } from './hgrm.ts';
