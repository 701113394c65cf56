/**
 * The judge through the door-neutral observer API, as any door (WebSocket, WebRTC, SIP) calls it,
 * with stated times: the ordering rules (events before session.created, audio before a format
 * change was confirmed) and the pacing rules (speed against real time, gaps, chunk sizes, a sample
 * rate given away by a real-time stream), each firing and silent.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { synthesizeSpeech } from '../speech-synth.ts';
import { ClientFindings } from './collector.ts';
import type { ClientObserver, ClientSessionInfo } from './observer.ts';
import { retryHintMs } from './judge.ts';

const INFO: ClientSessionInfo = {
  sessionId: 'sess_test',
  transport: 'webrtc',
  endpoint: 'realtime',
  redactedTarget: '/v1/realtime/calls',
  remoteAddress: '127.0.0.1',
  userAgent: 'test',
  origin: null,
  credentialForm: 'header',
  credentialKind: 'standard',
  credentialFingerprint: 'abc',
  keyQueryParams: [],
  beta: { header: false, subprotocol: false },
  openedUs: 0,
};

const created = (vad: boolean, format: object = { type: 'audio/pcm', rate: 24000 }) => ({
  type: 'session.created',
  session: { type: 'realtime', audio: { input: { format, turn_detection: vad ? { type: 'server_vad' } : null }, output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' } } },
});

function session(): { findings: ClientFindings; o: ClientObserver } {
  const findings = new ClientFindings({ clock: new ManualClock() });
  const o = findings.observe();
  o.sessionOpened(INFO);
  return { findings, o };
}

const speech = (): Buffer => {
  const texts = ['Good morning, I would like to book a table for four people tonight.', 'Could you also tell me whether the terrace is open and heated?'];
  const parts = texts.map((t, i) => synthesizeSpeech(t, { seed: i }));
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
};

/** Streams `bytes` in `chunkBytes` appends, the k-th received at `startUs + k × intervalUs`. */
function stream(o: ClientObserver, bytes: Buffer, chunkBytes: number, intervalUs: number, startUs = 1000): number {
  let t = startUs;
  for (let i = 0; i < bytes.length; i += chunkBytes) {
    o.clientEvent({ type: 'input_audio_buffer.append', audio: bytes.subarray(i, i + chunkBytes).toString('base64') }, t);
    t += intervalUs;
  }
  return t;
}

const rules = (f: ClientFindings): string[] => f.finish().findings.map((x) => x.rule).sort();

describe('ordering rules (judged by what the door had sent when the client event arrived)', () => {
  it('a client event before session.created fires; after it, not', () => {
    const bad = session();
    bad.o.clientEvent({ type: 'session.update', session: { type: 'realtime' } }, 10);
    bad.o.serverEvent(created(false), 20);
    bad.o.sessionClosed(1000, '');
    expect(rules(bad.findings)).toEqual(['lifecycle.event_before_session_created']);
    const good = session();
    good.o.serverEvent(created(false), 10);
    good.o.clientEvent({ type: 'session.update', session: { type: 'realtime' } }, 20);
    good.o.sessionClosed(1000, '');
    expect(rules(good.findings)).toEqual([]);
  });

  it('audio after a format change but before session.updated fires; after session.updated, not', () => {
    const update = { type: 'session.update', session: { type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' } } } } };
    const ulaw = Buffer.alloc(1600, 0xff).toString('base64');
    const bad = session();
    bad.o.serverEvent(created(false), 10);
    bad.o.clientEvent(update, 20);
    bad.o.clientEvent({ type: 'input_audio_buffer.append', audio: ulaw }, 30);
    bad.o.serverEvent({ ...created(false, { type: 'audio/pcmu' }), type: 'session.updated' }, 40);
    bad.o.sessionClosed(1000, '');
    const f = bad.findings.finish().findings;
    expect(f.map((x) => x.rule)).toEqual(['lifecycle.audio_before_format_confirmed']);
    expect(f[0]!.event).toMatchObject({ type: 'input_audio_buffer.append', index: 1 });
    const good = session();
    good.o.serverEvent(created(false), 10);
    good.o.clientEvent(update, 20);
    good.o.serverEvent({ ...created(false, { type: 'audio/pcmu' }), type: 'session.updated' }, 30);
    good.o.clientEvent({ type: 'input_audio_buffer.append', audio: ulaw }, 40);
    good.o.sessionClosed(1000, '');
    expect(rules(good.findings)).toEqual([]);
  });
});

describe('pacing rules', () => {
  it('VAD session streamed in real time with 20 ms chunks: silent', () => {
    const { findings, o } = session();
    o.serverEvent(created(true), 0);
    stream(o, speech(), 960, 20_000);
    o.sessionClosed(1000, '');
    expect(rules(findings)).toEqual([]);
  });

  it('VAD session streamed at 10 × real time fires faster_than_realtime; without VAD it is silent', () => {
    const fast = session();
    fast.o.serverEvent(created(true), 0);
    stream(fast.o, speech(), 960, 2_000);
    fast.o.sessionClosed(1000, '');
    const f = fast.findings.finish().findings;
    expect(f.map((x) => x.rule)).toEqual(['pacing.faster_than_realtime']);
    expect(f[0]!.evidence).toMatch(/\((9\.\d|10\.0) × real time\)/);
    const manual = session();
    manual.o.serverEvent(created(false), 0);
    stream(manual.o, speech(), 960, 2_000);
    manual.o.sessionClosed(1000, '');
    expect(rules(manual.findings)).toEqual([]);
  });

  it('a 3 s gap in a live stream fires long_gap; the same gap while a response is active does not', () => {
    for (const during of [false, true]) {
      const { findings, o } = session();
      o.serverEvent(created(true), 0);
      const bytes = speech();
      const half = Math.floor(bytes.length / 2 / 960) * 960;
      let t = stream(o, bytes.subarray(0, half), 960, 20_000);
      if (during) o.serverEvent({ type: 'response.created', response: { id: 'resp_1', conversation_id: 'conv_1' } }, t);
      t += 3_000_000;
      if (during) o.serverEvent({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } }, t - 10);
      stream(o, bytes.subarray(half), 960, 20_000, t);
      o.sessionClosed(1000, '');
      expect(rules(findings)).toEqual(during ? [] : ['pacing.long_gap']);
    }
  });

  it('2 ms chunks fire chunk_size; 20 and 100 ms chunks do not', () => {
    const tiny = session();
    tiny.o.serverEvent(created(true), 0);
    stream(tiny.o, speech(), 96, 2_000);
    tiny.o.sessionClosed(1000, '');
    expect(rules(tiny.findings)).toEqual(['pacing.chunk_size']);
    const usual = session();
    usual.o.serverEvent(created(true), 0);
    stream(usual.o, speech(), 4800, 100_000);
    usual.o.sessionClosed(1000, '');
    expect(rules(usual.findings)).toEqual([]);
  });

  it('16 kHz and 8 kHz PCM16 streamed in real time but declared 24 kHz fire rate_mismatch with the true rate', () => {
    for (const [hz, intervalUs] of [[16000, 30_000], [8000, 60_000]] as const) {
      // 960 bytes = 480 samples: 30 ms at 16 kHz, 60 ms at 8 kHz (what a real-time source sends per chunk).
      const { findings, o } = session();
      o.serverEvent(created(true), 0);
      stream(o, speech(), 960, intervalUs);
      o.sessionClosed(1000, '');
      const f = findings.finish().findings;
      expect(f.map((x) => x.rule)).toEqual(['audio.rate_mismatch']);
      expect(f[0]!.evidence).toContain(`what ${hz / 1000} kHz audio streamed in real time gives`);
    }
  });

  it('48 kHz streamed in real time fires rate_mismatch (not also faster_than_realtime)', () => {
    const { findings, o } = session();
    o.serverEvent(created(true), 0);
    stream(o, speech(), 960, 10_000);
    o.sessionClosed(1000, '');
    expect(rules(findings)).toEqual(['audio.rate_mismatch']);
  });
});

describe('retry hints', () => {
  it('reads the forms the service uses', () => {
    expect(retryHintMs('Please try again in 1m26.4s. Visit …')).toBeCloseTo(86_400);
    expect(retryHintMs('Please try again in 1.2s.')).toBeCloseTo(1200);
    expect(retryHintMs('Please try again in 350ms.')).toBe(350);
    expect(retryHintMs('no hint')).toBe(1000);
  });
});

describe('session length', () => {
  it('a session that lasted past 60 minutes fires session_cap; one of 59 minutes does not', () => {
    for (const [minutes, fires] of [[61, true], [59, false]] as const) {
      const { findings, o } = session();
      o.serverEvent(created(false), 0);
      o.clientEvent({ type: 'session.update', session: { type: 'realtime' } }, minutes * 60e6);
      o.sessionClosed(1000, '');
      const f = findings.finish().findings;
      expect(f.map((x) => x.rule)).toEqual(fires ? ['lifecycle.session_cap'] : []);
      if (fires) expect(f[0]!.evidence).toContain('61.0 min');
    }
  });
});

describe('retries inside a session after rate_limit_exceeded', () => {
  const limited = (id: string) => ({
    type: 'response.done',
    response: { id, conversation_id: 'conv_1', status: 'failed', status_details: { type: 'failed', error: { type: 'tokens', code: 'rate_limit_exceeded', message: 'Rate limit reached … Please try again in 2s.' } } },
  });
  it('three response.create before the 2 s hint fire reconnect_storm; three spaced past it do not', () => {
    for (const [spacingUs, fires] of [[100_000, true], [2_100_000, false]] as const) {
      const { findings, o } = session();
      o.serverEvent(created(false), 0);
      let t = 1000;
      o.clientEvent({ type: 'response.create' }, t);
      o.serverEvent({ type: 'response.created', response: { id: 'resp_0', conversation_id: 'conv_1' } }, t + 10);
      o.serverEvent(limited('resp_0'), t + 20);
      for (let i = 1; i <= 3; i++) {
        t += spacingUs;
        o.clientEvent({ type: 'response.create' }, t);
        o.serverEvent({ type: 'response.created', response: { id: `resp_${i}`, conversation_id: 'conv_1' } }, t + 10);
        o.serverEvent(limited(`resp_${i}`), t + 20);
      }
      o.sessionClosed(1000, '');
      expect(rules(findings)).toEqual(fires ? ['lifecycle.reconnect_storm'] : []);
    }
  });
});
