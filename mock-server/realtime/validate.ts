/**
 * A small toolkit for validating client JSON with the real service's error shapes (§4.2): every
 * check names the dotted `param` path. Checks throw {@link ValidationFailure}; {@link validated}
 * turns that into a result at the handler boundary, so a bad event becomes one `error` event.
 */
import type { MockErrorSpec } from '../contract.ts';
import { invalidType, invalidValue, missingParameter, numberOutOfRange, stringTooLong, unknownParameter } from '../errors.ts';

/** Thrown by the checks below; carries the error to send. */
export class ValidationFailure extends Error {
  constructor(readonly spec: MockErrorSpec) {
    super(spec.message);
    this.name = 'ValidationFailure';
  }
}

/** Throws a validation failure. */
export function fail(spec: MockErrorSpec): never {
  throw new ValidationFailure(spec);
}

/** Result of {@link validated}. */
export type Validated<T> = { ok: true; value: T } | { ok: false; error: MockErrorSpec };

/** Runs checks; a {@link ValidationFailure} becomes `{ok:false}`, anything else propagates. */
export function validated<T>(fn: () => T): Validated<T> {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (err instanceof ValidationFailure) return { ok: false, error: err.spec };
    throw err;
  }
}

/** `a.b` / `b`. */
export function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** `a[3]`. */
export function atIndex(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** A plain JSON object, or `invalid_type` "expected an object". */
export function asObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(invalidType(path, 'an object', value));
  return value as Record<string, unknown>;
}

/** Rejects keys outside `allowed` with `unknown_parameter` (first one, in key order). */
export function onlyKeys(obj: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) fail(unknownParameter(at(path, key)));
}

/** A required field: `missing_required_parameter` when absent (undefined). */
export function required(obj: Record<string, unknown>, key: string, path: string): unknown {
  const v = obj[key];
  if (v === undefined) fail(missingParameter(at(path, key)));
  return v;
}

/** A string (optionally at most `maxLength` chars). */
export function asString(value: unknown, path: string, maxLength?: number): string {
  if (typeof value !== 'string') fail(invalidType(path, 'a string', value));
  if (maxLength !== undefined && value.length > maxLength) fail(stringTooLong(path, maxLength, value.length));
  return value;
}

/** A boolean. */
export function asBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(invalidType(path, 'a boolean', value));
  return value;
}

/** A number in [min, max] (integer when `integer`). */
export function asNumber(value: unknown, path: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  const integer = opts.integer ?? false;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(invalidType(path, integer ? 'an integer' : 'a number', value));
  if (integer && !Number.isInteger(value)) fail(invalidType(path, 'an integer', value));
  if (opts.min !== undefined && value < opts.min) fail(numberOutOfRange(path, value, opts.min, 'min', integer));
  if (opts.max !== undefined && value > opts.max) fail(numberOutOfRange(path, value, opts.max, 'max', integer));
  return value;
}

/** One of `values` (a string enum), or `invalid_value` listing them. */
export function asEnum<T extends string>(value: unknown, path: string, values: readonly T[]): T {
  if (typeof value !== 'string') fail(invalidType(path, 'a string', value));
  if (!(values as readonly string[]).includes(value)) fail(invalidValue(path, value, values));
  return value as T;
}

/** An array. */
export function asArray(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(invalidType(path, 'an array', value));
  return value;
}

/** An array of strings. */
export function asStringArray(value: unknown, path: string): string[] {
  return asArray(value, path).map((v, i) => asString(v, atIndex(path, i)));
}
