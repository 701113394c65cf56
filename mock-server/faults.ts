/**
 * The fault injector's plan: the `--fault` spec grammar, its validation, and the per-connection
 * {@link ConnectionFaults} view (response failures, slow audio, early expiry). The outbound frame
 * faults (drop, stall, malformed, disorder) live in faults-outbound.ts.
 *
 * Grammar: `NAME[:key=value[,key=value]...]`, repeatable (`--fault drop:p=0.2 --fault stall:ms=800`).
 * Every random decision is drawn from a sub-stream of the connection's seeded rng named after the
 * spec's position and name, so one seed reproduces the same faults, and adding a spec never shifts
 * the decisions of the others. Full table: docs/readme/mock-faults.md.
 */
import { ConfigError } from '../common/errors.ts';
import type { ConnectionFaults, InjectedResponseFailure, Rng } from './contract.ts';
import { rateLimitMessage, serverError } from './errors.ts';
import { wrapOutboundWithFaults, type OutboundFaultRules } from './faults-outbound.ts';

/** `drop`: terminate the TCP socket (client sees 1006) after `afterEvents` events of a response. */
export interface DropFault {
  readonly name: 'drop';
  /** Probability per response, default 1. */
  readonly p: number;
  /** Events of the response written before the socket is cut, default 8 (0 = before `response.created`). */
  readonly afterEvents: number;
}
/** `stall`: hold every outbound frame for `ms` once in a response. */
export interface StallFault {
  readonly name: 'stall';
  /** Required. */
  readonly ms: number;
  /** Probability per response, default 1. */
  readonly p: number;
  /** 1-based index of the response event the stall starts before; null (default) = drawn in 2..12. */
  readonly atEvent: number | null;
}
/** `rate_limit`: responses fail with `rate_limit_exceeded` and a "try again in" hint. */
export interface RateLimitFault {
  readonly name: 'rate_limit';
  /** Probability per response, default 1. */
  readonly p: number;
  /** The hint, seconds, default 1.2. */
  readonly retryAfterS: number;
}
/** `server_error`: responses fail with a `server_error`. */
export interface ServerErrorFault {
  readonly name: 'server_error';
  /** Probability per response, default 1. */
  readonly p: number;
}
/** `slow_audio`: audio is streamed `factor` times slower. */
export interface SlowAudioFault {
  readonly name: 'slow_audio';
  /** Multiplier on the streaming interval, default 3 (>= 1). */
  readonly factor: number;
}
/** `expire`: the session expires after `afterS` seconds (if sooner than `--max-session-s`). */
export interface ExpireFault {
  readonly name: 'expire';
  /** Seconds, default 10. */
  readonly afterS: number;
}
/** Which broken frame `malformed` injects. */
export type MalformedKind = 'json' | 'no_type' | 'wrong_type';
/** `malformed`: a broken frame is injected before a real event. */
export interface MalformedFault {
  readonly name: 'malformed';
  /** Probability per outbound frame, default 0.05. */
  readonly p: number;
  /** Kind of breakage, or `any` (default: drawn per injection). */
  readonly kind: MalformedKind | 'any';
}
/** The reorderings `disorder` can apply (see faults-outbound.ts for what each one holds back). */
export type DisorderKind =
  | 'part_after_delta'
  | 'done_before_item'
  | 'created_late'
  | 'delta_after_completed'
  | 'committed_late'
  | 'audio_swapped';
/** `disorder`: one event of a response is held back and sent after a later one. */
export interface DisorderFault {
  readonly name: 'disorder';
  /** Probability per response, default 1. */
  readonly p: number;
  /** Reordering, or `any` (default: drawn per response among those of the session kind). */
  readonly kind: DisorderKind | 'any';
}

/** One parsed `--fault` spec. `source` is the text it came from. */
export type FaultSpec = (
  | DropFault
  | StallFault
  | RateLimitFault
  | ServerErrorFault
  | SlowAudioFault
  | ExpireFault
  | MalformedFault
  | DisorderFault
) & { readonly source: string };

/** A validated set of fault specs, instantiated per connection. */
export interface FaultPlan {
  readonly specs: readonly FaultSpec[];
  /** The faults of one connection; `rng` is that connection's seeded stream (only forks are drawn). */
  forConnection(rng: Rng): ConnectionFaults;
}

/** The message of a response failed by a fault, as the real service words it (§4.2). */
export interface InjectedFailureError {
  /** `tokens` for rate limits (the real service names the limit kind), `server_error` otherwise. */
  type: string;
  code: string | null;
  message: string;
}

type ValueSpec =
  | { kind: 'number'; min: number; max: number; minExclusive?: boolean; integer?: boolean; what: string }
  | { kind: 'enum'; values: readonly string[] };

const PROBABILITY: ValueSpec = { kind: 'number', min: 0, max: 1, what: 'a probability between 0 and 1' };
const MALFORMED_KINDS: readonly MalformedKind[] = ['json', 'no_type', 'wrong_type'];
/** Every reordering, in documentation order. */
export const DISORDER_KINDS: readonly DisorderKind[] = [
  'part_after_delta',
  'done_before_item',
  'created_late',
  'delta_after_completed',
  'committed_late',
  'audio_swapped',
];

/** Allowed keys per fault name, with their value rules. */
const GRAMMAR: Record<FaultSpec['name'], Record<string, ValueSpec>> = {
  drop: {
    p: PROBABILITY,
    after_events: { kind: 'number', min: 0, max: 1_000_000, integer: true, what: 'a whole number of events >= 0' },
  },
  stall: {
    ms: { kind: 'number', min: 0, max: 600_000, minExclusive: true, what: 'milliseconds > 0 and <= 600000' },
    p: PROBABILITY,
    at_event: { kind: 'number', min: 1, max: 1_000_000, integer: true, what: 'a whole event index >= 1' },
  },
  rate_limit: {
    p: PROBABILITY,
    retry_after_s: { kind: 'number', min: 0, max: 86_400, what: 'seconds between 0 and 86400' },
  },
  server_error: { p: PROBABILITY },
  slow_audio: { factor: { kind: 'number', min: 1, max: 1000, what: 'a multiplier between 1 and 1000' } },
  expire: {
    after_s: { kind: 'number', min: 0, max: 86_400 * 7, minExclusive: true, what: 'seconds > 0' },
  },
  malformed: { p: PROBABILITY, kind: { kind: 'enum', values: [...MALFORMED_KINDS, 'any'] } },
  disorder: { p: PROBABILITY, kind: { kind: 'enum', values: [...DISORDER_KINDS, 'any'] } },
};

const REQUIRED: Partial<Record<FaultSpec['name'], readonly string[]>> = { stall: ['ms'] };

function isFaultName(name: string): name is FaultSpec['name'] {
  return Object.hasOwn(GRAMMAR, name);
}

/** Parses one value against its rule; returns the value or a problem text. */
function parseValue(rule: ValueSpec, raw: string): number | string | { problem: string } {
  if (rule.kind === 'enum') {
    return rule.values.includes(raw) ? raw : { problem: `must be one of ${rule.values.join(', ')}, got "${raw}"` };
  }
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  const low = rule.minExclusive ? n > rule.min : n >= rule.min;
  if (!Number.isFinite(n) || !low || n > rule.max || (rule.integer && !Number.isInteger(n))) {
    return { problem: `must be ${rule.what}, got "${raw}"` };
  }
  return n;
}

/** Parses one spec; pushes problems (each naming the spec and the field) and returns null on any. */
function parseOne(source: string, problems: string[]): FaultSpec | null {
  const where = `--fault "${source}"`;
  const colon = source.indexOf(':');
  const name = (colon < 0 ? source : source.slice(0, colon)).trim();
  if (!isFaultName(name)) {
    problems.push(`${where}: unknown fault "${name}"; expected one of ${Object.keys(GRAMMAR).join(', ')}`);
    return null;
  }
  const rules = GRAMMAR[name];
  const values = new Map<string, number | string>();
  const seen = new Set<string>();
  let ok = true;
  const body = colon < 0 ? '' : source.slice(colon + 1);
  if (colon >= 0 && body.trim() === '') {
    problems.push(`${where}: nothing after ":"; expected key=value pairs (${Object.keys(rules).join(', ')}) or no ":"`);
    return null;
  }
  for (const pair of body === '' ? [] : body.split(',')) {
    const eq = pair.indexOf('=');
    const key = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    if (eq < 0) {
      problems.push(`${where}: "${pair}" is not key=value`);
      ok = false;
      continue;
    }
    const rule = rules[key];
    if (!rule) {
      const allowed = Object.keys(rules);
      problems.push(`${where}: unknown key "${key}" for ${name}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`);
      ok = false;
      continue;
    }
    if (seen.has(key)) {
      problems.push(`${where}: key "${key}" given twice`);
      ok = false;
      continue;
    }
    seen.add(key);
    const parsed = parseValue(rule, pair.slice(eq + 1).trim());
    if (typeof parsed === 'object') {
      problems.push(`${where}: ${key} ${parsed.problem}`);
      ok = false;
      continue;
    }
    values.set(key, parsed);
  }
  for (const key of REQUIRED[name] ?? []) {
    if (!seen.has(key)) {
      problems.push(`${where}: ${name} requires ${key}=…`);
      ok = false;
    }
  }
  if (!ok) return null;
  const num = (key: string, fallback: number): number => {
    const v = values.get(key);
    return typeof v === 'number' ? v : fallback;
  };
  const str = <T extends string>(key: string, fallback: T): T => {
    const v = values.get(key);
    return (typeof v === 'string' ? v : fallback) as T;
  };
  switch (name) {
    case 'drop':
      return { name, source, p: num('p', 1), afterEvents: num('after_events', 8) };
    case 'stall':
      return { name, source, ms: num('ms', 0), p: num('p', 1), atEvent: values.has('at_event') ? num('at_event', 1) : null };
    case 'rate_limit':
      return { name, source, p: num('p', 1), retryAfterS: num('retry_after_s', 1.2) };
    case 'server_error':
      return { name, source, p: num('p', 1) };
    case 'slow_audio':
      return { name, source, factor: num('factor', 3) };
    case 'expire':
      return { name, source, afterS: num('after_s', 10) };
    case 'malformed':
      return { name, source, p: num('p', 0.05), kind: str<MalformedKind | 'any'>('kind', 'any') };
    case 'disorder':
      return { name, source, p: num('p', 1), kind: str<DisorderKind | 'any'>('kind', 'any') };
  }
}

/**
 * The error object a failed response carries in `response.done.response.status_details.error` (or
 * a transcription's `failed` event), worded like the real service (§4.2; texts from errors.ts).
 * @param model the session's model, named in the rate-limit message (default `gpt-realtime`).
 */
export function injectedFailureError(failure: InjectedResponseFailure, model: string | null): InjectedFailureError {
  if (failure.kind === 'rate_limit_exceeded') {
    // The real service names the exhausted limit in `type` (`tokens` or `requests`).
    return { type: 'tokens', code: 'rate_limit_exceeded', message: rateLimitMessage(model ?? 'gpt-realtime', failure.retryAfterS ?? 1.2, failure.limitTokens, failure.usedTokens) };
  }
  const e = serverError();
  return { type: e.type ?? 'server_error', code: e.code, message: e.message };
}

/** One spec with its own seeded stream for this connection. */
interface Armed<S> {
  spec: S;
  rng: Rng;
}

function arm<N extends FaultSpec['name']>(specs: readonly FaultSpec[], rng: Rng, name: N): Armed<Extract<FaultSpec, { name: N }>>[] {
  const out: Armed<Extract<FaultSpec, { name: N }>>[] = [];
  specs.forEach((spec, i) => {
    if (spec.name === name) out.push({ spec: spec as Extract<FaultSpec, { name: N }>, rng: rng.fork(`fault:${i}:${spec.name}`) });
  });
  return out;
}

function connectionFaults(specs: readonly FaultSpec[], rng: Rng): ConnectionFaults {
  const failures = [...arm(specs, rng, 'rate_limit'), ...arm(specs, rng, 'server_error')].sort(
    (a, b) => specs.indexOf(a.spec) - specs.indexOf(b.spec),
  );
  const slowdown = specs.reduce((f, s) => (s.name === 'slow_audio' ? f * s.factor : f), 1);
  const expireS = specs.reduce((m, s) => (s.name === 'expire' ? Math.min(m, s.afterS) : m), Number.POSITIVE_INFINITY);
  const outboundRules: OutboundFaultRules = {
    drop: arm(specs, rng, 'drop'),
    stall: arm(specs, rng, 'stall'),
    malformed: arm(specs, rng, 'malformed'),
    disorder: arm(specs, rng, 'disorder'),
  };
  return {
    responseFailure(): InjectedResponseFailure | null {
      // Every spec draws on every call, so one spec's hit never shifts another's stream.
      let result: InjectedResponseFailure | null = null;
      for (const { spec, rng: r } of failures) {
        const hit = r.next() < spec.p;
        if (!hit || result) continue;
        result =
          spec.name === 'rate_limit' ? { kind: 'rate_limit_exceeded', retryAfterS: spec.retryAfterS } : { kind: 'server_error' };
      }
      return result;
    },
    audioSlowdown: () => slowdown,
    maxSessionS: (configuredS) => Math.min(configuredS, expireS),
    wrapOutbound: (rawSend, terminate, clock) => wrapOutboundWithFaults(outboundRules, rawSend, terminate, clock),
  };
}

function makePlan(specs: readonly FaultSpec[]): FaultPlan {
  return { specs, forConnection: (rng) => connectionFaults(specs, rng) };
}

/** The plan without faults: no failures, slowdown 1, the configured expiry, a pass-through filter. */
export const NO_FAULTS: FaultPlan = makePlan([]);

/**
 * Parses and validates `--fault` specs (grammar in the module comment; keys and defaults in
 * docs/readme/mock-faults.md). An empty list gives a plan equivalent to {@link NO_FAULTS}.
 * @throws ConfigError `E_FAULT` listing every problem, each naming the spec and the field.
 */
export function parseFaultSpecs(specs: readonly string[]): FaultPlan {
  const problems: string[] = [];
  const parsed: FaultSpec[] = [];
  for (const source of specs) {
    if (source.trim() === '') {
      problems.push('--fault "": empty spec; expected NAME[:key=value,...]');
      continue;
    }
    const spec = parseOne(source.trim(), problems);
    if (spec) parsed.push(spec);
  }
  if (problems.length > 0) throw new ConfigError('E_FAULT', problems);
  return makePlan(parsed);
}
