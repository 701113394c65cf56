/**
 * The `realtime.call.incoming` webhook of the SIP control plane (docs/realtime-protocol.md §11.2–§11.3),
 * signed as Standard Webhooks specify, so the official SDK's `webhooks.unwrap` accepts it: HMAC-SHA256
 * over `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the base64 after `whsec_` (or the
 * whole secret's UTF-8 bytes when it has no such prefix), sent as `webhook-signature: v1,<base64>`.
 */
import { createHmac } from 'node:crypto';
import type { Rng } from '../contract.ts';

/** Attempts of one delivery (the first and its retries), and the wait before retry k (ms × 2^k). */
export const WEBHOOK_ATTEMPTS = 3;
const RETRY_BASE_MS = 500;
/** How long one attempt may take before it counts as failed, ms. */
const ATTEMPT_TIMEOUT_MS = 5_000;

/** `v1,<base64 HMAC-SHA256>` of one delivery. */
export function webhookSignature(secret: string, webhookId: string, timestampS: number, body: string): string {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
  return `v1,${createHmac('sha256', key).update(`${webhookId}.${timestampS}.${body}`).digest('base64')}`;
}

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += rng.int(0, 16).toString(16);
  return s;
}

/** One SIP header as the webhook lists it. */
export interface SipHeaderEntry {
  name: string;
  value: string;
}

/** Outcome of a delivery: the receiver's status, or why every attempt failed. */
export type DeliveryResult = { delivered: true; status: number; attempts: number } | { delivered: false; reason: string; attempts: number };

/**
 * POSTs `realtime.call.incoming` for `callId` to `url`, retrying a failed attempt (network error,
 * timeout, non-2xx) up to {@link WEBHOOK_ATTEMPTS} times in all; the same event id each time, so a
 * receiver can deduplicate as the official example does.
 */
export async function deliverIncomingCall(o: { url: string; secret: string; callId: string; sipHeaders: SipHeaderEntry[]; rng: Rng; nowS: () => number }): Promise<DeliveryResult> {
  const webhookId = `wh_${hex(o.rng, 32)}`;
  const event = {
    object: 'event',
    id: `evt_${hex(o.rng, 32)}`,
    type: 'realtime.call.incoming',
    created_at: o.nowS(),
    data: { call_id: o.callId, sip_headers: o.sipHeaders },
  };
  const body = JSON.stringify(event);
  let reason = '';
  for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt++) {
    const ts = o.nowS();
    try {
      const res = await fetch(o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
          'webhook-id': webhookId,
          'webhook-timestamp': String(ts),
          'webhook-signature': webhookSignature(o.secret, webhookId, ts, body),
        },
        body,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { delivered: true, status: res.status, attempts: attempt };
      reason = `HTTP ${res.status}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      reason = e.cause?.code ?? e.name ?? e.message;
    }
    if (attempt < WEBHOOK_ATTEMPTS) await new Promise((r) => setTimeout(r, RETRY_BASE_MS * 2 ** (attempt - 1)));
  }
  return { delivered: false, reason, attempts: WEBHOOK_ATTEMPTS };
}
