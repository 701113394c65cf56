/**
 * What `rth calibrate` fits from: per answered turn of a run's `turns.jsonl`, the delays from the
 * server's end-of-turn decision to `response.created` and to the first audio delta, and the audio
 * stream's pacing.
 *
 * Why from the decision and not from the turn's reference point (TTFA's `speech_end_sent`): the
 * mock's delays run from the end of the turn as the server sees it (mock-server/latency-profile.ts),
 * and a client-side TTFA of a VAD turn also holds the VAD's silence wait (`vad_delay`). So the
 * anchor is `speech_stopped` on VAD turns and `committed` on manual turns: both are server events
 * received by the harness, as are `response.created` and the first delta, so the downlink's one-way
 * delay cancels out of each difference. This works the same for a real target and the mock; when
 * the run's target was the embedded mock, its trace (`mock-trace.jsonl`) is used as a cross-check
 * of the harness's timing (see {@link traceCrossCheck}), not as the data.
 */
import type { TurnResult } from '../contract.ts';

/** One turn's contribution. */
export interface TurnSample {
  model: string;
  /** Reasoning effort, or null (non-reasoning model: the profile's `firstAudio.default`). */
  effort: string | null;
  turnIndex: number;
  responseId: string | null;
  /** Decision → `response.created`, ms; null when not stamped. */
  responseCreatedMs: number | null;
  /** Decision → first audio delta, ms. */
  firstAudioMs: number;
  /** Audio per delta (median over the turn's deltas but the last, which may be short), ms; null under 2 deltas. */
  deltaMs: number | null;
  /** Median spacing of consecutive deltas, ms; null under 2 deltas. */
  deltaSpacingMs: number | null;
}

/** Why turns were left out, by reason, and the samples kept. */
export interface SampleSet {
  samples: TurnSample[];
  excluded: Record<string, number>;
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The server's end-of-turn decision as the harness received it, µs: `speech_stopped` (VAD turns),
 * `committed` (manual turns), or null.
 */
export function decisionUs(t: TurnResult): number | null {
  return t.mode === 'manual' ? t.milestones.committedUs : t.milestones.speechStoppedUs;
}

/**
 * Samples of a run's turns. Left out, by reason: turns that did not complete, barged-in turns,
 * turns with tool calls (their first audio comes after a tool round trip the mock does not model),
 * and turns missing the decision or the first audio.
 */
export function turnSamples(turns: readonly TurnResult[]): SampleSet {
  const samples: TurnSample[] = [];
  const excluded: Record<string, number> = {};
  const skip = (why: string): void => void (excluded[why] = (excluded[why] ?? 0) + 1);
  for (const t of turns) {
    if (t.status !== 'completed') skip(`status ${t.status}`);
    else if (t.bargedIn) skip('barged in');
    else if (t.toolCalls > 0) skip('tool calls');
    else {
      const anchor = decisionUs(t);
      const m = t.milestones;
      if (anchor === null) skip(t.mode === 'manual' ? 'no committed stamp' : 'no speech_stopped stamp');
      else if (m.firstAudioUs === null) skip('no audio');
      else {
        const deltas = t.audioDeltas;
        const spacing: number[] = [];
        for (let i = 1; i < deltas.length; i++) spacing.push((deltas[i]!.receivedUs - deltas[i - 1]!.receivedUs) / 1000);
        samples.push({
          model: t.model,
          effort: t.effort,
          turnIndex: t.turnIndex,
          responseId: t.responseId,
          responseCreatedMs: m.responseCreatedUs === null ? null : (m.responseCreatedUs - anchor) / 1000,
          firstAudioMs: (m.firstAudioUs - anchor) / 1000,
          deltaMs: deltas.length >= 2 ? medianOf(deltas.slice(0, -1).map((d) => d.durationMs)) : null,
          deltaSpacingMs: spacing.length > 0 ? medianOf(spacing) : null,
        });
      }
    }
  }
  return { samples, excluded };
}

/** One line of `mock-trace.jsonl`, the fields used here. */
export interface TraceTiming {
  response_id: string;
  delays_start_us: number;
  response_created_sent_us: number | null;
  first_audio_sent_us: number | null;
}

/** Harness-derived first-audio delays compared with the mock's own (its trace), per matched response. */
export interface TraceCrossCheck {
  matched: number;
  /** Median and largest |harness − trace| of the first-audio delay, ms. */
  medianAbsErrorMs: number | null;
  maxAbsErrorMs: number | null;
}

/**
 * Compares each sample's first-audio delay with the mock's (trace: first audio sent − delays start),
 * matched by response id. The difference is the harness's timing error plus the gap between the
 * mock's decision stamp and its `speech_stopped`/`committed` write.
 */
export function traceCrossCheck(samples: readonly TurnSample[], trace: readonly TraceTiming[]): TraceCrossCheck {
  const byId = new Map(trace.filter((r) => r.first_audio_sent_us !== null).map((r) => [r.response_id, (r.first_audio_sent_us! - r.delays_start_us) / 1000]));
  const errors: number[] = [];
  for (const s of samples) {
    const t = s.responseId === null ? undefined : byId.get(s.responseId);
    if (t !== undefined) errors.push(Math.abs(s.firstAudioMs - t));
  }
  return { matched: errors.length, medianAbsErrorMs: errors.length ? medianOf(errors) : null, maxAbsErrorMs: errors.length ? Math.max(...errors) : null };
}
