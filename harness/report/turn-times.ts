/** When a turn began and ended on the monotonic clock, from whatever stamps it has. */
import type { TurnResult } from '../contract.ts';

const MILESTONE_ORDER = ['turnStartUs', 'speechEndSentUs', 'commitSentUs', 'speechStoppedUs', 'committedUs', 'responseCreatedUs', 'firstAudioUs', 'firstTextUs', 'responseDoneUs'] as const;

/** The earliest stamp of a turn, µs, or null. */
export function turnFirstUs(t: TurnResult): number | null {
  let min: number | null = null;
  for (const k of MILESTONE_ORDER) {
    const v = t.milestones[k];
    if (v !== null && (min === null || v < min)) min = v;
  }
  return min;
}

/** When a turn ended: `response_done`, else its latest stamp (incl. audio deltas), µs, or null. */
export function turnEndUs(t: TurnResult): number | null {
  if (t.milestones.responseDoneUs !== null) return t.milestones.responseDoneUs;
  let max: number | null = null;
  for (const k of MILESTONE_ORDER) {
    const v = t.milestones[k];
    if (v !== null && (max === null || v > max)) max = v;
  }
  for (const d of t.audioDeltas) if (max === null || d.receivedUs > max) max = d.receivedUs;
  return max;
}
