/**
 * Twilio's voice webhook, played by the harness: POST the form fields Twilio sends for an incoming
 * call to the bridge's TwiML URL, then follow `<Connect><Stream url>` (a bidirectional stream), its
 * `<Parameter name value>`s becoming `start.customParameters`. Only what the carrier needs of TwiML
 * is read; `<Say>`, `<Pause>` and the rest are skipped (the harness does not speak them).
 */
import type { StreamIds } from './flavour.ts';

/** Where the call's media stream goes, from the TwiML. */
export interface TwimlStream {
  url: string;
  parameters: Record<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1]!] = decodeXml(m[3] ?? m[4] ?? '');
  return out;
}

/**
 * Reads `<Response><Connect><Stream url>` and its `<Parameter>`s.
 * @throws Error naming what is missing (`<Start><Stream>` is receive-only and refused with a reason)
 */
export function parseTwiml(xml: string, from: string): TwimlStream {
  const connect = /<Connect\b[^>]*>([\s\S]*?)<\/Connect>/.exec(xml);
  if (!connect) {
    if (/<Start\b[^>]*>[\s\S]*?<Stream\b/.test(xml)) throw new Error(`${from}: <Start><Stream> is a receive-only stream; the carrier emulation needs <Connect><Stream> (bidirectional)`);
    throw new Error(`${from}: expected <Connect><Stream url="wss://…"> in the TwiML, found none`);
  }
  const stream = /<Stream\b([^>]*?)(\/>|>([\s\S]*?)<\/Stream>)/.exec(connect[1]!);
  if (!stream) throw new Error(`${from}: expected <Stream url="…"> inside <Connect>`);
  const a = attrs(stream[1]!);
  const url = a['url'];
  if (!url || !/^wss?:\/\//.test(url)) throw new Error(`${from}: <Stream url>: expected a ws:// or wss:// URL, got ${url === undefined ? 'none' : JSON.stringify(url)}`);
  const parameters: Record<string, string> = {};
  for (const p of (stream[3] ?? '').matchAll(/<Parameter\b([^>]*?)\/?>/g)) {
    const pa = attrs(p[1]!);
    if (pa['name'] !== undefined) parameters[pa['name']] = pa['value'] ?? '';
  }
  return { url, parameters };
}

/** The form Twilio posts to the voice webhook of an incoming call. */
export function voiceWebhookForm(ids: StreamIds): URLSearchParams {
  return new URLSearchParams({
    CallSid: ids.callId,
    AccountSid: ids.accountId,
    From: '+15550100001',
    To: '+15550100002',
    Caller: '+15550100001',
    Called: '+15550100002',
    CallStatus: 'ringing',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
  });
}

/**
 * POSTs the voice webhook and follows the TwiML's stream.
 * @throws Error with the HTTP status or network error, or what the TwiML lacks
 */
export async function fetchTwimlStream(twimlUrl: string, ids: StreamIds, timeoutMs: number): Promise<TwimlStream> {
  let res: Response;
  try {
    res = await fetch(twimlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: voiceWebhookForm(ids).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    throw new Error(`twiml_url ${twimlUrl}: ${e.cause?.code ?? e.name}: ${e.cause?.message ?? e.message}`);
  }
  const body = await res.text();
  if (!res.ok) throw new Error(`twiml_url ${twimlUrl}: HTTP ${res.status} ${res.statusText}`.trim());
  return parseTwiml(body, `twiml_url ${twimlUrl}`);
}
