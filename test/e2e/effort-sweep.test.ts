/**
 * End to end: an effort sweep against the embedded mock yields per-effort TTFA distributions in the
 * right order and close to the mock's latency profile.
 *
 * Expected median TTFA of a server-VAD turn = silence_duration_ms + the profile's first-audio
 * median for the effort (the mock's delays run from the end of the turn as the server sees it,
 * i.e. after the VAD's silence wait; see mock-server/profiles/default-latency.json). One turn per
 * session, so the later-turn factor never applies.
 *
 * Two checks, so sampling noise and measurement error are judged apart:
 * - the median of the delays the mock drew (its trace) is within 4 standard errors of the profile
 *   median (8 log-normal draws, σ 0.25 … 0.39 in log space; standard error of a median ≈ 1.25σ/√n);
 * - the harness's TTFA, split at `speech_stopped` (the mock's VAD decision, from which its
 *   first-audio delay runs): the part after it has a median within 10 % of the profile median +
 *   80 ms of the median delay the mock actually took (its trace: first audio sent minus
 *   `delays_start_us`), and the part before it (`vad_delay`) is at least the silence wait less
 *   80 ms. The mock's own lateness (delay taken minus delay drawn: its timers fire late when the
 *   machine is busy) is the mock's, not the harness's, so the harness is compared with what the
 *   mock did; that the mock never answers before its drawn delay is checked on its own.
 * - 80 ms: the VAD decides on 20 ms append frames, the mock's energy VAD and the corpus's
 *   annotated end of speech differ by a few tens of ms, and a loaded 2-core machine adds
 *   scheduling delay to both processes.
 * - Why split: the part before the decision also holds however far behind the mock was in reading
 *   the audio stream. The embedded mock runs at a lower priority than the harness, and while the
 *   rest of the suite runs in parallel it fell behind by 60–110 ms more than the tolerance (one CI
 *   run: minimal 144 ms, medium 188 ms over silence + drawn delay). That is the mock's latency, which
 *   the harness measures correctly; it is not measurement error, so it is checked as a lower bound.
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
  /** Per turn: VAD decision (speech_stopped) → first audio, and speech end sent → VAD decision, ms. */
  let afterDecision: Record<string, number[]>;
  let vadDelay: Record<string, number[]>;
  /** TTFA of the same turns as {@link afterDecision}, in the same order. */
  let ttfaSplit: Record<string, number[]>;
  /** The first-audio delays the mock drew for each effort's responses (its trace). */
  let drawn: Record<string, number[]>;
  /** The first-audio delays the mock took, per effort (trace: first audio sent − delays start), ms. */
  let taken: Record<string, number[]>;
  /** Per response with audio: [drawn, taken] delay, ms. */
  const drawnVsTaken: [number, number][] = [];

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
    drawn = Object.fromEntries(EFFORTS.map((x) => [x, [] as number[]]));
    taken = Object.fromEntries(EFFORTS.map((x) => [x, [] as number[]]));
    afterDecision = Object.fromEntries(EFFORTS.map((x) => [x, [] as number[]]));
    vadDelay = Object.fromEntries(EFFORTS.map((x) => [x, [] as number[]]));
    ttfaSplit = Object.fromEntries(EFFORTS.map((x) => [x, [] as number[]]));
    const drawnById = new Map<string, number>();
    const takenById = new Map<string, number>();
    type TraceLine = { response_id: string; drawn_first_audio_delay_ms: number | null; delays_start_us: number; first_audio_sent_us: number | null };
    for (const r of e.jsonl<TraceLine>(result.files.mockTrace!)) {
      if (r.drawn_first_audio_delay_ms !== null) drawnById.set(r.response_id, r.drawn_first_audio_delay_ms);
      if (r.first_audio_sent_us !== null) takenById.set(r.response_id, (r.first_audio_sent_us - r.delays_start_us) / 1000);
      if (r.drawn_first_audio_delay_ms !== null && r.first_audio_sent_us !== null) drawnVsTaken.push([r.drawn_first_audio_delay_ms, (r.first_audio_sent_us - r.delays_start_us) / 1000]);
    }
    for (const t of e.jsonl<TurnResult & { metrics: { ttfaMs: number | null; vadDelayMs: number | null } }>(result.files.turns)) {
      if (t.status !== 'completed' || t.metrics.ttfaMs === null) continue;
      ttfa[t.effort!]!.push(t.metrics.ttfaMs);
      const { speechStoppedUs, firstAudioUs } = t.milestones;
      if (speechStoppedUs !== null && firstAudioUs !== null && t.metrics.vadDelayMs !== null) {
        afterDecision[t.effort!]!.push((firstAudioUs - speechStoppedUs) / 1000);
        vadDelay[t.effort!]!.push(t.metrics.vadDelayMs);
        ttfaSplit[t.effort!]!.push(t.metrics.ttfaMs);
      }
      const d = t.responseId === null ? undefined : drawnById.get(t.responseId);
      if (d !== undefined) drawn[t.effort!]!.push(d);
      const k = t.responseId === null ? undefined : takenById.get(t.responseId);
      if (k !== undefined) taken[t.effort!]!.push(k);
    }
  });
  afterAll(() => e.cleanup());

  it('assigns efforts interleaved, the same number of sessions each', () => {
    const s = result.summary!;
    for (const x of EFFORTS) expect(s.metrics.ttfa_ms[x]!.count).toBeGreaterThanOrEqual(PER_EFFORT - 1);
    expect(s.turns.completed).toBeGreaterThanOrEqual(EFFORTS.length * PER_EFFORT - 2);
  });

  // Sampling and measurement apart again: the profile orders the efforts; 8 draws per effort can
  // still come out misordered (adjacent efforts here are 0.49 apart in log space, about 2.2 standard
  // errors of a difference of medians, so ~1.5 % of runs per pair: seen in a fresh-clone run), and
  // the mock's seeded draws follow the order sessions connect in, which the machine decides. So
  // the harness's medians are checked against the order of the delays the mock actually took
  // (its trace), wherever those differ by more than twice the 80 ms measurement tolerance.
  it('orders the TTFA medians by effort', () => {
    const profileMedians = EFFORTS.map((x) => e.profile.firstAudio.efforts[x].medianMs);
    expect(profileMedians[0]).toBeLessThan(profileMedians[1]!);
    expect(profileMedians[1]).toBeLessThan(profileMedians[2]!);
    const m = EFFORTS.map((x) => median(ttfa[x]!));
    const d = EFFORTS.map((x) => median(taken[x]!));
    for (let i = 0; i < EFFORTS.length; i++) {
      for (let j = i + 1; j < EFFORTS.length; j++) {
        if (Math.abs(d[j]! - d[i]!) <= 160) continue;
        expect(Math.sign(m[j]! - m[i]!), `${EFFORTS[i]} vs ${EFFORTS[j]}: mock took ${d[i]} / ${d[j]} ms, TTFA ${m[i]} / ${m[j]} ms`).toBe(Math.sign(d[j]! - d[i]!));
      }
    }
    // The summary's HDR percentiles agree with the raw turns (within HDR's 0.1 % precision and the middle-pair mean).
    for (const x of EFFORTS) {
      const sorted = [...ttfa[x]!].sort((a, b) => a - b);
      const p50 = result.summary!.metrics.ttfa_ms[x]!.p50!;
      expect(p50).toBeGreaterThanOrEqual(sorted[0]!);
      expect(p50).toBeLessThanOrEqual(sorted.at(-1)! * 1.001);
    }
  });

  it('the mock never sends first audio before its drawn delay', () => {
    expect(drawnVsTaken.length).toBeGreaterThanOrEqual(EFFORTS.length * PER_EFFORT - 2);
    // No slack: the mock's clock never fires a timer before its delay has passed by the same
    // monotonic clock the trace stamps use (common/clock.ts createMonotonicClock re-checks and waits
    // out the rest; Node's own timers fire up to ~2 ms early), the first-audio delay is chained from
    // `delays_start_us`, and the stamp is taken after the write. 1e-6 ms only absorbs float rounding
    // of µs stamps (~1e11 µs since boot) turned into ms differences.
    for (const [d, k] of drawnVsTaken) expect(k).toBeGreaterThanOrEqual(d - 1e-6);
  });

  it.each(EFFORTS)('%s: median TTFA ≈ silence_duration_ms + the profile median', (x) => {
    const profileMedianMs = e.profile.firstAudio.efforts[x].medianMs;
    expect(profileMedianMs).toBeCloseTo(
      { minimal: 1120, medium: 1825, xhigh: 2975 }[x] * FAST_SCALE,
      6,
    );
    // The draws scatter around the profile: their median stays within 4 standard errors of it
    // (two-sided, a false alarm in ~6 of 100,000 runs per effort; 3 standard errors would be 0.27 %).
    const sigma = Math.log(e.profile.firstAudio.efforts[x].p95Ms / profileMedianMs) / 1.645;
    const drawnMedian = median(drawn[x]!);
    expect(drawn[x]!.length).toBeGreaterThanOrEqual(PER_EFFORT - 1);
    expect(Math.abs(Math.log(drawnMedian / profileMedianMs))).toBeLessThanOrEqual((4 * 1.25 * sigma) / Math.sqrt(drawn[x]!.length));
    // The harness measures what the mock did: from its VAD decision, the delay the mock took; before
    // it, at least the silence wait (plus however far behind the mock was in reading the audio).
    expect(afterDecision[x]!.length).toBeGreaterThanOrEqual(PER_EFFORT - 1);
    expect(taken[x]!.length).toBeGreaterThanOrEqual(PER_EFFORT - 1);
    expect(Math.abs(median(afterDecision[x]!) - median(taken[x]!))).toBeLessThanOrEqual(0.1 * profileMedianMs + 80);
    expect(median(vadDelay[x]!)).toBeGreaterThanOrEqual(SILENCE_MS - 80);
    // TTFA is exactly the two parts (the same stamps), so the whole is covered.
    for (let i = 0; i < vadDelay[x]!.length; i++) expect(vadDelay[x]![i]! + afterDecision[x]![i]!).toBeCloseTo(ttfaSplit[x]![i]!, 3);
  });
});
