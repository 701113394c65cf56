/**
 * End to end against the embedded mock: a run with each gpt-realtime-2.1 model, at two efforts,
 * completes every turn and records the model it ran.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TurnResult } from '../../harness/contract.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { e2eDir, type E2eDir } from './e2e-helpers.ts';

const dirs: E2eDir[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

describe('runs with the gpt-realtime-2.1 models', () => {
  it('gpt-realtime-2.1 and gpt-realtime-2.1-mini: every turn completes at each effort', async () => {
    // Side by side: each run spends most of its time sending clip audio at real-time pace, so the two
    // together take about the wall time of one.
    await Promise.all(
      ['gpt-realtime-2.1', 'gpt-realtime-2.1-mini'].map(async (model) => {
        const e = e2eDir();
        dirs.push(e);
        const fields = { model, sessions: 2, turns_per_session: 1, think_time_ms: 100, turn_detection: 'manual', efforts: ['minimal', 'high'] };
        const scenario = await e.scenario(model.replace(/\W/g, '-'), fields);
        expect(scenario.model).toBe(model);
        const result = await runScenario(scenario);
        const turns = e.jsonl<TurnResult>(result.files.turns);
        expect(turns.map((t) => t.status), model).toEqual(['completed', 'completed']);
        expect(result.summary!.model).toBe(model);
        expect(result.summary!.metrics.ttfa_ms.minimal!.count, model).toBe(1);
        expect(result.summary!.metrics.ttfa_ms.high!.count, model).toBe(1);
        expect(result.summary!.conformance.errors, model).toBe(0);
      }),
    );
  });
});
