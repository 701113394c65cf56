/**
 * The mock's SIP leg on loopback: a call placed over real UDP sockets (INVITE → 200 → ACK → G.711 RTP
 * both ways → BYE), DTMF, the sideband that controls it, bad INVITEs; and the control plane with
 * the official SDK: a signed `realtime.call.incoming` that `webhooks.unwrap` verifies, then
 * `calls.accept` / `calls.reject` through the mock.
 */
import { createServer, type Server } from 'node:http';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { MockServerHandle } from '../../mock-server/index.ts';
import { speechPcm, startFastServer, TestClient } from '../mock/helpers.ts';
import { SipTestUac } from './sip-test-uac.ts';

const SECRET = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length').toString('base64')}`;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function mock(opts: Parameters<typeof startFastServer>[0] = {}): Promise<MockServerHandle> {
  const s = await startFastServer({ sipPort: 0, ...opts });
  cleanups.push(() => s.close());
  return s;
}
async function uac(port: number): Promise<SipTestUac> {
  const u = await SipTestUac.open(port);
  cleanups.push(() => u.close());
  return u;
}

/** Speech at 8 kHz (every third sample of the 24 kHz synth, after a 3-tap mean) then 1 s of silence. */
function turn8k(): Int16Array {
  const s24 = speechPcm('Hello, I am calling about my order.');
  const x = new Int16Array(s24.buffer.slice(s24.byteOffset, s24.byteOffset + s24.byteLength));
  const out = new Int16Array(Math.floor(x.length / 3) + 8000);
  for (let i = 0; i < Math.floor(x.length / 3); i++) out[i] = Math.round((x[3 * i]! + x[3 * i + 1]! + x[3 * i + 2]!) / 3);
  return out;
}

describe('SIP leg without a webhook', () => {
  it('accepts a call at once, hears its RTP, answers in real-time G.711, and ends on BYE', async () => {
    const s = await mock();
    const u = await uac(s.sipPort!);
    u.invite();
    await u.waitFor(u.status(100), '100 Trying');
    const ok = await u.waitFor(u.status(200), '200 OK');
    expect(ok.body).toContain('m=audio');
    expect(ok.body).toContain('RTP/AVP 0 101');
    expect(ok.body).toContain('a=rtpmap:0 PCMU/8000');
    u.ack(ok);
    await u.stream(turn8k());
    // A response plays: μ-law packets with speech energy, one per 20 ms.
    const deadline = Date.now() + 15_000;
    while (u.rx.filter((p) => p.rmsDbfs > -45).length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const speech = u.rx.filter((p) => p.rmsDbfs > -45);
    expect(speech.length).toBeGreaterThanOrEqual(10);
    expect(u.rx.every((p) => p.payloadType === 0)).toBe(true);
    // Real-time pacing, not a burst: the packets span at least half their audio's duration (half:
    // receive stamps on a loaded 2-core machine bunch up; the never-early slots are unit-tested).
    const span = u.rx.at(-1)!.atMs - u.rx[0]!.atMs;
    expect(span).toBeGreaterThanOrEqual((u.rx.length - 1) * 20 * 0.5);
    u.bye();
    const byeOk = await u.waitFor((m) => m.status === 200 && /BYE/.test(String(m.headers.get('cseq'))), '200 to BYE');
    expect(byeOk.status).toBe(200);
  });

  it('refuses an INVITE it cannot answer with 488 and a Warning saying why, and answers OPTIONS', async () => {
    const s = await mock();
    const u = await uac(s.sipPort!);
    u.invite(['v=0', 'o=x 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 18', 'a=rtpmap:18 G729/8000', ''].join('\r\n'));
    const r = await u.waitFor(u.status(488), '488');
    expect(r.headers.get('warning')?.[0]).toContain('no G.711 codec offered');
    u.send(Buffer.from('this is not SIP\r\n\r\n'));
    u.send(Buffer.from(`OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKo\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`));
    const opt = await u.waitFor((m) => m.status === 200 && header0(m, 'call-id') === 'opt-1', '200 to OPTIONS');
    expect(header0(opt, 'allow')).toContain('INVITE');
  });
});

function header0(m: { headers: Map<string, string[]> }, n: string): string | undefined {
  return m.headers.get(n)?.[0];
}

describe('SIP control plane with the official SDK', () => {
  async function webhookReceiver(onEvent: (event: any, client: OpenAI) => Promise<void>, base: () => string): Promise<{ url: string; deliveries: number[] }> {
    const deliveries: number[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', async () => {
        const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${base()}/v1`, webhookSecret: SECRET });
        try {
          const event = await client.webhooks.unwrap(body, req.headers as Record<string, string>);
          deliveries.push(200);
          res.writeHead(200).end();
          await onEvent(event, client);
        } catch (err) {
          deliveries.push(400);
          res.writeHead(400).end(String(err));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => server.close(r)));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, deliveries };
  }

  it('delivers a signed realtime.call.incoming that webhooks.unwrap accepts; calls.accept connects the call; the sideband controls it', async () => {
    let s!: MockServerHandle;
    let accepted: Promise<void> | null = null;
    const seen: any[] = [];
    const hook = await webhookReceiver(async (event, client) => {
      seen.push(event);
      await expect(client.realtime.calls.accept(event.data.call_id, { type: 'realtime', audio: { input: { turn_detection: { threshold: 0.4 } } } } as any)).rejects.toThrow(/turn_detection\.threshold/);
      accepted = client.realtime.calls.accept(event.data.call_id, { type: 'realtime', instructions: 'You answer the phone.', audio: { input: { turn_detection: { type: 'semantic_vad' } } } });
      await accepted;
    }, () => s.httpUrl);
    s = await mock({ sipWebhookUrl: hook.url, webhookSecret: SECRET });
    const u = await uac(s.sipPort!);
    u.invite();
    await u.waitFor(u.status(180), '180 Ringing');
    const ok = await u.waitFor(u.status(200), '200 OK after /accept');
    u.ack(ok);
    expect(seen).toHaveLength(1);
    expect(seen[0].type).toBe('realtime.call.incoming');
    expect(seen[0].data.call_id).toMatch(/^rtc_u2_/);
    const names = seen[0].data.sip_headers.map((h: { name: string }) => h.name);
    expect(names).toEqual(expect.arrayContaining(['From', 'To', 'Call-ID', 'X-Test']));
    const side = await TestClient.connect(s.url, `/v1/realtime?call_id=${seen[0].data.call_id}`);
    const created = await side.waitFor('session.created');
    expect(created['session'].instructions).toBe('You answer the phone.');
    u.dtmf('7');
    const dtmf = await side.waitFor('input_audio_buffer.dtmf_event_received');
    expect(dtmf).toMatchObject({ type: 'input_audio_buffer.dtmf_event_received', event: '7' });
    expect(dtmf).not.toHaveProperty('event_id');
    expect(side.events.filter((e) => e.type === 'input_audio_buffer.dtmf_event_received')).toHaveLength(1);
    // Hang up through the SDK: the caller gets a BYE, the sideband closes.
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${s.httpUrl}/v1` });
    await client.realtime.calls.hangup(seen[0].data.call_id);
    await u.waitFor((m) => m.method === 'BYE', 'BYE from the mock');
    expect((await side.closed).code).toBe(1000);
    await expect(client.realtime.calls.hangup(seen[0].data.call_id)).rejects.toThrow(/404/);
  });

  it('calls.reject answers the INVITE with the status asked for', async () => {
    let s!: MockServerHandle;
    const hook = await webhookReceiver(async (event, client) => {
      await client.realtime.calls.reject(event.data.call_id, { status_code: 486 });
    }, () => s.httpUrl);
    s = await mock({ sipWebhookUrl: hook.url, webhookSecret: SECRET });
    const u = await uac(s.sipPort!);
    u.invite();
    const busy = await u.waitFor(u.status(486), '486 Busy Here');
    expect(busy.reason).toBe('Busy Here');
  });
});
