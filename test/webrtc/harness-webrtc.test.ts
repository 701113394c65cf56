/**
 * The harness's WebRTC transport end to end against the bundled mock on loopback: what a browser
 * app does (ephemeral key, offer with the `oai-events` channel, Opus RTP paced by the pacer), driven
 * by the unchanged session driver. And its failures: each a TransportError that says why, never
 * showing a key.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from 'werift';
import { monotonicClock } from '../../common/clock.ts';
import { rtcPeerConfig, whenState } from '../../common/rtc/werift-config.ts';
import type { PreparedClip, SessionPlan, TurnResult } from '../../harness/contract.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus } from '../../harness/corpus/load-corpus.ts';
import { createPacer } from '../../harness/pacer/pacer.ts';
import { runSession } from '../../harness/session/driver.ts';
import { TransportError } from '../../harness/transport/transport.ts';
import { WebRtcTransport } from '../../harness/transport/webrtc-transport.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { FAST_PROFILE } from '../mock/helpers.ts';

const KEY = 'sk-test-webrtc-SECRET-0123456789';
let mock: MockServerHandle;
/**
 * Clips whose pauses stay clear of the VAD's 500 ms silence after Opus coding. (en-set-timer's
 * comma pause is not: Opus moves its quiet edges across the −40 dBFS threshold and the mock's VAD
 * ends the turn at "minutes," — as a real server would hear it from a browser.)
 */
let clips: Map<string, PreparedClip>;

beforeAll(async () => {
  mock = await startMockServer({ latency: FAST_PROFILE, seed: 3 });
  clips = await loadCorpus(BUNDLED_CORPUS_DIR, { format: { type: 'audio/pcm', rate: 24000 }, chunkMs: 20, ids: ['en-book-table', 'en-weather-paris'] });
});
afterAll(async () => {
  await mock?.close();
});

function vadPlan(turns: SessionPlan['turns']): SessionPlan {
  return {
    index: 0,
    url: mock.url,
    headers: { Authorization: `Bearer ${KEY}` },
    kind: 'realtime',
    model: 'gpt-realtime-2',
    effort: 'low',
    voice: 'marin',
    instructions: null,
    outputModalities: ['audio'],
    turnMode: 'server_vad',
    turnDetection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true },
    format: { type: 'audio/pcm', rate: 24000 },
    chunkMs: 20,
    tools: [],
    turns,
    turnTimeoutMs: 20_000,
    connectTimeoutMs: 10_000,
    transport: 'webrtc',
  };
}

/** Runs one planned WebRTC session; returns its turns, the server event types seen and the client frames sent. */
async function run(plan: SessionPlan) {
  const pacer = createPacer({ clock: monotonicClock });
  const turns: TurnResult[] = [];
  const seen: string[] = [];
  const sent: string[] = [];
  let transport: WebRtcTransport | null = null;
  try {
    const session = await runSession(plan, {
      pacer,
      clock: monotonicClock,
      onTurn: (t) => turns.push(t),
      onEvent: (e) => {
        if (e.kind === 'known') seen.push(e.type);
      },
      transportFactory: (p) => {
        transport = new WebRtcTransport({ url: p.url, headers: p.headers, model: p.model, clock: monotonicClock });
        const inner = transport;
        return {
          connect: () => inner.connect(),
          send: (f) => {
            sent.push(f);
            inner.send(f);
          },
          close: (c, r) => inner.close(c, r),
          onMessage: (cb) => inner.onMessage(cb),
          onClose: (cb) => inner.onClose(cb),
          get bufferedBytes() {
            return inner.bufferedBytes;
          },
          media: inner,
        };
      },
    });
    return { session, turns, seen, sent, pacer: pacer.stats(), transport: transport as WebRtcTransport | null };
  } finally {
    pacer.close();
  }
}

describe('WebRTC sessions against the mock', () => {
  it('a VAD session: session.created, two turns heard with speech, playback events, nothing appended on the channel', async () => {
    const a = clips.get('en-book-table')!;
    const b = clips.get('en-weather-paris')!;
    const r = await run(vadPlan([
      { clip: a, thinkTimeMs: 300, bargeInAfterAudioMs: null },
      { clip: b, thinkTimeMs: 300, bargeInAfterAudioMs: null },
    ]));
    expect(r.session.outcome).toBe('completed');
    expect(r.session.turnsCompleted).toBe(2);
    for (const type of ['session.created', 'session.updated', 'input_audio_buffer.speech_started', 'response.done', 'output_audio_buffer.started', 'output_audio_buffer.stopped']) {
      expect(r.seen).toContain(type);
    }
    // Audio travels on the track: no audio delta on the channel, no append sent on it.
    expect(r.seen).not.toContain('response.output_audio.delta');
    expect(r.sent.some((f) => f.includes('input_audio_buffer.append'))).toBe(false);
    expect(r.seen).not.toContain('error');
    for (const t of r.turns) {
      expect(t.status).toBe('completed');
      expect(t.media).toBeDefined();
      const m = t.media!;
      expect(m.packets).toBeGreaterThan(25);
      expect(m.lost).toBe(0);
      // The answer has speech energy (an onset), heard after its first packet.
      expect(t.audioOnsetMs).not.toBeNull();
      expect(t.milestones.firstAudioUs).not.toBeNull();
      // The turn ends when the assistant stops talking: at output_audio_buffer.stopped, after response.done.
      expect(m.playbackStoppedUs).not.toBeNull();
      expect(m.playbackStoppedUs!).toBeGreaterThanOrEqual(t.milestones.responseDoneUs!);
      expect(m.lastPacketUs!).toBeLessThanOrEqual(m.playbackStoppedUs!);
      // Played in real time: the packets span their own duration (20 ms each), give or take the
      // last packet's own 20 ms and scheduling (a loaded machine delays packets, never advances them).
      const spanMs = (m.lastPacketUs! - t.milestones.firstAudioUs!) / 1000;
      expect(spanMs).toBeGreaterThanOrEqual((m.packets - 1) * 20 * 0.9);
    }
    // The setup phases are in order and end with session.created.
    const s = r.session.setup!;
    expect(s).toBeDefined();
    const order = [s.offerPostedMs, s.answerMs, s.iceConnectedMs, s.channelOpenMs];
    for (const v of order) expect(v).not.toBeNull();
    for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThanOrEqual(order[i - 1]!);
    expect(s.sessionCreatedMs!).toBeGreaterThanOrEqual(s.channelOpenMs!);
    // Frames went out through the pacer as RTP: silence between turns included.
    expect(r.pacer.framesSent).toBeGreaterThan(Math.floor((a.durationMs + b.durationMs) / 20));
    expect(r.transport!.droppedPackets).toBe(0);
  }, 60_000);

  it('barge-in: the user speaks over the answer, no truncate is sent, and the time until the audio stops is measured', async () => {
    const a = clips.get('en-book-table')!;
    const b = clips.get('en-weather-paris')!;
    const r = await run(vadPlan([
      { clip: a, thinkTimeMs: 200, bargeInAfterAudioMs: 600 },
      { clip: b, thinkTimeMs: 200, bargeInAfterAudioMs: null },
    ]));
    const first = r.turns.find((t) => t.turnIndex === 1)!;
    expect(first.bargedIn).toBe(true);
    expect(r.sent.some((f) => f.includes('conversation.item.truncate'))).toBe(false);
    expect(r.seen).toContain('output_audio_buffer.cleared');
    const stopMs = first.media!.bargeInStopMs;
    expect(stopMs).not.toBeNull();
    // The mock's VAD needs its 300 ms of prefix … speech to start; then it clears at once. The
    // bound is generous for a loaded machine: it only rules out "never stopped" (the answer is longer).
    expect(stopMs!).toBeLessThan(3000);
    expect(r.turns.find((t) => t.turnIndex === 2)?.status).toBe('completed');
  }, 60_000);
});

describe('WebRTC setup failures', () => {
  it('a refused standard key: HTTP 401 from client_secrets, the body excerpt, never the key', async () => {
    const locked = await startMockServer({ latency: FAST_PROFILE, apiKey: 'the-right-key' });
    try {
      const t = new WebRtcTransport({ url: locked.url, headers: { Authorization: `Bearer ${KEY}` }, model: 'gpt-realtime-2', clock: monotonicClock });
      const err = await t.connect().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      const te = err as TransportError;
      expect(te.code).toBe('http_status');
      expect(te.httpStatus).toBe(401);
      expect(te.message).toMatch(/^client_secrets: HTTP 401/);
      expect(te.message).not.toContain(KEY);
      expect(te.message).not.toContain('SECRET-0123456789');
    } finally {
      await locked.close();
    }
  });

  /** A stand-in server: mints a key, then answers `calls` with `answer`. */
  async function fakeServer(answer: (res: http.ServerResponse, offer: string) => void | Promise<void>): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url?.endsWith('/client_secrets')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ value: 'ek_fake_EPHEMERAL_abcdef', expires_at: 0, session: {} }));
        } else void answer(res, Buffer.concat(chunks).toString('utf8'));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
  }

  it('calls refused (415): status and body excerpt, with the ephemeral key redacted too', async () => {
    const fake = await fakeServer((res) => {
      res.writeHead(415, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Unsupported content type for key ek_fake_EPHEMERAL_abcdef', type: 'invalid_request_error', code: 'unsupported_content_type', param: null } }));
    });
    try {
      const t = new WebRtcTransport({ url: fake.url, headers: { Authorization: `Bearer ${KEY}` }, model: 'gpt-realtime-2', clock: monotonicClock });
      const err = (await t.connect().then(() => null, (e: unknown) => e)) as TransportError;
      expect(err).toBeInstanceOf(TransportError);
      expect(err.httpStatus).toBe(415);
      expect(err.message).toMatch(/^calls: HTTP 415/);
      expect(err.message).toContain('Unsupported content type');
      expect(err.message).not.toContain('ek_fake_EPHEMERAL_abcdef');
    } finally {
      await fake.close();
    }
  });

  it('an answer from a peer that is gone: ICE never connects, a handshake timeout naming ICE', async () => {
    const fake = await fakeServer(async (res, offer) => {
      // A real answer from a werift peer that is closed before any connectivity check.
      const pc = new RTCPeerConnection(rtcPeerConfig());
      await pc.setRemoteDescription({ type: 'offer', sdp: offer });
      await pc.setLocalDescription(await pc.createAnswer());
      await whenState(() => pc.iceGatheringState, 'complete', 5000, 'gathering');
      const sdp = pc.localDescription!.sdp;
      await pc.close();
      res.writeHead(201, { 'content-type': 'application/sdp', location: '/v1/realtime/calls/rtc_gone' });
      res.end(sdp);
    });
    try {
      const t = new WebRtcTransport({ url: fake.url, headers: { Authorization: `Bearer ${KEY}` }, model: 'gpt-realtime-2', clock: monotonicClock, handshakeTimeoutMs: 2500, hangupOnClose: false });
      const err = (await t.connect().then(() => null, (e: unknown) => e)) as TransportError;
      expect(err).toBeInstanceOf(TransportError);
      expect(['handshake_timeout', 'closed_before_open']).toContain(err.code);
      expect(err.message).toMatch(/ICE/);
    } finally {
      await fake.close();
    }
  }, 20_000);
});
