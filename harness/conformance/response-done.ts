/**
 * Pure validators for the `response` object of `response.created` / `response.done`: terminal
 * status, `status_details` against status, and the usage invariants of §6.1. Each returns the
 * problems found (empty when conforming), so the checker decides which rule they belong to.
 */
import { asObj, num, show, str, type Obj } from './util.ts';

/** Terminal statuses of `response.done` (§2.3, S1 `RealtimeResponse.status` minus `in_progress`). */
export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'cancelled', 'failed', 'incomplete']);

const CANCEL_REASONS: ReadonlySet<string> = new Set(['turn_detected', 'client_cancelled']);
const INCOMPLETE_REASONS: ReadonlySet<string> = new Set(['max_output_tokens', 'content_filter']);

/** RT-DONE-001: problem with `response.status`, or null. */
export function checkTerminalStatus(response: Obj): string | null {
  const status = response['status'];
  return typeof status === 'string' && TERMINAL_STATUSES.has(status)
    ? null
    : `response.done status is ${show(status)}, expected one of completed, cancelled, failed, incomplete`;
}

/** RT-DONE-002: problems of `status_details` against `status` (§3.7, §3.8, §4.2, §5). */
export function checkStatusDetails(response: Obj): string[] {
  const status = response['status'];
  if (typeof status !== 'string' || !TERMINAL_STATUSES.has(status)) return [];
  const raw = response['status_details'];
  const details = asObj(raw);
  const problems: string[] = [];
  if (status === 'completed') {
    // §5: a completed response has `status_details: null`; a `{type:"completed"}` object is tolerated (S1 lists the type).
    if (raw !== null && raw !== undefined && str(details, 'type') !== 'completed') {
      problems.push(`completed response has status_details ${show(raw)}, expected null`);
    }
    return problems;
  }
  if (!details) return [`${status} response has status_details ${show(raw)}, expected an object with type "${status}"`];
  if (details['type'] !== status) problems.push(`status_details.type is ${show(details['type'])}, expected "${status}"`);
  const reason = details['reason'];
  if (status === 'cancelled' && !(typeof reason === 'string' && CANCEL_REASONS.has(reason))) {
    problems.push(`cancelled response has status_details.reason ${show(reason)}, expected turn_detected or client_cancelled`);
  }
  if (status === 'incomplete' && !(typeof reason === 'string' && INCOMPLETE_REASONS.has(reason))) {
    problems.push(`incomplete response has status_details.reason ${show(reason)}, expected max_output_tokens or content_filter`);
  }
  if (status === 'failed' && details['error'] !== undefined && details['error'] !== null) {
    const err = asObj(details['error']);
    if (!err) problems.push(`failed response has status_details.error ${show(details['error'])}, expected an object`);
    else {
      for (const k of ['type', 'code', 'message']) {
        const v = err[k];
        if (v !== undefined && v !== null && typeof v !== 'string') problems.push(`status_details.error.${k} is ${show(v)}, expected a string`);
      }
    }
  }
  return problems;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/**
 * RT-DONE-003: usage invariants of §6.1. Missing detail objects skip their sums (S1 marks them
 * optional); a missing `image_tokens` counts as 0.
 */
export function checkUsage(usage: Obj): string[] {
  const problems: string[] = [];
  const total = usage['total_tokens'];
  const input = usage['input_tokens'];
  const output = usage['output_tokens'];
  for (const [k, v] of [['total_tokens', total], ['input_tokens', input], ['output_tokens', output]] as const) {
    if (v !== undefined && !isCount(v)) problems.push(`usage.${k} is ${show(v)}, expected a non-negative integer`);
  }
  if (isCount(total) && isCount(input) && isCount(output) && total !== input + output) {
    problems.push(`usage.total_tokens ${total} ≠ input_tokens ${input} + output_tokens ${output}`);
  }
  const inDetails = asObj(usage['input_token_details']);
  if (inDetails) {
    const text = num(inDetails, 'text_tokens') ?? 0;
    const audio = num(inDetails, 'audio_tokens') ?? 0;
    const image = num(inDetails, 'image_tokens') ?? 0;
    if (isCount(input) && text + audio + image !== input) {
      problems.push(`usage.input_tokens ${input} ≠ text ${text} + audio ${audio} + image ${image}`);
    }
    const cached = inDetails['cached_tokens'];
    if (cached !== undefined) {
      if (!isCount(cached)) problems.push(`usage.input_token_details.cached_tokens is ${show(cached)}, expected a non-negative integer`);
      else {
        if (isCount(input) && cached > input) problems.push(`usage cached_tokens ${cached} > input_tokens ${input}`);
        const cd = asObj(inDetails['cached_tokens_details']);
        if (cd) {
          const sum = (num(cd, 'text_tokens') ?? 0) + (num(cd, 'audio_tokens') ?? 0) + (num(cd, 'image_tokens') ?? 0);
          // §6.1: cached is a subset of input, itemised in cached_tokens_details.
          if (sum !== cached) problems.push(`usage cached_tokens ${cached} ≠ Σ cached_tokens_details ${sum}`);
        }
      }
    }
  }
  const outDetails = asObj(usage['output_token_details']);
  if (outDetails && isCount(output)) {
    const text = num(outDetails, 'text_tokens') ?? 0;
    const audio = num(outDetails, 'audio_tokens') ?? 0;
    if (text + audio !== output) problems.push(`usage.output_tokens ${output} ≠ text ${text} + audio ${audio}`);
  }
  return problems;
}

/** RT-DONE-006: how `response.created.response` departs from `{status:"in_progress", output:[], usage:null, status_details:null}`. */
export function checkCreatedShape(response: Obj): string[] {
  const problems: string[] = [];
  if (response['status'] !== 'in_progress') problems.push(`status ${show(response['status'])}, expected "in_progress"`);
  const output = response['output'];
  if (output !== undefined && !(Array.isArray(output) && output.length === 0)) problems.push(`output ${show(output)}, expected []`);
  if (response['usage'] !== undefined && response['usage'] !== null) problems.push(`usage ${show(response['usage'])}, expected null`);
  if (response['status_details'] !== undefined && response['status_details'] !== null) {
    problems.push(`status_details ${show(response['status_details'])}, expected null`);
  }
  return problems;
}
