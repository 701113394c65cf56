/**
 * runCarrierScenario end to end against scripted fake bridges on real sockets: the TwiML path (voice
 * webhook form, <Parameter>s as customParameters), Telnyx with A-law from the real corpus, and the
 * files a run writes. No timing is asserted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAlaw, decodeMulaw, encodeAlaw } from '../../common/audio/g711.ts';
import { runCarrierScenario } from '../../harness/carrier/run-carrier.ts';
import { main } from '../../harness/cli/main.ts';
import { captureIo } from '../e2e/e2e-helpers.ts';
import { resolveScenario } from '../../harness/scenario/index.ts';
import { startFakeBridge, toneMulaw } from './fake-bridge.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rth-carrier-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Answers each utterance (sound, then 10 quiet frames) with 400 ms of tone and a mark. */
function answerer(sidKey: 'streamSid' | 'stream_id', loud: (payload: Buffer) => boolean, answer: Buffer = toneMulaw(400)) {
  const st = new Map<unknown, { sid: string; heard: boolean; quiet: number }>();
  return (c: { send(m: object): void }, m: Record<string, any>) => {
    if (m['event'] === 'start') st.set(c, { sid: m[sidKey], heard: false, quiet: 0 });
    if (m['event'] !== 'media') return;
    const s = st.get(c)!;
    if (loud(Buffer.from(m['media'].payload, 'base64'))) {
      s.heard = true;
      s.quiet = 0;
    } else if (s.heard && ++s.quiet === 10) {
      s.heard = false;
      c.send({ event: 'media', [sidKey]: s.sid, media: { payload: answer.toString('base64') } });
      c.send({ event: 'mark', [sidKey]: s.sid, mark: { name: 'done' } });
    }
  };
}

describe('runCarrierScenario', () => {
  it('Twilio via twiml_url: posts the voice webhook, follows <Connect><Stream>, passes <Parameter>s; writes every file', async () => {
    const posts: { type: string | undefined; body: URLSearchParams }[] = [];
    const onMessage = answerer('streamSid', (buf) => decodeMulaw(buf).some((x) => Math.abs(x) > 1000));
    let port = 0;
    const b = await startFakeBridge({ onMessage: (c, m) => onMessage(c, m) }, (req, res) => {
        if (req.url !== '/incoming-call') return void res.writeHead(404).end();
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          posts.push({ type: req.headers['content-type'], body: new URLSearchParams(body) });
          res.writeHead(200, { 'content-type': 'text/xml' }).end(`<Response><Connect><Stream url="ws://127.0.0.1:${port}/media-stream"><Parameter name="tenant" value="acme"/></Stream></Connect></Response>`);
        });
    });
    port = b.port;
    try {
      const out = path.join(dir, 'twiml');
      const s = resolveScenario(
        { name: 'twiml', transport: 'twilio', twiml_url: `http://127.0.0.1:${port}/incoming-call`, sessions: 2, turns_per_session: 1, think_time_ms: 200, clips: ['en-weather-paris'], carrier: { custom_parameters: { source: 'rth' } }, timeouts: { turn_ms: 8000 } },
        { label: 'twiml.yaml', path: null, dir },
      );
      const r = await runCarrierScenario(s, { outDir: out });
      expect(posts).toHaveLength(2);
      expect(posts[0]!.type).toBe('application/x-www-form-urlencoded');
      expect(posts[0]!.body.get('CallSid')).toMatch(/^CA[0-9a-f]{32}$/);
      const starts = b.calls.map((c) => c.received.find((x) => x.msg['event'] === 'start')!.msg);
      for (const st of starts) expect(st['start'].customParameters).toEqual({ source: 'rth', tenant: 'acme' });
      // The webhook's CallSid is the stream's callSid.
      expect(starts.map((st) => st['start'].callSid).sort()).toEqual(posts.map((p) => p.body.get('CallSid')).sort());
      expect(r.summary.calls, r.table).toMatchObject({ total: 2, valid: 2, failed: 0 });
      expect(r.summary.metrics.ttfa_ms.count).toBe(2);
      expect(r.summary.metrics.call_setup_ms.count).toBe(2);
      expect(r.summary.split).toBeNull();
      for (const f of ['summary.json', 'calls.jsonl', 'turns.jsonl', 'report.html', 'run.json', 'carrier_ttfa_ms.hgrm', 'send_lag_ms.hgrm']) expect(existsSync(path.join(out, f)), f).toBe(true);
      expect(readFileSync(path.join(out, 'calls.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
      expect(r.table.split('\n')[0]).toMatch(/^(PASS|INVALID RUN)/);
      // `rth report DIR` rebuilds the carrier report and leaves the carrier summary alone.
      const before = readFileSync(path.join(out, 'summary.json'), 'utf8');
      rmSync(path.join(out, 'report.html'));
      const io = captureIo();
      expect(await main(['node', 'rth', 'report', out], io)).toBe(0);
      expect(io.stdout.join('\n')).toBe(`wrote ${path.join(out, 'report.html')}`);
      expect(readFileSync(path.join(out, 'summary.json'), 'utf8')).toBe(before);
      expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('twilio calls');
    } finally {
      await b.close();
    }
  }, 60_000);

  it('Telnyx with PCMA: A-law frames of the corpus clip, 160 bytes each, announced as PCMA', async () => {
    const alawTone = Buffer.from(encodeAlaw(decodeMulaw(toneMulaw(400))));
    const onMessage = answerer('stream_id', (buf) => decodeAlaw(buf).some((x) => Math.abs(x) > 1000), alawTone);
    const b = await startFakeBridge({ onMessage: (c, m) => onMessage(c, m) });
    try {
      const s = resolveScenario(
        { name: 'pcma', transport: 'telnyx', target: b.url, sessions: 1, turns_per_session: 1, think_time_ms: 200, clips: ['en-weather-paris'], carrier: { codec: 'PCMA' }, timeouts: { turn_ms: 8000 } },
        { label: 'pcma.yaml', path: null, dir },
      );
      const r = await runCarrierScenario(s, { outDir: path.join(dir, 'pcma') });
      const msgs = b.calls[0]!.received.map((x) => x.msg);
      expect(msgs[1]!['start'].media_format).toEqual({ encoding: 'PCMA', sample_rate: 8000, channels: 1 });
      const media = msgs.filter((m) => m['event'] === 'media');
      for (const m of media) expect(Buffer.from(m['media'].payload, 'base64')).toHaveLength(160);
      // The clip's speech reached the bridge as A-law (sound in the frames, idle code 0xD5 around it).
      expect(media.some((m) => decodeAlaw(Buffer.from(m['media'].payload, 'base64')).some((x) => Math.abs(x) > 1000))).toBe(true);
      expect(Buffer.from(media[0]!['media'].payload, 'base64').every((x) => x === 0xd5)).toBe(true);
      // The bridge's A-law answer was played and its onset found.
      expect(r.summary.calls, r.table).toMatchObject({ total: 1, valid: 1 });
      expect(r.summary.metrics.ttfa_ms.count).toBe(1);
      expect(r.summary.bad_input.total).toBe(0);
    } finally {
      await b.close();
    }
  }, 60_000);
});
