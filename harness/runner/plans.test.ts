import { describe, expect, it } from 'vitest';
import type { PreparedClip } from '../contract.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import { resolveScenario } from '../scenario/resolve.ts';
import { buildSessionPlan, clipIdsNeeded, MAX_PLANNED_TURNS, plannedTurnCount, sessionEfforts } from './plans.ts';

function clip(id: string, durationMs: number): PreparedClip {
  return { id, transcript: id, language: 'en', format: { type: 'audio/pcm', rate: 24000 }, chunkMs: 20, frames: [], speechEndFrameIndex: 0, speechStartMs: 0, speechEndMs: 100, durationMs };
}

function scenario(fields: Record<string, unknown>): ResolvedScenario {
  return resolveScenario({ target: 'mock', ...fields }, { label: '<inline>', path: null, dir: '/', cwd: '/' });
}

const clips = new Map([
  ['a', clip('a', 3000)],
  ['b', clip('b', 2000)],
]);
const ctx = { url: 'ws://x/v1/realtime?model=m', headers: { Authorization: 'Bearer k' }, clips, corpusIds: ['a', 'b'] };

describe('session plans', () => {
  it('turnsPerSession wins; otherwise enough turns to fill the duration, capped', () => {
    expect(plannedTurnCount({ turnsPerSession: 3, durationS: 30, thinkTimeMs: { minMs: 0, maxMs: 0 } }, 2000)).toBe(3);
    expect(plannedTurnCount({ turnsPerSession: null, durationS: 30, thinkTimeMs: { minMs: 1000, maxMs: 2000 } }, 2000)).toBe(11);
    expect(plannedTurnCount({ turnsPerSession: null, durationS: 1e6, thinkTimeMs: { minMs: 0, maxMs: 0 } }, 2000)).toBe(MAX_PLANNED_TURNS);
  });

  it('builds the plan from the scenario: effort, clips cycling per session, seeded think times, barge-in', () => {
    const s = scenario({ sessions: 4, efforts: ['low', 'high'], turns_per_session: 3, clips: ['a', 'b'], think_time_ms: { min: 100, max: 900 }, barge_in: { after_audio_ms: 250 }, seed: 5 });
    const efforts = sessionEfforts(s);
    expect([...efforts].sort()).toEqual(['high', 'high', 'low', 'low']);
    const p1 = buildSessionPlan(s, 1, efforts, ctx);
    expect(p1.effort).toBe(efforts[1]);
    expect(p1.turns.map((t) => t.clip.id)).toEqual(['b', 'a', 'b']);
    expect(p1.turns.every((t) => t.thinkTimeMs >= 100 && t.thinkTimeMs <= 900 && t.bargeInAfterAudioMs === 250)).toBe(true);
    expect(buildSessionPlan(s, 1, efforts, ctx)).toEqual(p1);
    expect(buildSessionPlan(s, 2, efforts, ctx).turns.map((t) => t.thinkTimeMs)).not.toEqual(p1.turns.map((t) => t.thinkTimeMs));
    expect(p1.headers).toEqual(ctx.headers);
    expect(p1.turnDetection).toMatchObject({ type: 'server_vad', silence_duration_ms: 500 });
    expect(p1.turnTimeoutMs).toBe(30_000);
  });

  it("'none' sends no reasoning effort; manual turns have no turn detection", () => {
    const s = scenario({ model: 'gpt-realtime', efforts: ['none'], turn_detection: 'manual', turns_per_session: 1, clips: ['a'] });
    const p = buildSessionPlan(s, 0, sessionEfforts(s), ctx);
    expect(p.effort).toBeNull();
    expect(p.turnDetection).toBeNull();
    expect(p.turnMode).toBe('manual');
  });

  it('clip ids needed: a list, or the whole corpus for random picks', () => {
    expect(clipIdsNeeded(scenario({ clips: ['b', 'b', 'a'] }), ['a', 'b', 'c'])).toEqual(['b', 'a']);
    expect(clipIdsNeeded(scenario({}), ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });
});
