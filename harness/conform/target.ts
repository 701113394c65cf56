/**
 * Where `rth conform` connects. The bundled mock (the default) gets dedicated side mocks for the
 * bad-key and expiry probes; `openai` and user URLs get one endpoint per session kind derived from
 * the URL, and a deliberately wrong key for the bad-key probe. Resolved before any socket opens,
 * so a missing key is a configuration error. Keys and headers are never printed.
 */
import { ConfigError } from '../../common/errors.ts';
import { apiKeyHeader, completeEndpointPath, displayUrl, MOCK_API_KEY, OPENAI_REALTIME_BASE, sessionUrl } from '../runner/target.ts';
import { DEFAULT_MODELS } from '../scenario/resolve.ts';
import type { ProbeEndpoint, ProbeTarget } from './types.ts';

/** The key the bad-key probe presents to targets other than the bundled mock (not a secret). */
export const WRONG_API_KEY = 'sk-rth-conform-deliberately-wrong-key-000000000000';

/** Models the probe sessions use. */
export interface ProbeModels {
  /** Realtime model in `?model=`. Default `gpt-realtime-2`. */
  readonly realtime: string;
  /** Transcription model in the transcription `session.update` (§2.4). Default `gpt-4o-transcribe`. */
  readonly transcription: string;
  /** Translation model in `/v1/realtime/translations?model=`. Default `gpt-realtime-translate`. */
  readonly translation: string;
}

/** Default {@link ProbeModels}, from the scenario defaults. */
export const DEFAULT_PROBE_MODELS: ProbeModels = { realtime: DEFAULT_MODELS.realtime, transcription: DEFAULT_MODELS.transcription, translation: DEFAULT_MODELS.translation };

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses `--header 'Name: value'` flags; pushes one problem per bad header onto `problems` (the
 * header's text is not echoed: a mistyped header is often a bare secret).
 */
export function parseHeaderFlags(flags: readonly string[], problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  flags.forEach((h, i) => {
    const colon = h.indexOf(':');
    const name = colon > 0 ? h.slice(0, colon).trim() : '';
    if (!HEADER_NAME.test(name)) problems.push(`--header: header ${i + 1}: expected 'Name: value' with a valid header name (text not shown)`);
    else out[name] = h.slice(colon + 1).trim();
  });
  return out;
}

/** The same headers with every credential (`Authorization`, `api-key`) replaced by {@link WRONG_API_KEY}. */
export function withWrongKey(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  let replaced = false;
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase();
    if (lower === 'authorization') {
      out[k] = `Bearer ${WRONG_API_KEY}`;
      replaced = true;
    } else if (lower === 'api-key') {
      out[k] = WRONG_API_KEY;
      replaced = true;
    } else out[k] = v;
  }
  if (!replaced) out['Authorization'] = `Bearer ${WRONG_API_KEY}`;
  return out;
}

/**
 * The three session URLs of a user-given URL (a relay, another vendor's mock, Azure):
 * `model`/`intent`/`call_id` are removed from its query (a `model` there becomes the realtime
 * model unless one was given) and a trailing `/translations` from its path; a server root (empty
 * path, `/` or `/v1`) gets `/v1/realtime` ({@link completeEndpointPath}, as `rth run` does).
 * Realtime adds `?model=`, transcription `?intent=transcription` (§1.1), translation appends
 * `/translations` to the path and adds `?model=`.
 */
export function userUrlEndpoints(raw: string, models: ProbeModels, modelGiven: boolean): { realtime: string; transcription: string; translation: string; realtimeModel: string } {
  const base = new URL(raw);
  const urlModel = base.searchParams.get('model');
  for (const k of ['model', 'intent', 'call_id']) base.searchParams.delete(k);
  const path = completeEndpointPath(base.pathname.replace(/\/+$/, '').replace(/\/translations$/, ''), 'realtime');
  const realtimeModel = !modelGiven && urlModel ? urlModel : models.realtime;
  const make = (p: string, set: [string, string]): string => {
    const u = new URL(base.toString());
    u.pathname = p;
    u.searchParams.set(set[0], set[1]);
    return u.toString();
  };
  return {
    realtime: make(path, ['model', realtimeModel]),
    transcription: make(path, ['intent', 'transcription']),
    translation: make(`${path}/translations`, ['model', models.translation]),
    realtimeModel,
  };
}

/** Inputs of {@link resolveRemoteTarget}. */
export interface RemoteTargetOptions {
  /** `openai` or a `ws://`/`wss://` URL. */
  readonly target: string;
  /** Parsed `--header`s (they win over the Authorization added here). */
  readonly headers: Readonly<Record<string, string>>;
  /** Environment variable holding the key (`--api-key-env`). Default `OPENAI_API_KEY` for `openai`, none for URLs. */
  readonly apiKeyEnv?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly models: ProbeModels;
  /** Whether `--model` was given (otherwise a URL's own `?model=` is kept). */
  readonly modelGiven: boolean;
}

/**
 * Resolves `openai` or a URL target. Expiry is not provokable there (60-minute cap, §1.4).
 * @throws ConfigError `E_TARGET` for a bad URL or a missing/empty key variable
 */
export function resolveRemoteTarget(o: RemoteTargetOptions): ProbeTarget {
  const problems: string[] = [];
  const headers: Record<string, string> = {};
  const keyVar = o.apiKeyEnv !== undefined ? { name: o.apiKeyEnv, from: '--api-key-env' } : o.target === 'openai' ? { name: 'OPENAI_API_KEY', from: '--target openai' } : undefined;
  const key = apiKeyHeader(keyVar, o.headers, o.env);
  if (key.problem !== null) problems.push(key.problem);
  Object.assign(headers, key.headers);
  Object.assign(headers, o.headers);
  let urls: ReturnType<typeof userUrlEndpoints> | null = null;
  let type: 'openai' | 'url' = 'openai';
  let label = 'openai';
  if (o.target === 'openai') {
    urls = {
      realtime: sessionUrl(OPENAI_REALTIME_BASE, 'realtime', o.models.realtime, false),
      transcription: sessionUrl(OPENAI_REALTIME_BASE, 'transcription', o.models.transcription, false),
      translation: sessionUrl(OPENAI_REALTIME_BASE, 'translation', o.models.translation, false),
      realtimeModel: o.models.realtime,
    };
  } else {
    type = 'url';
    let parsed: URL | null = null;
    try {
      parsed = new URL(o.target);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')) {
      problems.push(`--target ${JSON.stringify(displayUrl(o.target))}: expected mock, openai, or a ws:// or wss:// URL`);
    } else {
      urls = userUrlEndpoints(o.target, o.models, o.modelGiven);
      label = displayUrl(o.target);
    }
  }
  if (problems.length > 0 || urls === null) throw new ConfigError('E_TARGET', problems);
  const endpoint = (url: string): ProbeEndpoint => ({ url, headers });
  return {
    type,
    label,
    transcriptionModel: o.models.transcription,
    realtime: endpoint(urls.realtime),
    transcription: endpoint(urls.transcription),
    translation: endpoint(urls.translation),
    badKey: { url: urls.realtime, headers: withWrongKey(headers) },
    expiry: null,
  };
}

/** Addresses of the bundled mock and its side mocks (`ws://host:port`, no path). */
export interface MockAddresses {
  readonly main: string;
  /** Mock started with an API key the probe does not know; null when the bad-key probe is not run. */
  readonly badKey: string | null;
  /** Mock started with a short maximum session; null when the expiry probe is not run. */
  readonly expiry: { readonly url: string; readonly maxSessionS: number } | null;
}

/** The probe target for the bundled mock (any key is accepted by the main mock, §1.2 of the mock docs). */
export function mockProbeTarget(a: MockAddresses, models: ProbeModels = DEFAULT_PROBE_MODELS): ProbeTarget {
  const headers = { Authorization: `Bearer ${MOCK_API_KEY}` };
  const at = (base: string, kind: 'realtime' | 'transcription' | 'translation'): ProbeEndpoint => ({
    url: sessionUrl(base, kind, kind === 'translation' ? models.translation : models.realtime, false),
    headers,
  });
  return {
    type: 'mock',
    label: 'mock',
    transcriptionModel: models.transcription,
    realtime: at(a.main, 'realtime'),
    transcription: at(a.main, 'transcription'),
    translation: at(a.main, 'translation'),
    // Unused placeholder when the bad-key probe is not selected.
    badKey: { url: at(a.badKey ?? a.main, 'realtime').url, headers: withWrongKey({}) },
    expiry: a.expiry ? { ...at(a.expiry.url, 'realtime'), maxSessionS: a.expiry.maxSessionS } : null,
  };
}
