/**
 * Where a run's sessions connect: the embedded mock, the official endpoint, or any ws(s) URL
 * (a relay, Azure, another compatible server). Resolved before any socket opens, so a missing key
 * is a configuration error, not a wall of failed handshakes.
 */
import { ConfigError } from '../../common/errors.ts';
import type { ScenarioKind } from '../scenario/types.ts';

/** The official Realtime API base (realtime-protocol.md §1.1). */
export const OPENAI_REALTIME_BASE = 'wss://api.openai.com/v1/realtime';

/**
 * Key the harness presents to the embedded mock. The mock accepts any non-empty key unless started
 * with `--api-key`; this one is not a secret.
 */
export const MOCK_API_KEY = 'rth-embedded-mock';

/** A resolved target, minus the mock's address (known once it is listening). */
export interface ResolvedTarget {
  /** `mock`, `openai` or `url`. */
  readonly type: 'mock' | 'openai' | 'url';
  /** What reports show: `mock`, `openai`, or the URL without query and credentials. */
  readonly label: string;
  /** Handshake headers (Authorization and `--header`s). Never logged or written. */
  readonly headers: Readonly<Record<string, string>>;
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

/**
 * Resolves the scenario's target and headers.
 * @param target `mock`, `openai`, or a `ws://`/`wss://` URL (already validated by the scenario resolver)
 * @param headers the scenario's headers plus `--header`s (they win over the Authorization added here)
 * @param env the environment; `openai` reads `OPENAI_API_KEY`
 * @throws ConfigError `E_TARGET` when `openai` is asked for and `OPENAI_API_KEY` is not set
 */
export function resolveTarget(target: string, headers: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): ResolvedTarget {
  const hasAuth = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if (target === 'mock') {
    return { type: 'mock', label: 'mock', headers: hasAuth ? { ...headers } : { Authorization: `Bearer ${MOCK_API_KEY}`, ...headers } };
  }
  if (target === 'openai') {
    const key = env.OPENAI_API_KEY?.trim();
    if (!key && !hasAuth) {
      throw new ConfigError('E_TARGET', '--target openai: OPENAI_API_KEY is not set (export it, or pass --header "Authorization: Bearer …")');
    }
    return { type: 'openai', label: 'openai', headers: hasAuth ? { ...headers } : { Authorization: `Bearer ${key}`, ...headers } };
  }
  return { type: 'url', label: displayUrl(target), headers: { ...headers } };
}

/**
 * The WebSocket URL for one session kind (§1.1): realtime `…/v1/realtime?model=M`, transcription
 * `…/v1/realtime?intent=transcription` (no model in the URL), translation
 * `…/v1/realtime/translations?model=M`.
 *
 * For the mock and `openai` the base is the server root (`ws://127.0.0.1:PORT`) or the official
 * base. A user URL is used as given when it already names `model`, `intent` or `call_id` (Azure
 * deployments and relays have their own query); otherwise the kind's parameter is added.
 */
export function sessionUrl(base: string, kind: ScenarioKind, model: string, userUrl: boolean): string {
  const u = new URL(base);
  const q = u.searchParams;
  if (userUrl && (q.has('model') || q.has('intent') || q.has('call_id'))) return u.toString();
  if (!userUrl) {
    const root = u.pathname.replace(/\/+$/, '');
    const realtime = root.endsWith('/v1/realtime') ? root : `${root}/v1/realtime`;
    u.pathname = kind === 'translation' ? `${realtime}/translations` : realtime;
  }
  if (kind === 'transcription') q.set('intent', 'transcription');
  else q.set('model', model);
  return u.toString();
}
