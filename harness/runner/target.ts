/**
 * Where a run's sessions connect: the embedded mock, the official endpoint, or any ws(s) URL
 * (a relay, Azure, another compatible server). Resolved before any socket opens, so a missing key
 * is a configuration error, not a wall of failed handshakes.
 */
import { ConfigError } from '../../common/errors.ts';
import type { ScenarioKind } from '../scenario/types.ts';

/** The official Realtime API base (docs/realtime-protocol.md §1.1). */
export const OPENAI_REALTIME_BASE = 'wss://api.openai.com/v1/realtime';

/**
 * Key the harness presents to the embedded mock. The mock accepts any non-empty key unless started
 * with `--api-key`; this one is not a secret.
 */
export const MOCK_API_KEY = 'rth-embedded-mock';

/** Where the key comes from: an environment variable, and what named it (for messages). */
export interface ApiKeySource {
  /** The environment variable holding the key, e.g. `OPENAI_API_KEY`. */
  readonly name: string;
  /** How problems name its origin: `--api-key-env`, `scenarios/x.yaml: api_key_env`, or `--target openai` (the default). */
  readonly from: string;
}

/** A resolved target, minus the mock's address (known once it is listening). */
export interface ResolvedTarget {
  /** `mock`, `openai` or `url`. */
  readonly type: 'mock' | 'openai' | 'url';
  /** What reports show: `mock`, `openai`, or the URL without query and credentials. */
  readonly label: string;
  /** Handshake headers (Authorization and `--header`s). Never logged or written. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * One line to show before the run, or null: a URL target with no credential at all (no
   * `Authorization`/`api-key` header, no key variable) is most often a forgotten key. Never holds a key.
   */
  readonly warning: string | null;
}

/** Strips credentials and query from a URL for display (`wss://host/path`). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/** Whether a header of this name (any case) is present. */
export function hasHeader(headers: Readonly<Record<string, string>>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((h) => h.toLowerCase() === lower);
}

/** Whether the headers carry a credential: `Authorization` (OpenAI, relays) or `api-key` (Azure). */
export function hasCredentialHeader(headers: Readonly<Record<string, string>>): boolean {
  return hasHeader(headers, 'authorization') || hasHeader(headers, 'api-key');
}

/**
 * The `Authorization` header from a key variable, shared by `rth run` and `rth conform`. An
 * `Authorization` header the user gave wins (and then the variable is not read).
 * @param keyVar the variable, or undefined for none (the result is then `{}`)
 * @returns `{ Authorization: 'Bearer …' }` or `{}`, and a problem naming where the variable was
 *   named and the variable when it is unset or empty (never the key), else null
 */
export function apiKeyHeader(keyVar: ApiKeySource | undefined, headers: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): { headers: Record<string, string>; problem: string | null } {
  if (keyVar === undefined || hasHeader(headers, 'authorization')) return { headers: {}, problem: null };
  const key = env[keyVar.name]?.trim();
  if (key) return { headers: { Authorization: `Bearer ${key}` }, problem: null };
  return {
    headers: {},
    problem: `${keyVar.from}: ${keyVar.name} is not set or empty in the environment (export it, name another variable with --api-key-env, or pass --header "Authorization: Bearer …")`,
  };
}

/**
 * Resolves the scenario's target and headers.
 * @param target `mock`, `openai`, or a `ws://`/`wss://` URL (already validated by the scenario resolver)
 * @param headers the scenario's headers plus `--header`s (they win over the Authorization added here)
 * @param env the environment; `openai` reads `OPENAI_API_KEY` unless `apiKeyEnv` names another variable
 * @param apiKeyEnv `--api-key-env` / `api_key_env`: the variable holding the key, for any target. Default none
 *   (`OPENAI_API_KEY` for `openai`, the non-secret {@link MOCK_API_KEY} for the mock, no key for a URL).
 * @throws ConfigError `E_TARGET` when the key variable in use is unset or empty (and no Authorization header was given)
 */
export function resolveTarget(target: string, headers: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv, apiKeyEnv?: ApiKeySource | null): ResolvedTarget {
  const named = apiKeyEnv ?? undefined;
  const type = target === 'mock' ? 'mock' : target === 'openai' ? 'openai' : 'url';
  const keyVar = named ?? (type === 'openai' ? { name: 'OPENAI_API_KEY', from: '--target openai' } : undefined);
  const key = apiKeyHeader(keyVar, headers, env);
  if (key.problem !== null) throw new ConfigError('E_TARGET', key.problem);
  if (type === 'mock') {
    const auth = hasHeader(headers, 'authorization') || named ? key.headers : { Authorization: `Bearer ${MOCK_API_KEY}` };
    return { type, label: 'mock', headers: { ...auth, ...headers }, warning: null };
  }
  if (type === 'openai') return { type, label: 'openai', headers: { ...key.headers, ...headers }, warning: null };
  const all = { ...key.headers, ...headers };
  const warning = hasCredentialHeader(all)
    ? null
    : `rth run: warning: --target ${displayUrl(target)} gets no credential (no --api-key-env, no Authorization or api-key header); a server that wants a key will refuse every session`;
  return { type, label: displayUrl(target), headers: all, warning };
}

/** Paths that name a server's root rather than an endpoint: empty, `/`, `/v1` (trailing slashes ignored). */
export function isServerRootPath(pathname: string): boolean {
  const p = pathname.replace(/\/+$/, '');
  return p === '' || p === '/v1';
}

/**
 * The endpoint path of a session kind on a server: a root path ({@link isServerRootPath}) becomes
 * `/v1/realtime` (`/v1/realtime/translations` for translation), as the official SDKs complete a
 * base URL; any other path is the user's and is returned as written.
 */
export function completeEndpointPath(pathname: string, kind: ScenarioKind): string {
  if (!isServerRootPath(pathname)) return pathname;
  return kind === 'translation' ? '/v1/realtime/translations' : kind === 'live' ? '/v1/live/sessions' : '/v1/realtime';
}

/**
 * The GPT-Live URL beside a Realtime session URL (a scenario's Live arm): the same server, path
 * `…/v1/live/sessions` in place of `…/v1/realtime[/translations]` (a root path gets it too), and
 * no `model`/`intent`/`call_id` query — the Live model goes in `session.start` (docs/live-protocol.md §1.1).
 */
export function liveSessionUrl(realtimeUrl: string): string {
  const u = new URL(realtimeUrl);
  for (const k of ['model', 'intent', 'call_id']) u.searchParams.delete(k);
  const p = u.pathname.replace(/\/+$/, '');
  u.pathname = /\/realtime(\/translations)?$/.test(p) ? p.replace(/\/realtime(\/translations)?$/, '/live/sessions') : isServerRootPath(p) ? '/v1/live/sessions' : p;
  return u.toString();
}

/**
 * The WebSocket URL for one session kind (§1.1): realtime `…/v1/realtime?model=M`, transcription
 * `…/v1/realtime?intent=transcription` (no model in the URL), translation
 * `…/v1/realtime/translations?model=M`.
 *
 * For the mock and `openai` the base is the server root (`ws://127.0.0.1:PORT`) or the official
 * base. A user URL whose path is the server's root (empty, `/` or `/v1`) gets the kind's path
 * ({@link completeEndpointPath}); any other path is kept as written. A user URL is used as given
 * when its query already names `model`, `intent` or `call_id` (Azure deployments and relays have
 * their own query); otherwise the kind's parameter is added.
 */
export function sessionUrl(base: string, kind: ScenarioKind, model: string, userUrl: boolean): string {
  const u = new URL(base);
  const q = u.searchParams;
  if (userUrl) {
    u.pathname = completeEndpointPath(u.pathname, kind);
    if (q.has('model') || q.has('intent') || q.has('call_id')) return u.toString();
  } else {
    const root = u.pathname.replace(/\/+$/, '');
    const realtime = root.endsWith('/v1/realtime') ? root : `${root}/v1/realtime`;
    u.pathname = kind === 'translation' ? `${realtime}/translations` : realtime;
  }
  // GPT-Live: no query at all; the model is named in session.start (docs/live-protocol.md §1.1).
  if (kind === 'live') return liveSessionUrl(u.toString());
  if (kind === 'transcription') q.set('intent', 'transcription');
  else q.set('model', model);
  return u.toString();
}
