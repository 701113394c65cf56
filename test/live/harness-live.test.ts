/**
 * End to end: a scenario mixing gpt-realtime-2 (effort low) and GPT-Live sessions (`live: {model}`)
 * against the embedded mock, through `runScenario`, with the fast profile and every Live turn
 * delegated (`live.delegationProbability: 1`). Proves:
 *
 * - both arms ran over the same scenario, labelled `low` and `live:gpt-live-1` (never an effort);
 * - every Live turn completed: the delegation was answered by the client (`toolCalls` 1), its
 *   acknowledgement came, and the turn ended after the spoken result;
 * - Live TTFA is measured at audio onset on the continuous stream and agrees with the mock's own
 *   trace: the delta holding the onset was received no earlier than the mock wrote the frame holding
 *   the answer's first sample, and at most 400 ms later (tolerance: the onset may lie up to two
 *   100 ms frames after the first sample — the synthesizer's lead-in is ≤ 150 ms — plus scheduling
 *   on a shared 2-core machine);
 * - the summary compares the arms on `ttfa_onset_ms`, and the run's cost prices the Live sessions
 *   per active minute from the usage they reported (not estimated) beside per-token realtime cost;
 * - the Live conformance rules found nothing.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult, TurnResult } from '../../harness/contract.ts';
import { computeRunCost } from '../../harness/cost/run-cost.ts';
import { loadPriceCard } from '../../harness/cost/price-card.ts';
import type { TurnMetrics } from '../../harness/metrics/turn-metrics.ts';
import { runScenario, type RunResult } from '../../harness/runner/run-scenario.ts';
import { e2eDir, type E2eDir } from '../e2e/e2e-helpers.ts';

type Turn = TurnResult & { metrics: TurnMetrics };
type Trace = { session_id: string; response_id: string; turn_index: number; effort: string | null; first_audio_sent_us: number | null };

describe('GPT-Live beside gpt-realtime-2 in one run', () => {
  let e: E2eDir;
  let result: RunResult;
  let turns: Turn[];
  let sessions: SessionResult[];
  let trace: Trace[];

  beforeAll(async () => {
    e = e2eDir();
    writeFileSync(path.join(e.dir, 'live-fast.json'), JSON.stringify({ ...e.profile, name: 'live-fast', live: { ...e.profile.live, delegationProbability: 1 } }));
    const scenario = await e.scenario('mixed', {
      model: 'gpt-realtime-2',
      live: { model: 'gpt-live-1' },
      efforts: ['low'],
      sessions: 4,
      turns_per_session: 2,
      think_time_ms: 200,
      turn_detection: { type: 'server_vad', silence_duration_ms: 300 },
      clips: ['en-weather-paris', 'en-flight-status'],
      mock: { latency_profile: './live-fast.json' },
    });
    result = await runScenario(scenario);
    turns = e.jsonl<Turn>(result.files.turns);
    sessions = e.jsonl<SessionResult>(result.files.sessions);
    trace = e.jsonl<Trace>(result.files.mockTrace!);
  }, 120_000);
  afterAll(() => e.cleanup());

  it('ran both arms, Live labelled by model and never with an effort', () => {
    const s = result.summary!;
    expect(s.efforts).toEqual(['low', 'live:gpt-live-1']);
    const live = sessions.filter((x) => x.arm === 'live:gpt-live-1');
    expect(live).toHaveLength(2);
    for (const x of live) {
      expect(x.effort).toBeNull();
      expect(x.model).toBe('gpt-live-1');
      expect(x.sessionId).toMatch(/^live_/);
      expect(x.liveUsageSeconds).toBeGreaterThan(0);
    }
    expect(sessions.filter((x) => x.arm === undefined && x.effort === 'low')).toHaveLength(2);
  });

  it('completed every Live turn after answering its delegation, with TTFA at onset', () => {
    const live = turns.filter((t) => t.arm === 'live:gpt-live-1');
    expect(live).toHaveLength(4);
    for (const t of live) {
      expect(t.status, JSON.stringify(t.metrics)).toBe('completed');
      expect(t.toolCalls).toBe(1);
      expect(t.effort).toBeNull();
      expect(t.audioOnsetMs).not.toBeNull();
      expect(t.metrics.ttfaOnsetMs!).toBeGreaterThan(0);
      expect(t.metrics.ttfaOnsetMs!).toBeGreaterThanOrEqual(t.metrics.ttfaMs!);
      // The result is spoken after the acknowledgement: the turn runs well past its first audio.
      expect(t.metrics.turnMs!).toBeGreaterThan(t.metrics.ttfaOnsetMs! + 1000);
    }
  });

  it('agrees with the mock trace: onset delta received 0–400 ms after the frame with the first sample was written', () => {
    const live = turns.filter((t) => t.arm === 'live:gpt-live-1');
    for (const t of live) {
      const rec = trace.find((r) => r.session_id === t.sessionId && r.turn_index === t.turnIndex && r.response_id.startsWith('ack_'));
      expect(rec, `trace of ${t.sessionId} turn ${t.turnIndex}`).toBeDefined();
      expect(rec!.effort).toBeNull();
      const gapMs = (t.milestones.firstAudioUs! - rec!.first_audio_sent_us!) / 1000;
      expect(gapMs).toBeGreaterThanOrEqual(0);
      expect(gapMs).toBeLessThanOrEqual(400);
    }
  });

  it('compares the two APIs on onset TTFA and prices Live per active minute beside per-token realtime', () => {
    const s = result.summary!;
    expect(s.metrics.ttfa_onset_ms['low']!.count).toBeGreaterThan(0);
    expect(s.metrics.ttfa_onset_ms['live:gpt-live-1']!.count).toBe(4);
    const pair = s.comparisons?.['ttfa_onset_ms']?.find((c) => c.a === 'low' && c.b === 'live:gpt-live-1');
    expect(pair).toBeDefined();
    const cost = computeRunCost(turns, sessions, loadPriceCard());
    const liveGroup = cost.groups.find((g) => g.effort === 'live:gpt-live-1')!;
    const seconds = sessions.filter((x) => x.arm).reduce((a, x) => a + x.liveUsageSeconds!, 0);
    expect(liveGroup.estimatedMinuteSessions).toBe(0);
    expect(liveGroup.usd).toBeCloseTo((seconds / 60) * 0.05, 9);
    expect(cost.groups.find((g) => g.effort === 'low')!.responses).toBeGreaterThan(0);
    expect(s.conformance.errors + s.conformance.warnings).toBe(0);
  });
});
