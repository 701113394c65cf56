/**
 * End to end: TTFA to audio onset against the embedded mock told to lead every response with
 * X = 300 ms of digital silence (latency profile `leadingSilenceMs`).
 *
 * What "onset" means (docs/measurement.md, "TTFA to audio onset"): a listener's 1× player starts
 * at the first audio delta, so it plays the first voiced window when it reaches that window's
 * position in the audio — `first_audio + offset` — and never before the delta holding it arrived.
 * Over WebSocket the mock streams audio faster than real time (the fast profile: 4 / 0.3 ≈ 13×), so
 * the *receive-time* gap between the first delta and the one holding the onset is a few tens of
 * ms at most, while the *audio-time* offset is X plus the answer's own lead-in. The test proves:
 *
 * - audio-time, exact: the onset the harness found in the streamed base64 deltas sits at X + the
 *   onset of the answer's speech alone (the same detector on the synthesized answer, which the
 *   test computes for every answer the mock can give; 40 … 120 ms, the synthesizer's short
 *   lead-in and weak first consonants). X = 300 ms is a whole number of 10 ms windows and the
 *   silence is digital, so the windows after it are the answer's windows: equality is exact, no
 *   tolerance. With X = 0 the onset is that lead-in alone.
 * - listener time: `ttfa_onset − ttfa` equals that audio offset exactly for every turn whose
 *   player did not run dry before the onset (the test checks that condition itself from the
 *   arrival stamps), and is never less for any turn. A turn where the machine stalled a delta past
 *   its play time is later by the stall — correct, so it is not held to equality; at least half
 *   the turns must be stall-free (a stall needs a ~90 ms hiccup of a 13×-faster stream).
 * - the receive-time gap is not the answer: its median is under X / 2 (the whole 300 ms of silence
 *   arrives in ~23 ms at 13×; only a scheduling stall of more than 125 ms on most turns could
 *   break this).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnsetDetector } from '../../common/audio/onset.ts';
import type { TurnResult } from '../../harness/contract.ts';
import { formatSummaryTable } from '../../harness/metrics/summary-table.ts';
import type { TurnMetrics } from '../../harness/metrics/turn-metrics.ts';
import { runScenario, type RunResult } from '../../harness/runner/run-scenario.ts';
import { ANSWER_TEXTS, COMMENTARY_TEXTS, TOOL_FOLLOWUP_TEXTS } from '../../mock-server/index.ts';
import { synthesizeSpeech } from '../../mock-server/speech-synth.ts';
import { e2eDir, median, type E2eDir } from './e2e-helpers.ts';

const LEAD_MS = 300;
type Turn = TurnResult & { metrics: TurnMetrics };
type TraceLine = { response_id: string; leading_silence_ms: number | null };

/** Onsets (ms) of every answer the mock can speak, alone, in the scenario's voice at 24 kHz. */
const NATURAL_ONSETS_MS = new Set(
  [...ANSWER_TEXTS, ...COMMENTARY_TEXTS, ...TOOL_FOLLOWUP_TEXTS].map((text) => {
    const d = new OnsetDetector();
    d.pushSamples(synthesizeSpeech(text, { sampleRateHz: 24000, voice: 'marin', seed: 0 }));
    return d.onsetMs!;
  }),
);

/** Whether a 1× player started at first audio had every delta up to the onset's before it needed it. */
function noStallBeforeOnset(t: Turn): boolean {
  let neededUs = t.milestones.firstAudioUs!;
  let audioMs = 0;
  for (const d of t.audioDeltas) {
    if (d.receivedUs > neededUs) return false;
    if (t.audioOnsetMs! < audioMs + d.durationMs) return true;
    audioMs += d.durationMs;
    neededUs += d.durationMs * 1000;
  }
  return false;
}

/** Receive stamp of the delta holding the onset minus first audio, ms. */
function receiveGapMs(t: Turn): number {
  let audioMs = 0;
  for (const d of t.audioDeltas) {
    if (t.audioOnsetMs! < audioMs + d.durationMs) return (d.receivedUs - t.milestones.firstAudioUs!) / 1000;
    audioMs += d.durationMs;
  }
  throw new Error('onset beyond the audio received');
}

async function runWithLead(e: E2eDir, name: string, leadMs: number, fields: Record<string, unknown>): Promise<{ result: RunResult; turns: Turn[]; trace: Map<string, TraceLine> }> {
  writeFileSync(path.join(e.dir, `${name}.json`), JSON.stringify({ ...e.profile, name, leadingSilenceMs: { medianMs: leadMs, p95Ms: leadMs } }));
  const scenario = await e.scenario(name, {
    turn_detection: { type: 'server_vad', silence_duration_ms: 300 },
    think_time_ms: 100,
    efforts: ['low'],
    clips: ['en-weather-paris', 'en-flight-status', 'en-cancel-order'],
    ...fields,
    mock: { latency_profile: `./${name}.json` },
  });
  const result = await runScenario(scenario);
  const turns = e.jsonl<Turn>(result.files.turns);
  const trace = new Map(e.jsonl<TraceLine>(result.files.mockTrace!).map((r) => [r.response_id, r]));
  return { result, turns, trace };
}

describe('TTFA to audio onset against the embedded mock', () => {
  let e: E2eDir;
  let led: Awaited<ReturnType<typeof runWithLead>>;
  let plain: Awaited<ReturnType<typeof runWithLead>>;

  beforeAll(async () => {
    e = e2eDir();
    led = await runWithLead(e, 'lead300', LEAD_MS, { sessions: 4, turns_per_session: 2 });
    plain = await runWithLead(e, 'lead0', 0, { sessions: 2, turns_per_session: 1 });
  });
  afterAll(() => e.cleanup());

  it('the natural onsets of the answers are short and on the window grid', () => {
    for (const ms of NATURAL_ONSETS_MS) {
      expect(ms % 10).toBe(0);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(150);
    }
  });

  it('finds the onset exactly X ms of audio later than without the silence', () => {
    const withAudio = led.turns.filter((t) => t.status === 'completed' && t.milestones.firstAudioUs !== null);
    expect(withAudio.length).toBeGreaterThanOrEqual(6);
    for (const t of withAudio) {
      expect(led.trace.get(t.responseId!)?.leading_silence_ms).toBe(LEAD_MS);
      expect(t.audioOnsetMs).not.toBeNull();
      expect(NATURAL_ONSETS_MS).toContain(t.audioOnsetMs! - LEAD_MS);
      // ttfa_onset and ttfa share the reference, so their difference is the leading silence as heard.
      expect(t.metrics.ttfaOnsetMs! - t.metrics.ttfaMs!).toBeCloseTo(t.metrics.leadingSilenceMs!, 6);
      expect(t.metrics.leadingSilenceMs!).toBeGreaterThanOrEqual(t.audioOnsetMs! - 1e-6);
    }
    const stallFree = withAudio.filter(noStallBeforeOnset);
    expect(stallFree.length).toBeGreaterThanOrEqual(withAudio.length / 2);
    for (const t of stallFree) expect(t.metrics.leadingSilenceMs).toBeCloseTo(t.audioOnsetMs!, 6);
    // Arrival times alone would say the silence was short: the audio came faster than real time.
    expect(median(withAudio.map(receiveGapMs))).toBeLessThan(LEAD_MS / 2);
  });

  it('without leading silence the onset is the answer\'s own short lead-in', () => {
    const withAudio = plain.turns.filter((t) => t.status === 'completed' && t.milestones.firstAudioUs !== null);
    expect(withAudio.length).toBeGreaterThanOrEqual(1);
    for (const t of withAudio) {
      expect(plain.trace.get(t.responseId!)?.leading_silence_ms).toBe(0);
      expect(NATURAL_ONSETS_MS).toContain(t.audioOnsetMs);
    }
  });

  it('summarizes ttfa_onset and the leading silence per effort, in summary.json and the table', () => {
    const s = led.result.summary!;
    const withOnset = led.turns.filter((t) => t.metrics.ttfaOnsetMs !== null);
    expect(s.metrics.ttfa_onset_ms.low!.count).toBe(withOnset.length);
    expect(s.metrics.leading_silence_ms.low!.count).toBe(withOnset.length);
    const p50 = s.metrics.leading_silence_ms.low!.p50!;
    expect(p50).toBeGreaterThanOrEqual(LEAD_MS);
    expect(p50).toBeLessThan(LEAD_MS + 200);
    expect(s.metrics.ttfa_onset_ms.low!.p50!).toBeGreaterThan(s.metrics.ttfa_ms.low!.p50!);
    const table = formatSummaryTable(s);
    expect(table).toMatch(/TTFA to onset \(ms\)/);
    expect(table).toMatch(/Leading silence \(ms\)/);
  });
});
