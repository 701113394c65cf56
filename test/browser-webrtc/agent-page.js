/**
 * The browser app of test/browser-webrtc/official-client.test.ts: a voice agent built the way the
 * Agents SDK documents it — a `RealtimeAgent` with one function tool in a `RealtimeSession` over the
 * official `OpenAIRealtimeWebRTC` transport — bundled by esbuild and loaded into headless Chromium.
 * The microphone is whatever `getUserMedia` returns (Chromium's fake device playing a corpus clip).
 *
 * It records, for the test to read through `window.rth.log`: every server event (type, ids, page
 * time), every client event the SDK sent, every error the session, the transport or the page saw,
 * the tool invocations, the local ICE candidates Chromium gathered, and the level of the remote
 * audio track every 20 ms measured with a WebAudio AnalyserNode (what a listener would hear).
 *
 * Plain JavaScript on purpose: it only ever runs in the browser, and the project's tsconfig has no
 * DOM lib (adding one would change the types of every Node module). page-log.ts types what the
 * test reads from it.
 */
import { OpenAIRealtimeWebRTC, RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';

/** Analyser poll period, ms (one Opus frame). */
const LEVEL_PERIOD_MS = 20;

const log = {
  /** Server events: `{ type, atMs, responseId?, itemId?, status?, output?, name?, error? }` (`output`: item types of a response.done). */
  events: [],
  /** Errors seen by the client: `{ source, atMs, message }` (source: session | transport | page). */
  errors: [],
  /** Tool invocations as executed by the SDK: `{ atMs, args }`. */
  toolRuns: [],
  /** SDK tool lifecycle events: `{ kind: 'start' | 'end', atMs, name, result? }`. */
  toolEvents: [],
  /** Local ICE candidate lines as gathered (`null` marks end of gathering). */
  candidates: [],
  /** Client events the SDK sent on the data channel: `{ type, atMs }`. */
  sent: [],
  /** ICE, peer connection and data channel state changes: `{ atMs, what, state }`. */
  states: [],
  /** Remote audio level: `{ atMs, dbfs, ctx }` every {@link LEVEL_PERIOD_MS} ms once the track arrived (-200: digital silence; ctx: the AudioContext's state). */
  levels: [],
  /** Whether the mic was muted after the first user turn, and when. */
  mutedAtMs: null,
  /** `session.callId` once known. */
  callId: null,
};

let session = null;
let transport = null;
/** The meter's timer and AudioContext, stopped by `close`. */
const metering = { timer: null, ctx: null };

function now() {
  return performance.now();
}

function describe(err) {
  if (err === null || err === undefined) return String(err);
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

window.addEventListener('error', (e) => log.errors.push({ source: 'page', atMs: now(), message: describe(e.error ?? e.message) }));
window.addEventListener('unhandledrejection', (e) => log.errors.push({ source: 'page', atMs: now(), message: describe(e.reason) }));

/**
 * Measures the remote track's RMS level (dBFS) every 20 ms with an AnalyserNode over the last 1024
 * samples (21 ms at 48 kHz). The SDK also plays the stream in an <audio> element, which Chromium
 * needs before it feeds a remote WebRTC stream to WebAudio.
 */
function meter(track) {
  const ctx = new AudioContext();
  metering.ctx = ctx;
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const buf = new Float32Array(analyser.fftSize);
  metering.timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf);
    let sum = 0;
    for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
    const rms = Math.sqrt(sum / buf.length);
    log.levels.push({ atMs: now(), dbfs: rms > 0 ? 20 * Math.log10(rms) : -200, ctx: ctx.state });
  }, LEVEL_PERIOD_MS);
}

/** Watches the peer connection the SDK created (ICE candidates, states, the remote track). */
function watch(pc) {
  pc.addEventListener('icecandidate', (e) => log.candidates.push(e.candidate ? e.candidate.candidate : null));
  pc.addEventListener('iceconnectionstatechange', () => log.states.push({ atMs: now(), what: 'ice', state: pc.iceConnectionState }));
  pc.addEventListener('connectionstatechange', () => log.states.push({ atMs: now(), what: 'pc', state: pc.connectionState }));
  pc.addEventListener('track', (e) => meter(e.track));
  // The SDK created its `oai-events` channel before calling changePeerConnection. Its `send` is
  // wrapped to record what the SDK sends (type and time); the frame itself is passed on untouched.
  const dc = transport.connectionState.dataChannel;
  if (dc) {
    dc.addEventListener('open', () => log.states.push({ atMs: now(), what: 'dc', state: 'open' }));
    const send = dc.send.bind(dc);
    dc.send = (data) => {
      try {
        log.sent.push({ type: JSON.parse(data).type, atMs: now() });
      } catch {
        log.sent.push({ type: '(not JSON)', atMs: now() });
      }
      return send(data);
    };
  }
  return pc;
}

const weather = tool({
  name: 'get_weather',
  description: 'Current weather for a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', description: 'City name' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
  execute: async (args) => {
    log.toolRuns.push({ atMs: now(), args });
    return `Sunny and 21 degrees in ${args.city}.`;
  },
});

/**
 * Connects the agent to `cfg.callsUrl` with the ephemeral key `cfg.key`. When `cfg.muteAfterFirstTurn`,
 * mutes the microphone as soon as the server's VAD reports the first turn's end, because Chromium
 * loops the fake-capture file and its next pass would otherwise barge in on the answer.
 */
async function start(cfg) {
  transport = new OpenAIRealtimeWebRTC({ baseUrl: cfg.callsUrl, changePeerConnection: watch });
  const agent = new RealtimeAgent({
    name: 'Weather assistant',
    instructions: 'Answer weather questions with the get_weather tool.',
    tools: [weather],
  });
  session = new RealtimeSession(agent, { transport, model: cfg.model });
  session.on('transport_event', (ev) => {
    const r = ev.response ?? {};
    log.events.push({
      type: ev.type,
      atMs: now(),
      responseId: ev.response_id ?? r.id,
      itemId: ev.item_id ?? ev.item?.id,
      status: r.status,
      output: Array.isArray(r.output) ? r.output.map((o) => o.type) : undefined,
      name: ev.name ?? ev.item?.name,
      error: ev.type === 'error' ? ev.error : undefined,
    });
    if (cfg.muteAfterFirstTurn && ev.type === 'input_audio_buffer.speech_stopped' && log.mutedAtMs === null) {
      session.mute(true);
      log.mutedAtMs = now();
    }
  });
  session.on('error', (e) => log.errors.push({ source: 'session', atMs: now(), message: describe(e.error) }));
  transport.on('error', (e) => log.errors.push({ source: 'transport', atMs: now(), message: describe(e.error ?? e) }));
  session.on('agent_tool_start', (_ctx, _agent, t) => log.toolEvents.push({ kind: 'start', atMs: now(), name: t.name }));
  session.on('agent_tool_end', (_ctx, _agent, t, result) => log.toolEvents.push({ kind: 'end', atMs: now(), name: t.name, result }));
  await session.connect({ apiKey: cfg.key, url: cfg.callsUrl });
  log.callId = transport.callId ?? null;
}

/** The inbound audio RTP stream's counters (RTCInboundRtpStreamStats), or null before there is one. */
async function inboundAudio() {
  const pc = transport?.connectionState.peerConnection;
  if (!pc) return null;
  const report = await pc.getStats();
  for (const s of report.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      return {
        atMs: now(),
        packetsReceived: s.packetsReceived,
        packetsLost: s.packetsLost,
        jitterS: s.jitter,
        jitterBufferDelayS: s.jitterBufferDelay,
        jitterBufferTargetDelayS: s.jitterBufferTargetDelay,
        jitterBufferEmittedCount: s.jitterBufferEmittedCount,
        concealedSamples: s.concealedSamples,
        totalSamplesReceived: s.totalSamplesReceived,
      };
    }
  }
  return null;
}

/** The ICE candidate pair in use: `{ local, remote }` as `<protocol> <address> <type>`, or null. */
async function selectedPair() {
  const pc = transport?.connectionState.peerConnection;
  if (!pc) return null;
  const report = await pc.getStats();
  let pairId = null;
  for (const s of report.values()) if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  const pair = pairId ? report.get(pairId) : null;
  if (!pair) return null;
  const describeCandidate = (id) => {
    const c = report.get(id);
    return c ? `${c.protocol} ${c.address} ${c.candidateType}` : '(unknown)';
  };
  return { local: describeCandidate(pair.localCandidateId), remote: describeCandidate(pair.remoteCandidateId) };
}

window.rth = {
  inboundAudio,
  selectedPair,
  log,
  start,
  /** Sends a typed user message (the SDK creates the item and asks for a response). */
  say: (text) => session.sendMessage(text),
  /** `session.interrupt()`: what an app calls when the user barges in. */
  interrupt: () => session.interrupt(),
  close: () => {
    clearInterval(metering.timer);
    void metering.ctx?.close();
    session?.close();
  },
};
