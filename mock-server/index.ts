/**
 * Public API of the bundled mock Realtime server. Start it with {@link startMockServer}; the rest
 * is for users who calibrate the latency model or inject faults programmatically.
 */
export { startMockServer, resolveMockOptions, type MockServerOptions, type MockServerHandle } from './server.ts';
export type { ConnectionStats } from './connection.ts';
export {
  DEFAULT_LATENCY_PROFILE,
  loadLatencyProfile,
  parseLatencyProfile,
  scaleLatencyProfile,
  type LatencyProfile,
  type DelayDistribution,
} from './latency-profile.ts';
export { parseFaultSpecs, NO_FAULTS, type FaultPlan } from './faults.ts';
export type { TraceRecord, ReplayedDelays, ResponseTimingSource } from './contract.ts';
export { loadRecordedTiming, responseDelaysOf, RecordedTimingSource, type RecordedSessionTiming } from './replay/recorded-timing.ts';
export { CLIENT_SECRET_TTL } from './http.ts';
export { REALTIME_CLIENT_EVENTS } from './realtime/session.ts';
export { ANSWER_TEXTS, TOOL_FOLLOWUP_TEXTS, COMMENTARY_TEXTS } from './realtime/answers.ts';
export type { ToolPlan } from './realtime/tool-plan.ts';
export { ClientFindings, hasFindingAtOrAbove, RECONNECT_WINDOW_MS, type ClientFindingsOptions, type ClientFindingsReport, type ClientSessionSummary } from './client-findings/collector.ts';
export { CLIENT_RULES, SEVERITY_RANK, type ClientRule, type ClientFinding, type Severity } from './client-findings/rules.ts';
export { clientFindingsJson, clientFindingsJUnit, clientFindingsHtml, clientFindingsText, findingWhere } from './client-findings/report.ts';
export type { ClientObserver, ClientObserverFactory, ClientSessionInfo, ClientHttpRequestInfo } from './client-findings/observer.ts';
