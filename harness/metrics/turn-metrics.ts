/**
 * A turn's derived metrics (docs/measurement.md, "A turn's milestones"). The reference point is the
 * moment the user's turn ended on the client side: `speech_end_sent` for VAD turns,
 * `commit_sent` for manual turns. A metric is null when a milestone it needs is missing.
 */
import type { AudioDeltaArrival, TurnResult } from '../contract.ts';

/** Derived values of one turn, ms unless named otherwise. */
export interface TurnMetrics {
  /** Time to first audio: `first_audio - reference`. */
  ttfaMs: number | null;
  /**
   * Time to first audio as a listener hears it: `audio_onset - reference`, where `audio_onset` is
   * when a 1× player started at first audio plays the first voiced window ({@link onsetHeardUs}).
   * Null without an onset (no audio, or none loud enough for 50 ms).
   */
  ttfaOnsetMs: number | null;
  /** `audio_onset - first_audio`: the silence (or near-silence) the listener hears first, ms. */
  leadingSilenceMs: number | null;
  /** `speech_stopped - speech_end_sent`; VAD turns only (may be negative: the server decided before the last speech frame). */
  vadDelayMs: number | null;
  /** `response_created - reference`. */
  responseStartMs: number | null;
  /** `response_done - reference`. */
  turnMs: number | null;
  /** `first_text - reference` (first transcript or text delta). */
  firstTextMs: number | null;
  /** Audio received (ms) / (`response_done - first_audio`) (ms); > 1 = faster than real time. */
  audioRealtimeFactor: number | null;
  /** Audio received in the response, ms (sum of delta durations). */
  audioReceivedMs: number;
  /** Deltas that arrived after a 1x player started at first audio needed them. */
  playbackUnderruns: number | null;
  /** Silence that player inserted waiting for them, ms. */
  underrunSilenceMs: number | null;
}

/** The turn's reference stamp, µs: `speechEndSentUs` for VAD turns, `commitSentUs` for manual. */
export function referenceUs(t: Pick<TurnResult, 'mode' | 'milestones'>): number | null {
  return t.mode === 'manual' ? t.milestones.commitSentUs : t.milestones.speechEndSentUs;
}

function sinceMs(fromUs: number | null, toUs: number | null): number | null {
  return fromUs === null || toUs === null ? null : (toUs - fromUs) / 1000;
}

/** What {@link simulatePlayback} found. */
export interface PlaybackResult {
  /** Deltas that arrived after the player ran dry (strictly later than needed). */
  underruns: number;
  /** Silence inserted while waiting, ms. */
  silenceMs: number;
  /** When the player finishes the last delta, µs. */
  playbackEndUs: number;
}

/**
 * A player that starts at `startUs` (first audio) and plays at 1x: each delta plays right after the
 * previous one, or when it arrives if the player had run dry; a delta arriving after the player
 * ran dry is an underrun, and the gap is inserted silence. Deltas are taken in arrival order.
 */
export function simulatePlayback(deltas: readonly AudioDeltaArrival[], startUs: number): PlaybackResult {
  let bufferEndUs = startUs;
  let underruns = 0;
  let silenceUs = 0;
  for (const d of deltas) {
    if (d.receivedUs > bufferEndUs) {
      underruns++;
      silenceUs += d.receivedUs - bufferEndUs;
      bufferEndUs = d.receivedUs;
    }
    bufferEndUs += d.durationMs * 1000;
  }
  return { underruns, silenceMs: silenceUs / 1000, playbackEndUs: bufferEndUs };
}

/**
 * When a 1× player that starts at `startUs` (first audio) and plays `deltas` in arrival order, stalling
 * when it runs dry (as {@link simulatePlayback}), plays the audio at position `onsetMs` (ms from the
 * start of the first delta), µs; null when the deltas hold less audio than that.
 *
 * The onset lies in the delta that holds that position (the receive stamp of *that* delta, not of
 * the first delta or of the one that completed the detection, bounds it): the player reaches it at
 * `max(received, previous delta's end)` plus the offset into it. Without a stall before it, this is
 * `startUs + onsetMs` — audio sent faster than real time is heard in real time — and it is never
 * before the delta's receive stamp.
 */
export function onsetHeardUs(deltas: readonly AudioDeltaArrival[], startUs: number, onsetMs: number): number | null {
  let bufferEndUs = startUs;
  let audioMs = 0;
  for (const d of deltas) {
    const playUs = Math.max(d.receivedUs, bufferEndUs);
    if (onsetMs < audioMs + d.durationMs) return playUs + Math.max(0, onsetMs - audioMs) * 1000;
    bufferEndUs = playUs + d.durationMs * 1000;
    audioMs += d.durationMs;
  }
  return null;
}

/** Derives {@link TurnMetrics} from a turn's milestones and audio deltas. */
export function deriveTurnMetrics(t: TurnResult): TurnMetrics {
  const m = t.milestones;
  const ref = referenceUs(t);
  const audioReceivedMs = t.audioDeltas.reduce((sum, d) => sum + d.durationMs, 0);
  // WebRTC plays in real time, so its audio ends at the last packet, after response.done.
  const streamMs = sinceMs(m.firstAudioUs, t.media?.lastPacketUs ?? m.responseDoneUs);
  const playback = m.firstAudioUs === null ? null : simulatePlayback(t.audioDeltas, m.firstAudioUs);
  const onsetUs = m.firstAudioUs === null || t.audioOnsetMs == null ? null : onsetHeardUs(t.audioDeltas, m.firstAudioUs, t.audioOnsetMs);
  return {
    ttfaMs: sinceMs(ref, m.firstAudioUs),
    ttfaOnsetMs: sinceMs(ref, onsetUs),
    leadingSilenceMs: sinceMs(m.firstAudioUs, onsetUs),
    vadDelayMs: t.mode === 'manual' ? null : sinceMs(m.speechEndSentUs, m.speechStoppedUs),
    responseStartMs: sinceMs(ref, m.responseCreatedUs),
    turnMs: sinceMs(ref, m.responseDoneUs),
    firstTextMs: sinceMs(ref, m.firstTextUs),
    audioRealtimeFactor: streamMs !== null && streamMs > 0 && audioReceivedMs > 0 ? audioReceivedMs / streamMs : null,
    audioReceivedMs,
    playbackUnderruns: playback?.underruns ?? null,
    underrunSilenceMs: playback?.silenceMs ?? null,
  };
}
