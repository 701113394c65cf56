/**
 * Live session configuration (docs/live-protocol.md §2): strict parsing of `session.start`'s
 * `session` (every object strict: an unknown field is `unknown_parameter` with its dotted path) and of
 * `session.update` (only `delegation` settings and `triggers`; the delegation type is immutable),
 * and the resolved `SessionResource` the server echoes in `session.started` / `.updated` / `.closed`.
 * The mock emulates client delegation only; Responses and Decisions backends are refused with a
 * clear error (§5.2, §5.3; docs say what is left out).
 */
import type { AudioFormat, InitialItem, SessionConfig, SessionResource, SessionUpdateConfig } from 'openai/resources/live/live';
import { LIVE_MODELS, isLiveModel } from '../../common/protocol/models.ts';
import type { MockErrorSpec } from '../contract.ts';
import {
  immutableFieldUpdate,
  liveInvalidModel,
  liveInvalidType,
  liveInvalidValue,
  liveMissingParameter,
  liveUnknownParameter,
  unsupportedDelegation,
} from './errors.ts';

/** A parse failure: the error to answer with. */
export class LiveConfigError extends Error {
  constructor(readonly spec: MockErrorSpec) {
    super(spec.message);
  }
}

/** The session's settings after `session.start` (what the mock needs, plus the resource it echoes). */
export interface LiveSettings {
  model: string;
  format: AudioFormat;
  voice: string | { id: string };
  instructions: string;
  input: InitialItem[];
  /** Client delegation's automatic acknowledgement delay, ms (default 0, §2.1). */
  acknowledgementDelayMs: number;
  store: boolean;
  client: SessionConfig['client'] | undefined;
}

/** Default output format when `audio.format` is omitted: PCM16 24 kHz ([M L5]). */
export const DEFAULT_LIVE_FORMAT: AudioFormat = { type: 'audio/pcm', rate: 24000 };
/** Default voice ([T L1]). */
export const DEFAULT_LIVE_VOICE = 'marin';
/** Longest `instructions`, characters: a stand-in for the 16,384-token limit (4 characters a token; mock choice). */
export const MAX_INSTRUCTIONS_CHARS = 16_384 * 4;
/** Most startup `input` messages ([T L1]). */
export const MAX_INPUT_ITEMS = 128;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(spec: MockErrorSpec): never {
  throw new LiveConfigError(spec);
}

/** `v` as an object whose keys are all in `known`; else the first unknown key's error. */
function strictObject(v: unknown, path: string, known: readonly string[]): Json {
  if (!isObject(v)) fail(liveInvalidType(path, 'an object', v));
  for (const k of Object.keys(v)) if (!known.includes(k)) fail(liveUnknownParameter(`${path}.${k}`));
  return v;
}

function parseFormat(v: unknown, path: string): AudioFormat {
  const o = strictObject(v, path, ['type', 'rate']);
  if (o.type === 'audio/pcm') {
    if (o.rate === undefined) return { type: 'audio/pcm', rate: 24000 };
    if (o.rate !== 16000 && o.rate !== 24000) fail(liveInvalidValue(`${path}.rate`, o.rate, '16000 or 24000 for audio/pcm'));
    return { type: 'audio/pcm', rate: o.rate };
  }
  if (o.type === 'audio/pcmu' || o.type === 'audio/pcma') {
    if (o.rate !== undefined && o.rate !== 8000) fail(liveInvalidValue(`${path}.rate`, o.rate, `8000 for ${o.type}`));
    return { type: o.type, rate: 8000 };
  }
  if (o.type === undefined) fail(liveMissingParameter(`${path}.type`));
  return fail(liveInvalidValue(`${path}.type`, o.type, "'audio/pcm', 'audio/pcmu' or 'audio/pcma'"));
}

function parseVoice(v: unknown, path: string): string | { id: string } {
  if (typeof v === 'string' && v.length > 0) return v; // third-party voice lists go beyond the SDK union: accept any name (§9.16)
  if (isObject(v)) {
    const o = strictObject(v, path, ['id']);
    if (typeof o.id === 'string' && o.id.length > 0) return { id: o.id };
    fail(liveInvalidType(`${path}.id`, 'a non-empty string', o.id));
  }
  return fail(liveInvalidType(path, 'a voice name or {id}', v));
}

function parseInput(v: unknown, path: string): InitialItem[] {
  if (!Array.isArray(v)) fail(liveInvalidType(path, 'an array of messages', v));
  if (v.length > MAX_INPUT_ITEMS) fail(liveInvalidValue(path, `${v.length} items`, `at most ${MAX_INPUT_ITEMS} messages`));
  return v.map((item, i) => {
    const p = `${path}[${i}]`;
    const o = strictObject(item, p, ['type', 'role', 'content', 'id', 'status']);
    if (o.type !== undefined && o.type !== 'message') fail(liveInvalidValue(`${p}.type`, o.type, "'message'"));
    if (o.role !== 'developer' && o.role !== 'user' && o.role !== 'assistant') fail(liveInvalidValue(`${p}.role`, o.role, "'developer', 'user' or 'assistant'"));
    if (!Array.isArray(o.content)) fail(liveInvalidType(`${p}.content`, 'an array of text parts', o.content));
    const partTypes = o.role === 'assistant' ? ['text', 'output_text'] : ['input_text'];
    for (const [j, part] of o.content.entries()) {
      const q = strictObject(part, `${p}.content[${j}]`, ['type', 'text']);
      if (typeof q.text !== 'string') fail(liveInvalidType(`${p}.content[${j}].text`, 'a string', q.text));
      if (q.type !== undefined && !partTypes.includes(String(q.type))) fail(liveInvalidValue(`${p}.content[${j}].type`, q.type, partTypes.map((t) => `'${t}'`).join(' or ')));
    }
    return item as InitialItem;
  });
}

/** `delegation` of `session.start`: null/absent/`{type:"client"}`; other types are not emulated. */
function parseDelegation(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  if (!isObject(v)) fail(liveInvalidType(path, 'an object or null', v));
  if (v.type === 'client') {
    const o = strictObject(v, path, ['type', 'acknowledgement_delay_ms']);
    return parseAckDelay(o.acknowledgement_delay_ms, `${path}.acknowledgement_delay_ms`) ?? 0;
  }
  if (v.type === 'responses' || v.type === 'decisions') fail(unsupportedDelegation(v.type));
  if (v.type === undefined) fail(liveMissingParameter(`${path}.type`));
  return fail(liveInvalidValue(`${path}.type`, v.type, "'client', 'responses' or 'decisions'"));
}

function parseAckDelay(v: unknown, path: string): number | null {
  if (v === undefined) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(liveInvalidValue(path, v, 'a non-negative integer of milliseconds'));
  return v;
}

/** Parses `session.start.session` strictly. Throws {@link LiveConfigError}. */
export function parseLiveStart(v: unknown): LiveSettings {
  if (v === undefined) fail(liveMissingParameter('session'));
  const s = strictObject(v, 'session', ['model', 'audio', 'client', 'delegation', 'input', 'instructions', 'store', 'triggers']);
  if (s.model === undefined) fail(liveMissingParameter('session.model'));
  if (typeof s.model !== 'string') fail(liveInvalidType('session.model', 'a string', s.model));
  if (!isLiveModel(s.model)) fail(liveInvalidModel(s.model, LIVE_MODELS));
  let format = DEFAULT_LIVE_FORMAT;
  let voice: string | { id: string } = DEFAULT_LIVE_VOICE;
  if (s.audio !== undefined) {
    const a = strictObject(s.audio, 'session.audio', ['format', 'output']);
    if (a.format !== undefined) format = parseFormat(a.format, 'session.audio.format');
    if (a.output !== undefined) {
      const out = strictObject(a.output, 'session.audio.output', ['voice']);
      if (out.voice !== undefined) voice = parseVoice(out.voice, 'session.audio.output.voice');
    }
  }
  if (s.instructions !== undefined && s.instructions !== null && typeof s.instructions !== 'string') fail(liveInvalidType('session.instructions', 'a string or null', s.instructions));
  const instructions = typeof s.instructions === 'string' ? s.instructions : '';
  if (instructions.length > MAX_INSTRUCTIONS_CHARS) fail(liveInvalidValue('session.instructions', `${instructions.length} characters`, `at most ${MAX_INSTRUCTIONS_CHARS} characters`));
  if (s.store !== undefined && typeof s.store !== 'boolean') fail(liveInvalidType('session.store', 'a boolean', s.store));
  if (s.triggers !== undefined && !(Array.isArray(s.triggers) && s.triggers.length === 0)) fail(unsupportedDelegation('decisions'));
  if (s.client !== undefined) {
    const c = strictObject(s.client, 'session.client', ['data_channel']);
    strictObject(c.data_channel, 'session.client.data_channel', ['allowed_client_events', 'allowed_server_events']);
  }
  return {
    model: s.model,
    format,
    voice,
    instructions,
    input: s.input === undefined ? [] : parseInput(s.input, 'session.input'),
    acknowledgementDelayMs: parseDelegation(s.delegation, 'session.delegation'),
    store: s.store === true,
    client: s.client as SessionConfig['client'] | undefined,
  };
}

/**
 * Applies `session.update.session` (§2.3): only `delegation` (same type; settings merge) and
 * `triggers`. Returns the new settings. Throws {@link LiveConfigError}.
 */
export function applyLiveUpdate(v: unknown, current: LiveSettings): LiveSettings {
  if (v === undefined) fail(liveMissingParameter('session'));
  const known: (keyof SessionUpdateConfig)[] = ['delegation', 'triggers'];
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (['model', 'audio', 'instructions', 'input', 'store', 'client'].includes(k)) fail(immutableFieldUpdate(`session.${k}`));
    }
  }
  const s = strictObject(v, 'session', known);
  if (s.triggers !== undefined && !(Array.isArray(s.triggers) && s.triggers.length === 0)) fail(unsupportedDelegation('decisions'));
  if (s.delegation === undefined) return current;
  if (!isObject(s.delegation) || s.delegation.type !== 'client') {
    // The session is client-delegated; any other type (or null, which means client only at start) changes it.
    if (s.delegation === null) return current;
    return fail(immutableFieldUpdate('session.delegation.type'));
  }
  const d = strictObject(s.delegation, 'session.delegation', ['type', 'acknowledgement_delay_ms']);
  const ack = parseAckDelay(d.acknowledgement_delay_ms, 'session.delegation.acknowledgement_delay_ms');
  return ack === null ? current : { ...current, acknowledgementDelayMs: ack };
}

/** The resolved resource echoed in `session.started` / `.updated` / `.closed` (`status` is always `active`, §2.2). */
export function liveSessionResource(id: string, expiresAtS: number, s: LiveSettings): SessionResource {
  const resource: SessionResource = {
    id,
    expires_at: expiresAtS,
    model: s.model,
    status: 'active',
    instructions: s.instructions,
    input: s.input,
    audio: { output: { voice: s.voice }, format: s.format },
    delegation: s.acknowledgementDelayMs > 0 ? { type: 'client', acknowledgement_delay_ms: s.acknowledgementDelayMs } : { type: 'client' },
    store: s.store,
  };
  if (s.client) resource.client = s.client;
  return resource;
}
