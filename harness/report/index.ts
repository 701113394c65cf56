/**
 * Reports: a run rebuilt from its data files, report.html, turns.csv / sessions.csv (cost.csv via
 * the cost module), .hlog interval logs, merging runs by adding histograms, and comparing runs.
 */
export { readRunFiles, parseJsonlLines, toTurn, toSession, type RunFiles, type SkippedLine, type SessionRecord, type ReportSummary, type RunRecordFile, type MergedInput } from './read-run.ts';
export { rebuildRun, rebuildFromFiles, recordRun, skippedNotes, type RebuiltRun, type SendLagSource } from './rebuild.ts';
export { turnFirstUs, turnEndUs } from './turn-times.ts';
export { parseHgrm, histogramFromHgrm, type HgrmRow } from './hgrm-read.ts';
export { turnsCsvRows, sessionsCsvRows, writeTurnsCsv, writeSessionsCsv, toCsv, TURNS_CSV_COLUMNS, SESSIONS_CSV_COLUMNS } from './csv.ts';
export { buildHlog, writeHlog, readHlogTotals, DEFAULT_HLOG_INTERVAL_S, type HlogOptions, type HlogResult } from './hlog.ts';
export { buildReportData, percentileCurve, ninesOf, ninesLabel, REPORT_DATA_SCHEMA, type ReportData, type PercentileCurve } from './model.ts';
export { buildTimeline, type Timeline } from './timeline.ts';
export { renderReportHtml, REPORT_CSP } from './html.ts';
export { writeReportFiles, writeRebuiltReport, type WriteReportOptions, type ReportFiles } from './write-report.ts';
export { mergeRuns, mergeRebuilt, type MergeResult } from './merge.ts';
export {
  compareSummaries,
  formatComparison,
  parseRegressionLimits,
  parseMetricList,
  readRunSummary,
  COMPARE_METRICS,
  COMPARE_STATS,
  type CompareResult,
  type CompareRow,
  type RegressionLimit,
} from './compare.ts';
export { planTurns, formatPlan, profileShape, runShape, MOCK_PROFILE, PLAN_METHOD, type Plan, type PlanInput } from './plan.ts';
export { writeK6Report, renderK6ReportHtml, k6CsvRows } from './k6-report.ts';
