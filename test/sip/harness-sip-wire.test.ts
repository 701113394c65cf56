/**
 * The harness's SIP caller against the mock's SIP leg over real UDP sockets: a call is answered,
 * μ-law RTP flows both ways and the answer has speech energy; a refused call says why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMulaw, decodeMulaw } from '../../common/audio/g711.ts';
import { hrtimeUs } from '../../common/clock.ts';
import { parseSipTarget, SipWire } from '../../harness/sip/sip-wire.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { speechPcm } from '../mock/helpers.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('parseSipTarget', () => {
  it('reads user, host and port, defaulting to 5060, and refuses what is not a SIP URI', () => {
    expect(parseSipTarget('sip:proj_1@127.0.0.1:5070')).toEqual({ user: 'proj_1', host: '127.0.0.1', port: 5070 });
    expect(parseSipTarget('sip:proj_1@sip.example.com;transport=udp')).toEqual({ user: 'proj_1', host: 'sip.example.com', port: 5060 });
    expect(parseSipTarget('ws://127.0.0.1')).toBeNull();
    expect(parseSipTarget('sip:x@h:70000')).toBeNull();
  });
});

describe('SipWire against the mock', () => {
  it('is answered, sends the caller speech, hears an answer with speech energy, and hangs up', async () => {
    const mock: MockServerHandle = await startMockServer({ sipPort: 0, latencyScale: 0.05 });
    cleanups.push(() => mock.close());
    const received: { bytes: Buffer; us: number }[] = [];
    const wire = new SipWire({ target: { user: 'proj_test', host: '127.0.0.1', port: mock.sipPort! }, codec: 'pcmu', answerTimeoutMs: 5000, nowUs: hrtimeUs });
    cleanups.push(() => wire.hangUp());
    await wire.call({ audio: (bytes, us) => received.push({ bytes, us }), ended: () => undefined });
    expect(wire.statuses).toContain(200);
    const s24 = speechPcm('I would like to book a table for two.');
    const x = new Int16Array(s24.buffer.slice(s24.byteOffset, s24.byteOffset + s24.byteLength));
    const pcm8 = new Int16Array(Math.floor(x.length / 3) + 8000);
    for (let i = 0; i < Math.floor(x.length / 3); i++) pcm8[i] = x[3 * i]!;
    const start = performance.now();
    for (let k = 0; k * 160 < pcm8.length; k++) {
      const due = start + k * 20;
      while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      wire.sendAudio(encodeMulaw(pcm8.subarray(k * 160, k * 160 + 160)), k === 0);
    }
    const until = Date.now() + 10_000;
    const loud = () => received.filter((r) => {
      const s = decodeMulaw(r.bytes);
      let e = 0;
      for (const v of s) e += v * v;
      return 10 * Math.log10(e / s.length / 32768 ** 2 + 1e-20) > -40;
    }).length;
    while (loud() < 10 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(loud()).toBeGreaterThanOrEqual(10);
    expect(wire.sendDtmf('5')).toBe(true);
  });

  it('reports a refused call with its status and Warning, and a silent target with a timeout', async () => {
    const mock: MockServerHandle = await startMockServer({ sipPort: 0, sipWebhookUrl: 'http://127.0.0.1:9/unreachable', webhookSecret: 'whsec_dGVzdA==' });
    cleanups.push(() => mock.close());
    // The webhook cannot be delivered: the mock gives up after its retries and answers 480.
    const wire = new SipWire({ target: { user: 'p', host: '127.0.0.1', port: mock.sipPort! }, codec: 'pcma', answerTimeoutMs: 8000, nowUs: hrtimeUs });
    cleanups.push(() => wire.hangUp());
    await expect(wire.call({ audio: () => undefined, ended: () => undefined })).rejects.toThrow(/SIP 480/);
    const silent = new SipWire({ target: { user: 'p', host: '127.0.0.1', port: 9 }, codec: 'pcmu', answerTimeoutMs: 600, nowUs: hrtimeUs });
    cleanups.push(() => silent.hangUp());
    await expect(silent.call({ audio: () => undefined, ended: () => undefined })).rejects.toThrow(/no final answer to the INVITE within 600 ms/);
  });
});
