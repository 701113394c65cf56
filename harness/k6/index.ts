/** k6 export (scenario → k6 script, clips, k6-operator TestRun) and k6 summary import. */
export { exportK6, defaultSessionUrl, audioFootprint } from './export.ts';
export { importK6Summary, parseK6Summary, k6MetricByEffort, splitMetricKey, K6_AGGREGATES_NOTE, type K6Aggregate, type K6SummaryImport, type K6ThresholdResult } from './summary-import.ts';
export { buildK6Options, thresholdsFor, executorFor, arrivalRate, k6Duration, SUMMARY_TREND_STATS, K6_SCENARIO_NAME, type ExecutorPlan } from './k6-options.ts';
export { buildScriptConfig, planRowCount, MAX_PLAN_ROWS, MAX_PLAN_TURNS } from './script-config.ts';
export { renderScript, SCRIPT_TEMPLATE_PATH } from './render.ts';
export { testRunManifest, exportReadme, estimateArchiveBytes, k8sName, CONFIGMAP_LIMIT_BYTES, type TestRunSpec } from './manifests.ts';
export { DEFAULT_MOCK_URL, type K6AudioMode, type K6ExportOptions, type K6ExportResult, type K6ScriptConfig, type K6ClipInfo, type K6SessionRow } from './types.ts';
