/**
 * Shape validators for `error` (§4.1) and `rate_limits.updated` (§6.3). Pure: they return the
 * problems found, empty when the event conforms.
 */
import { asObj, show, type Obj } from './util.ts';

/** Error codes after which the server closes the socket (§4.2), with the expected close code. */
export const FATAL_CLOSE_CODES: ReadonlyMap<string, number> = new Map([
  ['invalid_api_key', 3000],
  ['session_expired', 1001],
]);

/** RT-ERROR-001: problems of an `error` event's `error` object. */
export function checkErrorShape(ev: Obj): string[] {
  const err = asObj(ev['error']);
  if (!err) return [`error event has error ${show(ev['error'])}, expected an object`];
  const problems: string[] = [];
  for (const k of ['type', 'message']) {
    if (typeof err[k] !== 'string') problems.push(`error.${k} is ${show(err[k])}, expected a string`);
  }
  for (const k of ['code', 'param', 'event_id']) {
    const v = err[k];
    if (v !== undefined && v !== null && typeof v !== 'string') problems.push(`error.${k} is ${show(v)}, expected a string or null`);
  }
  return problems;
}

/**
 * RT-ERROR-003: problems of `rate_limits.updated`. Names other than requests/tokens are accepted
 * (S1 lists those two; §9.3 says which ones are sent is unverified).
 */
export function checkRateLimits(ev: Obj): string[] {
  const list = ev['rate_limits'];
  if (!Array.isArray(list)) return [`rate_limits is ${show(list)}, expected an array`];
  const problems: string[] = [];
  list.forEach((entry, i) => {
    const o = asObj(entry);
    if (!o) {
      problems.push(`rate_limits[${i}] is ${show(entry)}, expected an object`);
      return;
    }
    if (typeof o['name'] !== 'string') problems.push(`rate_limits[${i}].name is ${show(o['name'])}, expected a string`);
    for (const k of ['limit', 'remaining', 'reset_seconds']) {
      const v = o[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`rate_limits[${i}].${k} is ${show(v)}, expected a non-negative number`);
    }
  });
  return problems;
}
