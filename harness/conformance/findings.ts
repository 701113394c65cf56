/**
 * Where a session's findings go: capped per rule (the rest only counted), with raw excerpts that are
 * short and never carry anything that looks like a credential.
 */
import { RULES_BY_ID, type RuleId } from './catalogue.ts';
import type { Finding } from './types.ts';

/** Longest excerpt of a raw frame kept in a finding, chars. */
export const MAX_EXCERPT_CHARS = 300;

/** Default cap of findings per rule per session. */
export const DEFAULT_MAX_FINDINGS_PER_RULE = 20;

// API keys (`sk-…`, `sk-proj-…`), ephemeral client secrets (`ek_…`, §8.1) and bearer tokens. The
// lookbehind keeps words such as "task-list" intact; the tail is short so that a key cut by the
// excerpt boundary is still caught.
const SECRET_PATTERNS: readonly RegExp[] = [
  /(?<![A-Za-z0-9])(sk-|ek_)[A-Za-z0-9_-]{2,}/g,
  /(Bearer\s+)[^\s"',;}]+/gi,
  /("(?:api[_-]?key|authorization|client_secret|secret|token)"\s*:\s*")[^"]*/gi,
];

/** Replaces anything that looks like a key or token with `<prefix>[REDACTED]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS) out = out.replace(re, '$1[REDACTED]');
  return out;
}

/**
 * At most {@link MAX_EXCERPT_CHARS} chars of `raw`, redacted. Redaction runs before and after the
 * cut so that neither a whole nor a truncated key survives.
 */
export function excerpt(raw: string, maxChars: number = MAX_EXCERPT_CHARS): string {
  const head = redactSecrets(raw.length > maxChars * 4 ? raw.slice(0, maxChars * 4) : raw);
  if (head.length <= maxChars) return head;
  return redactSecrets(`${head.slice(0, maxChars - 1)}…`);
}

/** What a rule reports a finding against: an event index, its type, and its raw text (read lazily). */
export interface EventRef {
  readonly index: number;
  readonly type: string;
  readonly raw: string;
}

/** A ref for findings found at close/finish rather than on one event. */
export const NO_EVENT: EventRef = { index: -1, type: '', raw: '' };

/** Collects findings for one session with a per-rule cap. */
export class FindingSink {
  private readonly kept: Finding[] = [];
  private readonly perRule = new Map<string, number>();
  private readonly maxPerRule: number;
  private readonly sessionId: string | undefined;

  /** @param maxPerRule findings kept per rule (default 20); @param sessionId copied onto findings. */
  constructor(maxPerRule: number = DEFAULT_MAX_FINDINGS_PER_RULE, sessionId?: string) {
    this.maxPerRule = Math.max(1, Math.floor(maxPerRule));
    this.sessionId = sessionId;
  }

  /** Records one finding of `ruleId` (the excerpt is only built when the finding is kept). */
  report(ruleId: RuleId, message: string, at: EventRef): void {
    const n = (this.perRule.get(ruleId) ?? 0) + 1;
    this.perRule.set(ruleId, n);
    if (n > this.maxPerRule) return;
    const rule = RULES_BY_ID.get(ruleId)!;
    const finding: Finding = {
      ruleId,
      severity: rule.severity,
      message: redactSecrets(message),
      eventIndex: at.index,
      eventType: at.type,
      rawExcerpt: excerpt(at.raw),
      ...(this.sessionId !== undefined ? { sessionId: this.sessionId } : {}),
    };
    this.kept.push(finding);
  }

  /** How often `ruleId` fired so far, kept or not. */
  count(ruleId: string): number {
    return this.perRule.get(ruleId) ?? 0;
  }

  /** Kept findings plus one summary finding per capped rule carrying `suppressed`. */
  toArray(): Finding[] {
    const out = [...this.kept];
    for (const [ruleId, n] of this.perRule) {
      if (n <= this.maxPerRule) continue;
      const rule = RULES_BY_ID.get(ruleId)!;
      out.push({
        ruleId,
        severity: rule.severity,
        message: `${n - this.maxPerRule} more findings of ${ruleId} in this session were not kept (cap ${this.maxPerRule} per rule)`,
        eventIndex: -1,
        eventType: '',
        rawExcerpt: '',
        suppressed: n - this.maxPerRule,
        ...(this.sessionId !== undefined ? { sessionId: this.sessionId } : {}),
      });
    }
    return out;
  }
}
