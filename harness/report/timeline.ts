/**
 * The report's timeline: active sessions and turns per bin of run time. Session spans come from
 * the runner's `startedUs`/`endedUs` stamps when present, else from the session's turn stamps
 * widened by its connect/configure and connected time (and the timeline says it is estimated).
 */
import { classifyTurn } from '../metrics/recorder.ts';
import type { RebuiltRun } from './rebuild.ts';
import { turnEndUs, turnFirstUs } from './turn-times.ts';

/** The timeline, in bins of the run's time. */
export interface Timeline {
  binS: number;
  /** Bin left edges, s since run start. */
  bins: { tS: number; activeSessions: number; turnsCompleted: number; turnsNotCompleted: number }[];
  /** Session spans estimated from turn stamps (the sessions file has no start/end stamps). */
  sessionsEstimated: boolean;
  /** Sessions with no stamp at all (never placed). */
  unplacedSessions: number;
}

const BIN_CHOICES_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/** Active sessions and turns per bin of run time. */
export function buildTimeline(run: Pick<RebuiltRun, 'turns' | 'sessions' | 'timeBaseUs'>, maxBins = 150): Timeline | null {
  const base = run.timeBaseUs;
  if (base === null) return null;
  const spans = new Map<number, { start: number | null; end: number | null }>();
  const span = (i: number): { start: number | null; end: number | null } => {
    let s = spans.get(i);
    if (!s) spans.set(i, (s = { start: null, end: null }));
    return s;
  };
  for (const t of run.turns) {
    const s = span(t.sessionIndex);
    const a = turnFirstUs(t);
    const b = turnEndUs(t);
    if (a !== null && (s.start === null || a < s.start)) s.start = a;
    if (b !== null && (s.end === null || b > s.end)) s.end = b;
  }
  let estimated = false;
  for (const rec of run.sessions) {
    if (rec.outcome === 'not_started') {
      spans.delete(rec.sessionIndex);
      continue;
    }
    const s = span(rec.sessionIndex);
    if (rec.startedUs !== undefined && rec.endedUs !== undefined) {
      s.start = rec.startedUs;
      s.end = rec.endedUs;
      continue;
    }
    estimated = true;
    if (s.start !== null) s.start -= ((rec.connectMs ?? 0) + (rec.configureMs ?? 0)) * 1000;
    if (s.start !== null) s.end = Math.max(s.end ?? s.start, s.start + rec.connectedMs * 1000);
  }
  if (run.sessions.length === 0 && spans.size > 0) estimated = true;
  const placed = [...spans.values()].filter((s): s is { start: number; end: number } => s.start !== null && s.end !== null);
  const ends = [...placed.map((s) => s.end), ...run.turns.map(turnEndUs).filter((v): v is number => v !== null)];
  if (ends.length === 0) return null;
  const spanS = Math.max(1e-3, (Math.max(...ends) - base) / 1e6);
  const binS = BIN_CHOICES_S.find((b) => spanS / b <= maxBins) ?? Math.ceil(spanS / maxBins);
  const nBins = Math.max(1, Math.ceil(spanS / binS));
  const bins = Array.from({ length: nBins }, (_, i) => ({ tS: i * binS, activeSessions: 0, turnsCompleted: 0, turnsNotCompleted: 0 }));
  for (const s of placed) {
    const a = Math.max(0, Math.floor((s.start - base) / 1e6 / binS));
    const b = Math.min(nBins - 1, Math.floor((s.end - base) / 1e6 / binS));
    for (let i = a; i <= b; i++) bins[i]!.activeSessions++;
  }
  for (const t of run.turns) {
    const end = turnEndUs(t);
    if (end === null) continue;
    const bin = bins[Math.min(nBins - 1, Math.max(0, Math.floor((end - base) / 1e6 / binS)))]!;
    if (classifyTurn(t) === 'completed') bin.turnsCompleted++;
    else bin.turnsNotCompleted++;
  }
  return { binS, bins, sessionsEstimated: estimated, unplacedSessions: spans.size - placed.length };
}
