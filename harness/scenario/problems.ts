/**
 * Turns zod issues into problem lines that name the source, the field path and what was expected:
 * `scenarios/x.yaml: turn_detection.threshold: expected number <= 1, got 3`.
 */
import type { z } from 'zod';

/** A field path as zod reports it. */
export type FieldPath = readonly PropertyKey[];

/** `clips[2]`, `turn_detection.type`, or `(top level)` for the empty path. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** A short, quoted rendering of a user value for messages. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value.length > 60 ? value.slice(0, 57) + '...' : value}'`;
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    json = String(value);
  }
  return json.length > 60 ? json.slice(0, 57) + '...' : json;
}

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: readonly z.ZodType[];
  out?: z.ZodType;
  element?: z.ZodType;
  keyType?: z.ZodType;
  entries?: Record<string, unknown>;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

/** The field names an object at `path` accepts (union of all alternatives), for "did you mean". */
export function knownKeysAt(schema: z.ZodType, path: FieldPath): string[] {
  const keys = new Set<string>();
  const visit = (s: z.ZodType, rest: FieldPath): void => {
    const def = defOf(s);
    switch (def.type) {
      case 'default':
      case 'optional':
      case 'nullable':
      case 'prefault':
        if (def.innerType) visit(def.innerType, rest);
        return;
      case 'pipe':
        if (def.out) visit(def.out, rest);
        return;
      case 'union':
        for (const o of def.options ?? []) visit(o, rest);
        return;
      case 'array':
        if (rest.length > 0 && typeof rest[0] === 'number' && def.element) visit(def.element, rest.slice(1));
        return;
      case 'record': {
        const keyDef = def.keyType ? defOf(def.keyType) : undefined;
        if (rest.length === 0 && keyDef?.type === 'enum') for (const k of Object.keys(keyDef.entries ?? {})) keys.add(k);
        return;
      }
      case 'object': {
        const shape = def.shape ?? {};
        if (rest.length === 0) {
          for (const k of Object.keys(shape)) keys.add(k);
          return;
        }
        const next = shape[String(rest[0])];
        if (next) visit(next, rest.slice(1));
        return;
      }
      default:
        return;
    }
  };
  visit(schema, path);
  return [...keys];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

/** The closest known name within a small edit distance, or null. */
export function closest(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase();
  const prefixed = known.find((k) => k.toLowerCase().startsWith(lower) || lower.startsWith(k.toLowerCase()));
  if (prefixed && lower.length >= 3) return prefixed;
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** One problem before the source label is put in front. */
export interface FieldProblem {
  path: FieldPath;
  message: string;
}

type Issue = z.core.$ZodIssue & { input?: unknown };

function stripPrefix(message: string): string {
  return message.replace(/^(Invalid input|Invalid option|Too small|Too big|Invalid string): /, '');
}

/**
 * Zod issues as problems. Union failures are narrowed to the alternative whose shape matched, so
 * the user reads the real mistake rather than "invalid input".
 */
export function issuesToProblems(issues: readonly Issue[], schema: z.ZodType, base: FieldPath = []): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys) {
          const guess = closest(key, known);
          const hint = guess ? `; did you mean '${guess}'?` : known.length ? ` (expected one of: ${known.join(', ')})` : '';
          out.push({ path: [...path, key], message: `unknown field${hint}` });
        }
        break;
      }
      case 'invalid_type':
        out.push({
          path,
          message: issue.input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${showValue(issue.input)}`,
        });
        break;
      case 'invalid_union': {
        const branches = issue.errors ?? [];
        // The alternatives whose top-level type matched (their issues are deeper than the union itself).
        const matched = branches.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
        if (matched.length === 1) {
          out.push(...issuesToProblems(matched[0] as Issue[], schema, path));
        } else {
          const discriminator = (issue as { discriminator?: string }).discriminator;
          const got = discriminator !== undefined && issue.input !== null && typeof issue.input === 'object' ? (issue.input as Record<string, unknown>)[discriminator] : issue.input;
          const msg = issue.message.startsWith('Invalid discriminator value')
            ? issue.message.replace('Invalid discriminator value. Expected', 'expected one of')
            : stripPrefix(issue.message) === 'Invalid input'
              ? 'value does not match any allowed form'
              : stripPrefix(issue.message);
          out.push({ path, message: `${msg}, got ${showValue(got)}` });
        }
        break;
      }
      case 'custom': {
        // A refinement's input defaults to the whole refined value; only a scalar is worth echoing.
        const scalar = issue.input === null || (issue.input !== undefined && typeof issue.input !== 'object');
        out.push({ path, message: `${issue.message}${scalar ? `, got ${showValue(issue.input)}` : ''}` });
        break;
      }
      default:
        out.push({ path, message: `${stripPrefix(issue.message)}${issue.input !== undefined ? `, got ${showValue(issue.input)}` : ''}` });
    }
  }
  return out;
}
