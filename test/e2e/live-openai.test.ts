/**
 * Opt-in: one short run against the real Realtime API. Skipped unless OPENAI_API_KEY is set (it
 * costs a few cents: one session, one manual turn, `minimal` effort).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TurnResult } from '../../harness/contract.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { e2eDir, type E2eDir } from './e2e-helpers.ts';

describe.skipIf(!process.env.OPENAI_API_KEY)('live: rth run --target openai', () => {
  let e: E2eDir | null = null;
  afterAll(() => e?.cleanup());

  it('completes a manual turn with audio, and stamps TTFA', async () => {
    e = e2eDir();
    const scenario = await e.scenario('live', {
      target: 'openai',
      model: 'gpt-realtime-2',
      sessions: 1,
      turns_per_session: 1,
      think_time_ms: 0,
      turn_detection: 'manual',
      efforts: ['minimal'],
      clips: ['en-weather-paris'],
      timeouts: { connect_ms: 20_000, turn_ms: 60_000, drain_ms: 10_000 },
    });
    const result = await runScenario(scenario, { env: process.env });
    const turns = e.jsonl<TurnResult & { metrics: { ttfaMs: number | null } }>(result.files.turns);
    expect(turns).toHaveLength(1);
    expect(turns[0]!.status).toBe('completed');
    expect(turns[0]!.metrics.ttfaMs).toBeGreaterThan(0);
    expect(result.summary!.target).toBe('openai');
    expect(result.summary!.measurement_error_ms).toBeNull();
  }, 120_000);
});
