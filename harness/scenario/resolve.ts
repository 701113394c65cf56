/**
 * The one place where a scenario gets its defaults and is validated: the parsed file and the CLI
 * flags go through the same function, so a bad flag and a bad field read alike
 * (`--sessions: sessions: expected int >= 1, got 0` / `scenarios/x.yaml: sessions: …`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { isKnownNonReasoningModel, isLiveModel, isReasoningModel, LIVE_MODELS } from '../../common/protocol/models.ts';
import { defaultSendLagBudgetMs } from '../metrics/self-check.ts';
import { formatPath, issuesToProblems, showValue, type FieldPath, type FieldProblem } from './problems.ts';
import { resolveCarrier } from './carrier-schema.ts';
import { scenarioFileSchema, type EffortKey, type ScenarioFile } from './schema.ts';
import type { Arrival, ResolvedScenario, ScenarioOverrides, StopWhen, TurnDetection } from './types.ts';
import { stepSchedule } from './schedule.ts';
import { toWireFormat } from './wire.ts';

/** Default `timeouts.drain_ms`: how long turns in progress may finish after the run's end, ms. */
export const DEFAULT_DRAIN_MS = 5_000;
/**
 * Default `timeouts.drain_ms` over WebRTC: a turn there ends when its answer has been heard, and the
 * server plays audio in real time (an answer of 8 s takes 8 s), so 5 s would cut most last turns.
 */
export const DEFAULT_WEBRTC_DRAIN_MS = 15_000;

/** Where the raw object came from, for messages and relative paths. */
export interface ScenarioSource {
  /** How problems name it, e.g. `scenarios/smoke.yaml` or `<inline>`. */
  label: string;
  /** Absolute file path, or null. */
  path: string | null;
  /** Directory relative paths in the file (`mock.latency_profile`) are resolved against. */
  dir: string;
  /** Working directory for `--out` / `out`. Default `process.cwd()`. */
  cwd?: string;
}

/** Default run length when neither `duration_s` nor `turns_per_session` is given, s. */
export const DEFAULT_DURATION_S = 30;
/** Default models per kind. */
export const DEFAULT_MODELS = { realtime: 'gpt-realtime-2', transcription: 'gpt-4o-transcribe', translation: 'gpt-realtime-translate', live: 'gpt-live-1' } as const;
/** Default `output_language` of translation sessions. */
export const DEFAULT_OUTPUT_LANGUAGE = 'es';

export { defaultSendLagBudgetMs };

const FLAG_OF_FIELD: Record<string, string> = {
  target: '--target',
  model: '--model',
  api_key_env: '--api-key-env',
  sessions: '--sessions',
  duration_s: '--duration',
  turns_per_session: '--turns',
  efforts: '--efforts',
  seed: '--seed',
  chunk_ms: '--chunk-ms',
  transport: '--transport',
  workers: '--workers',
  out: '--out',
  'mock.priority': '--mock-priority',
  'pacing.busy_poll': '--busy-poll',
  bridge_cmd: '--bridge-cmd',
};

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function flagValue(v: string | number): string | number {
  return typeof v === 'string' && NUMERIC.test(v.trim()) ? Number(v) : v;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses `--header 'Name: value'` strings; problems name the flag. */
function parseHeaderFlags(flags: readonly string[], problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  flags.forEach((h, i) => {
    const colon = h.indexOf(':');
    const name = colon > 0 ? h.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name)) {
      // The text is not echoed: a mistyped header is often a bare secret.
      problems.push(`--header: header ${i + 1}: expected 'Name: value' with a valid header name (text not shown)`);
      return;
    }
    out[name] = h.slice(colon + 1).trim();
  });
  return out;
}

function applyOverrides(raw: Record<string, unknown>, o: ScenarioOverrides): { merged: Record<string, unknown>; flagged: Set<string> } {
  const merged = { ...raw };
  const flagged = new Set<string>();
  const set = (field: string, value: unknown): void => {
    merged[field] = value;
    flagged.add(field);
  };
  if (o.target !== undefined) set('target', o.target);
  if (o.apiKeyEnv !== undefined) set('api_key_env', o.apiKeyEnv);
  if (o.model !== undefined) set('model', o.model.trim());
  if (o.sessions !== undefined) set('sessions', flagValue(o.sessions));
  if (o.duration !== undefined) set('duration_s', flagValue(o.duration));
  if (o.turns !== undefined) set('turns_per_session', flagValue(o.turns));
  if (o.efforts !== undefined) {
    const list = typeof o.efforts === 'string' ? o.efforts.split(',') : [...o.efforts];
    set('efforts', list.map((e) => e.trim()).filter((e) => e !== ''));
  }
  if (o.seed !== undefined) set('seed', flagValue(o.seed));
  if (o.chunkMs !== undefined) set('chunk_ms', flagValue(o.chunkMs));
  if (o.transport !== undefined) set('transport', o.transport.trim());
  if (o.workers !== undefined) set('workers', flagValue(o.workers));
  if (o.out !== undefined) set('out', o.out);
  if (o.bridgeCmd !== undefined) set('bridge_cmd', o.bridgeCmd);
  // Flags for fields inside a mapping are merged into the file's mapping; a section that is not
  // a mapping is left alone, so the file's own error is the one reported.
  const setNested = (section: string, field: string, value: unknown): void => {
    const inFile = raw[section];
    if (inFile !== undefined && (inFile === null || typeof inFile !== 'object' || Array.isArray(inFile))) return;
    merged[section] = { ...(inFile as Record<string, unknown> | undefined), [field]: value };
    flagged.add(`${section}.${field}`);
  };
  if (o.busyPoll !== undefined) setNested('pacing', 'busy_poll', o.busyPoll);
  if (o.mockPriority !== undefined) setNested('mock', 'priority', o.mockPriority);
  return { merged, flagged };
}

function toTurnDetection(td: NonNullable<ScenarioFile['turn_detection']>): TurnDetection {
  switch (td.type) {
    case 'manual':
      return { type: 'manual' };
    case 'server_vad':
      return {
        type: 'server_vad',
        threshold: td.threshold,
        prefixPaddingMs: td.prefix_padding_ms,
        silenceDurationMs: td.silence_duration_ms,
        createResponse: td.create_response,
        interruptResponse: td.interrupt_response,
      };
    case 'semantic_vad':
      return { type: 'semantic_vad', eagerness: td.eagerness, createResponse: td.create_response, interruptResponse: td.interrupt_response };
  }
}

/** Unreachable: a `steps` arrival is resolved by {@link capacitySearch}. */
function never(a: { type: string }): never {
  throw new Error(`resolveScenario: arrival type ${a.type} not resolved`);
}

/**
 * A capacity search (`arrival.type: steps`): `sessions` is `arrival.max` and the run lasts one
 * `step_s` per step, so `sessions` (other than `max`), `duration_s` and `turns_per_session` are
 * refused rather than silently ignored; `stop_when` is refused with any other arrival.
 * Null when the arrival is not `steps`.
 */
function capacitySearch(
  f: ScenarioFile,
  given: ReadonlySet<string>,
  add: (p: FieldPath, message: string) => void,
): { arrival: Arrival; sessions: number; durationS: number; stopWhen: StopWhen | null } | null {
  if (f.arrival.type !== 'steps') {
    if (f.stop_when !== undefined) add(['stop_when'], `applies to arrival type steps (a capacity search) only, got arrival type ${f.arrival.type}`);
    return null;
  }
  const arrival: Arrival = { type: 'steps', start: f.arrival.start, step: f.arrival.step, stepS: f.arrival.step_s, max: f.arrival.max };
  const steps = stepSchedule(arrival);
  const durationS = steps.length * arrival.stepS;
  if (given.has('sessions') && f.sessions !== arrival.max) {
    add(['sessions'], `expected no sessions (or ${arrival.max}) with arrival type steps: arrival.max sets the most concurrent sessions, got ${f.sessions}`);
  }
  if (given.has('duration_s')) add(['duration_s'], `expected no duration_s with arrival type steps: the search lasts ${steps.length} steps × ${arrival.stepS} s = ${durationS} s`);
  if (given.has('turns_per_session')) add(['turns_per_session'], 'expected no turns_per_session with arrival type steps: sessions keep taking turns until the search ends');
  const w = f.stop_when;
  const stopWhen: StopWhen | null = w === undefined ? null : { ttfaP95Ms: w.ttfa_p95_ms ?? null, errorRate: w.error_rate ?? null, rateLimited: w.rate_limited };
  return { arrival, sessions: arrival.max, durationS, stopWhen };
}

/** Cross-field defaults and checks on a schema-valid file. Returns the scenario or field problems. */
function finish(f: ScenarioFile, source: ScenarioSource, fileName: string, flagged: ReadonlySet<string>, given: ReadonlySet<string>): { scenario?: ResolvedScenario; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const add = (p: FieldPath, message: string): void => void problems.push({ path: p, message });
  const search = capacitySearch(f, given, add);

  for (const name of Object.keys(f.headers)) if (!HEADER_NAME.test(name)) add(['headers', name], 'expected an HTTP header name');

  const kind = f.kind;
  const model = f.model ?? DEFAULT_MODELS[kind];
  // gpt-realtime-2, -2.1 and -2.1-mini (and their snapshots) reason; an unknown name (a deployment)
  // may be any model, so only names known to have no reasoning refuse an effort.
  const reasoningModel = kind === 'realtime' && isReasoningModel(model);
  const efforts: EffortKey[] = f.efforts ?? [reasoningModel ? 'low' : 'none'];
  efforts.forEach((e, i) => {
    if (kind === 'live' && e !== 'none') add(['efforts', i], `expected no efforts for kind live: the GPT-Live voice model has no reasoning effort, got '${e}'`);
    else if (kind !== 'realtime' && e !== 'none') add(['efforts', i], `expected 'none' for kind ${kind} (reasoning applies to realtime sessions), got '${e}'`);
    else if (e !== 'none' && isKnownNonReasoningModel(model)) {
      add(['efforts', i], `expected 'none' for model ${model}, which has no reasoning (efforts apply to gpt-realtime-2, gpt-realtime-2.1 and gpt-realtime-2.1-mini), got '${e}'`);
    }
  });

  const think = typeof f.think_time_ms === 'number' ? { minMs: f.think_time_ms, maxMs: f.think_time_ms } : { minMs: f.think_time_ms.min, maxMs: f.think_time_ms.max };

  // GPT-Live: the model is named in session.start and must be a Live model; a Live model is refused on /v1/realtime.
  if (kind === 'live' && !isLiveModel(model)) add(['model'], `expected a GPT-Live model (${LIVE_MODELS.join(', ')}) for kind live, got '${model}'`);
  if (kind !== 'live' && isLiveModel(model)) add(['model'], `'${model}' is a GPT-Live model: use kind live (or live: {model: ${model}} beside a realtime model)`);
  if (f.live !== undefined) {
    if (kind !== 'realtime') add(['live'], `applies to kind realtime only (it adds GPT-Live sessions beside realtime ones), got kind ${kind}`);
    else if (!isLiveModel(f.live.model)) add(['live', 'model'], `expected a GPT-Live model (${LIVE_MODELS.join(', ')}), got '${f.live.model}'`);
  }
  if (kind === 'live' && f.turn_detection !== undefined) add(['turn_detection'], 'does not apply to kind live: GPT-Live turns are taken by the model, with no VAD settings');
  if ((kind !== 'realtime' || f.live !== undefined) && f.barge_in !== null) add(['barge_in'], `barge-in applies to realtime-only scenarios, got kind ${kind}${f.live ? ' with live' : ''}`);
  if (kind !== 'realtime' && kind !== 'live') {
    if (f.tools.length > 0) add(['tools'], `tools apply to kind realtime (function calls) and live (delegation results) only, got kind ${kind}`);
  }
  if (f.output_language !== undefined && kind !== 'translation') add(['output_language'], `applies to kind translation only, got kind ${kind}`);
  if (f.transport === 'webrtc') {
    // A browser's call: Opus RTP in 20 ms packets carries the audio, so the WebSocket audio
    // settings cannot apply; and the calls endpoint serves realtime sessions.
    if (kind !== 'realtime') add(['transport'], `webrtc applies to kind realtime only, got kind ${kind}`);
    if (f.audio_format !== 'pcm16') add(['audio_format'], `expected pcm16 with transport webrtc (the audio travels as Opus; clips are encoded from PCM16), got ${f.audio_format}`);
    if (f.chunk_ms !== 20) add(['chunk_ms'], `expected 20 with transport webrtc (Opus RTP packets are 20 ms), got ${f.chunk_ms}`);
  }

  let latencyProfilePath: string | null = null;
  if (f.mock.latency_profile !== undefined) {
    latencyProfilePath = path.resolve(source.dir, f.mock.latency_profile);
    if (!existsSync(latencyProfilePath)) add(['mock', 'latency_profile'], `no such file ${showValue(latencyProfilePath)}`);
  }

  // A command from the file runs in the file's folder (its relative paths are the file's); one from
  // `--bridge-cmd` runs where the user typed it.
  const bridgeCwd = flagged.has('bridge_cmd') || !source.path ? (source.cwd ?? process.cwd()) : source.dir;
  const carrier = resolveCarrier(f, given, bridgeCwd, add);

  if (problems.length > 0) return { problems };

  const turnDetection = toTurnDetection(f.turn_detection ?? { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true });
  const scenario: ResolvedScenario = {
    name: f.name ?? fileName,
    description: f.description,
    sourcePath: source.path,
    sourceLabel: source.label,
    target: f.target,
    headers: { ...f.headers },
    apiKeyEnv: f.api_key_env === undefined ? null : { name: f.api_key_env, from: flagged.has('api_key_env') ? '--api-key-env' : `${source.label}: api_key_env` },
    mock: { seed: f.mock.seed ?? f.seed, latencyProfilePath, faults: [...f.mock.faults], maxSessionS: f.mock.max_session_s, priority: f.mock.priority, maxConcurrentSessions: f.mock.max_concurrent_sessions ?? null, tokensPerMinute: f.mock.tokens_per_minute ?? null },
    model,
    kind,
    transport: f.transport,
    carrier,
    sessions: search?.sessions ?? f.sessions,
    arrival: search?.arrival ?? (f.arrival.type === 'ramp' ? { type: 'ramp', rampUpS: f.arrival.ramp_up_s } : f.arrival.type === 'rate' ? { type: 'rate', perS: f.arrival.per_s, poisson: f.arrival.poisson } : never(f.arrival)),
    stopWhen: search?.stopWhen ?? null,
    durationS: search?.durationS ?? f.duration_s ?? (f.turns_per_session === undefined ? DEFAULT_DURATION_S : null),
    turnsPerSession: f.turns_per_session ?? null,
    thinkTimeMs: think,
    turnDetection,
    turnMode: turnDetection.type,
    chunkMs: f.chunk_ms,
    audioFormat: f.audio_format,
    wireFormat: toWireFormat(f.audio_format),
    efforts,
    live: kind === 'realtime' && f.live !== undefined ? { model: f.live.model } : null,
    voice: f.voice,
    instructions: f.instructions,
    outputModalities: f.output_modalities,
    outputLanguage: kind === 'translation' ? (f.output_language ?? DEFAULT_OUTPUT_LANGUAGE) : null,
    tools: f.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters, result: t.result })),
    clips: Array.isArray(f.clips) ? { type: 'list', ids: [...f.clips] } : { type: 'random', seed: f.clips.seed ?? f.seed },
    bargeIn: f.barge_in === null ? null : { afterAudioMs: f.barge_in.after_audio_ms },
    timeouts: { connectMs: f.timeouts.connect_ms, turnMs: f.timeouts.turn_ms, drainMs: f.timeouts.drain_ms ?? (f.transport === 'webrtc' ? DEFAULT_WEBRTC_DRAIN_MS : DEFAULT_DRAIN_MS) },
    slo: f.slo,
    pacing: { sendLagP99BudgetMs: f.pacing.send_lag_p99_budget_ms ?? defaultSendLagBudgetMs(f.chunk_ms), stallBudgetMs: f.pacing.stall_budget_ms, busyPoll: f.pacing.busy_poll },
    seed: f.seed,
    workers: f.workers,
    outDir: f.out === undefined ? null : path.resolve(source.cwd ?? process.cwd(), f.out),
  };
  return { scenario, problems };
}

/**
 * Applies CLI overrides, defaults and validation to a parsed scenario object.
 * @param raw the file's content after YAML/JSON parsing
 * @param source where it came from (labels problems; base of relative paths)
 * @param overrides CLI flags (default none)
 * @throws ConfigError `E_SCENARIO` listing every problem, each naming the file (or flag) and field
 */
export function resolveScenario(raw: unknown, source: ScenarioSource, overrides: ScenarioOverrides = {}): ResolvedScenario {
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('E_SCENARIO', `${source.label}: (top level): expected a mapping of scenario fields, got ${showValue(raw ?? undefined)}`);
  }
  const { merged, flagged } = applyOverrides(raw as Record<string, unknown>, overrides);
  const flagHeaders = parseHeaderFlags(overrides.header ?? [], problems);
  const where = (p: FieldPath): string => {
    const nested = p.length >= 2 ? `${String(p[0])}.${String(p[1])}` : '';
    const flag = flagged.has(nested) ? FLAG_OF_FIELD[nested] : typeof p[0] === 'string' && flagged.has(p[0]) ? FLAG_OF_FIELD[p[0]] : undefined;
    return `${flag ?? source.label}: ${formatPath(p)}: `;
  };

  const parsed = scenarioFileSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    for (const p of issuesToProblems(parsed.error.issues, scenarioFileSchema)) problems.push(where(p.path) + p.message);
    throw new ConfigError('E_SCENARIO', problems);
  }
  const fileName = source.path ? path.basename(source.path).replace(/\.(ya?ml|json)$/i, '') : 'inline';
  const { scenario, problems: fieldProblems } = finish(parsed.data, source, fileName, flagged, new Set(Object.keys(merged)));
  for (const p of fieldProblems) problems.push(where(p.path) + p.message);
  if (problems.length > 0 || !scenario) throw new ConfigError('E_SCENARIO', problems);
  Object.assign(scenario.headers, flagHeaders);
  return scenario;
}
