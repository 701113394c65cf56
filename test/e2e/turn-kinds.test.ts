/**
 * End to end against the embedded mock: manual turns with a tool round trip, and barge-in on
 * server-VAD turns (the harness speaks over the answer and truncates it, §3.8).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TurnResult } from '../../harness/contract.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { e2eDir, type E2eDir } from './e2e-helpers.ts';

const dirs: E2eDir[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

describe('turn kinds against the embedded mock', () => {
  it('manual turns with tools: commit, function call answered, final answer', async () => {
    const e = e2eDir();
    dirs.push(e);
    const scenario = await e.scenario('tools', {
      sessions: 2,
      turns_per_session: 1,
      think_time_ms: 100,
      turn_detection: 'manual',
      efforts: ['low'],
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, result: { city: 'Kyiv', temperature_c: 21 } }],
    });
    const result = await runScenario(scenario);
    const turns = e.jsonl<TurnResult>(result.files.turns);
    expect(turns).toHaveLength(2);
    for (const t of turns) {
      expect(t.status).toBe('completed');
      expect(t.mode).toBe('manual');
      expect(t.milestones.commitSentUs).not.toBeNull();
      expect(t.milestones.speechStoppedUs).toBeNull();
      expect(t.toolCalls).toBeGreaterThanOrEqual(1);
      expect(t.milestones.firstAudioUs).toBeGreaterThan(t.milestones.commitSentUs!);
    }
    expect(result.summary!.turns.tool_calls).toBeGreaterThanOrEqual(2);
    expect(result.summary!.metrics.ttfa_ms.low!.count).toBe(2);
    expect(result.summary!.conformance.errors).toBe(0);
  });

  it('barge-in: the next turn starts over the answer and the interrupted turn counts as completed', async () => {
    // Audio in real time, so the answer is still streaming when the user barges in.
    const e = e2eDir(1);
    dirs.push(e);
    const scenario = await e.scenario('barge', {
      sessions: 2,
      turns_per_session: 2,
      think_time_ms: 100,
      turn_detection: { type: 'server_vad', interrupt_response: true },
      efforts: ['minimal'],
      barge_in: { after_audio_ms: 300 },
      clips: ['en-weather-paris', 'en-cancel-order', 'uk-weather-kyiv'],
    });
    const result = await runScenario(scenario);
    const turns = e.jsonl<TurnResult>(result.files.turns);
    const barged = turns.filter((t) => t.bargedIn);
    // Every turn but each session's last has a successor to barge in with.
    expect(barged.length).toBe(2);
    for (const t of barged) {
      expect(t.turnIndex).toBe(1);
      expect(['completed', 'cancelled']).toContain(t.status);
      expect(t.milestones.firstAudioUs).not.toBeNull();
    }
    expect(result.summary!.turns.barge_ins).toBe(2);
    expect(result.summary!.turns.completed).toBe(turns.length);
  });
});
