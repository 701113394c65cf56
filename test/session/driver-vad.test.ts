import { describe, expect, it } from 'vitest';
import type { SessionPlan } from '../../harness/contract.ts';
import type { SessionDeps } from '../../harness/session/driver.ts';
import { makeClip, makePlan, type FakeServerOptions } from './fake-server.ts';
import { startScriptedSession } from './scripted-session.ts';

function setup(plan: SessionPlan, opts: FakeServerOptions = {}, deps: Partial<SessionDeps> = {}) {
  return startScriptedSession(plan, opts, deps);
}

const vad = { turnMode: 'server_vad' as const, turnDetection: { silence_duration_ms: 500 } };

describe('runSession: server VAD turns', () => {
  it('streams continuously (silence during think time and while waiting) and stamps VAD milestones', async () => {
    const plan = makePlan({
      ...vad,
      turns: [
        { clip: makeClip('a'), thinkTimeMs: 200, bargeInAfterAudioMs: null },
        { clip: makeClip('b'), thinkTimeMs: 300, bargeInAfterAudioMs: null },
      ],
    });
    const s = setup(plan);
    const result = await s.run();
    expect(result.outcome).toBe('completed');
    const tr = s.transports[0]!;
    // Only session.update besides appends: the server commits and creates responses.
    expect(tr.sentTypes()).toEqual(['session.update']);
    expect(tr.sentEvents()[0]).toMatchObject({ session: { audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: 500 } } } } });
    const [a, b] = s.turns;
    // Think time of 200 ms is streamed as silence: the clip starts at slot 10 (200 ms).
    expect(a!.milestones.turnStartUs).toBe(200_000);
    expect(a!.milestones.speechEndSentUs).toBe(280_000);
    // Fake VAD: 2 silence frames after speech → stopped + committed at the second one (+40 ms).
    expect(a!.milestones.speechStoppedUs).toBe(320_000);
    expect(a!.milestones.committedUs).toBe(320_000);
    expect(a!.milestones.commitSentUs).toBeNull();
    expect(a!.milestones.responseCreatedUs).toBe(330_000);
    expect(a!.milestones.firstAudioUs).toBe(430_000);
    expect(a!.status).toBe('completed');
    expect(b!.status).toBe('completed');
    // Between turns the microphone kept streaming: appends cover the whole connected time.
    const connectedFrames = Math.floor(result.connectedMs / 20);
    expect(tr.appendCount).toBeGreaterThanOrEqual(connectedFrames - 1);
    expect(b!.milestones.turnStartUs! - a!.milestones.responseDoneUs!).toBeGreaterThanOrEqual(300_000);
  });

  it('barges in after the planned audio: speaks the next clip, truncates at the played ms, turn ends cancelled', async () => {
    // Long answer (20 deltas of 100 ms every 10 ms... generation still running at 150 ms played).
    const plan = makePlan({
      ...vad,
      turns: [
        { clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: 150 },
        { clip: makeClip('b'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
      ],
    });
    const s = setup(plan, { deltas: 20, deltaEveryMs: 100 });
    await s.run();
    const [a, b] = s.turns;
    expect(a!.bargedIn).toBe(true);
    expect(a!.status).toBe('cancelled');
    expect(a!.errorCode).toBe('turn_detected');
    const truncate = s.transports[0]!.sentEvents().find((e) => e.type === 'conversation.item.truncate');
    expect(truncate).toMatchObject({ item_id: 'item_a1', content_index: 0 });
    // Played 150 ms at barge-in; the next clip starts on the next 20 ms slot.
    expect(truncate!.audio_end_ms).toBe(150);
    expect(b!.milestones.turnStartUs! - a!.milestones.firstAudioUs!).toBeGreaterThanOrEqual(150_000);
    expect(b!.milestones.turnStartUs! - a!.milestones.firstAudioUs!).toBeLessThan(170_000);
    expect(b!.status).toBe('completed');
    expect(b!.bargedIn).toBe(false);
  });

  it('barge-in after generation finished: the turn completes, truncate still sent, audio_end_ms ≤ received', async () => {
    const plan = makePlan({
      ...vad,
      turns: [
        { clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: 300 },
        { clip: makeClip('b'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
      ],
    });
    // 5 × 100 ms of audio generated in 50 ms: done long before 300 ms are played.
    const s = setup(plan);
    await s.run();
    const a = s.turns[0]!;
    expect(a.status).toBe('completed');
    expect(a.bargedIn).toBe(true);
    const truncate = s.transports[0]!.sentEvents().find((e) => e.type === 'conversation.item.truncate');
    expect(truncate!.audio_end_ms).toBe(300);
    expect(s.turns[1]!.status).toBe('completed');
  });

  it('no barge-in when the answer is shorter than the threshold', async () => {
    const plan = makePlan({
      ...vad,
      turns: [
        { clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: 5000 },
        { clip: makeClip('b'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
      ],
    });
    const s = setup(plan);
    await s.run();
    expect(s.turns[0]!.bargedIn).toBe(false);
    expect(s.transports[0]!.sentTypes()).not.toContain('conversation.item.truncate');
  });

  it('manual barge-in sends response.cancel itself', async () => {
    const plan = makePlan({
      turns: [
        { clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: 150 },
        { clip: makeClip('b'), thinkTimeMs: 0, bargeInAfterAudioMs: null },
      ],
    });
    const s = setup(plan, { deltas: 20, deltaEveryMs: 100 });
    await s.run();
    const types = s.transports[0]!.sentTypes();
    expect(types.slice(0, 5)).toEqual(['session.update', 'input_audio_buffer.commit', 'response.create', 'conversation.item.truncate', 'response.cancel']);
    expect(s.turns[0]!.status).toBe('cancelled');
    expect(s.turns[0]!.errorCode).toBe('client_cancelled');
    expect(s.turns[1]!.status).toBe('completed');
  });
});
