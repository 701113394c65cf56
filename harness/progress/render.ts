/**
 * Progress text as pure functions of the state and the elapsed time, so tests compare strings:
 * a multi-line block redrawn in place on a terminal, or one plain line for logs and pipes.
 */
import type { ProgressState } from './progress-state.ts';

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

function clock(elapsedS: number, durationS: number | null): string {
  const e = `${elapsedS.toFixed(0)} s`;
  return durationS === null ? e : `${e} / ${durationS} s`;
}

/** `$0.0123` under a dollar, `$12.34` above. */
function usd(v: number): string {
  return `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
}

/** Spend so far, the projection to the end of the run and the cap; empty when cost is not tracked. */
export function costText(state: ProgressState): string {
  if (state.spentUsd === null) return '';
  const projected = state.projectedUsd === null ? '' : `, projected ${usd(state.projectedUsd)} at the end`;
  const cap = state.capUsd === null ? '' : ` (cap ${usd(state.capUsd)})`;
  return `spent ${usd(state.spentUsd)}${projected}${cap}`;
}

function phaseNote(state: ProgressState): string {
  switch (state.phase) {
    case 'stopping':
      if (state.stopReason === 'budget') return '  [stopped at budget: finishing open turns; Ctrl-C again to quit now]';
      return '  [stopping: finishing open turns; Ctrl-C again to quit now]';
    case 'draining-timeout':
      return '  [drain timeout: closing connections]';
    case 'finishing':
      return '  [writing results]';
    case 'hard-stop':
      return '  [stopped]';
    default:
      return '';
  }
}

/** The live block: one header line, sessions, turns, then a TTFA row per effort. */
export function renderLive(state: ProgressState, elapsedS: number): string[] {
  const lines = [
    `rth run ${state.scenario} → ${state.target}   ${clock(elapsedS, state.durationS)}${phaseNote(state)}`,
    `sessions  active ${state.activeSessions}   ended ${state.sessionsEnded}/${state.sessionsPlanned}`,
    `turns     completed ${state.turnsCompleted}   failed ${state.turnsFailed}   aborted ${state.turnsAborted}   errors ${state.errors}   findings ${state.findings}`,
    `TTFA ms   ${'effort'.padEnd(8)} ${pad('n', 6)} ${pad('p50', 7)} ${pad('p95', 7)}`,
  ];
  const cost = costText(state);
  if (cost) lines.push(`cost      ${cost}`);
  for (const t of state.ttfaByEffort()) {
    lines.push(`          ${t.effort.padEnd(8)} ${pad(t.count, 6)} ${pad(t.p50Ms ?? '-', 7)} ${pad(t.p95Ms ?? '-', 7)}`);
  }
  return lines;
}

/** One line for non-terminals (printed every few seconds). */
export function renderPlain(state: ProgressState, elapsedS: number): string {
  const ttfa = state
    .ttfaByEffort()
    .filter((t) => t.count > 0)
    .map((t) => `${t.effort} ${t.p50Ms}/${t.p95Ms}`)
    .join(', ');
  return (
    `[${pad(elapsedS.toFixed(0), 4)} s] sessions ${state.activeSessions} active, ${state.sessionsEnded}/${state.sessionsPlanned} ended; ` +
    `turns ${state.turnsCompleted} ok, ${state.turnsFailed} failed, ${state.turnsAborted} aborted; errors ${state.errors}` +
    (ttfa ? `; TTFA p50/p95 ms ${ttfa}` : '') +
    (costText(state) ? `; ${costText(state)}` : '') +
    (state.phase === 'stopping' ? (state.stopReason === 'budget' ? ' (stopped at budget)' : ' (stopping)') : '')
  );
}
