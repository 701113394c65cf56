/**
 * The mock's latency model: how long after the end of a user turn `response.created` and the first
 * audio delta go out, per reasoning effort, and how fast audio and transcript deltas stream. Delays
 * are log-normal, fitted to a median and a p95, and drawn from the session's seeded {@link Rng}, so
 * one seed gives one timeline. The default profile lives in `profiles/default-latency.json` with its
 * sources; users calibrate with their own JSON file (`rth mock --latency FILE`), which is merged over
 * the default, so a file may set only the fields it changes. A profile may hold per-model sections
 * (`models`), each a partial profile merged over the top-level values for sessions of that model
 * ({@link latencyForModel}); the top level is what every other model gets.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../common/errors.ts';
import { baseModelName } from '../common/protocol/models.ts';
import { REASONING_EFFORTS, type ReasoningEffort } from '../common/protocol/types.ts';
import type { Rng } from './contract.ts';
import defaultProfileJson from './profiles/default-latency.json' with { type: 'json' };

/** A positive delay as a log-normal distribution fitted to its median and 95th percentile. */
export interface DelayDistribution {
  /** Median, ms (≥ 0; 0 means always 0). */
  medianMs: number;
  /** 95th percentile, ms (≥ medianMs; equal means no spread). */
  p95Ms: number;
}

/** Every number the mock's timing depends on. All delays start at the end of the user's turn. */
export interface LatencyProfile {
  /** Shown in logs and traces. */
  name: string;
  /** Citations (URLs, §refs) and notes on how each default was chosen. */
  sources: string[];
  /** End of turn (VAD end of speech, or commit) → `response.created`. */
  responseCreatedMs: DelayDistribution;
  /** End of turn → first `response.output_audio.delta`; `default` for non-reasoning models. */
  firstAudio: { default: DelayDistribution; efforts: Record<ReasoningEffort, DelayDistribution> };
  /** Multiplier on the first-audio delay for turns after the first (e.g. 0.85: warm cache). */
  laterTurnFactor: number;
  /** Chance, per effort, that a reasoning response speaks a `commentary` preamble item first. */
  commentaryProbability: Record<ReasoningEffort, number>;
  /** Each `output_audio.delta` carries `deltaMs` of audio; deltas go out `realtimeFactor`× faster than real time. */
  audio: { deltaMs: number; realtimeFactor: number };
  /** Spacing of transcript / text deltas, ms. */
  textDeltaIntervalMs: number;
  /**
   * Digital silence that leads each response's audio, ms: the first spoken item of a response
   * starts with this much silence (its own delta(s)) before the speech, so TTFA to audio onset
   * trails TTFA to the first delta by it (docs/measurement.md). Audio content, not a delay: it
   * is not scaled by {@link scaleLatencyProfile} and it plays at real time like the rest.
   * Drawn per response (from a fork of the response's random stream, so the other draws are
   * unchanged); a zero median (the default) always gives 0, and median = p95 gives exactly
   * the median. At most {@link MAX_LEADING_SILENCE_MS}.
   */
  leadingSilenceMs: DelayDistribution;
  /**
   * Per-model sections, by model name: what differs for sessions of that model, merged over the
   * fields above ({@link latencyForModel}). Absent or `{}`: every model gets the top level.
   */
  models?: Readonly<Record<string, LatencyOverrides>>;
  /** GPT-Live sessions (mock-server/live/): their own timing, on the input-clocked session timeline. */
  live: LiveLatency;
}

/**
 * Timing of GPT-Live sessions (docs/live-protocol.md §4, §8.4). A Live session's timeline moves
 * only with input audio, so the `…TimelineMs` values are ms of received input audio, not wall time.
 * Defaults and their sources: the `live` section of `profiles/default-latency.json`.
 */
export interface LiveLatency {
  /** `session.start` → `session.started`, wall ms. */
  startedMs: DelayDistribution;
  /** Output audio for timeline position t is released once input reaches t + this (the output track's lag), timeline ms. */
  outputLagTimelineMs: number;
  /** End of the user's speech → first voiced sample of the answer on the output track, timeline ms. */
  firstAudioTimelineMs: DelayDistribution;
  /** Trailing silence after which the mock's turn detector ends a user turn, ms of audio. */
  turnSilenceMs: number;
  /** `session.*.append` → its `*.appended` ack, timeline ms. */
  appendAckTimelineMs: DelayDistribution;
  /** Chance that a user turn is delegated to the client (`toolPlan: auto`), 0..1. */
  delegationProbability: number;
  /** `session.usage.updated` every this much timeline, ms. */
  usageIntervalTimelineMs: number;
  /** `session.close` → `session.closed`, wall ms. */
  closeMs: DelayDistribution;
}

/**
 * What a per-model section may change: any timing field of {@link LatencyProfile}, partially (e.g.
 * only `firstAudio.efforts.low.medianMs`). Not `name`, `sources` or `models`.
 */
export interface LatencyOverrides {
  responseCreatedMs?: Partial<DelayDistribution>;
  firstAudio?: { default?: Partial<DelayDistribution>; efforts?: Partial<Record<ReasoningEffort, Partial<DelayDistribution>>> };
  laterTurnFactor?: number;
  commentaryProbability?: Partial<Record<ReasoningEffort, number>>;
  audio?: Partial<LatencyProfile['audio']>;
  textDeltaIntervalMs?: number;
  leadingSilenceMs?: Partial<DelayDistribution>;
}

/** Longest leading silence a profile may ask for (and the most a draw gives), ms. */
export const MAX_LEADING_SILENCE_MS = 10_000;

const ERROR_CODE = 'E_LATENCY_PROFILE';
/** z of the 95th percentile of a standard normal. */
const Z95 = 1.6448536269514722;
/** Draws are clamped to ±4 standard deviations so one unlucky draw cannot stall a session for minutes. */
const MAX_Z = 4;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a complete profile object, collecting every problem as `file: path: what was expected`. */
class Checker {
  readonly problems: string[] = [];
  /** `prefix` goes before every field path (`models.<name>.` inside a per-model section). */
  constructor(
    private readonly file: string,
    private readonly prefix = '',
  ) {}

  problem(path: string, expected: string, got: unknown): void {
    this.problems.push(`${this.file}: ${this.prefix}${path}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`);
  }

  /** Reports fields of `obj` not in `known` (keys starting with `$`, e.g. `$comment`, are allowed). */
  unknown(obj: Json, path: string, known: readonly string[]): void {
    for (const k of Object.keys(obj)) {
      if (!known.includes(k) && !k.startsWith('$')) this.problems.push(`${this.file}: ${this.prefix}${path ? `${path}.` : ''}${k}: unknown field (expected one of ${known.join(', ')})`);
    }
  }

  object(v: unknown, path: string): Json | null {
    if (isObject(v)) return v;
    this.problem(path, 'an object', v);
    return null;
  }

  number(v: unknown, path: string, min: number, max: number, what: string): number {
    if (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max) return v;
    this.problem(path, what, v);
    return NaN;
  }

  delay(v: unknown, path: string, maxMs = 600_000): DelayDistribution {
    const o = this.object(v, path);
    if (!o) return { medianMs: NaN, p95Ms: NaN };
    this.unknown(o, path, ['medianMs', 'p95Ms']);
    const medianMs = this.number(o.medianMs, `${path}.medianMs`, 0, maxMs, `a number of ms in [0, ${maxMs}]`);
    const p95Ms = this.number(o.p95Ms, `${path}.p95Ms`, 0, maxMs, `a number of ms in [0, ${maxMs}]`);
    if (p95Ms < medianMs) this.problem(`${path}.p95Ms`, `a number ≥ medianMs (${medianMs})`, p95Ms);
    return { medianMs, p95Ms };
  }

  perEffort<T>(v: unknown, path: string, each: (x: unknown, p: string) => T): Record<ReasoningEffort, T> {
    const o = this.object(v, path) ?? {};
    this.unknown(o, path, REASONING_EFFORTS);
    return Object.fromEntries(REASONING_EFFORTS.map((e) => [e, each(o[e], `${path}.${e}`)])) as Record<ReasoningEffort, T>;
  }
}

/** The fields a per-model section may set. */
const TIMING_FIELDS = ['responseCreatedMs', 'firstAudio', 'laterTurnFactor', 'commentaryProbability', 'audio', 'textDeltaIntervalMs', 'leadingSilenceMs'] as const;
const TOP_FIELDS = ['name', 'sources', ...TIMING_FIELDS, 'models', 'live'] as const;

/**
 * Validates a complete profile. `prefix` is set when checking one model's merged view, whose
 * problems are then reported under `models.<name>.`; such a view has no `models` of its own.
 */
function checkProfile(v: unknown, file: string, prefix = ''): LatencyProfile {
  const c = new Checker(file, prefix);
  const o = c.object(v, '(root)');
  if (!o) throw new ConfigError(ERROR_CODE, c.problems);
  c.unknown(o, '', prefix === '' ? TOP_FIELDS : TOP_FIELDS.filter((f) => f !== 'models'));
  if (typeof o.name !== 'string' || o.name === '') c.problem('name', 'a non-empty string', o.name);
  if (!Array.isArray(o.sources) || !o.sources.every((s) => typeof s === 'string')) c.problem('sources', 'an array of strings', o.sources);
  const fa = c.object(o.firstAudio, 'firstAudio') ?? {};
  c.unknown(fa, 'firstAudio', ['default', 'efforts']);
  const efforts = c.perEffort(fa.efforts, 'firstAudio.efforts', (x, p) => c.delay(x, p));
  for (let i = 1; i < REASONING_EFFORTS.length; i++) {
    const lo = efforts[REASONING_EFFORTS[i - 1]!].medianMs;
    const hi = efforts[REASONING_EFFORTS[i]!].medianMs;
    if (!(hi > lo) && !Number.isNaN(lo) && !Number.isNaN(hi)) {
      c.problem(`firstAudio.efforts.${REASONING_EFFORTS[i]}.medianMs`, `a median above ${REASONING_EFFORTS[i - 1]}'s ${lo} ms (efforts must be strictly increasing)`, hi);
    }
  }
  const audio = c.object(o.audio, 'audio') ?? {};
  c.unknown(audio, 'audio', ['deltaMs', 'realtimeFactor']);
  const profile: LatencyProfile = {
    name: String(o.name),
    sources: Array.isArray(o.sources) ? o.sources.map(String) : [],
    responseCreatedMs: c.delay(o.responseCreatedMs, 'responseCreatedMs'),
    firstAudio: { default: c.delay(fa.default, 'firstAudio.default'), efforts },
    laterTurnFactor: c.number(o.laterTurnFactor, 'laterTurnFactor', 0, 100, 'a number in [0, 100]'),
    commentaryProbability: c.perEffort(o.commentaryProbability, 'commentaryProbability', (x, p) => c.number(x, p, 0, 1, 'a probability in [0, 1]')),
    audio: {
      deltaMs: c.number(audio.deltaMs, 'audio.deltaMs', 1, 60_000, 'a number of ms in [1, 60000]'),
      realtimeFactor: c.number(audio.realtimeFactor, 'audio.realtimeFactor', Number.MIN_VALUE, Infinity, 'a number > 0'),
    },
    textDeltaIntervalMs: c.number(o.textDeltaIntervalMs, 'textDeltaIntervalMs', 0, 60_000, 'a number of ms in [0, 60000]'),
    leadingSilenceMs: c.delay(o.leadingSilenceMs, 'leadingSilenceMs', MAX_LEADING_SILENCE_MS),
    live: checkLive(c, o.live ?? (prefix === '' ? undefined : DEFAULT_LIVE_FALLBACK)),
  };
  // Model sections are checked once the top level is sound, so each problem is reported once, under
  // the section that causes it (a section's merged view inherits everything else from the top level).
  if (prefix === '' && o.models !== undefined && c.problems.length === 0) profile.models = checkModelSections(o, file, c);
  if (c.problems.length > 0) throw new ConfigError(ERROR_CODE, c.problems);
  return profile;
}

/** Validates the `live` section (every field required; the default profile supplies them to user files). */
function checkLive(c: Checker, v: unknown): LiveLatency {
  const o = c.object(v, 'live') ?? {};
  c.unknown(o, 'live', LIVE_FIELDS);
  return {
    startedMs: c.delay(o.startedMs, 'live.startedMs'),
    outputLagTimelineMs: c.number(o.outputLagTimelineMs, 'live.outputLagTimelineMs', 0, 60_000, 'a number of ms in [0, 60000]'),
    firstAudioTimelineMs: c.delay(o.firstAudioTimelineMs, 'live.firstAudioTimelineMs'),
    turnSilenceMs: c.number(o.turnSilenceMs, 'live.turnSilenceMs', 50, 10_000, 'a number of ms in [50, 10000]'),
    appendAckTimelineMs: c.delay(o.appendAckTimelineMs, 'live.appendAckTimelineMs'),
    delegationProbability: c.number(o.delegationProbability, 'live.delegationProbability', 0, 1, 'a probability in [0, 1]'),
    usageIntervalTimelineMs: c.number(o.usageIntervalTimelineMs, 'live.usageIntervalTimelineMs', 100, 3_600_000, 'a number of ms in [100, 3600000]'),
    closeMs: c.delay(o.closeMs, 'live.closeMs'),
  };
}

const LIVE_FIELDS = ['startedMs', 'outputLagTimelineMs', 'firstAudioTimelineMs', 'turnSilenceMs', 'appendAckTimelineMs', 'delegationProbability', 'usageIntervalTimelineMs', 'closeMs'] as const;
/** A per-model view inherits the top level's `live` (sections cannot set it); validation needs a value. */
const DEFAULT_LIVE_FALLBACK = (defaultProfileJson as { live: unknown }).live;

/** Drops `$`-prefixed keys (comments) at every level, leaving a plain copy. */
function withoutComments(v: unknown): unknown {
  if (!isObject(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('$')).map(([k, x]) => [k, withoutComments(x)]));
}

/**
 * Checks `root.models`: an object of sections keyed by model name, each setting only timing fields,
 * and each giving a valid profile once merged over the top level. Problems go to `c`.
 */
function checkModelSections(root: Json, file: string, c: Checker): Record<string, LatencyOverrides> {
  const models = c.object(root.models, 'models');
  if (!models) return {};
  const top: Json = { ...root };
  delete top.models;
  const out: Record<string, LatencyOverrides> = {};
  for (const [model, section] of Object.entries(models)) {
    if (model.startsWith('$')) continue;
    const path = `models.${model}`;
    if (model.trim() === '') c.problem('models', 'model names that are not blank', model);
    const s = c.object(section, path);
    if (!s) continue;
    const before = c.problems.length;
    c.unknown(s, path, TIMING_FIELDS);
    if (c.problems.length > before) continue;
    try {
      checkProfile(mergeOver(top, s), file, `${path}.`);
      out[model] = withoutComments(s) as LatencyOverrides;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      c.problems.push(...err.problems);
    }
  }
  return out;
}

/**
 * The default profile (`profiles/default-latency.json`): gpt-realtime-2 time to first audio 1.12 s
 * at `minimal` … 2.33 s at `high` (published), `low`/`medium` interpolated log-linearly, `xhigh`
 * extrapolated one step; 500 ms for non-reasoning models (assumption). See its `sources`.
 */
export const DEFAULT_LATENCY_PROFILE: LatencyProfile = checkProfile(defaultProfileJson, 'mock-server/profiles/default-latency.json');

/** Deep merge of plain objects: `over` wins; arrays and scalars replace. */
function mergeOver(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeOver(base[k], v);
  return out;
}

/**
 * Validates a user profile and merges it over {@link DEFAULT_LATENCY_PROFILE}, so a file may set only
 * some fields. Without `name`, the name is the file's base name; without `sources`, the default's
 * sources are kept. Throws `ConfigError('E_LATENCY_PROFILE')` listing every problem with the file and
 * field path (unknown fields included; keys starting with `$` are ignored).
 */
export function parseLatencyProfile(json: unknown, file: string): LatencyProfile {
  if (!isObject(json)) throw new ConfigError(ERROR_CODE, `${file}: (root): expected a JSON object, got ${JSON.stringify(json) ?? String(json)}`);
  const named = 'name' in json ? json : { ...json, name: basename(file).replace(/\.json$/i, '') || file };
  return checkProfile(mergeOver(DEFAULT_LATENCY_PROFILE, named), file);
}

/** Reads and parses a profile file (see {@link parseLatencyProfile}); unreadable or invalid JSON is a ConfigError too. */
export async function loadLatencyProfile(path: string): Promise<LatencyProfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(ERROR_CODE, `${path}: cannot read the latency profile: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(ERROR_CODE, `${path}: not valid JSON: ${(err as Error).message}`);
  }
  return parseLatencyProfile(json, path);
}

/** Views already built by {@link latencyForModel}, per profile object and model name. */
const modelViews = new WeakMap<LatencyProfile, Map<string, LatencyProfile>>();

/**
 * The profile a session of `model` uses: `p` with the model's section (`p.models`) merged over its
 * top-level fields, named `<name>/<section>`. The section is looked up by the exact name, then by
 * the name without a `-YYYY-MM-DD` snapshot date (`gpt-realtime-2.1-mini-2026-12-01` uses the
 * `gpt-realtime-2.1-mini` section). No section: `p` itself. The result has no `models`. Views are
 * cached per profile object, so every session of a model shares one; do not mutate them.
 */
export function latencyForModel(p: LatencyProfile, model: string): LatencyProfile {
  const sections = p.models;
  if (!sections) return p;
  const key = Object.hasOwn(sections, model) ? model : baseModelName(model);
  if (!Object.hasOwn(sections, key)) return p;
  let views = modelViews.get(p);
  if (!views) modelViews.set(p, (views = new Map()));
  let view = views.get(key);
  if (!view) {
    const { models: _models, ...top } = p;
    view = { ...(mergeOver(top, sections[key]) as LatencyProfile), name: `${p.name}/${key}` };
    views.set(key, view);
  }
  return view;
}

/**
 * One draw, ms, from the log-normal with the given median and p95 (σ = ln(p95/median) / 1.645),
 * using one `rng.normal` deviate clamped to ±4σ. A zero median always gives 0.
 */
export function drawDelayMs(d: DelayDistribution, rng: Rng): number {
  if (d.medianMs <= 0) return 0;
  const sigma = d.p95Ms > d.medianMs ? Math.log(d.p95Ms / d.medianMs) / Z95 : 0;
  const z = Math.max(-MAX_Z, Math.min(MAX_Z, rng.normal(0, 1)));
  return d.medianMs * Math.exp(sigma * z);
}

/**
 * The leading silence of one response, ms ({@link LatencyProfile.leadingSilenceMs}): 0 for a zero
 * median without drawing; exactly the median when p95 equals it; otherwise a log-normal draw
 * ({@link drawDelayMs}) capped at {@link MAX_LEADING_SILENCE_MS}. Pass a dedicated fork of the
 * response's stream so that drawing it does not move the response's other draws.
 */
export function drawLeadingSilenceMs(p: LatencyProfile, rng: Rng): number {
  const d = p.leadingSilenceMs;
  if (d.medianMs <= 0) return 0;
  if (d.p95Ms <= d.medianMs) return d.medianMs;
  return Math.min(MAX_LEADING_SILENCE_MS, drawDelayMs(d, rng));
}

/**
 * Delay from the end of turn `turnIndex` (1-based) to the first audio delta: drawn from the effort's
 * distribution (or `firstAudio.default` when `effort` is null), times `laterTurnFactor` after turn 1.
 * The responder should not send the first delta before `response.created`.
 */
export function drawFirstAudioDelayMs(p: LatencyProfile, effort: ReasoningEffort | null, turnIndex: number, rng: Rng): number {
  const d = effort === null ? p.firstAudio.default : p.firstAudio.efforts[effort];
  return drawDelayMs(d, rng) * (turnIndex > 1 ? p.laterTurnFactor : 1);
}

function scaleDelay(d: DelayDistribution, f: number): DelayDistribution {
  return { medianMs: d.medianMs * f, p95Ms: d.p95Ms * f };
}

/** {@link scaleDelay} for a section's partial delay: scales the numbers it sets. */
function scalePartialDelay(d: Partial<DelayDistribution>, f: number): Partial<DelayDistribution> {
  const out: Partial<DelayDistribution> = {};
  if (d.medianMs !== undefined) out.medianMs = d.medianMs * f;
  if (d.p95Ms !== undefined) out.p95Ms = d.p95Ms * f;
  return out;
}

/** A per-model section scaled as {@link scaleLatencyProfile} scales a profile (only what it sets). */
function scaleOverrides(o: LatencyOverrides, f: number): LatencyOverrides {
  const out: LatencyOverrides = structuredClone(o);
  if (o.responseCreatedMs) out.responseCreatedMs = scalePartialDelay(o.responseCreatedMs, f);
  if (o.firstAudio) {
    const efforts = o.firstAudio.efforts;
    out.firstAudio = {
      ...(o.firstAudio.default ? { default: scalePartialDelay(o.firstAudio.default, f) } : {}),
      ...(efforts ? { efforts: Object.fromEntries(Object.entries(efforts).map(([e, d]) => [e, scalePartialDelay(d, f)])) } : {}),
    };
  }
  if (o.audio?.realtimeFactor !== undefined) out.audio = { ...o.audio, realtimeFactor: f === 0 ? Infinity : o.audio.realtimeFactor / f };
  if (o.textDeltaIntervalMs !== undefined) out.textDeltaIntervalMs = o.textDeltaIntervalMs * f;
  return out;
}

/**
 * A copy of `p` with every delay multiplied by `factor` (≥ 0): the delay distributions, the text
 * delta spacing, and the audio delta spacing (by dividing `realtimeFactor`; each delta still carries
 * `deltaMs` of audio), in the per-model sections too. `factor` 0 removes all waiting. Tests use
 * small factors such as 0.01.
 */
export function scaleLatencyProfile(p: LatencyProfile, factor: number): LatencyProfile {
  if (!(factor >= 0 && Number.isFinite(factor))) throw new RangeError(`scaleLatencyProfile: factor must be a finite number ≥ 0, got ${factor}`);
  const efforts = Object.fromEntries(REASONING_EFFORTS.map((e) => [e, scaleDelay(p.firstAudio.efforts[e], factor)])) as Record<ReasoningEffort, DelayDistribution>;
  return {
    ...p,
    name: `${p.name}×${factor}`,
    sources: [...p.sources],
    responseCreatedMs: scaleDelay(p.responseCreatedMs, factor),
    firstAudio: { default: scaleDelay(p.firstAudio.default, factor), efforts },
    commentaryProbability: { ...p.commentaryProbability },
    audio: { deltaMs: p.audio.deltaMs, realtimeFactor: factor === 0 ? Infinity : p.audio.realtimeFactor / factor },
    textDeltaIntervalMs: p.textDeltaIntervalMs * factor,
    live: {
      ...p.live,
      startedMs: scaleDelay(p.live.startedMs, factor),
      outputLagTimelineMs: p.live.outputLagTimelineMs * factor,
      firstAudioTimelineMs: scaleDelay(p.live.firstAudioTimelineMs, factor),
      appendAckTimelineMs: scaleDelay(p.live.appendAckTimelineMs, factor),
      closeMs: scaleDelay(p.live.closeMs, factor),
    },
    ...(p.models ? { models: Object.fromEntries(Object.entries(p.models).map(([m, o]) => [m, scaleOverrides(o, factor)])) } : {}),
  };
}
