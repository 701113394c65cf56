/**
 * Credentials on the socket (§1.2) and ephemeral client secrets (§1.3).
 *
 * A key travels either as `Authorization: Bearer <key>` (server clients) or as the browser
 * subprotocol `openai-insecure-api-key.<key>` next to `realtime`. Keys are compared, never logged,
 * traced or echoed in messages.
 */
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

/** Prefix of the browser subprotocol that carries the key (§1.2). */
export const INSECURE_KEY_PROTOCOL_PREFIX = 'openai-insecure-api-key.';

/** The key presented on an upgrade or HTTP request, or null when there is none. */
export function extractApiKey(req: IncomingMessage): string | null {
  const auth = req.headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^\s*Bearer\s+(.+?)\s*$/i.exec(auth);
    if (m && m[1]) return m[1];
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',')) {
      const proto = p.trim();
      if (proto.startsWith(INSECURE_KEY_PROTOCOL_PREFIX) && proto.length > INSECURE_KEY_PROTOCOL_PREFIX.length) {
        return proto.slice(INSECURE_KEY_PROTOCOL_PREFIX.length);
      }
    }
  }
  return null;
}

/**
 * The subprotocol to negotiate: `realtime` when offered (browsers fail the handshake unless one of
 * their offers is selected, §1.2), otherwise none.
 */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  return offered.has('realtime') ? 'realtime' : false;
}

/** Which endpoint a client secret was minted for. */
export type ClientSecretScope = 'realtime' | 'translation';

/** One minted `ek_…` key. */
export interface ClientSecretEntry {
  readonly scope: ClientSecretScope;
  /** Unix seconds. */
  readonly expiresAtS: number;
  /** The effective session config returned at mint time (applied to sockets opened with the key). */
  readonly session: Record<string, unknown>;
}

/**
 * Ephemeral keys of one server. Expired entries are pruned lazily, so the store stays small
 * whatever the number of keys minted over time.
 */
export class ClientSecretStore {
  private readonly entries = new Map<string, ClientSecretEntry>();

  /** Stores a key minted elsewhere (value from the seeded id factory). */
  add(value: string, entry: ClientSecretEntry): void {
    this.entries.set(value, entry);
  }

  /** The live entry for `key`, `'expired'` for a known key past its expiry, null for unknown keys. */
  lookup(key: string, nowS: number): ClientSecretEntry | 'expired' | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    return nowS >= entry.expiresAtS ? 'expired' : entry;
  }

  /** Forgets keys that expired more than `graceS` seconds ago (default 3600). */
  prune(nowS: number, graceS = 3600): void {
    for (const [k, e] of this.entries) if (nowS >= e.expiresAtS + graceS) this.entries.delete(k);
  }

  /** Number of stored keys. */
  get size(): number {
    return this.entries.size;
  }
}

/** Outcome of {@link authorize}. */
export type AuthResult =
  | { ok: true; clientSecret: ClientSecretEntry | null }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

function sameKey(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * Decides whether `key` may open a socket on `scope`.
 * - No key at all → `missing`.
 * - A known `ek_` key: valid until its `expires_at` and only on the endpoint kind it was minted for.
 * - Otherwise, without a configured `apiKey` any non-empty key is accepted; with one, the key must equal it.
 */
export function authorize(key: string | null, apiKey: string | null, store: ClientSecretStore, scope: ClientSecretScope, nowS: number): AuthResult {
  if (key === null || key.length === 0) return { ok: false, reason: 'missing' };
  const secret = store.lookup(key, nowS);
  if (secret === 'expired') return { ok: false, reason: 'expired' };
  if (secret) return secret.scope === scope ? { ok: true, clientSecret: secret } : { ok: false, reason: 'invalid' };
  if (apiKey === null) return { ok: true, clientSecret: null };
  return sameKey(key, apiKey) ? { ok: true, clientSecret: null } : { ok: false, reason: 'invalid' };
}

/** Whether `key` may mint client secrets (a standard key: the configured one, or any non-`ek_` key without one). */
export function mayMintClientSecrets(key: string | null, apiKey: string | null): boolean {
  if (key === null || key.length === 0) return false;
  if (apiKey === null) return !key.startsWith('ek_');
  return sameKey(key, apiKey);
}
