/**
 * The carrier emulation over real sockets (127.0.0.1, port 0) against scripted fake bridges: every
 * message kind of both flavours, the playout rules (mark echo, clear), the caller-side metrics, and
 * each bad-bridge behaviour (recorded per call with its reason, never hanging).
 *
 * Timing: stamps come from the monotonic clock. Assertions are ordering guarantees the code makes
 * (a mark is never echoed before the audio queued ahead of it has played: checked against the
 * bridge's own send stamp, which precedes the carrier's receipt), never speed.
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { monotonicClock, hrtimeUs } from '../../common/clock.ts';
import { startCall, type CallPlan, type CallResult } from '../../harness/carrier/call.ts';
import type { CarrierFlavour } from '../../harness/carrier/flavour.ts';
import { telnyx } from '../../harness/carrier/telnyx.ts';
import { twilio } from '../../harness/carrier/twilio.ts';
import { createPacer } from '../../harness/pacer/pacer.ts';
import { seededRandom } from '../../harness/scenario/index.ts';
import { hasSound, startFakeBridge, toneClip, toneMulaw, type FakeBridge, type FakeCall } from './fake-bridge.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function makePlan(url: string, flavour: CarrierFlavour, over: Partial<CallPlan> = {}): CallPlan {
  const codec = over.codec ?? 'PCMU';
  return {
    index: 0,
    url,
    headers: {},
    flavour,
    codec,
    format: { codec, encodingName: flavour.name === 'twilio' ? 'audio/x-mulaw' : codec, sampleRateHz: codec === 'L16' ? 16000 : 8000 },
    customParameters: { conversationId: 'abc' },
    ids: flavour.newIds(seededRandom(3, 1)),
    turns: [{ clip: toneClip('tone', 5, 15, 5, codec === 'L16' ? 'L16' : 'PCMU'), thinkMs: 100 }],
    bargeInAfterAudioMs: null,
    dtmf: [],
    connectTimeoutMs: 2000,
    turnTimeoutMs: 3000,
    answerEndSilenceMs: 200,
    hangupAfterMs: 100,
    ...over,
  };
}

function run(plan: CallPlan): Promise<CallResult> {
  const pacer = createPacer({ clock: monotonicClock });
  cleanups.push(() => pacer.close());
  return startCall(plan, { clock: monotonicClock, pacer }).done;
}

async function bridge(script: Parameters<typeof startFakeBridge>[0]): Promise<FakeBridge> {
  const b = await startFakeBridge(script);
  cleanups.push(() => b.close());
  return b;
}

/**
 * A bot that answers each utterance: once it has heard sound and then 5 silent frames, it sends
 * `answerMs` of tone in 100 ms media messages, each followed by a mark (names m1, m2, …).
 */
function answeringBot(sidKey: 'streamSid' | 'stream_id', answerMs = 600, onAnswer?: (c: FakeCall, sent: { name: string; atUs: number; queuedMsBefore: number }[]) => void) {
  const state = new Map<FakeCall, { heard: boolean; quiet: number; sid: string }>();
  return {
    onMessage: (c: FakeCall, m: Record<string, any>) => {
      if (m['event'] === 'start') state.set(c, { heard: false, quiet: 0, sid: m[sidKey] });
      if (m['event'] !== 'media') return;
      const s = state.get(c)!;
      if (hasSound(m['media'].payload)) {
        s.heard = true;
        s.quiet = 0;
        return;
      }
      if (!s.heard || ++s.quiet !== 5) return;
      s.heard = false;
      const sent: { name: string; atUs: number; queuedMsBefore: number }[] = [];
      for (let k = 0; k < answerMs / 100; k++) {
        c.send({ event: 'media', [sidKey]: s.sid, media: { payload: toneMulaw(100).toString('base64') } });
        const name = `m${k + 1}`;
        sent.push({ name, atUs: hrtimeUs(), queuedMsBefore: (k + 1) * 100 });
        c.send({ event: 'mark', [sidKey]: s.sid, mark: { name } });
      }
      onAnswer?.(c, sent);
    },
  };
}

describe('Twilio flavour: every message kind, in order, with Twilio’s types', () => {
  it('connected, start, 20 ms media for the whole call, dtmf, mark echoes at play-out, stop; TTFA measured', async () => {
    let marksSent: { name: string; atUs: number; queuedMsBefore: number }[] = [];
    const b = await bridge(answeringBot('streamSid', 600, (_c, s) => (marksSent = s)));
    const plan = makePlan(b.url, twilio, { dtmf: [{ digit: '7', atMs: 150 }] });
    const r = await run(plan);
    expect(r.outcome, r.reason ?? '').toBe('completed');
    const msgs = b.calls[0]!.received;
    await b.calls[0]!.closed;
    expect(msgs[0]!.msg).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = msgs[1]!.msg;
    expect(start).toMatchObject({ event: 'start', sequenceNumber: '1', streamSid: plan.ids.streamId });
    expect(start['start']).toEqual({
      accountSid: plan.ids.accountId,
      streamSid: plan.ids.streamId,
      callSid: plan.ids.callId,
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: { conversationId: 'abc' },
    });
    expect(plan.ids.streamId).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(plan.ids.callId).toMatch(/^CA[0-9a-f]{32}$/);
    // Every later message has the next sequence number (a string).
    msgs.slice(1).forEach((x, i) => expect(x.msg['sequenceNumber']).toBe(String(i + 1)));
    const media = msgs.filter((x) => x.msg['event'] === 'media').map((x) => x.msg);
    media.forEach((m, i) => {
      expect(m['media']).toMatchObject({ track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20) });
      expect(Buffer.from(m['media'].payload, 'base64')).toHaveLength(160);
      expect(m['streamSid']).toBe(plan.ids.streamId);
    });
    // Silence is streamed too: frames before the speech, after it, while the answer plays.
    expect(media.filter((m) => !hasSound(m['media'].payload)).length).toBeGreaterThan(20);
    const dtmf = msgs.find((x) => x.msg['event'] === 'dtmf')!.msg;
    expect(dtmf).toMatchObject({ streamSid: plan.ids.streamId, dtmf: { track: 'inbound_track', digit: '7' } });
    expect(r.dtmfSent).toBe(1);
    // Marks: echoed with their names, each no earlier than the audio queued before it could play.
    const echoes = msgs.filter((x) => x.msg['event'] === 'mark');
    expect(echoes.map((x) => x.msg['mark'].name)).toEqual(marksSent.map((s) => s.name));
    echoes.forEach((e, i) => expect(e.atUs - marksSent[i]!.atUs).toBeGreaterThanOrEqual(marksSent[i]!.queuedMsBefore * 1000));
    expect(msgs.at(-1)!.msg).toEqual({ event: 'stop', sequenceNumber: String(msgs.length - 1), stop: { accountSid: plan.ids.accountId, callSid: plan.ids.callId }, streamSid: plan.ids.streamId });
    const t = r.turns[0]!;
    expect(t.status).toBe('completed');
    expect(t.speechEndSentUs).not.toBeNull();
    expect(t.firstAudioUs! > t.speechEndSentUs!).toBe(true);
    expect(t.onsetUs! >= t.firstAudioUs!).toBe(true);
    expect(t.audioMs).toBe(600);
    expect(r.marks).toMatchObject({ received: 6, echoed: 6, echoedOnClear: 0 });
    expect(Object.values(r.problems).every((n) => n === 0)).toBe(true);
  });

  it('barge-in: the caller speaks over the answer; clear drops the queue, echoes pending marks, and is timed', async () => {
    const sidKey = 'streamSid';
    let sid = '';
    let answered = false;
    let cleared = false;
    let inAnswer = false;
    const bot = answeringBot(sidKey, 3000, () => {
      answered = true;
      inAnswer = true;
    });
    const b = await bridge({
      onMessage: (c, m) => {
        if (m['event'] === 'start') sid = m['streamSid'];
        // Like a bridge on speech_started: the caller's voice while an answer plays → clear.
        if (m['event'] === 'media' && inAnswer && !cleared && hasSound(m['media'].payload)) {
          cleared = true;
          inAnswer = false;
          c.send({ event: 'clear', streamSid: sid });
          return;
        }
        bot.onMessage(c, m);
      },
    });
    const clip = toneClip('tone', 5, 15, 5);
    const r = await run(makePlan(b.url, twilio, { turns: [{ clip, thinkMs: 100 }, { clip, thinkMs: 100 }], bargeInAfterAudioMs: 300, turnTimeoutMs: 10_000 }));
    expect(answered).toBe(true);
    expect(r.outcome, r.reason ?? '').toBe('completed');
    const [t1, t2] = r.turns;
    expect(t1!.bargedIn).toBe(true);
    expect(t2!.isBargeIn).toBe(true);
    expect(t2!.clearUs).not.toBeNull();
    expect(t2!.clearUs! > t2!.speechStartSentUs!).toBe(true);
    // 3 s queued; the caller started after ≥ 300 ms had played: most of it was dropped.
    expect(t2!.droppedAudioMs!).toBeGreaterThan(1000);
    expect(t2!.droppedAudioMs!).toBeLessThanOrEqual(2700);
    expect(r.clears).toBe(1);
    expect(r.marks.echoedOnClear).toBeGreaterThan(0);
    expect(r.marks.echoed).toBe(r.marks.received);
    // The second utterance got its own answer afterwards.
    expect(t2!.status).toBe('completed');
  });
});

describe('Telnyx flavour', () => {
  it('snake_case fields, uppercase UUID stream_id, PCMU start and echo; a bridge may omit stream_id', async () => {
    let sent: { name: string; atUs: number; queuedMsBefore: number }[] = [];
    const bot = answeringBot('stream_id', 400, (_c, s) => (sent = s));
    const b = await bridge({
      onMessage: (c, m) => {
        if (m['event'] === 'media' && m['sequence_number'] === '3') c.send({ event: 'mark', mark: { name: 'early' } }); // no stream_id: accepted
        bot.onMessage(c, m);
      },
    });
    const plan = makePlan(b.url, telnyx, { dtmf: [{ digit: '#', atMs: 100 }] });
    const r = await run(plan);
    expect(r.outcome, r.reason ?? '').toBe('completed');
    const msgs = b.calls[0]!.received.map((x) => x.msg);
    expect(msgs[0]).toEqual({ event: 'connected', version: '1.0.0' });
    expect(msgs[1]).toMatchObject({ event: 'start', sequence_number: '1', stream_id: plan.ids.streamId });
    expect(plan.ids.streamId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(msgs[1]!['start']).toMatchObject({ call_control_id: plan.ids.callId, call_session_id: plan.ids.sessionId, media_format: { encoding: 'PCMU', sample_rate: 8000, channels: 1 } });
    expect(JSON.parse(Buffer.from(msgs[1]!['start'].client_state, 'base64').toString())).toEqual({ conversationId: 'abc' });
    const media = msgs.filter((m) => m['event'] === 'media');
    media.forEach((m, i) => expect(m).toMatchObject({ sequence_number: expect.any(String), stream_id: plan.ids.streamId, media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20) } }));
    const dtmf = msgs.find((m) => m['event'] === 'dtmf')!;
    expect(dtmf).toMatchObject({ stream_id: plan.ids.streamId, dtmf: { digit: '#' } });
    expect(new Date(dtmf['occurred_at']).toISOString()).toBe(dtmf['occurred_at']);
    const marks = msgs.filter((m) => m['event'] === 'mark').map((m) => m['mark'].name);
    expect(marks).toEqual(['early', ...sent.map((s) => s.name)]);
    expect(msgs.at(-1)).toMatchObject({ event: 'stop', stop: { user_id: plan.ids.accountId, call_control_id: plan.ids.callId }, stream_id: plan.ids.streamId });
    expect(r.turns[0]!.status).toBe('completed');
    expect(Object.values(r.problems).every((n) => n === 0)).toBe(true);
  });

  it('L16 at 16 kHz: 640-byte frames, and the bridge’s L16 answer is measured (onset found)', async () => {
    let sid = '';
    let heard = false;
    let quiet = 0;
    const b = await bridge({
      onMessage: (c, m) => {
        if (m['event'] === 'start') sid = m['stream_id'];
        if (m['event'] !== 'media') return;
        const bytes = Buffer.from(m['media'].payload, 'base64');
        expect(bytes).toHaveLength(640);
        const loud = bytes.readInt16BE(20) !== 0 || bytes.readInt16BE(40) !== 0;
        if (loud) heard = true;
        else if (heard && ++quiet === 5) {
          const ans = Buffer.alloc(16000 * 2 * 0.4);
          for (let i = 0; i < ans.length / 2; i++) ans.writeInt16BE(Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 16000)), i * 2);
          c.send({ event: 'media', stream_id: sid, media: { payload: ans.toString('base64') } });
        }
      },
    });
    const r = await run(makePlan(b.url, telnyx, { codec: 'L16' }));
    expect(b.calls[0]!.received[1]!.msg['start'].media_format).toEqual({ encoding: 'L16', sample_rate: 16000, channels: 1 });
    expect(r.outcome, r.reason ?? '').toBe('completed');
    expect(r.turns[0]!.audioMs).toBe(400);
    expect(r.turns[0]!.onsetUs).not.toBeNull();
    expect(Object.values(r.problems).every((n) => n === 0)).toBe(true);
  });
});

describe('bad input from the bridge is recorded per call, with the reason, and never hangs the call', () => {
  it('invalid JSON, a wrong streamSid, PCM16 sent as μ-law, an empty payload, a binary frame', async () => {
    const b = await bridge({
      onMessage: (c, m) => {
        if (m['event'] !== 'start') return;
        const sid = m['streamSid'];
        c.send('{not json');
        c.send({ event: 'media', streamSid: 'MZ' + '0'.repeat(32), media: { payload: toneMulaw(20).toString('base64') } });
        c.send({ event: 'media', media: { payload: toneMulaw(20).toString('base64') } });
        const pcm16 = Buffer.from(Int16Array.from({ length: 480 }, (_, i) => Math.round(3000 * Math.sin(i / 5))).buffer);
        c.send({ event: 'media', streamSid: sid, media: { payload: pcm16.toString('base64') } });
        c.send({ event: 'media', streamSid: sid, media: { payload: '' } });
        c.send({ event: 'media', streamSid: sid });
        c.ws.send(Buffer.from([1, 2, 3]));
      },
    });
    const r = await run(makePlan(b.url, twilio, { turnTimeoutMs: 600 }));
    expect(r.outcome).toBe('completed');
    expect(r.problems).toMatchObject({ invalid_json: 1, wrong_stream_id: 2, not_codec: 1, wrong_size: 1, invalid_message: 2 });
    expect(r.problemExamples.join('\n')).toMatch(/wrong_stream_id: media for streamSid MZ0+, this call's is MZ/);
    expect(r.turns[0]!.status).toBe('no_answer');
  });

  it('a message after stop is counted and ignored, not judged (it may have been in flight)', async () => {
    const b = await bridge({ onMessage: (c, m) => m['event'] === 'stop' && c.send({ event: 'media', streamSid: m['streamSid'], media: { payload: toneMulaw(20).toString('base64') } }) });
    const r = await run(makePlan(b.url, twilio, { turnTimeoutMs: 300 }));
    expect(r.outcome).toBe('completed');
    expect(r.afterStop).toBe(1);
    expect(Object.values(r.problems).every((n) => n === 0)).toBe(true);
  });

  it('Telnyx: a 10 ms chunk is the wrong size (RTP mode takes 20 ms to 30 s)', async () => {
    const b = await bridge({ onMessage: (c, m) => m['event'] === 'start' && c.send({ event: 'media', media: { payload: toneMulaw(10).toString('base64') } }) });
    const r = await run(makePlan(b.url, telnyx, { turnTimeoutMs: 400 }));
    expect(r.problems.wrong_size).toBe(1);
    expect(r.problemExamples[0]).toMatch(/10 ms of PCMU \(80 bytes\), expected at least 20 ms/);
  });

  it('a bridge that never completes the handshake: connect_failed within the connect timeout', async () => {
    const sockets: Socket[] = [];
    const tcp: TcpServer = createTcpServer((s) => void sockets.push(s));
    await new Promise<void>((res) => tcp.listen(0, '127.0.0.1', res));
    cleanups.push(() => new Promise<void>((res) => {
      for (const s of sockets) s.destroy();
      tcp.close(() => res());
    }));
    const port = (tcp.address() as { port: number }).port;
    const r = await run(makePlan(`ws://127.0.0.1:${port}/media-stream`, twilio, { connectTimeoutMs: 300 }));
    expect(r.outcome).toBe('connect_failed');
    expect(r.reason).toMatch(/300 ms|handshake|timed out/i);
    expect(r.turns).toEqual([]);
  });

  it('a bridge that accepts but never answers: the turn ends no_answer at the turn timeout and the call still ends with stop', async () => {
    const b = await bridge({});
    const r = await run(makePlan(b.url, twilio, { turnTimeoutMs: 300 }));
    expect(r.outcome).toBe('completed');
    expect(r.turns[0]!.status).toBe('no_answer');
    expect(b.calls[0]!.received.at(-1)!.msg['event']).toBe('stop');
  });

  it('a bridge that closes mid-call: closed_by_bridge with the close code and reason', async () => {
    const b = await bridge({ onMessage: (c, m) => m['event'] === 'media' && m['sequenceNumber'] === '20' && c.ws.close(1011, 'upstream gone') });
    const r = await run(makePlan(b.url, twilio));
    expect(r.outcome).toBe('closed_by_bridge');
    expect(r.reason).toBe('the bridge closed the stream mid-call (close 1011 upstream gone)');
    expect(r.turns[0]!.status).toBe('call_ended');
  });

  it('a refused upgrade (the ws server answers 400 off its path) is a connect failure naming the status', async () => {
    const b = await bridge({});
    const r = await run(makePlan(b.url.replace('/media-stream', '/nope'), twilio));
    expect(r.outcome).toBe('connect_failed');
    expect(r.reason).toBe('HTTP 400 Bad Request on the WebSocket upgrade');
  });
});
