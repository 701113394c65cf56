/**
 * Comparison groups ("arms") of a run. Realtime sessions are grouped by reasoning effort (`low`,
 * `high`, …, or `none`); GPT-Live sessions by their model as `live:<model>` — the Live voice model
 * has no reasoning effort, so its group is never named like one (docs/live-protocol.md §7). A
 * scenario mixes the two with `kind: realtime`, `efforts: […]` and `live: {model}`: sessions are
 * assigned to the efforts and the Live arm interleaved, over the same clips and seed.
 */
import type { EffortKey } from './schema.ts';

/** The session-assignment key of the Live arm (see {@link sessionArms}). */
export const LIVE_ARM = 'live' as const;
/** What a session is assigned to: a reasoning effort (or `none`), or the Live arm. */
export type SessionArm = EffortKey | typeof LIVE_ARM;

/** The metrics group of GPT-Live sessions of `model` (`live:gpt-live-1`). */
export function liveArmLabel(model: string): string {
  return `live:${model}`;
}

/** Whether a metrics group label is a Live arm. */
export function isLiveArmLabel(label: string): boolean {
  return label.startsWith('live:');
}

/** What the arms depend on in a resolved scenario. */
export interface ArmSource {
  kind: string;
  model: string;
  efforts: readonly EffortKey[];
  live: { model: string } | null;
}

/** The arms sessions are assigned to: the efforts, plus the Live arm when mixed; only the Live arm for `kind: live`. */
export function sessionArms(s: ArmSource): SessionArm[] {
  if (s.kind === 'live') return [LIVE_ARM];
  return s.live ? [...s.efforts, LIVE_ARM] : [...s.efforts];
}

/** The metrics group labels of a scenario, in assignment order (efforts, then `live:<model>`). */
export function armLabels(s: ArmSource): string[] {
  return sessionArms(s).map((a) => (a === LIVE_ARM ? liveArmLabel(s.kind === 'live' ? s.model : s.live!.model) : a));
}
