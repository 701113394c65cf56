/**
 * End to end: an effort sweep against the embedded mock yields per-effort TTFA distributions in the
 * right order and close to the mock's latency profile.
 *
 * Expected median TTFA of a server-VAD turn = silence_duration_ms + the profile's first-audio
 * median for the effort (the mock's delays run from the end of the turn as the server sees it,
 * i.e. after the VAD's silence wait; see mock-server/profiles/default-latency.json). One turn per
 * session, so the later-turn factor never applies.
 *
 * Tolerance: |measured median − expected| ≤ 30 % of the effort's profile median + 80 ms.
 * - 30 %: the medians come from 8 log-normal draws per effort whose σ is 0.25 (minimal) … 0.39
 *   (xhigh) in log space; the standard error of a median of 8 is ≈ 1.25σ/√8 ≤ 0.17, so ±30 % is
 *   about 2 standard errors at the widest effort (the draws are seeded, so a given seed either
 *   passes or fails every time; the bound is what any seed should meet).
 * - 80 ms: the VAD decides on 20 ms append frames, the mock's energy VAD and the corpus's
 *   annotated end of speech differ by a few tens of ms, and a loaded 2-core machine adds
 *   scheduling delay to both processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnResult } from '../../harness/contract.ts';
import { runScenario, type RunResult } from '../../harness/runner/run-scenario.ts';
import { e2eDir, FAST_SCALE, median, type E2eDir } from './e2e-helpers.ts';

const EFFORTS = ['minimal', 'medium', 'xhigh'] as const;
const SILENCE_MS = 500;
const PER_EFFORT = 8;

describe('effort sweep against the embedded mock', () => {
  let e: E2eDir;
  let result: RunResult;
  let ttfa: Record<string, number[]>;

  beforeAll(async () => {
    e = e2eDir();
    const scenario = await e.scenario('sweep', {
      sessions: EFFORTS.length * PER_EFFORT,
      arrival: { type: 'ramp', ramp_up_s: 1 },
      turns_per_session: 1,
      think_time_ms: 100,
      turn_detection: { type: 'server_vad', silence_duration_ms: SILENCE_MS },
      efforts: [...EFFORTS],
      // Clips without internal pauses (a comma pause can end a VAD turn early).
      clips: ['en-weather-paris', 'en-flight-status', 'en-cancel-order', 'uk-weather-kyiv', 'de-next-train'],
      seed: 11,
    });
    result = await runScenario(scenario);
    ttfa = Object.fromEntries(EFFORTS.map((x) => [x, [] as number[]]));
    for (const t of e.jsonl<TurnResult & { metrics: { ttfaMs: number | null } }>(result.files.turns)) {
      if (t.status === 'completed' && t.metrics.ttfaMs !== null) ttfa[t.effort!]!.push(t.metrics.ttfaMs);
    }
  });
  afterAll(() => e.cleanup());

  it('assigns efforts interleaved, the same number of sessions each', () => {
    const s = result.summary!;
    for (const x of EFFORTS) expect(s.metrics.ttfa_ms[x]!.count).toBeGreaterThanOrEqual(PER_EFFORT - 1);
    expect(s.turns.completed).toBeGreaterThanOrEqual(EFFORTS.length * PER_EFFORT - 2);
  });

  it('orders the TTFA medians by effort', () => {
    const m = EFFORTS.map((x) => median(ttfa[x]!));
    expect(m[0]).toBeLessThan(m[1]!);
    expect(m[1]).toBeLessThan(m[2]!);
    // The summary's HDR percentiles agree with the raw turns (within HDR's 0.1 % precision and the middle-pair mean).
    for (const x of EFFORTS) {
      const sorted = [...ttfa[x]!].sort((a, b) => a - b);
      const p50 = result.summary!.metrics.ttfa_ms[x]!.p50!;
      expect(p50).toBeGreaterThanOrEqual(sorted[0]!);
      expect(p50).toBeLessThanOrEqual(sorted.at(-1)! * 1.001);
    }
  });

  it.each(EFFORTS)('%s: median TTFA ≈ silence_duration_ms + the profile median', (x) => {
    const profileMedianMs = e.profile.firstAudio.efforts[x].medianMs;
    expect(profileMedianMs).toBeCloseTo(
      { minimal: 1120, medium: 1825, xhigh: 2975 }[x] * FAST_SCALE,
      6,
    );
    const expected = SILENCE_MS + profileMedianMs;
    const measured = median(ttfa[x]!);
    expect(Math.abs(measured - expected)).toBeLessThanOrEqual(0.3 * profileMedianMs + 80);
  });
});
