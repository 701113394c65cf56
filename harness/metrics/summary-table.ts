/**
 * The readable end-of-run table (stdout). A pure function of the summary, so tests compare it.
 * The first line is the verdict: INVALID (the harness was the bottleneck) comes before anything else.
 */
import { connectFailureHeadline, errorLines } from './summary-failures.ts';
import type { ByEffort, MetricStatsMs, RunSummary } from './summary-types.ts';

const SECTIONS: [keyof RunSummary['metrics'], string][] = [
  ['ttfa_ms', 'TTFA (ms)'],
  ['vad_delay_ms', 'VAD delay (ms)'],
  ['response_start_ms', 'Response start (ms)'],
  ['first_text_ms', 'First text (ms)'],
  ['turn_ms', 'Turn time (ms)'],
  ['connect_ms', 'Connect (ms)'],
  ['configure_ms', 'Configure (ms)'],
  ['audio_rtf', 'Audio real-time factor (x)'],
];

const COLS = ['count', 'p50', 'p90', 'p95', 'p99', 'max'] as const;

function num(v: number | null, digits: number): string {
  return v === null ? '-' : v.toFixed(digits);
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
}

/** Metric tables, aligned to one set of column widths so the sections read as one table. */
function tables(sections: readonly [string, readonly [string, MetricStatsMs][], number][]): string[] {
  const blocks = sections.map(([title, rows, digits]) => [
    [title, ...COLS],
    ...rows.map(([effort, st]) => [`  ${effort}`, String(st.count), ...COLS.slice(1).map((k) => num(st[k], digits))]),
  ]);
  const widths = [0, 1, 2, 3, 4, 5, 6].map((i) => Math.max(i === 0 ? 0 : 7, ...blocks.flat().map((r) => r[i]!.length)));
  return blocks.flatMap((b) => ['', ...b.map((r) => row(r, widths))]);
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
}

/** The verdict line. A run in which no session connected says so first, with the most common reason. */
export function verdictLine(s: RunSummary): string {
  const connect = connectFailureHeadline(s);
  if (connect) return connect.line;
  if (!s.valid) return `INVALID RUN: the load generator was the bottleneck, these numbers are not the target's. ${s.invalid_reasons.join('; ')}`;
  if (!s.slo.passed) return `FAIL: ${s.slo.breaches.length} SLO breach${s.slo.breaches.length === 1 ? '' : 'es'}: ${s.slo.breaches.map((b) => b.message).join('; ')}`;
  if (s.turns.completed === 0) {
    const codes = Object.entries(s.turns.by_error_code).map(([c, n]) => `${c} ${n}`).join(', ');
    return `FAIL: no turn completed${codes ? ` (${codes})` : ''}; sessions: ${Object.entries(s.sessions.by_outcome).map(([o, n]) => `${o} ${n}`).join(', ') || 'none'}`;
  }
  return s.turns.failed > 0 ? `PASS: valid run, SLOs met (${s.turns.failed} turns failed)` : 'PASS: valid run, SLOs met';
}

/** The summary as a text table; first line the verdict. */
export function formatSummaryTable(s: RunSummary): string {
  const out: string[] = [verdictLine(s)];
  const hint = connectFailureHeadline(s)?.hint;
  if (hint) out.push(`Hint: ${hint}`);
  if (!s.valid && !s.slo.passed) out.push(`SLO: ${s.slo.breaches.length} breach(es): ${s.slo.breaches.map((b) => b.message).join('; ')}`);
  if (s.interrupted) out.push('Interrupted: the run was stopped early; open turns were finished or aborted.');
  out.push(
    `Scenario ${s.scenario.name}${s.scenario.file ? ` (${s.scenario.file})` : ''} · target ${s.target} · ${s.kind} ${s.model} · ${s.duration_s.toFixed(1)} s · seed ${s.provenance.seed}`,
    `Sessions ${s.sessions.started}: ${s.sessions.completed} completed, ${s.sessions.failed} failed, ${s.sessions.aborted} aborted · ` +
      `Turns: ${s.turns.completed} completed, ${s.turns.failed} failed, ${s.turns.aborted} aborted` +
      (s.turns.tool_calls ? ` · tool calls ${s.turns.tool_calls}` : '') +
      (s.turns.barge_ins ? ` · barge-ins ${s.turns.barge_ins}` : ''),
  );
  const sections: [string, [string, MetricStatsMs][], number][] = [];
  for (const [key, title] of SECTIONS) {
    const m = s.metrics[key] as ByEffort;
    const rows = s.efforts.filter((e) => m[e]).map((e) => [e, m[e]!] as [string, MetricStatsMs]);
    if (rows.some(([, st]) => st.count > 0)) sections.push([title, rows, key === 'audio_rtf' ? 2 : 1]);
  }
  out.push(...tables(sections));
  const byTurn = s.efforts.filter((e) => Object.values(s.metrics.ttfa_ms_by_turn[e] ?? {}).some((st) => st.count > 0));
  if (byTurn.length > 0) {
    const head = ['TTFA by turn, p50/p95 (ms)', 'turn 1', 'turn 2', 'turn 3+'];
    const body = byTurn.map((e) => [`  ${e}`, ...['1', '2', '3+'].map((b) => {
      const st = s.metrics.ttfa_ms_by_turn[e]?.[b];
      return st && st.count > 0 ? `${num(st.p50, 0)}/${num(st.p95, 0)}` : '-';
    })]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    out.push('', row(head, widths), ...body.map((r) => row(r, widths)));
  }
  const lag = s.pacing.send_lag_ms;
  out.push(
    '',
    `Playback: ${s.playback.underruns} underruns in ${s.playback.turns_with_audio} turns with audio, ${s.playback.underrun_silence_ms.toFixed(1)} ms of silence inserted`,
    `Pacing: send lag p50 ${num(lag.p50, 2)} ms, p99 ${num(lag.p99, 2)} ms, max ${num(lag.max, 2)} ms over ${lag.count} frames (p99 budget ${s.pacing.send_lag_p99_budget_ms} ms at ${s.pacing.chunk_ms} ms chunks)`,
    `Event loop: max stall ${num(s.event_loop.max_stall_ms, 1)} ms (budget ${s.event_loop.stall_budget_ms} ms), p99 delay ${num(s.event_loop.p99_delay_ms, 2)} ms`,
    ...errorLines(s),
  );
  if (Object.keys(s.turns.by_error_code).length > 0) out.push(`Turns not completed, by code: ${counts(s.turns.by_error_code)}`);
  return out.join('\n');
}
