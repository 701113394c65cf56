/**
 * Where a WebSocket upgrade goes (docs/realtime-protocol.md §1.1, docs/live-protocol.md §1.1): the
 * session kind from path and query, or the fatal error the session answers with; and the raw HTTP
 * refusal of an upgrade that is not accepted at all (404, 429, a sideband's 401/404).
 */
import type { Duplex } from 'node:stream';
import { isLiveModel } from '../common/protocol/models.ts';
import type { ClientSecretScope } from './auth.ts';
import type { MockErrorSpec, SessionKind } from './contract.ts';
import { conflictingUrlParameters, invalidIntent, missingModel, translationIntentNotAllowed } from './errors.ts';
import { liveModelOnRealtime } from './live/errors.ts';
import { createLiveSession } from './live/session.ts';
import { createRealtimeSession } from './realtime/session.ts';
import { createTranscriptionSession } from './transcription/session.ts';
import { createTranslationSession } from './translation/session.ts';

/** Where an accepted upgrade goes. */
export type Route = { kind: 'realtime'; model: string } | { kind: 'transcription' } | { kind: 'translation'; model: string } | { kind: 'live' };

/** The GPT-Live WebSocket path (docs/live-protocol.md §1.1): the model comes in `session.start`, never the URL. */
export const LIVE_PATH = '/v1/live/sessions';

/** Picks the session kind from path and query (§1.1), or the fatal error to answer with. */
export function routeUpgrade(url: URL): Route | MockErrorSpec {
  const q = url.searchParams;
  const path = url.pathname.replace(/\/+$/, '');
  // Query parameters on the Live path are accepted (the SDK may add defaultQuery; §1.2).
  if (path === LIVE_PATH) return { kind: 'live' };
  if (path === '/v1/realtime/translations') {
    if (q.has('intent')) return translationIntentNotAllowed();
    const model = q.get('model');
    return model ? { kind: 'translation', model } : missingModel();
  }
  const given = ['model', 'intent', 'call_id'].filter((k) => q.has(k));
  if (given.length > 1) return conflictingUrlParameters(given);
  const intent = q.get('intent');
  if (intent !== null) return intent === 'transcription' ? { kind: 'transcription' } : invalidIntent(intent);
  const model = q.get('model');
  if (model && isLiveModel(model)) return liveModelOnRealtime(model);
  return model ? { kind: 'realtime', model } : missingModel();
}

/** The client-secret scope a route needs. */
export function scopeOf(route: Route): ClientSecretScope {
  return route.kind === 'translation' ? 'translation' : 'realtime';
}

/** A fresh session kind for a route. */
export function sessionKindFor(route: Route): SessionKind {
  switch (route.kind) {
    case 'realtime':
      return createRealtimeSession();
    case 'transcription':
      return createTranscriptionSession();
    case 'translation':
      return createTranslationSession();
    case 'live':
      return createLiveSession();
  }
}

/**
 * Refuses an upgrade with a plain HTTP response and closes the socket (before any WebSocket exists).
 * `body` is JSON when given.
 */
export function refuseUpgrade(socket: Duplex, status: string, body: string | null, extraHeaders: readonly string[] = []): void {
  const head = [`HTTP/1.1 ${status}`, 'Connection: close', ...(body !== null ? ['Content-Type: application/json'] : []), ...extraHeaders, `Content-Length: ${body === null ? 0 : Buffer.byteLength(body)}`];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`);
}
