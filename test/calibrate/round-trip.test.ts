/**
 * Round trip: a run against the embedded mock with a known profile P, calibrated, gives P back.
 *
 * P (below) has efforts low and high measured, laterTurnFactor 0.8. The run: 10 sessions per effort,
 * 3 VAD turns each (30 turns per effort: 10 first turns, 20 later).
 *
 * Tolerance, computed, not picked (see `tolerance`):
 * - Sampling: the fitted median is the sample median of n log-normal draws (later turns divided by
 *   the fitted factor). The standard error of a sample median is 1/(2 f(m) √n); for a log-normal,
 *   f(m) = 1/(m σ √(2π)), so in log space SE = σ √(π/2) / √n. The factor's error moves the later
 *   turns' logs by SE_f = σ √(π/2) √(1/N₁ + 1/N_later), shifting the median by at most the later
 *   share of it. Allowed: 4 standard errors (a normal tail of 6e-5 per assertion).
 * - Timing: every measured delay differs from the one the mock drew by its timer lateness plus the
 *   harness's stamping error. Both are measured here per response (trace: drawn delay; turns: the
 *   harness's delay) and the largest difference is added: a median moves by at most the largest
 *   change of any one value.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateRun, type Calibration } from '../../harness/calibrate/calibrate.ts';
import { turnSamples } from '../../harness/calibrate/samples.ts';
import type { TurnResult } from '../../harness/contract.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { latencyForModel, loadLatencyProfile, parseLatencyProfile, type LatencyProfile } from '../../mock-server/latency-profile.ts';
import { e2eDir, type E2eDir } from '../e2e/e2e-helpers.ts';

const Z = 4;
const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);
const PER_EFFORT_SESSIONS = 10;
const TURNS = 3;

/** P: every effort set (the format wants them increasing); low and high are the ones the run measures. */
const P_JSON = {
  name: 'round-trip-P',
  responseCreatedMs: { medianMs: 30, p95Ms: 60 },
  firstAudio: {
    default: { medianMs: 120, p95Ms: 200 },
    efforts: {
      minimal: { medianMs: 100, p95Ms: 160 },
      low: { medianMs: 160, p95Ms: 260 },
      medium: { medianMs: 220, p95Ms: 380 },
      high: { medianMs: 320, p95Ms: 560 },
      xhigh: { medianMs: 420, p95Ms: 760 },
    },
  },
  laterTurnFactor: 0.8,
  audio: { deltaMs: 100, realtimeFactor: 8 },
};

const sigmaOf = (d: { medianMs: number; p95Ms: number }): number => Math.log(d.p95Ms / d.medianMs) / 1.6448536269514722;

describe('calibrate round trip against the embedded mock', () => {
  let e: E2eDir;
  let P: LatencyProfile;
  let cal: Calibration;
  let outDir: string;
  /** Largest |harness delay − drawn delay| over the matched responses, ms. */
  let maxTimingErrorMs = 0;
  let minDelayMs = Infinity;
  let calibratedFile: string;

  beforeAll(async () => {
    e = e2eDir();
    P = parseLatencyProfile(P_JSON, 'P.json');
    writeFileSync(path.join(e.dir, 'P.json'), JSON.stringify(P_JSON));
    const scenario = await e.scenario('roundtrip', {
      sessions: 2 * PER_EFFORT_SESSIONS,
      arrival: { type: 'ramp', ramp_up_s: 1 },
      turns_per_session: TURNS,
      think_time_ms: 100,
      turn_detection: { type: 'server_vad', silence_duration_ms: 300 },
      efforts: ['low', 'high'],
      clips: ['en-weather-paris', 'en-flight-status', 'en-cancel-order', 'uk-weather-kyiv', 'de-next-train'],
      mock: { latency_profile: './P.json' },
      seed: 5,
    });
    const result = await runScenario(scenario);
    outDir = result.outDir;
    calibratedFile = path.join(e.dir, 'calibrated.json');
    cal = await calibrateRun(outDir, { outFile: calibratedFile });
    writeFileSync(calibratedFile, JSON.stringify(cal.profileJson));
    const turns = e.jsonl<TurnResult>(path.join(outDir, 'turns.jsonl'));
    const drawn = new Map(e.jsonl<{ response_id: string; drawn_first_audio_delay_ms: number | null }>(result.files.mockTrace!).map((r) => [r.response_id, r.drawn_first_audio_delay_ms]));
    for (const s of turnSamples(turns).samples) {
      const d = s.responseId === null ? null : drawn.get(s.responseId);
      if (d === null || d === undefined) continue;
      maxTimingErrorMs = Math.max(maxTimingErrorMs, Math.abs(s.firstAudioMs - d));
      minDelayMs = Math.min(minDelayMs, s.firstAudioMs);
    }
  }, 120_000);

  afterAll(() => e?.cleanup());

  it('has the sample it was designed for', () => {
    const m = cal.models[0]!;
    const low = m.efforts.find((x) => x.effort === 'low')!;
    const high = m.efforts.find((x) => x.effort === 'high')!;
    expect(low.fit?.n).toBe(PER_EFFORT_SESSIONS * TURNS);
    expect(high.fit?.n).toBe(PER_EFFORT_SESSIONS * TURNS);
    expect(m.laterTurnFactor.source).toBe('fitted');
    expect(maxTimingErrorMs).toBeGreaterThan(0);
  });

  it('fits each measured effort median within the sampling + timing tolerance of P', () => {
    const m = cal.models[0]!;
    const nFirst = m.laterTurnFactor.nFirst;
    const nLater = m.laterTurnFactor.nLater;
    for (const effort of ['low', 'high'] as const) {
      const truth = P.firstAudio.efforts[effort];
      const sigma = sigmaOf(truth);
      const fit = m.efforts.find((x) => x.effort === effort)!;
      const n = fit.fit!.n;
      const laterShare = nLater / (nFirst + nLater);
      const seLog = sigma * SQRT_HALF_PI * Math.sqrt(1 / n + laterShare ** 2 * (1 / nFirst + 1 / nLater));
      // Later turns are divided by the factor (≥ 0.8 here, so an error grows by at most 1/0.8).
      const tolerance = truth.medianMs * (Math.exp(Z * seLog) - 1) + maxTimingErrorMs / P.laterTurnFactor;
      expect(Math.abs(fit.delay.medianMs - truth.medianMs), `${effort}: fitted ${fit.delay.medianMs} vs P ${truth.medianMs}, tolerance ${tolerance.toFixed(1)} ms`).toBeLessThanOrEqual(tolerance);
    }
  });

  it('fits the later-turn factor within its tolerance', () => {
    const l = cal.models[0]!.laterTurnFactor;
    const sigma = Math.max(sigmaOf(P.firstAudio.efforts.low), sigmaOf(P.firstAudio.efforts.high));
    const seLog = sigma * SQRT_HALF_PI * Math.sqrt(1 / l.nFirst + 1 / l.nLater);
    // Each median of logs moves by at most ln(1 + largest error / smallest delay); the factor is a difference of two.
    const timingLog = 2 * Math.log(1 + maxTimingErrorMs / minDelayMs);
    expect(Math.abs(Math.log(l.value / P.laterTurnFactor))).toBeLessThanOrEqual(Z * seLog + timingLog);
  });

  it('fits response.created within its tolerance', () => {
    const rc = cal.models[0]!.responseCreated!;
    const truth = P.responseCreatedMs;
    const seLog = sigmaOf(truth) * SQRT_HALF_PI / Math.sqrt(rc.n);
    expect(Math.abs(rc.medianMs - truth.medianMs)).toBeLessThanOrEqual(truth.medianMs * (Math.exp(Z * seLog) - 1) + maxTimingErrorMs);
  });

  it('writes a profile the mock loads, with provenance and fit quality, that the model view uses', async () => {
    const loaded = await loadLatencyProfile(calibratedFile);
    const view = latencyForModel(loaded, 'gpt-realtime-2');
    const m = cal.models[0]!;
    expect(view.firstAudio.efforts.low).toEqual(m.efforts.find((x) => x.effort === 'low')!.delay);
    expect(view.firstAudio.efforts.high).toEqual(m.efforts.find((x) => x.effort === 'high')!.delay);
    expect(view.laterTurnFactor).toBe(m.laterTurnFactor.value);
    const json = JSON.parse(readFileSync(calibratedFile, 'utf8')) as { $provenance: Record<string, unknown>; sources: string[] };
    expect(json.$provenance.run_dir).toBe(path.resolve(outDir));
    expect(json.$provenance.target).toBe('mock');
    expect(json.$provenance.samples_per_model_and_effort).toEqual({ 'gpt-realtime-2': { low: 30, high: 30 } });
    expect(Object.keys(json.$provenance.ks_distance as object)).toEqual(['gpt-realtime-2']);
    // Unmeasured efforts are filled in order around the measured ones.
    const med = (['minimal', 'low', 'medium', 'high', 'xhigh'] as const).map((x) => view.firstAudio.efforts[x].medianMs);
    for (let i = 1; i < med.length; i++) expect(med[i]!).toBeGreaterThan(med[i - 1]!);
  });
});
