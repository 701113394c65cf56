import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { buildSessionPlan, sessionEfforts } from '../runner/plans.ts';
import { liveSessionUrl, sessionUrl } from '../runner/target.ts';
import { armLabels } from './arms.ts';
import { resolveScenario } from './resolve.ts';
import type { PreparedClip } from '../contract.ts';

const source = { label: 'live.yaml', path: null, dir: os.tmpdir() };

function problemsOf(raw: Record<string, unknown>): readonly string[] {
  try {
    resolveScenario(raw, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const clip: PreparedClip = { id: 'c1', transcript: 'x', language: 'en', durationMs: 1000, speechStartMs: 100, speechEndMs: 900, frames: ['{}'], speechEndFrameIndex: 0 } as unknown as PreparedClip;
const ctx = { url: 'ws://127.0.0.1:9/v1/realtime?model=gpt-realtime-2', headers: {}, clips: new Map([['c1', clip]]), corpusIds: ['c1'] };

describe('scenario kind live and the live arm', () => {
  it('kind live: gpt-live-1 by default, no effort, one arm labelled by model', () => {
    const s = resolveScenario({ kind: 'live', sessions: 2 }, source);
    expect(s).toMatchObject({ kind: 'live', model: 'gpt-live-1', efforts: ['none'], live: null });
    expect(armLabels(s)).toEqual(['live:gpt-live-1']);
    const plan = buildSessionPlan(s, 0, sessionEfforts(s), { ...ctx, url: sessionUrl('ws://127.0.0.1:9', 'live', s.model, false) });
    expect(plan).toMatchObject({ kind: 'live', model: 'gpt-live-1', effort: null, url: 'ws://127.0.0.1:9/v1/live/sessions' });
  });

  it('a realtime scenario with live: {model} interleaves the Live arm with the efforts, seeded', () => {
    const s = resolveScenario({ model: 'gpt-realtime-2', efforts: ['low', 'high'], live: { model: 'gpt-live-1.1' }, sessions: 9, seed: 4 }, source);
    expect(armLabels(s)).toEqual(['low', 'high', 'live:gpt-live-1.1']);
    const arms = sessionEfforts(s);
    expect(arms).toEqual(sessionEfforts(s));
    for (let b = 0; b < 9; b += 3) expect(new Set(arms.slice(b, b + 3))).toEqual(new Set(['low', 'high', 'live']));
    const plans = arms.map((_, i) => buildSessionPlan(s, i, arms, ctx));
    const live = plans.filter((p) => p.kind === 'live');
    expect(live).toHaveLength(3);
    for (const p of live) expect(p).toMatchObject({ model: 'gpt-live-1.1', effort: null, url: 'ws://127.0.0.1:9/v1/live/sessions' });
    const rt = plans.filter((p) => p.kind === 'realtime');
    expect(rt.map((p) => p.effort).sort()).toEqual(['high', 'high', 'high', 'low', 'low', 'low']);
    for (const p of rt) expect(p.url).toBe(ctx.url);
    // The same clips for both APIs: a session's clips depend on its index only.
    expect(plans[0]!.turns.map((t) => t.clip.id)).toEqual(plans[1]!.turns.map((t) => t.clip.id));
  });

  it('refuses an effort on kind live, a non-Live model, a Live model on realtime, live on other kinds, and VAD settings on live', () => {
    expect(problemsOf({ kind: 'live', efforts: ['low'] })[0]).toMatch(/^live\.yaml: efforts\[0\]: expected no efforts for kind live: the GPT-Live voice model has no reasoning effort, got 'low'$/);
    expect(problemsOf({ kind: 'live', model: 'gpt-realtime-2' })[0]).toMatch(/^live\.yaml: model: expected a GPT-Live model \(gpt-live-1, gpt-live-1\.1\) for kind live, got 'gpt-realtime-2'$/);
    expect(problemsOf({ model: 'gpt-live-1' })[0]).toMatch(/^live\.yaml: model: 'gpt-live-1' is a GPT-Live model: use kind live/);
    expect(problemsOf({ kind: 'translation', live: { model: 'gpt-live-1' } })[0]).toMatch(/^live\.yaml: live: applies to kind realtime only/);
    expect(problemsOf({ live: { model: 'gpt-realtime-2' } })[0]).toMatch(/^live\.yaml: live\.model: expected a GPT-Live model/);
    expect(problemsOf({ kind: 'live', turn_detection: { type: 'server_vad' } })[0]).toMatch(/^live\.yaml: turn_detection: does not apply to kind live/);
    expect(problemsOf({ live: { model: 'gpt-live-1', voice: 'x' } })[0]).toMatch(/live\.voice/);
  });

  it('builds the Live URL beside a realtime one: same server, /v1/live/sessions, no model query', () => {
    expect(liveSessionUrl('ws://127.0.0.1:9/v1/realtime?model=gpt-realtime-2')).toBe('ws://127.0.0.1:9/v1/live/sessions');
    expect(liveSessionUrl('wss://api.openai.com/v1/realtime?model=gpt-realtime-2')).toBe('wss://api.openai.com/v1/live/sessions');
    expect(liveSessionUrl('wss://x.example/openai/v1/realtime/translations?model=m&api-version=1')).toBe('wss://x.example/openai/v1/live/sessions?api-version=1');
    expect(liveSessionUrl('ws://127.0.0.1:9/')).toBe('ws://127.0.0.1:9/v1/live/sessions');
    expect(sessionUrl('wss://api.openai.com', 'live', 'gpt-live-1', false)).toBe('wss://api.openai.com/v1/live/sessions');
  });
});
