/**
 * The effort sweep over WebRTC, beside the same sweep over WebSocket: the TTFA medians follow the
 * efforts' order (judged, as in effort-sweep.test.ts, against the delays the mock actually took),
 * and the two transports agree on what the harness adds to the mock's delay.
 *
 * As in effort-sweep.test.ts, each turn's TTFA is split at `speech_stopped` (the mock's VAD
 * decision, from which its first-audio delay runs):
 * - after it: first audio received − speech_stopped received − the delay the mock took (its trace:
 *   first audio sent − delays start). That is the harness's measurement of the answer's first audio:
 *   a WebSocket delta, or over WebRTC the first Opus packet through SRTP, stamped on arrival. The
 *   medians of the two transports must agree within {@link TOLERANCE_MS}.
 * - before it (`vad_delay`): the silence wait plus however far behind real time the mock read the
 *   user's audio. Over WebRTC the mock decrypts and decodes every 20 ms packet (werift and Opus) and
 *   on a loaded 2-core machine falls further behind than with appends; that is the mock's latency,
 *   not measurement error, so it is checked only as a lower bound (the silence wait less 80 ms) and
 *   printed for the record.
 * The audio itself is paced in real time on both sides over WebRTC (20 ms packets), where the mock
 * streams WebSocket deltas faster than real time: TTFA is unaffected (it ends at the first packet),
 * turn time is not comparable (a WebRTC turn ends when its audio has played).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnResult } from '../../harness/contract.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { e2eDir, median, type E2eDir } from './e2e-helpers.ts';

const EFFORTS = ['minimal', 'medium', 'xhigh'] as const;
const PER_EFFORT = 6;
/**
 * Agreement of the after-decision part across transports, ms: one 20 ms packet of the mock's
 * real-time pacing, plus scheduling of two werift peers (SRTP in JavaScript) on a loaded 2-core
 * machine, where WebSocket stamps sit within a few ms of the trace.
 */
const TOLERANCE_MS = 60;
const SILENCE_MS = 500;

interface Sweep {
  ttfa: Record<string, number[]>;
  taken: Record<string, number[]>;
  /** Per turn: first audio − speech_stopped − delay taken, ms. */
  overhead: number[];
  vadDelay: number[];
  completed: number;
  failedTurns: number;
}

async function sweep(e: E2eDir, transport: 'websocket' | 'webrtc'): Promise<Sweep> {
  const scenario = await e.scenario(`sweep-${transport}`, {
    sessions: EFFORTS.length * PER_EFFORT,
    arrival: { type: 'ramp', ramp_up_s: 2 },
    turns_per_session: 1,
    think_time_ms: 100,
    turn_detection: { type: 'server_vad', silence_duration_ms: SILENCE_MS },
    efforts: [...EFFORTS],
    // Clips without internal pauses (a comma pause can end a VAD turn early, over Opus more so).
    clips: ['en-weather-paris', 'en-flight-status', 'en-cancel-order', 'uk-weather-kyiv', 'de-next-train'],
    seed: 11,
    transport,
  });
  const result = await runScenario(scenario);
  const takenById = new Map<string, number>();
  type TraceLine = { response_id: string; delays_start_us: number; first_audio_sent_us: number | null };
  for (const r of e.jsonl<TraceLine>(result.files.mockTrace!)) {
    if (r.first_audio_sent_us !== null) takenById.set(r.response_id, (r.first_audio_sent_us - r.delays_start_us) / 1000);
  }
  const out: Sweep = { ttfa: {}, taken: {}, overhead: [], vadDelay: [], completed: result.summary!.turns.completed, failedTurns: result.summary!.turns.failed };
  for (const x of EFFORTS) {
    out.ttfa[x] = [];
    out.taken[x] = [];
  }
  for (const t of e.jsonl<TurnResult & { metrics: { ttfaMs: number | null; vadDelayMs: number | null } }>(result.files.turns)) {
    if (t.status !== 'completed' || t.metrics.ttfaMs === null) continue;
    const k = t.responseId === null ? undefined : takenById.get(t.responseId);
    out.ttfa[t.effort!]!.push(t.metrics.ttfaMs);
    if (k === undefined) continue;
    out.taken[t.effort!]!.push(k);
    const { speechStoppedUs, firstAudioUs } = t.milestones;
    if (speechStoppedUs === null || firstAudioUs === null || t.metrics.vadDelayMs === null) continue;
    out.overhead.push((firstAudioUs - speechStoppedUs) / 1000 - k);
    out.vadDelay.push(t.metrics.vadDelayMs);
  }
  return out;
}

describe('effort sweep over WebRTC and WebSocket', () => {
  let e: E2eDir;
  let ws: Sweep;
  let rtc: Sweep;

  beforeAll(async () => {
    e = e2eDir();
    // One after the other: each run has its own embedded mock, and they must not share the cores.
    ws = await sweep(e, 'websocket');
    rtc = await sweep(e, 'webrtc');
  }, 240_000);
  afterAll(() => e.cleanup());

  it('every turn completes over both transports', () => {
    for (const s of [ws, rtc]) {
      expect(s.failedTurns).toBe(0);
      expect(s.completed).toBeGreaterThanOrEqual(EFFORTS.length * PER_EFFORT - 1);
    }
  });

  it('WebRTC TTFA medians follow the order of the delays the mock took', () => {
    const m = EFFORTS.map((x) => median(rtc.ttfa[x]!));
    const d = EFFORTS.map((x) => median(rtc.taken[x]!));
    for (let i = 0; i < EFFORTS.length; i++) {
      for (let j = i + 1; j < EFFORTS.length; j++) {
        // Delays closer than twice the tolerance are not told apart (effort-sweep.test.ts).
        if (Math.abs(d[j]! - d[i]!) <= 2 * TOLERANCE_MS) continue;
        expect(Math.sign(m[j]! - m[i]!), `${EFFORTS[i]} vs ${EFFORTS[j]}: mock took ${d[i]} / ${d[j]} ms, TTFA ${m[i]} / ${m[j]} ms`).toBe(Math.sign(d[j]! - d[i]!));
      }
    }
  });

  it('what the harness measures beyond the mock’s delay agrees across transports', () => {
    const wsOverhead = median(ws.overhead);
    const rtcOverhead = median(rtc.overhead);
    expect(ws.overhead.length).toBeGreaterThanOrEqual(EFFORTS.length * PER_EFFORT - 2);
    expect(rtc.overhead.length).toBeGreaterThanOrEqual(EFFORTS.length * PER_EFFORT - 2);
    // Logged for the record: the figures the tolerance is judged on, and the input side's lag.
    console.log(
      `after speech_stopped, first audio − mock delay, median: websocket ${wsOverhead.toFixed(1)} ms, webrtc ${rtcOverhead.toFixed(1)} ms; ` +
        `vad_delay median: websocket ${median(ws.vadDelay).toFixed(1)} ms, webrtc ${median(rtc.vadDelay).toFixed(1)} ms`,
    );
    expect(Math.abs(rtcOverhead - wsOverhead)).toBeLessThanOrEqual(TOLERANCE_MS);
    for (const s of [ws, rtc]) expect(median(s.vadDelay)).toBeGreaterThanOrEqual(SILENCE_MS - 80);
  });
});
