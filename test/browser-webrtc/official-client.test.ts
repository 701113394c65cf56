/**
 * The official browser client against the mock over WebRTC (issue 15, Verification): the Agents
 * SDK's `OpenAIRealtimeWebRTC` transport with a `RealtimeSession`/`RealtimeAgent`, bundled by
 * esbuild, runs in headless Debian Chromium (playwright-core) whose fake microphone plays a corpus
 * clip. The page is served from its own 127.0.0.1 port, so its `client_secrets`-minted `ek_` key
 * POST to `/v1/realtime/calls` is cross-origin (CORS preflight included). It completes a voice turn
 * that calls a tool and speaks the follow-up (remote audio with speech energy, `response.done`),
 * then an interruption (`session.interrupt()` while the answer plays → `output_audio_buffer.cleared`
 * and the remote audio falls silent), with no error seen by the client.
 *
 * It takes about 20 s, most of it real-time audio: the clip plays at real time, the first answer
 * is played out whole (~4 s, paced as RTP at 20 ms), and connect() waits ~1 s for the first
 * `session.updated` (as of this writing the mock's first SCTP DATA chunk after the channel ACK does
 * not reach Chromium, and werift resends it on its 1 s retransmission timer).
 * `RTH_DEBUG_BROWSER=1` prints the run's figures (setup stages, jitter buffer, candidates).
 *
 * Skipped only when /usr/bin/chromium is absent (CI installs it: scripts/ensure-system-deps.sh).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONSET_THRESHOLD_DBFS } from '../../common/audio/onset.ts';
import { DEFAULT_LATENCY_PROFILE, scaleLatencyProfile, startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { bundlePage, servePage, writeFakeMicWav, type PageServer } from './fixtures.ts';
import { PageLog, type ClientLog, type InboundAudio, type LoggedEvent } from './page-log.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const CLIP = 'en-weather-paris';

/** Chromium flags for loopback-only WebRTC with a fake microphone on a machine with no network. */
function chromiumArgs(fakeMicWav: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // ICE. The mock's only candidate is 127.0.0.1 and the SDK posts its offer before gathering (no
    // candidates in it, no trickle), so the mock learns Chromium's addresses from its checks alone.
    // Without this flag Chromium gathers no loopback candidate: on a machine whose only interface is
    // `lo` it gathers nothing at all and connect() never completes (tried in a network namespace).
    '--allow-loopback-in-peer-connection',
    // Without this, a page that holds no capture permission offers mDNS `.local` names instead of
    // IPs (nothing resolves them here); the SDK's getUserMedia grants it, so this is belt and braces.
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    // The microphone: a fake device playing the WAV (looped), permission granted without a prompt.
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-audio-capture=${fakeMicWav}`,
    '--autoplay-policy=no-user-gesture-required',
  ];
}

let root = '';
let mock: MockServerHandle;
let site: PageServer;
let browser: Browser | null = null;

const SKIP_REASON = `${CHROMIUM} not found: this test needs Debian's chromium (scripts/ensure-system-deps.sh installs it)`;

describe('official browser client over WebRTC', () => {
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    root = await mkdtemp(path.join(tmpdir(), 'rth-browser-webrtc-'));
    // Response delays × 0.01 as the socket tests use; the answer audio still plays at real time. The
    // default tool plan (`auto`) calls a function tool on a response that answers a user turn and
    // speaks on the response after the function output: one tool round trip per user turn.
    mock = await startMockServer({ host: '127.0.0.1', port: 0, latency: scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, 0.01) });
    site = await servePage(await bundlePage());
    const wav = await writeFakeMicWav(root, CLIP, { leadSilenceMs: 1500, tailSilenceMs: 3000 });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(wav) });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await mock?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('connects with an ek_ key, completes a voice turn with a tool call, and is interrupted, with no client error', { timeout: 90_000 }, async (ctx) => {
    ctx.skip(!HAVE_CHROMIUM, SKIP_REASON);
    const context = await browser!.newContext();
    const page = await context.newPage();
    const client = new PageLog(page);
    try {
      await page.goto(`${site.origin}/`, { waitUntil: 'load' });
      await client.loaded(10_000);

      // The app's backend mints the ephemeral key with the standard key; the page never sees sk-.
      const minted = await fetch(`${mock.httpUrl}/v1/realtime/client_secrets`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
        body: JSON.stringify({ session: { type: 'realtime', model: 'gpt-realtime' } }),
      });
      expect(minted.status).toBe(200);
      const key = ((await minted.json()) as { value: string }).value;
      expect(key).toMatch(/^ek_/);

      // Another origin than the page's: the POST carries Authorization and application/sdp, so
      // Chromium preflights it, and connect() resolves only if the mock's CORS answers let it through.
      const callsUrl = `${mock.httpUrl}/v1/realtime/calls`;
      expect(new URL(callsUrl).origin).not.toBe(site.origin);
      await client.start({ callsUrl, key, model: 'gpt-realtime', muteAfterFirstTurn: true }, 15_000);
      const connected = await client.read();
      expect(connected.callId).toMatch(/^rtc_u0_/);
      const hosts = connected.candidates.filter((c): c is string => c !== null).map((c) => c.split(' ')[4]);
      expect(hosts).toContain('127.0.0.1');
      // The pair in use ends at the mock's only candidate. Chromium's end is a host candidate; which
      // one is its choice: on a machine with only `lo` it is 127.0.0.1 (that is what the loopback
      // flag is for); with another interface up Chromium prefers it (loopback has network-cost 50),
      // and the packets still go through `lo` since the destination is 127.0.0.1.
      const pair = await client.selectedPair();
      expect(pair?.remote).toBe('udp 127.0.0.1 host');
      expect(pair?.local).toMatch(/^udp \S+ host$/);

      // Voice turn: the fake microphone's clip → server VAD → a response that calls get_weather →
      // the SDK runs the tool and sends its output → the follow-up response speaks.
      await client.waitForEvent((e) => e.type === 'input_audio_buffer.speech_stopped', 'input_audio_buffer.speech_stopped (server VAD heard the fake microphone)', 20_000);
      const callDone = await client.waitForEvent((e) => e.type === 'response.done' && (e.output ?? []).includes('function_call'), 'response.done of the function-call response', 10_000);
      expect(callDone.status).toBe('completed');
      await client.waitFor((l) => l.toolEvents.some((t) => t.kind === 'end'), 'agent_tool_end (the SDK ran get_weather)', 10_000);
      const answerDone = await client.waitForEvent((e) => e.type === 'response.done' && e.atMs > callDone.atMs && (e.output ?? []).includes('message'), 'response.done of the spoken answer after the tool output', 15_000);
      expect(answerDone.status).toBe('completed');
      // The answer plays at real time (a few seconds of speech).
      const stopped = await client.waitForEvent((e) => e.type === 'output_audio_buffer.stopped' && e.responseId === answerDone.responseId, 'output_audio_buffer.stopped of the spoken answer', 20_000);
      const turn = await client.read();
      expect(turn.toolRuns).toHaveLength(1);
      expect(typeof (turn.toolRuns[0]!.args as { city?: unknown }).city).toBe('string');
      expect(turn.toolEvents.map((t) => `${t.kind}:${t.name}`)).toEqual(['start:get_weather', 'end:get_weather']);
      // The SDK answered the call itself: the function output item, then a response request.
      const sentAfterTool = turn.sent.filter((m) => m.atMs >= turn.toolEvents[0]!.atMs).map((m) => m.type);
      expect(sentAfterTool).toContain('conversation.item.create');
      expect(sentAfterTool.indexOf('response.create')).toBeGreaterThan(sentAfterTool.indexOf('conversation.item.create'));
      const started = turn.events.find((e) => e.type === 'output_audio_buffer.started' && e.responseId === answerDone.responseId);
      expect(started, 'output_audio_buffer.started of the spoken answer').toBeDefined();
      // What a listener heard while the answer played: speech energy on the remote track for a good
      // part of it (speech has pauses; the window also holds the jitter-buffer delay at its start).
      const during = turn.levels.filter((l) => l.atMs >= started!.atMs && l.atMs <= stopped.atMs);
      expect(during.length).toBeGreaterThan(50);
      expect(during.filter((l) => l.dbfs > ONSET_THRESHOLD_DBFS).length / during.length).toBeGreaterThan(0.3);

      // Interruption: a typed question → tool call → spoken answer; interrupt it while it plays.
      const from = turn.events.length;
      await client.say('And tomorrow? Tell me in detail.');
      const playing = await client.waitForEvent((e, i) => i >= from && e.type === 'output_audio_buffer.started', 'output_audio_buffer.started of the second answer', 20_000);
      await client.waitFor((l) => l.levels.some((x) => x.atMs > playing.atMs && x.dbfs > ONSET_THRESHOLD_DBFS), 'speech energy on the remote track after output_audio_buffer.started', 5_000);
      const sentBefore = (await client.read()).sent.length;
      await client.interrupt();
      const cleared = await client.waitForEvent((e, i) => i >= from && e.type === 'output_audio_buffer.cleared', 'output_audio_buffer.cleared after session.interrupt()', 5_000);
      expect(cleared.responseId).toBe(playing.responseId);
      // The mock stops sending: sample the inbound RTP counters for 1.5 s after the clear.
      const rtp: InboundAudio[] = [];
      for (const until = Date.now() + 1500; Date.now() < until; ) {
        const s = await client.inboundAudio();
        if (s) rtp.push(s);
        await new Promise((r) => setTimeout(r, 20));
      }
      const end = await client.read();
      expect(end.sent.slice(sentBefore).map((m) => m.type)).toContain('output_audio_buffer.clear');
      // Tolerance: packets already in flight when the page read the event (3 packets = 60 ms, as the
      // werift test allows); the first sample is taken some tens of ms after the event.
      expect(rtp.length).toBeGreaterThan(10);
      expect(rtp.at(-1)!.packetsReceived - rtp[0]!.packetsReceived).toBeLessThanOrEqual(3);
      // And the listener hears silence once Chromium's jitter buffer has drained. Tolerance: 1 s
      // after the event, far above the buffer's delay (measured 90–260 ms average here; it grows
      // under CPU load on a 2-core machine) plus the analyser's 21 ms window.
      const quiet = end.levels.filter((l) => l.atMs > cleared.atMs + 1000);
      expect(quiet.length).toBeGreaterThan(10);
      expect(quiet.filter((l) => l.dbfs > ONSET_THRESHOLD_DBFS)).toEqual([]);
      expect(end.events.slice(from).some((e) => e.type === 'output_audio_buffer.stopped' && e.responseId === playing.responseId)).toBe(false);
      expect(end.toolRuns).toHaveLength(2);

      // No error anywhere the client could see one.
      expect(end.errors).toEqual([]);
      expect(end.events.filter((e: LoggedEvent) => e.type === 'error')).toEqual([]);
      expect(client.console.filter((m) => m.startsWith('error') || m.startsWith('pageerror'))).toEqual([]);

      if (process.env['RTH_DEBUG_BROWSER'] === '1') console.log(JSON.stringify({ pair, ...figures(end, cleared, rtp), console: client.console }));
    } catch (err) {
      // Every failure carries the page's state (events, errors, candidates, levels, console).
      if (err instanceof Error) err.message += `\n${await client.summary()}`;
      throw err;
    } finally {
      await client.close();
      await context.close();
    }
  });
});

/** Figures of one run (printed with RTH_DEBUG_BROWSER=1; never asserted). */
function figures(log: ClientLog, cleared: LoggedEvent, rtp: readonly InboundAudio[]): Record<string, unknown> {
  const at = (pred: (e: LoggedEvent) => boolean): number | null => log.events.find(pred)?.atMs ?? null;
  const dcOpen = log.states.find((s) => s.what === 'dc')?.atMs ?? null;
  const iceConnected = log.states.find((s) => s.what === 'ice' && s.state === 'connected')?.atMs ?? null;
  const created = at((e) => e.type === 'session.created');
  const updated = at((e) => e.type === 'session.updated');
  const loudAfterClear = log.levels.filter((l) => l.atMs > cleared.atMs && l.dbfs > ONSET_THRESHOLD_DBFS).map((l) => l.atMs);
  const last = rtp.at(-1);
  const ms = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round(a - b));
  return {
    iceConnectedToDcOpenMs: ms(dcOpen, iceConnected),
    dcOpenToSessionCreatedMs: ms(created, dcOpen),
    dcOpenToSessionUpdatedMs: ms(updated, dcOpen),
    audibleAfterClearMs: loudAfterClear.length > 0 ? Math.round(Math.max(...loudAfterClear) - cleared.atMs) : 0,
    interarrivalJitterMs: last ? Math.round(last.jitterS * 1000) : null,
    jitterBufferAvgMs: last ? Math.round((1000 * last.jitterBufferDelayS) / Math.max(1, last.jitterBufferEmittedCount)) : null,
    packetsReceived: last?.packetsReceived ?? null,
    packetsLost: last?.packetsLost ?? null,
    candidates: [...new Set(log.candidates.filter((c): c is string => c !== null).map((c) => `${c.split(' ')[2]} ${c.split(' ')[4]}`))],
  };
}
