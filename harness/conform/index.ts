/** `rth conform`: active probes, recovery scoring and the command library. */
export { runConform, PROBE_CLIP_IDS, EXPIRY_MOCK_MAX_SESSION_S, type ConformOptions, type ConformResult } from './conform.ts';
export { buildConformSummary, formatConformText, formatProbeLine, type ConformSummary, type RecoverySummary } from './conform-report.ts';
export { PROBES, selectProbes, shortProbeName } from './probes.ts';
export { runProbes, runOneProbe, type ProbeRun, type RunProbesOptions } from './run-probes.ts';
export { ProbeSession, errorOf, fieldsOf, pathOf, type ErrorInfo, type OutboundEvent, type ProbeSessionOptions, type WaitOptions } from './probe-session.ts';
export { scoreRecoveries, recoveryTimeStats, nearestRank, formatRecoveryTable, FAULT_KINDS, type RecoveryScore, type RecoveryTimeStats, type RecoveryTableRow } from './recovery-score.ts';
export { runRecoverySuite, DEFAULT_RECOVERY_FAULTS, type RecoveryFault, type RecoveryFaultResult, type RecoverySuiteOptions, type RecoverySuiteResult } from './recovery-suite.ts';
export { resolveRemoteTarget, mockProbeTarget, userUrlEndpoints, withWrongKey, parseHeaderFlags, WRONG_API_KEY, DEFAULT_PROBE_MODELS, type ProbeModels } from './target.ts';
export { ProbeFailure, type ProbeClips, type ProbeContext, type ProbeDef, type ProbeEndpoint, type ProbeOutcome, type ProbeTarget } from './types.ts';
