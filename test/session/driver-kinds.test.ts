import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import type { SessionPlan, TurnResult } from '../../harness/contract.ts';
import { runSession, type SessionDeps } from '../../harness/session/driver.ts';
import { ScriptedTransport } from '../../harness/transport/scripted-transport.ts';
import { TransportError } from '../../harness/transport/transport.ts';
import { advanceUntil, makeClip, makePlan, runUntilSettled, TestPacer, type FakeServerOptions } from './fake-server.ts';
import { startScriptedSession } from './scripted-session.ts';

function setup(plan: SessionPlan, opts: FakeServerOptions = {}, deps: Partial<SessionDeps> = {}) {
  return startScriptedSession(plan, opts, deps);
}

const twoTurns = [
  { clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
  { clip: makeClip('b'), thinkTimeMs: 200, bargeInAfterAudioMs: null },
];

describe('runSession: transcription sessions', () => {
  it('VAD: turns end at input_audio_transcription.completed; no response.create is sent', async () => {
    const plan = makePlan({ kind: 'transcription', model: 'gpt-4o-transcribe', turnMode: 'server_vad', turnDetection: {}, effort: null, turns: twoTurns });
    const s = setup(plan, { transcription: true });
    const result = await s.run();
    expect(s.transports[0]!.sentEvents()[0]).toEqual({
      type: 'session.update',
      event_id: 'rth_session_update_1',
      session: {
        type: 'transcription',
        audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'gpt-4o-transcribe' }, turn_detection: { type: 'server_vad' } } },
      },
    });
    expect(s.transports[0]!.sentTypes()).toEqual(['session.update']);
    expect(result.turnsCompleted).toBe(2);
    const t = s.turns[0]!;
    expect(t.status).toBe('completed');
    expect(t.transcriptionUsage).toEqual({ type: 'duration', seconds: 1 });
    expect(t.milestones.firstTextUs! - t.milestones.committedUs!).toBe(30_000);
    expect(t.milestones.responseDoneUs! - t.milestones.committedUs!).toBe(60_000);
  });

  it('manual: commit ends the audio, then the transcription completes the turn', async () => {
    const plan = makePlan({ kind: 'transcription', model: 'gpt-realtime-whisper', effort: null, turns: twoTurns });
    const s = setup(plan, { transcription: true });
    await s.run();
    expect(s.transports[0]!.sentTypes()).toEqual(['session.update', 'input_audio_buffer.commit', 'input_audio_buffer.commit']);
    expect(s.turns.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(s.turns[0]!.milestones.commitSentUs).not.toBeNull();
  });
});

describe('runSession: translation sessions', () => {
  it('streams clips continuously as session.input_audio_buffer.append, then session.close → session.closed', async () => {
    const plan = makePlan({ kind: 'translation', model: 'gpt-realtime-translate', effort: null, turnMode: 'server_vad', translationOutputLanguage: 'es', turns: twoTurns });
    const s = setup(plan);
    const result = await s.run();
    const tr = s.transports[0]!;
    expect(tr.sentEvents()[0]).toEqual({ type: 'session.update', event_id: 'rth_session_update_1', session: { audio: { output: { language: 'es' } } } });
    expect(tr.sentTypes()).toEqual(['session.update', 'session.close']);
    expect(tr.appendCount).toBeGreaterThan(14);
    expect(result.outcome).toBe('completed');
    expect(result.closeCode).toBe(1000);
    const [a, b] = s.turns;
    expect(a!.status).toBe('completed');
    expect(b!.status).toBe('completed');
    // First output received after speech end: the first frame's translation, 150 ms after it was sent.
    // (The fake answers in a microtask after the clock step that sent the frame: ≤ 5 ms later.)
    expect(a!.milestones.firstAudioUs! - a!.milestones.turnStartUs!).toBeGreaterThanOrEqual(150_000);
    expect(a!.milestones.firstAudioUs! - a!.milestones.turnStartUs!).toBeLessThanOrEqual(155_000);
    expect(a!.milestones.firstAudioUs!).toBeGreaterThanOrEqual(a!.milestones.speechEndSentUs!);
    expect(a!.milestones.firstTextUs).not.toBeNull();
    // Turn a ends when b's first frame is sent; its output: 5 speech frames × 20 ms.
    expect(a!.audioDeltas.reduce((x, d) => x + d.durationMs, 0)).toBe(100);
    expect(b!.audioDeltas.reduce((x, d) => x + d.durationMs, 0)).toBe(100);
  });
});

describe('runSession: connection and configuration', () => {
  it('connect failure: outcome connect_failed, no turns', async () => {
    const clock = new ManualClock(0);
    const turns: TurnResult[] = [];
    const result = await runSession(makePlan(), {
      clock,
      pacer: new TestPacer(clock),
      onTurn: (t) => turns.push(t),
      transportFactory: () => new ScriptedTransport({ clock, failConnect: new TransportError('http_status', 'upgrade rejected with HTTP 403', 403) }),
    });
    expect(result).toMatchObject({ outcome: 'connect_failed', connectMs: null, configureMs: null, turnsCompleted: 0, connectedMs: 0 });
    expect(turns).toEqual([]);
  });

  it('no session.created within connectTimeoutMs: connect_timeout, the socket is closed', async () => {
    const clock = new ManualClock(0);
    const t = new ScriptedTransport({ clock });
    const promise = runSession(makePlan({ connectTimeoutMs: 300 }), { clock, pacer: new TestPacer(clock), onTurn: () => {}, transportFactory: () => t });
    const result = await runUntilSettled(clock, promise);
    expect(result.outcome).toBe('connect_timeout');
    expect(clock.nowUs()).toBeGreaterThanOrEqual(300_000);
    expect(t.clientClose).toEqual({ code: 1000, reason: 'OK' });
  });

  it('session.update rejected with an error naming its event_id: configure_failed', async () => {
    const clock = new ManualClock(0);
    const t = new ScriptedTransport({
      clock,
      onOpen: (ctx) => ctx.push({ type: 'session.created', event_id: 'event_1', session: { id: 'sess_1' } }),
      respond: (e, ctx) => {
        if (e.type === 'session.update') ctx.push({ type: 'error', event_id: 'event_2', error: { type: 'invalid_request_error', code: 'unknown_parameter', message: 'x', event_id: e.event_id } });
      },
    });
    const result = await runUntilSettled(clock, runSession(makePlan(), { clock, pacer: new TestPacer(clock), onTurn: () => {}, transportFactory: () => t }));
    expect(result).toMatchObject({ outcome: 'configure_failed', sessionId: 'sess_1', configureMs: null, errors: { unknown_parameter: 1 } });
  });

  it('malformed, binary and unknown events reach the observer and do not disturb the turn', async () => {
    const s = setup(makePlan());
    await advanceUntil(s.clock, () => s.transports[0]!.sentTypes().includes('response.create'));
    const srv = s.transports[0]!;
    srv.push('{not json');
    srv.push(Buffer.from([1, 2, 3]));
    srv.push({ event_id: 'e1', type: 'response.audio.delta', response_id: 'resp_1', delta: 'AAAA' });
    srv.push({ event_id: 'e2', type: 'totally.new.event' });
    srv.push({ event_id: 'e3', type: 'response.output_audio.delta' }); // known type, missing fields
    srv.push('[]');
    const result = await runUntilSettled(s.clock, s.promise);
    expect(result.outcome).toBe('completed');
    expect(s.turns[0]!.status).toBe('completed');
    const kinds = s.events.filter((e) => e.kind !== 'known').map((e) => [e.kind, e.kind === 'unknown' ? e.betaOf : e.kind === 'malformed' ? e.problem.split(' ')[0] : null]);
    expect(kinds).toEqual([
      ['malformed', 'invalid'],
      ['malformed', 'binary'],
      ['unknown', 'response.output_audio.delta'],
      ['unknown', undefined],
      ['malformed', 'event'],
    ]);
    // Indexes are per connection and consecutive.
    expect(s.events.map((e) => e.index)).toEqual(s.events.map((_, i) => i));
  });

  it('stopNewTurns: the open turn finishes, no new turn starts, the socket closes with 1000', async () => {
    let stop!: () => void;
    const stopNewTurns = new Promise<void>((r) => (stop = r));
    const plan = makePlan({ turnMode: 'server_vad', turnDetection: {}, turns: [...twoTurns, { clip: makeClip('c'), thinkTimeMs: 0, bargeInAfterAudioMs: null }] });
    const s = setup(plan, {}, { signal: { stopNewTurns } });
    await advanceUntil(s.clock, () => s.events.some((e) => e.kind === 'known' && e.type === 'response.created'));
    stop();
    const result = await runUntilSettled(s.clock, s.promise);
    expect(s.turns.map((t) => [t.clipId, t.status])).toEqual([['a', 'completed']]);
    expect(result.outcome).toBe('stopped');
    expect(s.transports[0]!.clientClose).toEqual({ code: 1000, reason: 'OK' });
  });

  it('stopNewTurns during think time withdraws the scheduled turn', async () => {
    let stop!: () => void;
    const stopNewTurns = new Promise<void>((r) => (stop = r));
    const plan = makePlan({ turnMode: 'server_vad', turnDetection: {}, turns: twoTurns });
    const s = setup(plan, {}, { signal: { stopNewTurns } });
    await advanceUntil(s.clock, () => s.turns.length === 1);
    stop();
    const result = await runUntilSettled(s.clock, s.promise);
    expect(s.turns).toHaveLength(1);
    expect(result.outcome).toBe('stopped');
  });
});
