/**
 * Passive conformance checking (issue 4): the rule catalogue, the per-session checker, findings,
 * `conformance.json` and JUnit output. See docs/readme/conformance.md.
 */
export { RULES, RULES_BY_ID, ruleById, type RuleId } from './catalogue.ts';
export { createConformanceChecker } from './checker.ts';
export { excerpt, redactSecrets, MAX_EXCERPT_CHARS, DEFAULT_MAX_FINDINGS_PER_RULE } from './findings.ts';
export { escapeXml, toJunitXml } from './junit.ts';
export { checkRecordedStream, classifyServerFrame, parseRecordedStream, type RecordedStream, type StreamLine } from './replay.ts';
export {
  buildConformanceReport,
  countByRule,
  hasErrorFindings,
  summarizeRules,
  writeConformanceJson,
  type ConformanceReport,
  type ProbeResult,
  type RuleResult,
} from './report.ts';
export type {
  ClientEventInput,
  ConformanceChecker,
  ConformanceCheckerOptions,
  Finding,
  InputEvent,
  KnownInputEvent,
  MalformedInputEvent,
  RuleDef,
  RuleGroup,
  SessionKind,
  Severity,
  UnknownInputEvent,
} from './types.ts';
