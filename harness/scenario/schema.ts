/**
 * The scenario file as written (snake_case keys, YAML or JSON), as a zod schema. Every object is
 * strict: an unknown field is an error, so a typo is never silently ignored. Defaults that do not
 * depend on other fields live here; the ones that do (model per kind, efforts per model, send-lag
 * budget per chunk size, …) are applied in `resolve.ts`, in the same pass.
 */
import { z } from 'zod';
import { DEFAULT_STALL_BUDGET_MS } from '../metrics/self-check.ts';
import { REASONING_EFFORTS } from '../../common/protocol/types.ts';
import { DEFAULT_TRANSPORT, TRANSPORT_KINDS, type TransportKind } from '../transport/kinds.ts';
import { carrierSchema } from './carrier-schema.ts';

/** An effort key: one of the five reasoning efforts, or `none` (no `reasoning` sent; non-reasoning models). */
export const EFFORT_KEYS = [...REASONING_EFFORTS, 'none'] as const;
/** See {@link EFFORT_KEYS}. */
export type EffortKey = (typeof EFFORT_KEYS)[number];

/**
 * Every value of the scenario's `transport` field: `websocket` (the default; the Realtime API
 * WebSocket the harness speaks itself), or a carrier the harness plays against a team's bridge
 * (`twilio`, `telnyx`: scenario/carrier-schema.ts, docs/readme/telephony.md). A new transport is
 * added here and nowhere else in the schema.
 */
export const SCENARIO_TRANSPORTS = TRANSPORT_KINDS;
/** One of {@link SCENARIO_TRANSPORTS}. */
export type ScenarioTransport = TransportKind;

/** Metrics an SLO can name (keys of `summary.metrics`). */
export const SLO_METRICS = ['ttfa_ms', 'ttfa_onset_ms', 'vad_delay_ms', 'response_start_ms', 'turn_ms', 'first_text_ms', 'connect_ms', 'configure_ms'] as const;
/** Statistics an SLO can bound. */
export const SLO_STATS = ['p50', 'p90', 'p95', 'p99', 'max', 'mean'] as const;

const nonNegInt = z.number().int().min(0);
const posInt = z.number().int().min(1);
const posNum = z.number().positive();

const effortKey = z.enum(EFFORT_KEYS);

/**
 * Scheduling classes of the embedded mock (`mock.priority`): `low` (niceness +10), `idle`
 * (Linux `SCHED_IDLE`), `normal`. Trade-offs: `MockProcessOptions.priority` in
 * `runner/mock-process.ts`.
 */
export const MOCK_PRIORITIES = ['low', 'idle', 'normal'] as const;
/** One of {@link MOCK_PRIORITIES}. */
export type MockPriority = (typeof MOCK_PRIORITIES)[number];
/** Default `mock.priority`: safe on a machine shared with other jobs. */
export const DEFAULT_MOCK_PRIORITY: MockPriority = 'low';

const mockSchema = z.strictObject({
  seed: z.number().int().optional(),
  latency_profile: z.string().min(1).optional(),
  faults: z.array(z.string().min(1)).default([]),
  max_session_s: posNum.default(3600),
  priority: z.enum(MOCK_PRIORITIES).default(DEFAULT_MOCK_PRIORITY),
  /** Emulated account limits (`rth mock --max-concurrent-sessions`, `--tokens-per-minute`); default none. */
  max_concurrent_sessions: posInt.optional(),
  tokens_per_minute: posInt.optional(),
});

const arrivalSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ramp'), ramp_up_s: z.number().min(0).default(0) }),
  z.strictObject({ type: z.literal('rate'), per_s: posNum, poisson: z.boolean().default(false) }),
  z
    .strictObject({ type: z.literal('steps'), start: posInt, step: posInt, step_s: posNum, max: posInt })
    .superRefine((v, ctx) => {
      if (v.max < v.start) ctx.addIssue({ code: 'custom', path: ['max'], message: `expected max >= start (${v.start})`, input: v.max });
    }),
]);

/** `stop_when`: the capacity search's stop conditions (`arrival.type: steps` only). */
const stopWhenSchema = z.strictObject({
  ttfa_p95_ms: posNum.optional(),
  error_rate: z.number().min(0).max(1).optional(),
  rate_limited: z.boolean().default(false),
});

const thinkTimeSchema = z.union([
  z.number().min(0),
  z.strictObject({ min: z.number().min(0), max: z.number().min(0) }).superRefine((v, ctx) => {
    if (v.min > v.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `expected max >= min (${v.min})`, input: v.max });
  }),
]);

/** `mock`, `openai`, or a ws(s) URL. */
function isTarget(t: string): boolean {
  if (t === 'mock' || t === 'openai') return true;
  // A SIP URI is a target of transport sip only (checked with the transport, carrier-schema.ts).
  if (/^sips?:[^@\s]+@\S+$/.test(t)) return true;
  try {
    return ['ws:', 'wss:'].includes(new URL(t).protocol);
  } catch {
    return false;
  }
}

/** Flags repeated entries of a list (by `key`) at `[index, ...subPath]`. */
function noDuplicates<T>(what: string, key: (item: T) => string, subPath: PropertyKey[] = []) {
  return (items: T[], ctx: z.RefinementCtx<T[]>): void => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i, ...subPath], message: `duplicate ${what} '${k}'` });
      seen.add(k);
    });
  };
}

const serverVad = z.strictObject({
  type: z.literal('server_vad'),
  threshold: z.number().min(0).max(1).default(0.5),
  prefix_padding_ms: nonNegInt.default(300),
  silence_duration_ms: nonNegInt.default(500),
  create_response: z.boolean().default(true),
  interrupt_response: z.boolean().default(true),
});
const semanticVad = z.strictObject({
  type: z.literal('semantic_vad'),
  eagerness: z.enum(['auto', 'low', 'medium', 'high']).default('auto'),
  create_response: z.boolean().default(true),
  interrupt_response: z.boolean().default(true),
});
const manual = z.strictObject({ type: z.literal('manual') });
const turnDetectionObject = z.discriminatedUnion('type', [serverVad, semanticVad, manual]);
// A bare string (`turn_detection: manual`) is shorthand for `{type: manual}` with defaults.
const turnDetectionSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { type: v } : v),
  turnDetectionObject,
);

const toolSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected 1-64 letters, digits, _ or -' }),
  description: z.string().default(''),
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  result: z.unknown().default({ ok: true }),
});

const clipsSchema = z.union([
  z.array(z.string().min(1)).min(1),
  z.strictObject({ random: z.literal(true), seed: z.number().int().optional() }),
]);

const sloLimit = z.union([posNum, z.partialRecord(effortKey, posNum)]);
const metricSlo = z.strictObject(Object.fromEntries(SLO_STATS.map((s) => [s, sloLimit.optional()])) as Record<(typeof SLO_STATS)[number], z.ZodOptional<typeof sloLimit>>);
const sloSchema = z.strictObject({
  ...(Object.fromEntries(SLO_METRICS.map((m) => [m, metricSlo.optional()])) as Record<(typeof SLO_METRICS)[number], z.ZodOptional<typeof metricSlo>>),
  max_error_rate: z.number().min(0).max(1).optional(),
});

/** The file's schema. Fields with a default here are always present after parsing. */
export const scenarioFileSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, { error: 'expected letters, digits, ., _ or -' }).optional(),
  description: z.string().default(''),
  target: z.string().refine(isTarget, { error: 'expected mock, openai or a ws:// or wss:// URL (a sip: URI with transport sip)' }).default('mock'),
  headers: z.record(z.string(), z.string()).default({}),
  /** The environment variable holding the API key (its name, never the key). */
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name (letters, digits, _; not starting with a digit)' }).optional(),
  mock: mockSchema.default({ faults: [], max_session_s: 3600, priority: DEFAULT_MOCK_PRIORITY }),
  model: z.string().min(1).optional(),
  kind: z.enum(['realtime', 'transcription', 'translation', 'live']).default('realtime'),
  /** Realtime scenarios: also run GPT-Live sessions of this model, interleaved as one more arm. */
  live: z.strictObject({ model: z.string().min(1).default('gpt-live-1') }).optional(),
  twiml_url: z.string().regex(/^https?:\/\/\S+$/, { error: 'expected an http:// or https:// URL' }).optional(),
  bridge_cmd: z.string().min(1).optional(),
  carrier: carrierSchema.optional(),
  sessions: posInt.default(1),
  arrival: arrivalSchema.default({ type: 'ramp', ramp_up_s: 0 }),
  stop_when: stopWhenSchema.optional(),
  duration_s: posNum.optional(),
  turns_per_session: posInt.optional(),
  think_time_ms: thinkTimeSchema.default(1000),
  turn_detection: turnDetectionSchema.optional(),
  chunk_ms: z.number().int().min(5).max(1000).default(20),
  transport: z.enum(TRANSPORT_KINDS, { error: `expected one of ${TRANSPORT_KINDS.join(', ')}` }).default(DEFAULT_TRANSPORT),
  audio_format: z.enum(['pcm16', 'pcmu', 'pcma']).default('pcm16'),
  efforts: z.array(effortKey).min(1).superRefine(noDuplicates('effort', (e) => e)).optional(),
  voice: z.string().min(1).default('marin'),
  instructions: z.string().nullable().default(null),
  output_modalities: z.union([z.tuple([z.literal('audio')]), z.tuple([z.literal('text')])], {
    error: "expected ['audio'] or ['text'] (one modality; §5: both at once are not allowed)",
  }).default(['audio']),
  output_language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, { error: 'expected a language code such as es or pt-BR' }).optional(),
  tools: z.array(toolSchema).superRefine(noDuplicates('tool name', (t) => t.name, ['name'])).default([]),
  clips: clipsSchema.default({ random: true }),
  barge_in: z.strictObject({ after_audio_ms: nonNegInt }).nullable().default(null),
  // drain_ms defaults by transport (resolve.ts): a WebRTC turn lasts until its audio has played in real time.
  timeouts: z
    .strictObject({ connect_ms: posInt.default(10_000), turn_ms: posInt.default(30_000), drain_ms: nonNegInt.optional() })
    .default({ connect_ms: 10_000, turn_ms: 30_000 }),
  slo: sloSchema.default({}),
  pacing: z
    .strictObject({ send_lag_p99_budget_ms: posNum.optional(), stall_budget_ms: posNum.default(DEFAULT_STALL_BUDGET_MS), busy_poll: z.boolean().default(false) })
    .default({ stall_budget_ms: DEFAULT_STALL_BUDGET_MS, busy_poll: false }),
  seed: z.number().int().default(1),
  workers: z.number().int().min(1).max(64).default(1),
  out: z.string().min(1).optional(),
});

/** A scenario file after zod parsing (defaults above applied, cross-field defaults not yet). */
export type ScenarioFile = z.output<typeof scenarioFileSchema>;
/** SLO thresholds as written: `slo.<metric>.<stat>` is a limit for every effort, or per effort. */
export type SloSpec = ScenarioFile['slo'];
