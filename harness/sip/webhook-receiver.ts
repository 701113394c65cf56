/**
 * The built-in webhook receiver of `rth run --transport sip` (docs/readme/telephony.md, SIP): plays
 * the team's server that OpenAI's SIP control plane calls. It verifies each
 * `realtime.call.incoming` as the official SDK's `webhooks.unwrap` does (Standard Webhooks:
 * HMAC-SHA256 over `id.timestamp.body` keyed by the base64 after `whsec_`, timestamp within 300 s),
 * deduplicates by `call_id` (deliveries are retried), and accepts the call with the session config
 * of the call it announces: the harness marks each INVITE with an `X-Rth-Call` header, which the
 * webhook's `sip_headers` carry back.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

/** Header the harness adds to each INVITE: the call's index in the run. */
export const CALL_INDEX_HEADER = 'X-Rth-Call';
/** How far a webhook's timestamp may be from now, s (the SDK's default tolerance). */
const TOLERANCE_S = 300;

/** A fresh signing secret (`whsec_` + 32 random bytes in base64). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Whether `headers` carry a valid signature of `body` for `secret` (see the module comment). */
export function verifyWebhook(secret: string, headers: IncomingMessage['headers'], body: string, nowS: number): { ok: true } | { ok: false; reason: string } {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return { ok: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  const t = Number(ts);
  if (!Number.isInteger(t) || Math.abs(nowS - t) > TOLERANCE_S) return { ok: false, reason: `webhook-timestamp ${ts} is not within ${TOLERANCE_S} s of now` };
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest();
  for (const part of sig.split(' ')) {
    const b64 = part.startsWith('v1,') ? part.slice(3) : part;
    const got = Buffer.from(b64, 'base64');
    if (got.length === expected.length && timingSafeEqual(got, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no webhook-signature entry matches' };
}

/** Options of {@link startWebhookReceiver}. */
export interface WebhookReceiverOptions {
  secret: string;
  /** The control plane's HTTP base, e.g. `http://127.0.0.1:PORT/v1` (read per call: the receiver may start before it is known). */
  apiBase: () => string;
  /** The standard key `/accept` is called with (never logged). */
  apiKey: string;
  /** The accept body (a realtime session config) for the call with this index. */
  sessionFor(callIndex: number): Record<string, unknown>;
  /** Told each delivery's outcome (accepted, refused and why), one line, no secrets. Default none. */
  onLine?: (line: string) => void;
}

/** A running receiver. */
export interface WebhookReceiver {
  readonly url: string;
  /** Calls accepted, deliveries refused (bad signature, unknown call), and accept failures. */
  readonly stats: { accepted: number; refused: number; acceptFailed: number; duplicates: number };
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1 (a free port). */
export async function startWebhookReceiver(o: WebhookReceiverOptions): Promise<WebhookReceiver> {
  const stats = { accepted: 0, refused: 0, acceptFailed: 0, duplicates: 0 };
  const seen = new Set<string>();
  const line = o.onLine ?? (() => undefined);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const v = verifyWebhook(o.secret, req.headers, body, Math.floor(Date.now() / 1000));
      if (!v.ok) {
        stats.refused += 1;
        line(`webhook: refused a delivery: ${v.reason}`);
        res.writeHead(400).end();
        return;
      }
      let event: { type?: string; data?: { call_id?: string; sip_headers?: { name: string; value: string }[] } };
      try {
        event = JSON.parse(body) as typeof event;
      } catch {
        stats.refused += 1;
        res.writeHead(400).end();
        return;
      }
      // Answer 2xx at once (the control plane retries slow or failed deliveries), then act.
      res.writeHead(200).end();
      const callId = event.data?.call_id;
      if (event.type !== 'realtime.call.incoming' || typeof callId !== 'string') return;
      if (seen.has(callId)) {
        stats.duplicates += 1;
        return;
      }
      seen.add(callId);
      const marker = event.data?.sip_headers?.find((h) => h.name.toLowerCase() === CALL_INDEX_HEADER.toLowerCase())?.value;
      const index = marker !== undefined && /^\d+$/.test(marker) ? Number(marker) : 0;
      void fetch(`${o.apiBase()}/realtime/calls/${encodeURIComponent(callId)}/accept`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(o.sessionFor(index)),
      }).then(
        async (r) => {
          if (r.ok) stats.accepted += 1;
          else {
            stats.acceptFailed += 1;
            line(`webhook: accept of ${callId} answered HTTP ${r.status}: ${(await r.text()).slice(0, 200)}`);
          }
        },
        (err: Error) => {
          stats.acceptFailed += 1;
          line(`webhook: accept of ${callId} failed: ${err.message}`);
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/rth-webhook`,
    stats,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
