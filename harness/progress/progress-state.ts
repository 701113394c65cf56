/**
 * The state a progress display shows, kept up to date from the run's events: active sessions,
 * turns by outcome, errors, and a small running TTFA histogram per effort. Cheap per event: a few
 * counters and one HDR record per turn with a first-audio stamp.
 */
import { createHistogram, recordClamped, type Histogram } from '../metrics/histogram.ts';
import { classifyTurn, compareEfforts } from '../metrics/recorder.ts';
import type { RunEvent } from '../runner/events.ts';

/** Running TTFA percentiles of one effort, ms. */
export interface EffortTtfa {
  effort: string;
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** Counters of a running run. */
export class ProgressState {
  scenario = '';
  target = '';
  sessionsPlanned = 0;
  durationS: number | null = null;
  runStartUs: number | null = null;
  activeSessions = 0;
  sessionsEnded = 0;
  turnsCompleted = 0;
  turnsFailed = 0;
  turnsAborted = 0;
  /** Error events seen by sessions plus turns that ended with an error code. */
  errors = 0;
  findings = 0;
  phase: 'starting' | 'running' | 'stopping' | 'draining-timeout' | 'finishing' | 'hard-stop' = 'starting';
  /** Why new turns stopped, once they did. */
  stopReason: 'duration' | 'signal' | 'budget' | 'capacity' | null = null;
  /** Spend so far, USD; null until a turn was priced (or when cost is not tracked). */
  spentUsd: number | null = null;
  /** Spend projected to the end of the run, USD; null when unknown. */
  projectedUsd: number | null = null;
  /** `--max-cost-usd`, or null. */
  capUsd: number | null = null;
  private readonly ttfa = new Map<string, Histogram>();

  /** Feeds one run event. */
  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'started':
        this.scenario = e.scenario;
        this.target = e.target;
        this.sessionsPlanned = e.sessions;
        this.durationS = e.durationS;
        this.runStartUs = e.runStartUs;
        this.phase = 'running';
        for (const effort of e.efforts) this.histogram(effort);
        return;
      case 'session-start':
        this.activeSessions++;
        return;
      case 'session-end':
        if (e.session.outcome !== 'not_started') this.activeSessions = Math.max(0, this.activeSessions - 1);
        this.sessionsEnded++;
        this.findings += e.findings;
        for (const n of Object.values(e.session.errors)) this.errors += n;
        return;
      case 'turn': {
        const cls = classifyTurn(e.turn);
        if (cls === 'completed') this.turnsCompleted++;
        else if (cls === 'failed') this.turnsFailed++;
        else this.turnsAborted++;
        if (e.metrics.ttfaMs !== null) recordClamped(this.histogram(e.turn.arm ?? e.turn.effort ?? 'none'), e.metrics.ttfaMs * 1000);
        return;
      }
      case 'stopping':
        this.phase = 'stopping';
        this.stopReason = e.reason;
        return;
      case 'cost':
        this.spentUsd = e.spentUsd;
        this.projectedUsd = e.projectedUsd;
        this.capUsd = e.capUsd;
        return;
      case 'drain-timeout':
        this.phase = 'draining-timeout';
        return;
      case 'hard-stop':
        this.phase = 'hard-stop';
        return;
      case 'finishing':
        this.phase = 'finishing';
        return;
    }
  }

  private histogram(effort: string): Histogram {
    let h = this.ttfa.get(effort);
    if (!h) this.ttfa.set(effort, (h = createHistogram(true)));
    return h;
  }

  /** TTFA so far per effort, ordered minimal … xhigh, none. */
  ttfaByEffort(): EffortTtfa[] {
    return [...this.ttfa.keys()].sort(compareEfforts).map((effort) => {
      const h = this.ttfa.get(effort)!;
      const count = h.totalCount;
      const at = (p: number): number | null => (count > 0 ? Math.round(h.getValueAtPercentile(p) / 1000) : null);
      return { effort, count, p50Ms: at(50), p95Ms: at(95) };
    });
  }
}
