/**
 * `rth run` with `transport: sip` against the bundled mock: each call is placed as a trunk places it
 * (INVITE, G.711 RTP, BYE) into the mock's SIP leg, announced by the mock's signed webhook to rth's
 * built-in receiver, which accepts it with the call's session (model, voice, effort); answers are
 * measured at the caller's ear and split against the mock's trace. Also the receiver's signature
 * check on its own, and the scenario errors. No timing is asserted.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCarrierScenario } from '../../harness/carrier/run-carrier.ts';
import { resolveScenario } from '../../harness/scenario/index.ts';
import { verifyWebhook } from '../../harness/sip/webhook-receiver.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rth-sip-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SRC = { label: 'sip.yaml', path: null, dir };

describe('transport: sip', () => {
  it('places calls into the mock, which rth accepts through its webhook receiver; turns are answered and measured', async () => {
    const out = path.join(dir, 'run');
    const s = resolveScenario(
      { name: 'sip', transport: 'sip', sessions: 2, turns_per_session: 2, think_time_ms: 300, clips: ['en-weather-paris'], efforts: ['low', 'high'], mock: { latency_profile: undefined }, carrier: { dtmf: [{ digit: '1', at_ms: 100 }] }, timeouts: { turn_ms: 15000 } },
      SRC,
    );
    const r = await runCarrierScenario(s, { outDir: out });
    expect(r.summary.calls.failed, JSON.stringify(r.summary.calls)).toBe(0);
    expect(r.summary.turns.completed).toBe(4);
    expect(r.summary.transport).toBe('sip');
    expect(r.summary.target).toMatch(/^sip:proj_rth@127\.0\.0\.1:\d+$/);
    const turns = readFileSync(path.join(out, 'turns.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const t of turns) {
      expect(t.status).toBe('completed');
      expect(t.onsetUs).toBeGreaterThan(t.speechEndSentUs);
    }
    // The mock's trace covers SIP calls: every answered turn found its response there.
    const trace = readFileSync(path.join(out, 'mock-trace.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(trace.filter((x) => x.status === 'completed').length).toBeGreaterThanOrEqual(4);
    // Each call was accepted with its own effort (interleaved low/high).
    expect(new Set(trace.map((x) => x.effort))).toEqual(new Set(['low', 'high']));
    const calls = readFileSync(path.join(out, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(calls.every((c) => c.dtmfSent === 1 && c.outcome === 'completed')).toBe(true);
  }, 90_000);

  it('refuses what a SIP call cannot be', () => {
    const problems = (f: object): string => {
      try {
        resolveScenario({ transport: 'sip', ...f }, SRC);
        return '';
      } catch (err) {
        return String((err as Error).message);
      }
    };
    expect(problems({ target: 'ws://127.0.0.1:1/media-stream' })).toMatch(/target: expected mock .* or a SIP URI/);
    expect(problems({ carrier: { codec: 'L16' } })).toMatch(/carrier\.codec: expected PCMU or PCMA for transport sip/);
    expect(problems({ bridge_cmd: 'node x.js' })).toMatch(/bridge_cmd: applies to transport twilio or telnyx/);
    expect(problems({ target: 'sip:proj_x@127.0.0.1:5070' })).toBe('');
    expect(problems({ transport: 'websocket', target: 'sip:proj_x@127.0.0.1:5070' })).toMatch(/target: a sip: URI is a target of transport sip only/);
  });
});

describe('the built-in webhook receiver', () => {
  it('accepts a Standard Webhooks signature and refuses a wrong, stale or missing one', () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const body = '{"type":"realtime.call.incoming"}';
    const now = 1_800_000_000;
    const sign = (ts: number, b = body) => `v1,${createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`wh_1.${ts}.${b}`).digest('base64')}`;
    const h = (ts: number, sig: string) => ({ 'webhook-id': 'wh_1', 'webhook-timestamp': String(ts), 'webhook-signature': sig });
    expect(verifyWebhook(secret, h(now, sign(now)), body, now)).toEqual({ ok: true });
    expect(verifyWebhook(secret, h(now, `v1,bad v1,${sign(now).slice(3)}`), body, now)).toEqual({ ok: true });
    expect(verifyWebhook(secret, h(now, sign(now, '{}')), body, now).ok).toBe(false);
    expect(verifyWebhook(secret, h(now - 400, sign(now - 400)), body, now)).toMatchObject({ ok: false, reason: expect.stringContaining('within 300 s') });
    expect(verifyWebhook(secret, {}, body, now)).toMatchObject({ ok: false, reason: expect.stringContaining('missing') });
  });
});
