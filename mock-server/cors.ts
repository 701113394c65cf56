/**
 * CORS for the HTTP endpoints a browser app calls from its own origin (`client_secrets`, `calls`):
 * the preflight is answered and responses carry `Access-Control-Allow-Origin`, as a public API does.
 * Without it a page served from another origin is blocked before its request is sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request headers a browser client sends cross-origin (the Agents SDK adds `X-OpenAI-Agents-SDK`). */
const ALLOWED_HEADERS = 'authorization, content-type, accept, openai-beta, openai-organization, openai-project, x-openai-agents-sdk, x-stainless-lang, x-stainless-package-version';

/** Adds the CORS response headers (any origin: the mock has no cookies; credentials travel in `Authorization`). */
export function applyCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers['origin'];
  res.setHeader('access-control-allow-origin', typeof origin === 'string' ? origin : '*');
  res.setHeader('vary', 'Origin');
  // A browser reads `Location` (the call id) only when it is exposed.
  res.setHeader('access-control-expose-headers', 'Location, x-request-id');
}

/** Answers an `OPTIONS` preflight (204). Returns false for other methods. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'OPTIONS') return false;
  applyCors(req, res);
  res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
  const asked = req.headers['access-control-request-headers'];
  res.setHeader('access-control-allow-headers', typeof asked === 'string' && asked.length > 0 ? asked : ALLOWED_HEADERS);
  res.setHeader('access-control-max-age', '600');
  res.writeHead(204);
  res.end();
  return true;
}
