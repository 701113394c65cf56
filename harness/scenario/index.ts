/** Scenario files: schema, loader/resolver (with CLI overrides), effort assignment, clip choice. */
export { loadScenario, listScenarios, parseScenarioText, DEFAULT_SCENARIO, SHIPPED_SCENARIOS_DIR, type LoadScenarioOptions } from './load.ts';
export { resolveScenario, defaultSendLagBudgetMs, DEFAULT_DURATION_S, DEFAULT_MODELS, DEFAULT_OUTPUT_LANGUAGE, type ScenarioSource } from './resolve.ts';
export { assignEfforts } from './efforts.ts';
export { sessionStartOffsetsMs, thinkTimeMsFor } from './schedule.ts';
export { clipIdForTurn, clipIdProblems, validateClipIds } from './clips.ts';
export { toWireFormat, toWireTurnDetection } from './wire.ts';
export { seededRandom, shuffled } from './seeded.ts';
export { EFFORT_KEYS, SLO_METRICS, SLO_STATS, scenarioFileSchema, type ScenarioFile } from './schema.ts';
export type * from './types.ts';
