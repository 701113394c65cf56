/**
 * Socket tier: the session driver over real WebSockets (WsTransport, the real pacer) against the
 * bundled mock on 127.0.0.1:0. Mock and harness share one ManualClock that only the test moves, so
 * clips stream in manual time (fast) and nothing depends on the machine's speed: the loop moves the
 * clock 20 ms, then lets real socket I/O run. Assertions are on behaviour, never on wall-clock speed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import type { PlannedTurn, PreparedClip, SessionPlan, SessionResult, TurnResult } from '../../harness/contract.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus } from '../../harness/corpus/load-corpus.ts';
import { createPacer, type RunningPacer } from '../../harness/pacer/pacer.ts';
import type { ParsedEvent } from '../../harness/protocol/server-events.ts';
import { runSession, type SessionDeps } from '../../harness/session/driver.ts';
import { WsTransport } from '../../harness/transport/ws-transport.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/server.ts';

let clips: Map<string, PreparedClip>;
let server: MockServerHandle | null = null;
let pacer: RunningPacer | null = null;

beforeAll(async () => {
  clips = await loadCorpus(BUNDLED_CORPUS_DIR, { format: { type: 'audio/pcm', rate: 24000 }, chunkMs: 20, ids: ['uk-weather-kyiv', 'uk-set-alarm'] });
});
afterEach(async () => {
  pacer?.close();
  pacer = null;
  await server?.close();
  server = null;
});
afterAll(() => clips.clear());

function turn(id: string, thinkTimeMs = 0, bargeInAfterAudioMs: number | null = null): PlannedTurn {
  return { clip: clips.get(id)!, thinkTimeMs, bargeInAfterAudioMs };
}

interface Run {
  result: SessionResult;
  turns: TurnResult[];
  events: ParsedEvent[];
  sent: string[];
}

async function runAgainstMock(
  plan: Partial<SessionPlan> & Pick<SessionPlan, 'url' | 'kind' | 'turns'>,
  mock: Parameters<typeof startMockServer>[0] = {},
  deps: Partial<SessionDeps> = {},
): Promise<Run> {
  const clock = new ManualClock(1_000_000);
  server = await startMockServer({ port: 0, seed: 3, latencyScale: 0.2, clock, ...mock });
  pacer = createPacer({ clock });
  const full: SessionPlan = {
    index: 0,
    headers: { Authorization: 'Bearer sk-test' },
    model: 'gpt-realtime-2',
    effort: 'low',
    voice: 'marin',
    instructions: null,
    outputModalities: ['audio'],
    turnMode: 'manual',
    turnDetection: null,
    format: { type: 'audio/pcm', rate: 24000 },
    chunkMs: 20,
    tools: [],
    turnTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    ...plan,
    url: `${server.url}${plan.url}`,
  };
  const turns: TurnResult[] = [];
  const events: ParsedEvent[] = [];
  const sent: string[] = [];
  let settled = false;
  const promise = runSession(full, {
    clock,
    pacer,
    onTurn: (t) => turns.push(t),
    onEvent: (e) => events.push(e),
    transportFactory: (p) => {
      const t = new WsTransport({ url: p.url, headers: p.headers, clock, handshakeTimeoutMs: 5000 });
      const send = t.send.bind(t);
      t.send = (frame) => {
        if (!frame.includes('input_audio_buffer.append')) sent.push(frame);
        send(frame);
      };
      return t;
    },
    ...deps,
  }).finally(() => (settled = true));
  // Manual time moves only when real I/O has had a chance to run; the cap turns a hang into a failure.
  for (let step = 0; !settled && step < 20_000; step++) {
    await new Promise((r) => setTimeout(r, step % 10 === 0 ? 2 : 0));
    clock.advanceMs(20);
  }
  const result = await promise;
  return { result, turns, events, sent };
}

const types = (sent: string[]): string[] => sent.map((f) => (JSON.parse(f) as { type: string }).type);

describe('session driver against the mock over sockets', () => {
  it('realtime, manual turns: commit + response.create, milestones in order', async () => {
    const r = await runAgainstMock({ url: '/v1/realtime?model=gpt-realtime-2', kind: 'realtime', turns: [turn('uk-weather-kyiv'), turn('uk-set-alarm', 200)] });
    expect(r.result).toMatchObject({ outcome: 'completed', turnsCompleted: 2, turnsFailed: 0, errors: {}, closeCode: 1000 });
    expect(r.result.sessionId).toMatch(/^sess_/);
    expect(types(r.sent)).toEqual(['session.update', 'input_audio_buffer.commit', 'response.create', 'input_audio_buffer.commit', 'response.create']);
    for (const t of r.turns) {
      const m = t.milestones;
      expect(t.status).toBe('completed');
      expect(t.responseId).toMatch(/^resp_/);
      expect(m.commitSentUs!).toBeGreaterThan(m.speechEndSentUs!);
      expect(m.committedUs!).toBeGreaterThanOrEqual(m.commitSentUs!);
      expect(m.responseCreatedUs!).toBeGreaterThanOrEqual(m.committedUs!);
      expect(m.firstAudioUs!).toBeGreaterThan(m.responseCreatedUs!);
      expect(m.responseDoneUs!).toBeGreaterThan(m.firstAudioUs!);
      expect(t.audioDeltas.length).toBeGreaterThan(0);
      expect(t.usage).toMatchObject({ total_tokens: expect.any(Number) });
    }
    expect(r.events.filter((e) => e.kind !== 'known')).toEqual([]);
  });

  it('realtime, server VAD: silence streamed between turns, the server commits and answers', async () => {
    const r = await runAgainstMock({
      url: '/v1/realtime?model=gpt-realtime-2',
      kind: 'realtime',
      turnMode: 'server_vad',
      turnDetection: { silence_duration_ms: 500 },
      turns: [turn('uk-weather-kyiv', 300), turn('uk-set-alarm', 500)],
    });
    expect(r.result).toMatchObject({ outcome: 'completed', turnsCompleted: 2, errors: {} });
    expect(types(r.sent)).toEqual(['session.update']);
    for (const t of r.turns) {
      expect(t.milestones.speechStoppedUs!).toBeGreaterThan(t.milestones.speechEndSentUs!);
      expect(t.milestones.firstAudioUs!).toBeGreaterThan(t.milestones.speechStoppedUs!);
    }
  });

  it('realtime tool call: function_call_output and a follow-up response end the turn', async () => {
    const r = await runAgainstMock(
      {
        url: '/v1/realtime?model=gpt-realtime-2',
        kind: 'realtime',
        tools: [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, result: { tempC: 7 } }],
        turns: [turn('uk-weather-kyiv')],
      },
      { toolPlan: 'auto' },
    );
    expect(r.result.errors).toEqual({});
    expect(r.turns[0]).toMatchObject({ status: 'completed', toolCalls: 1 });
    const sentTypes = types(r.sent);
    expect(sentTypes).toEqual(['session.update', 'input_audio_buffer.commit', 'response.create', 'conversation.item.create', 'response.create']);
  });

  it('barge-in on server VAD: truncate accepted, the next clip is spoken over the answer', async () => {
    const r = await runAgainstMock({
      url: '/v1/realtime?model=gpt-realtime-2',
      kind: 'realtime',
      turnMode: 'server_vad',
      turnDetection: {},
      turns: [turn('uk-weather-kyiv', 0, 400), turn('uk-set-alarm')],
    });
    expect(r.result.errors).toEqual({});
    expect(r.turns[0]!.bargedIn).toBe(true);
    expect(['cancelled', 'completed']).toContain(r.turns[0]!.status);
    expect(r.turns[1]!.status).toBe('completed');
    expect(r.events.some((e) => e.kind === 'known' && e.type === 'conversation.item.truncated')).toBe(true);
  });

  it('transcription session: turns end at the transcription', async () => {
    const r = await runAgainstMock({
      url: '/v1/realtime?intent=transcription',
      kind: 'transcription',
      model: 'gpt-4o-transcribe',
      effort: null,
      turnMode: 'server_vad',
      turnDetection: {},
      turns: [turn('uk-weather-kyiv', 200)],
    });
    expect(r.result).toMatchObject({ outcome: 'completed', turnsCompleted: 1, errors: {} });
    expect(r.turns[0]!.milestones.firstTextUs).not.toBeNull();
    expect(r.turns[0]!.milestones.responseDoneUs!).toBeGreaterThanOrEqual(r.turns[0]!.milestones.committedUs!);
  });

  it('translation session: continuous appends, output after speech, session.close → session.closed', async () => {
    const r = await runAgainstMock({
      url: '/v1/realtime/translations?model=gpt-realtime-translate',
      kind: 'translation',
      model: 'gpt-realtime-translate',
      effort: null,
      turnMode: 'server_vad',
      translationOutputLanguage: 'de',
      turns: [turn('uk-weather-kyiv', 200), turn('uk-set-alarm', 300)],
    });
    expect(r.result.errors).toEqual({});
    expect(types(r.sent)).toEqual(['session.update', 'session.close']);
    expect(r.events.some((e) => e.kind === 'known' && e.type === 'session.closed')).toBe(true);
    expect(r.turns.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(r.turns[0]!.milestones.firstAudioUs!).toBeGreaterThanOrEqual(r.turns[0]!.milestones.speechEndSentUs!);
  });

  it('session expiry (mock expire fault): reconnect, re-seed, go on', async () => {
    const r = await runAgainstMock(
      {
        url: '/v1/realtime?model=gpt-realtime-2',
        kind: 'realtime',
        turns: [turn('uk-weather-kyiv'), turn('uk-set-alarm', 3000), turn('uk-weather-kyiv', 200)],
      },
      { faults: ['expire:after_s=8'] },
    );
    // Every connection expires after 8 s of manual time; turn 2's think time runs into the first cap.
    expect(r.result.recoveries?.length).toBeGreaterThanOrEqual(1);
    for (const rec of r.result.recoveries!) expect(rec).toMatchObject({ fault: 'session_expired', recovered: true, attempts: 1 });
    expect(r.result.errors).toEqual({ session_expired: r.result.recoveries!.length });
    expect(r.result.outcome).toBe('completed');
    expect(r.turns.filter((t) => t.status === 'completed').length).toBeGreaterThanOrEqual(2);
    // After the reconnect, the conversation is re-seeded: user + assistant messages.
    const reseed = r.sent.map((f) => JSON.parse(f) as { type: string; item?: { role?: string } }).filter((e) => e.type === 'conversation.item.create');
    expect(reseed.map((e) => e.item?.role).slice(0, 2)).toEqual(['user', 'assistant']);
  });

  it('a target that calls tools forever: the turn fails with tool_loop_limit instead of looping', async () => {
    const r = await runAgainstMock(
      {
        url: '/v1/realtime?model=gpt-realtime-2',
        kind: 'realtime',
        tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, result: {} }],
        turns: [turn('uk-weather-kyiv')],
      },
      { toolPlan: 'always' },
    );
    expect(r.turns[0]).toMatchObject({ status: 'failed', errorCode: 'tool_loop_limit', toolCalls: 8 });
  });

  it('dropped socket (mock drop fault, 1006): reconnect with back-off, the lost turn is recorded', async () => {
    const r = await runAgainstMock(
      { url: '/v1/realtime?model=gpt-realtime-2', kind: 'realtime', turns: [turn('uk-weather-kyiv'), turn('uk-set-alarm', 200)] },
      { faults: ['drop:p=1,after_events=6'] },
    );
    expect(r.turns.map((t) => [t.status, t.errorCode])).toEqual([
      ['failed', 'abnormal_close'],
      ['failed', 'abnormal_close'],
    ]);
    expect(r.result.recoveries).toMatchObject([
      { fault: 'abnormal_close', turnIndex: 1, recovered: true, turnsLost: 1, detail: 'close_1006' },
      { fault: 'abnormal_close', turnIndex: 2, recovered: true, turnsLost: 1, detail: 'close_1006' },
    ]);
    expect(r.result.outcome).toBe('completed');
  });

  it('server_error (mock fault): retried once, then the turn fails', async () => {
    const r = await runAgainstMock({ url: '/v1/realtime?model=gpt-realtime-2', kind: 'realtime', turns: [turn('uk-weather-kyiv')] }, { faults: ['server_error:p=1'] });
    expect(r.turns[0]).toMatchObject({ status: 'failed', errorCode: 'server_error' });
    expect(r.result.recoveries).toMatchObject([{ fault: 'server_error', recovered: false, attempts: 1 }]);
  });

  it('rate limit (mock rate_limit fault): the turn is retried after the hint', async () => {
    const r = await runAgainstMock(
      { url: '/v1/realtime?model=gpt-realtime-2', kind: 'realtime', turns: [turn('uk-weather-kyiv')] },
      { faults: ['rate_limit:p=1,retry_after_s=0.8'] },
      { recovery: { rateLimitRetries: 2 } },
    );
    // Every response fails: two retries, then the turn fails with the code.
    expect(r.turns[0]).toMatchObject({ status: 'failed', errorCode: 'rate_limit_exceeded' });
    expect(r.result.recoveries).toMatchObject([{ fault: 'rate_limit_exceeded', recovered: false, attempts: 2 }]);
    expect(types(r.sent).filter((t) => t === 'response.create')).toHaveLength(3);
  });
});
