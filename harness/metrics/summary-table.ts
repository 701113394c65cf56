/**
 * The readable end-of-run table (stdout). A pure function of the summary, so tests compare it.
 * The first line is the verdict: INVALID (the harness was the bottleneck) comes before anything else.
 */
import { connectFailureHeadline, errorLines } from './summary-failures.ts';
import type { ByEffort, MetricStatsMs, RunSummary } from './summary-types.ts';
import { minSampleForQuantile } from '../stats/quantile-ci.ts';
import { CI_PERCENTILES, levelText, type PercentileCi } from './summary-uncertainty.ts';

const SECTIONS: [keyof RunSummary['metrics'], string][] = [
  ['ttfa_ms', 'TTFA (ms)'],
  ['ttfa_onset_ms', 'TTFA to onset (ms)'],
  ['leading_silence_ms', 'Leading silence (ms)'],
  ['vad_delay_ms', 'VAD delay (ms)'],
  ['response_start_ms', 'Response start (ms)'],
  ['first_text_ms', 'First text (ms)'],
  ['turn_ms', 'Turn time (ms)'],
  ['connect_ms', 'Connect (ms)'],
  ['configure_ms', 'Configure (ms)'],
  ['audio_rtf', 'Audio real-time factor (x)'],
  // WebRTC runs only (absent in other summaries, so never shown there).
  ['setup_offer_posted_ms', 'Setup: offer posted (ms)'],
  ['setup_answer_ms', 'Setup: answer (ms)'],
  ['setup_ice_connected_ms', 'Setup: ICE connected (ms)'],
  ['setup_channel_open_ms', 'Setup: channel open (ms)'],
  ['rtp_jitter_ms', 'RTP jitter (ms)'],
  ['rtp_max_gap_ms', 'RTP longest gap (ms)'],
  ['barge_in_stop_ms', 'Barge-in to audio stop (ms)'],
];

const COLS = ['count', 'p50', 'p90', 'p95', 'p99', 'max'] as const;

function num(v: number | null, digits: number): string {
  return v === null ? '-' : v.toFixed(digits);
}

/** Digits for a value in an interval cell: whole ms from 100 ms up (the interval is wider than that). */
function ciDigits(v: number, digits: number): number {
  return digits === 1 && Math.abs(v) >= 100 ? 0 : digits;
}

/**
 * A percentile cell: `1846 [1702, 1990]` (estimate and interval), `n=9 too few` when the sample
 * cannot support it, or the bare value for summaries written before intervals existed.
 */
export function percentileCell(st: MetricStatsMs, key: 'p50' | 'p90' | 'p95' | 'p99', digits: number): string {
  const ci: PercentileCi | undefined = st.ci?.[key];
  if (!ci) return num(st[key], digits);
  if (st.count === 0) return '-';
  if (ci.estimate === null || ci.low === null || ci.high === null) return `n=${st.count} too few`;
  const d = ciDigits(ci.estimate, digits);
  return `${ci.estimate.toFixed(d)} [${ci.low.toFixed(d)}, ${ci.high.toFixed(d)}]`;
}

/** Measurement error block of a runner summary, if present (the plain metrics summary has none). */
type WithHarnessError = RunSummary & { measurement_error_ms?: { matched: number; p50: number | null; p99: number | null; max: number | null } | null };

/** What the brackets mean, and the two other sources of error beside them. */
export function uncertaintyLines(s: WithHarnessError): string[] {
  const u = s.uncertainty;
  if (!u) return [];
  const lvl = levelText(u.level);
  const need = CI_PERCENTILES.map(([k, q]) => `${k} ${minSampleForQuantile(q, u.level)}`).join(', ');
  const me = s.measurement_error_ms;
  const harness = me && me.matched > 0 ? `harness timing error vs the mock's trace p50 ${me.p50} ms, p99 ${me.p99} ms (max ${me.max} ms)` : 'harness timing error: measured only against the bundled mock (measurement_error_ms)';
  return [
    `Uncertainty: [a, b] = ${lvl} confidence interval of the percentile (distribution-free, exact binomial order statistics; Conover 1999 §3.2);`,
    `  "n=… too few" = the sample cannot support that percentile at ${lvl} (values needed: ${need}); HDR resolution ±${(u.hdr_relative_error * 100).toFixed(1)} %; ${harness}.`,
  ];
}

/** The comparisons of TTFA (and any metric with a real difference) in words. */
export function comparisonLines(s: RunSummary): string[] {
  const c = s.comparisons;
  if (!c || !s.uncertainty) return [];
  const lines: string[] = [];
  for (const [metric, list] of Object.entries(c)) {
    const shown = metric === 'ttfa_ms' ? list : list.filter((x) => x.verdict === 'real');
    for (const x of shown) lines.push(`  ${x.text}`);
  }
  if (lines.length === 0) return [];
  const others = Object.entries(c).filter(([m]) => m !== 'ttfa_ms').reduce((n, [, l]) => n + l.filter((x) => x.verdict !== 'real').length, 0);
  return [
    '',
    `Differences (Hodges–Lehmann shift, ${levelText(s.uncertainty.level)} Moses interval, Mann–Whitney p, Holm-corrected per metric; "real" = adjusted p ≤ ${Number((1 - s.uncertainty.level).toFixed(4))}):`,
    ...lines,
    ...(others > 0 ? [`  (${others} other comparison${others === 1 ? '' : 's'} not distinguishable or too few: summary.json "comparisons")`] : []),
  ];
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
}

/** Metric tables, aligned to one set of column widths so the sections read as one table. */
function tables(sections: readonly [string, readonly [string, MetricStatsMs][], number][]): string[] {
  const blocks = sections.map(([title, rows, digits]) => [
    [title, ...COLS],
    ...rows.map(([effort, st]) => [`  ${effort}`, String(st.count), ...COLS.slice(1).map((k) => (k === 'max' || k === 'count' ? num(st[k], digits) : percentileCell(st, k, digits)))]),
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
  const unproven = s.slo.unproven?.length ?? 0;
  const slo = unproven ? `no SLO breach shown, ${unproven} not shown to hold` : 'SLOs met';
  return s.turns.failed > 0 ? `PASS: valid run, ${slo} (${s.turns.failed} turns failed)` : `PASS: valid run, ${slo}`;
}

/** The summary as a text table; first line the verdict. */
export function formatSummaryTable(s: WithHarnessError): string {
  const out: string[] = [verdictLine(s)];
  const hint = connectFailureHeadline(s)?.hint;
  if (hint) out.push(`Hint: ${hint}`);
  if (!s.valid && !s.slo.passed) out.push(`SLO: ${s.slo.breaches.length} breach(es): ${s.slo.breaches.map((b) => b.message).join('; ')}`);
  if (s.slo.unproven?.length) out.push(`SLO not shown to hold (not a failure; more turns would tell): ${s.slo.unproven.map((u) => u.message).join('; ')}`);
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
    const m = (s.metrics[key] ?? {}) as ByEffort; // absent in summaries written before a metric existed
    const rows = s.efforts.filter((e) => m[e]).map((e) => [e, m[e]!] as [string, MetricStatsMs]);
    if (rows.some(([, st]) => st.count > 0)) sections.push([title, rows, key === 'audio_rtf' ? 2 : 1]);
  }
  out.push(...(sections.length > 0 ? ['', ...uncertaintyLines(s)] : []), ...tables(sections));
  const byTurn = s.efforts.filter((e) => Object.values(s.metrics.ttfa_ms_by_turn[e] ?? {}).some((st) => st.count > 0));
  if (byTurn.length > 0) {
    const head = ['TTFA p50 by turn (ms)', 'turn 1', 'turn 2', 'turn 3+'];
    const body = byTurn.map((e) => [`  ${e}`, ...['1', '2', '3+'].map((b) => {
      const st = s.metrics.ttfa_ms_by_turn[e]?.[b];
      return st && st.count > 0 ? percentileCell(st, 'p50', 1) : '-';
    })]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
    out.push('', row(head, widths), ...body.map((r) => row(r, widths)));
  }
  out.push(...comparisonLines(s));
  const lag = s.pacing.send_lag_ms;
  out.push(
    '',
    `Playback: ${s.playback.underruns} underruns in ${s.playback.turns_with_audio} turns with audio, ${s.playback.underrun_silence_ms.toFixed(1)} ms of silence inserted`,
    `Pacing: send lag p50 ${num(lag.p50, 2)} ms, p99 ${num(lag.p99, 2)} ms, max ${num(lag.max, 2)} ms over ${lag.count} frames (p99 budget ${s.pacing.send_lag_p99_budget_ms} ms at ${s.pacing.chunk_ms} ms chunks)`,
    `Event loop: max stall ${num(s.event_loop.max_stall_ms, 1)} ms (budget ${s.event_loop.stall_budget_ms} ms), p99 delay ${num(s.event_loop.p99_delay_ms, 2)} ms`,
    ...errorLines(s),
  );
  const rtp = s.metrics.rtp_packets;
  if (rtp) out.push(`WebRTC audio: ${rtp.received} packets received, ${rtp.lost} lost`);
  if (Object.keys(s.turns.by_error_code).length > 0) out.push(`Turns not completed, by code: ${counts(s.turns.by_error_code)}`);
  return out.join('\n');
}
