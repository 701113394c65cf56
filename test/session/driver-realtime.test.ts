import { describe, expect, it } from 'vitest';
import type { SessionPlan } from '../../harness/contract.ts';
import type { SessionDeps } from '../../harness/session/driver.ts';
import { makeClip, makePlan, type FakeServerOptions } from './fake-server.ts';
import { startScriptedSession } from './scripted-session.ts';

function setup(plan: SessionPlan, opts: FakeServerOptions = {}, deps: Partial<SessionDeps> = {}) {
  return startScriptedSession(plan, opts, deps, 1_000_000);
}

describe('runSession: realtime, manual turns', () => {
  it('connects, configures, streams the clip, commits, asks for a response and stamps every milestone', async () => {
    const plan = makePlan();
    const s = setup(plan);
    const result = await s.run();
    expect(result.outcome).toBe('completed');
    expect(result.connectMs).toBe(0);
    expect(result.configureMs).toBe(0);
    expect(result.turnsCompleted).toBe(1);
    expect(result.closeCode).toBe(1000);
    expect(s.transports[0]!.clientClose).toEqual({ code: 1000, reason: 'OK' });
    expect(s.transports[0]!.sentTypes()).toEqual(['session.update', 'input_audio_buffer.commit', 'response.create']);
    expect(s.transports[0]!.appendCount).toBe(7);
    const t = s.turns[0]!;
    expect(t.status).toBe('completed');
    expect(t.turnIndex).toBe(1);
    expect(t.responseId).toBe('resp_1');
    const m = t.milestones;
    // 7 frames of 20 ms from t0: frame 0 at t0, speech end (frame 4) at +80 ms, commit after frame 6 at +120 ms.
    expect(m.turnStartUs).toBe(1_000_000);
    expect(m.speechEndSentUs).toBe(1_080_000);
    expect(m.commitSentUs).toBe(1_120_000);
    expect(m.committedUs).toBe(1_120_000);
    expect(m.responseCreatedUs).toBe(1_130_000);
    expect(m.firstAudioUs).toBe(1_230_000);
    expect(m.firstTextUs).toBe(1_230_000);
    expect(m.responseDoneUs).toBe(1_280_000);
    expect(m.speechStoppedUs).toBeNull();
    expect(t.audioDeltas).toHaveLength(5);
    expect(t.audioDeltas[0]).toEqual({ receivedUs: 1_230_000, durationMs: 100 });
    expect(t.usage).toEqual({ total_tokens: 10, input_tokens: 4, output_tokens: 6 });
    expect(t.userSpeechMs).toBe(100);
  });

  it('builds a session.update from the plan (effort, voice, formats, null turn detection, tools, instructions)', async () => {
    const plan = makePlan({
      instructions: 'Be brief.',
      effort: 'high',
      tools: [{ name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, result: { t: 21 } }],
    });
    const s = setup(plan);
    await s.run();
    const update = s.transports[0]!.sentEvents()[0]!;
    expect(update).toMatchObject({
      type: 'session.update',
      event_id: 'rth_session_update_1',
      session: {
        type: 'realtime',
        output_modalities: ['audio'],
        instructions: 'Be brief.',
        reasoning: { effort: 'high' },
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
        },
        tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' } }],
      },
    });
  });

  it('runs several turns with think time between them and reports each as it finishes', async () => {
    const plan = makePlan({
      turns: [
        { clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
        { clip: makeClip('b'), thinkTimeMs: 500, bargeInAfterAudioMs: null },
      ],
    });
    const s = setup(plan);
    const result = await s.run();
    expect(result.turnsCompleted).toBe(2);
    expect(s.turns.map((t) => [t.turnIndex, t.clipId, t.status])).toEqual([
      [1, 'a', 'completed'],
      [2, 'b', 'completed'],
    ]);
    // Turn 2 starts think time after turn 1's response.done.
    expect(s.turns[1]!.milestones.turnStartUs! - s.turns[0]!.milestones.responseDoneUs!).toBe(500_000);
    expect(s.turns[1]!.responseId).toBe('resp_2');
  });

  it('answers a tool call with function_call_output and response.create, ending at the final response', async () => {
    const plan = makePlan({ tools: [{ name: 'get_weather', description: 'w', parameters: {}, result: { tempC: 21 } }] });
    const s = setup(plan, { responseKind: (n) => (n === 1 ? 'tool' : 'audio') });
    const result = await s.run();
    const t = s.turns[0]!;
    expect(t.status).toBe('completed');
    expect(t.toolCalls).toBe(1);
    expect(t.responseId).toBe('resp_2');
    expect(result.turnsCompleted).toBe(1);
    const sent = s.transports[0]!.sentEvents();
    expect(sent.map((e) => e.type)).toEqual([
      'session.update',
      'input_audio_buffer.commit',
      'response.create',
      'conversation.item.create',
      'response.create',
    ]);
    expect(sent[3]).toMatchObject({ item: { type: 'function_call_output', call_id: 'call_1', output: '{"tempC":21}' } });
    // Usage covers both responses.
    expect(t.usage).toEqual({ total_tokens: 20, input_tokens: 8, output_tokens: 12 });
    // First audio is the follow-up's; the turn ends at its response.done.
    expect(t.milestones.firstAudioUs).not.toBeNull();
    expect(t.milestones.responseDoneUs).toBeGreaterThan(t.milestones.firstAudioUs!);
  });

  it('times out a stalled turn with turn_timeout, cancels the response, and goes on with the next turn', async () => {
    const plan = makePlan({
      turnTimeoutMs: 2000,
      turns: [
        { clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
        { clip: makeClip('b'), thinkTimeMs: 100, bargeInAfterAudioMs: null },
      ],
    });
    const s = setup(plan, { responseKind: (n) => (n === 1 ? 'stall' : 'audio') });
    const result = await s.run();
    expect(s.turns.map((t) => [t.status, t.errorCode])).toEqual([
      ['timeout', 'turn_timeout'],
      ['completed', null],
    ]);
    expect(s.turns[0]!.milestones.responseCreatedUs).not.toBeNull();
    expect(s.transports[0]!.sentEvents()).toContainEqual(expect.objectContaining({ type: 'response.cancel', response_id: 'resp_1' }));
    expect(result.turnsFailed).toBe(1);
    expect(result.turnsCompleted).toBe(1);
    expect(result.recoveries).toEqual([
      { fault: 'turn_timeout', turnIndex: 1, recovered: true, recoveryMs: 0, turnsLost: 1, attempts: 0, detail: null },
    ]);
  });
});
