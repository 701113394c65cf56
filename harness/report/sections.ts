/**
 * The sections of report.html as HTML strings (pure functions of {@link ReportData}). Every number
 * carries its unit; `–` means not measured.
 */
import { isLiveArmLabel } from '../scenario/arms.ts';
import { errorCodeCounts, failureGroups, failureHint } from '../metrics/summary-failures.ts';
import type { MetricStatsMs } from '../metrics/summary-types.ts';
import { comparisonLines, percentileCell, uncertaintyLines } from '../metrics/summary-table.ts';
import {
  activeSessionsChart,
  breakdownChart,
  costByTurnChart,
  sendLagChart,
  ttfaByTurnChart,
  ttfaPercentileChart,
  turnsPerSecondChart,
} from './charts.ts';
import { formatBudgetLines } from '../cost/budget-summary.ts';
import type { ReportData } from './model.ts';
import { esc, fmtNum } from './svg.ts';

/** ms with one decimal, or `–`. */
export function ms(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(digits)}`;
}

/** USD with 4 significant digits (`$0.01234`), or `–`. */
export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '$0';
  return `$${Math.abs(v) >= 100 ? v.toFixed(2) : Number(v.toPrecision(4)).toString()}`;
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], opts: { numeric?: readonly number[]; caption?: string; cls?: string } = {}): string {
  const num = new Set(opts.numeric ?? []);
  const th = head.map((h, i) => `<th scope="col"${num.has(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${num.has(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<table${opts.cls ? ` class="${opts.cls}"` : ''}>${opts.caption ? `<caption>${esc(opts.caption)}</caption>` : ''}<thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function counts(map: Record<string, number>): string {
  const e = Object.entries(map).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return e.length === 0 ? 'none' : e.map(([k, n]) => `${esc(k)} <b>${n}</b>`).join(', ');
}

function section(id: string, title: string, body: string): string {
  return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${esc(title)}</h2>${body}</section>`;
}

/** One short sentence for the banner's title; the reasons follow as a list. */
function verdictTitle(d: ReportData): string {
  const v = d.verdict;
  if (v.connectFailure) return v.connectFailure.line.replace(/^FAIL: /, '');
  if (v.status === 'invalid') return 'The load generator was the bottleneck, or its self-check data was lost: these numbers are not the target\'s.';
  if (v.status === 'fail') {
    const parts = [
      ...(v.sloBreaches.length ? [`${v.sloBreaches.length} SLO breach${v.sloBreaches.length === 1 ? '' : 'es'}`] : []),
      ...(v.conformanceErrors ? [`${v.conformanceErrors} conformance error${v.conformanceErrors === 1 ? '' : 's'}`] : []),
    ];
    return `Valid run, but ${parts.join(' and ')}.`;
  }
  return v.headline.replace(/^PASS: /, '');
}

/** The verdict banner: first thing on the page. */
export function verdictSection(d: ReportData): string {
  const v = d.verdict;
  const label = v.status === 'invalid' ? 'INVALID RUN' : v.status === 'fail' ? 'FAIL' : 'PASS';
  const items: string[] = [];
  if (v.connectFailure?.hint) items.push(`<li><b>Hint:</b> ${esc(v.connectFailure.hint)}</li>`);
  for (const r of v.invalidReasons) items.push(`<li><b>Invalid:</b> ${esc(r)}</li>`);
  for (const b of v.sloBreaches) items.push(`<li><b>SLO breach:</b> ${esc(b)}</li>`);
  if (v.conformanceErrors) items.push(`<li><b>Conformance:</b> ${v.conformanceErrors} error finding${v.conformanceErrors === 1 ? '' : 's'} (see below)</li>`);
  if (v.interrupted) items.push('<li>The run was stopped early.</li>');
  return (
    `<section id="verdict" class="verdict verdict-${v.status}" role="status" aria-labelledby="verdict-h">` +
    `<h2 id="verdict-h"><span class="badge">${label}</span> ${esc(verdictTitle(d))}</h2>` +
    (v.status === 'pass' ? '<p>The load generator kept up (send lag and event loop within budget) and every SLO held.</p>' : '') +
    (items.length ? `<ul>${items.join('')}</ul>` : '') +
    '</section>'
  );
}

/** Key figures: sessions, turns, errors, cost per minute. */
export function overviewSection(d: ReportData): string {
  const s = d.summary;
  const codes = errorCodeCounts(s.errors);
  const errorsTotal = Object.values(codes).reduce((a, b) => a + b, 0);
  const failedWithReason = failureGroups(s.errors).reduce((a, g) => a + g.count, 0);
  const c = d.cost;
  const card = (title: string, value: string, sub: string): string => `<div class="kpi"><div class="kpi-t">${esc(title)}</div><div class="kpi-v">${value}</div><div class="kpi-s">${sub}</div></div>`;
  const kpis = [
    card('Sessions', String(s.sessions.started), `${s.sessions.completed} completed · ${s.sessions.failed} failed · ${s.sessions.aborted} aborted${s.sessions_not_started ? ` · ${s.sessions_not_started} not started` : ''}`),
    card('Turns', String(s.turns.completed + s.turns.failed + s.turns.aborted), `${s.turns.completed} completed · ${s.turns.failed} failed · ${s.turns.aborted} aborted`),
    card(
      'Errors',
      String(errorsTotal),
      (errorsTotal ? counts(codes) : 'no error events') + (failedWithReason ? ` · ${failedWithReason} failed session${failedWithReason === 1 ? '' : 's'} (reasons under errors)` : ''),
    ),
    card(
      'Cost per connected minute',
      c ? usd(c.usdPerConnectedMinute) : '–',
      c ? `price card of ${esc(c.asOf)}${c.estimatedResponses ? ` · ${c.estimatedResponses} responses estimated` : ''}` : esc(d.costError ?? 'not computed'),
    ),
  ];
  const ttfaRows = d.efforts
    .filter((e) => (s.metrics.ttfa_ms[e]?.count ?? 0) > 0)
    .map((e) => `${esc(e)}: p50 <b>${esc(percentileCell(s.metrics.ttfa_ms[e]!, 'p50', 0))}</b> ms, p95 <b>${esc(percentileCell(s.metrics.ttfa_ms[e]!, 'p95', 0))}</b> ms`);
  const meta = `<p class="meta">Scenario <b>${esc(s.scenario.name)}</b>${s.scenario.file ? ` (${esc(s.scenario.file)})` : ''} · target ${esc(s.target)} · ${esc(s.kind)} <b>${esc(s.model)}</b> · efforts ${esc(s.efforts.join(', ') || '–')} · started ${esc(s.started_at)} · ${s.duration_s.toFixed(1)} s · seed ${s.provenance.seed}</p>`;
  return section('overview', 'Overview', meta + `<div class="kpis">${kpis.join('')}</div>` + (ttfaRows.length ? `<p>TTFA — ${ttfaRows.join(' · ')}</p>` : ''));
}

const METRIC_ROWS: [keyof ReportData['summary']['metrics'], string, number][] = [
  ['ttfa_ms', 'TTFA (ms)', 1],
  ['ttfa_onset_ms', 'TTFA to onset (ms)', 1],
  ['leading_silence_ms', 'Leading silence (ms)', 1],
  ['vad_delay_ms', 'VAD delay (ms)', 1],
  ['response_start_ms', 'Response start (ms)', 1],
  ['first_text_ms', 'First text (ms)', 1],
  ['turn_ms', 'Turn time (ms)', 1],
  ['connect_ms', 'Connect (ms)', 1],
  ['configure_ms', 'Configure (ms)', 1],
  ['audio_rtf', 'Audio real-time factor (×)', 2],
  // WebRTC runs only.
  ['setup_offer_posted_ms', 'Setup: offer posted (ms)', 1],
  ['setup_answer_ms', 'Setup: answer (ms)', 1],
  ['setup_ice_connected_ms', 'Setup: ICE connected (ms)', 1],
  ['setup_channel_open_ms', 'Setup: channel open (ms)', 1],
  ['rtp_jitter_ms', 'RTP jitter (ms)', 1],
  ['rtp_max_gap_ms', 'RTP longest gap (ms)', 1],
  ['barge_in_stop_ms', 'Barge-in to audio stop (ms)', 1],
];

/** A caption note naming the GPT-Live rows among `groups` (they carry no reasoning effort), or ''. */
function liveNote(groups: readonly string[]): string {
  const live = [...new Set(groups.filter(isLiveArmLabel))];
  return live.length ? `; ${live.join(', ')} = GPT-Live sessions: no reasoning effort (compare on TTFA at audio onset; cost per active minute)` : '';
}

/** Latency: TTFA curves, the per-metric table, by turn, breakdown. */
export function latencySection(d: ReportData): string {
  const rows: string[][] = [];
  for (const [key, title, digits] of METRIC_ROWS) {
    const m = (d.summary.metrics[key] ?? {}) as Record<string, MetricStatsMs>; // absent in older summaries
    for (const e of d.efforts) {
      const st = m[e];
      if (!st || st.count === 0) continue;
      rows.push([esc(title), esc(e), String(st.count), ...(['p50', 'p90', 'p95', 'p99'] as const).map((k) => esc(percentileCell(st, k, digits))), ms(st.max, digits)]);
    }
  }
  const clamped = Object.entries(d.summary.metrics.negative_clamped);
  return section(
    'latency',
    'Latency',
    ttfaPercentileChart(d) +
      table(['Metric', 'Effort', 'Count', 'p50', 'p90', 'p95', 'p99', 'max'], rows, { numeric: [2, 3, 4, 5, 6, 7], caption: `Per metric and effort (HDR histograms, ±0.1 %); [a, b] = confidence interval of the percentile${liveNote(d.efforts)}` }) +
      uncertaintyNote(d) +
      differencesTable(d) +
      (clamped.length ? `<p class="muted">Negative values recorded as 0: ${clamped.map(([k, n]) => `${esc(k)} ${n}`).join(', ')} (the VAD decided before the last speech frame was sent; turns.csv keeps the exact values).</p>` : '') +
      ttfaByTurnChart(d) +
      breakdownChart(d),
  );
}

/** What the brackets mean and the two other error sources (HDR resolution, harness timing), beside the table. */
function uncertaintyNote(d: ReportData): string {
  const lines = uncertaintyLines(d.summary);
  return lines.length ? `<p class="muted" id="uncertainty">${esc(lines.map((l) => l.trim()).join(' '))}</p>` : '';
}

/** The rank comparisons (efforts, turn 1 vs later turns) with their verdicts in words. */
function differencesTable(d: ReportData): string {
  const c = d.summary.comparisons;
  if (!c || Object.keys(c).length === 0) return '';
  const rows: string[][] = [];
  for (const [metric, list] of Object.entries(c)) {
    for (const x of list) {
      const cls = x.verdict === 'real' ? 'good' : 'muted';
      rows.push([esc(metric), esc(`${x.b} vs ${x.a}`), `${x.n_b} / ${x.n_a}`, ms(x.shift, 1), x.ci ? `${ms(x.ci[0], 1)} … ${ms(x.ci[1], 1)}` : '–', x.p_holm === null ? '–' : esc(x.p_holm.toPrecision(3)), `<span class="${cls}">${esc(x.verdict)}</span>`]);
    }
  }
  const words = comparisonLines(d.summary).slice(2); // without the blank line and the header
  return (
    table(['Metric', 'Comparison', 'n', 'Shift', 'Interval', 'p (Holm)', 'Verdict'], rows, {
      numeric: [2, 3, 4, 5],
      caption: 'Differences: Hodges–Lehmann shift (second minus first), Moses interval, Mann–Whitney p corrected by Holm within each metric',
    }) + (words.length ? `<ul class="notes" id="differences">${words.map((w) => `<li>${esc(w.trim())}</li>`).join('')}</ul>` : '')
  );
}

/** The run over time. */
export function timelineSection(d: ReportData): string {
  const note = d.timeline?.unplacedSessions ? `<p class="muted">${d.timeline.unplacedSessions} sessions had no stamps and are not drawn.</p>` : '';
  return section('timeline', 'Timeline', activeSessionsChart(d) + turnsPerSecondChart(d) + note);
}

/** Pacing and the harness self-check. */
export function pacingSection(d: ReportData): string {
  const l = d.sendLag;
  const el = l.eventLoop;
  const verdict =
    l.withinBudget === null
      ? 'No frames were paced (or the data was lost): the send-lag check could not run.'
      : l.withinBudget
        ? `Within budget: p99 ${ms(l.p99Ms, 2)} ms ≤ ${fmtNum(l.budgetMs)} ms at ${l.chunkMs} ms chunks.`
        : `Over budget: p99 ${ms(l.p99Ms, 2)} ms > ${fmtNum(l.budgetMs)} ms at ${l.chunkMs} ms chunks — the load generator could not stream in real time.`;
  const stall =
    el.max_stall_ms === null
      ? 'Event loop: not monitored (or the data was lost).'
      : `Event loop: longest stall ${ms(el.max_stall_ms, 1)} ms (budget ${el.stall_budget_ms} ms), p99 delay ${ms(el.p99_delay_ms, 2)} ms — ${el.max_stall_ms > el.stall_budget_ms ? 'over budget' : 'within budget'}.`;
  const me = d.summary.measurement_error_ms;
  const meLine = me
    ? `<p>Measurement error against the mock's trace (harness first-audio stamp − mock send stamp): p50 ${ms(me.p50, 2)} ms, p99 ${ms(me.p99, 2)} ms, max ${ms(me.max, 2)} ms over ${me.matched} responses.</p>`
    : '';
  const cls = l.withinBudget === false ? 'bad' : l.withinBudget ? 'good' : 'muted';
  return section(
    'pacing',
    'Send lag and self-check',
    `<p class="${cls}"><b>Self-check:</b> ${esc(verdict)}</p><p>${esc(stall)}</p>${meLine}` +
      `<p class="muted">${l.count} frames: p50 ${ms(l.p50Ms, 2)} ms, p99 ${ms(l.p99Ms, 2)} ms, max ${ms(l.maxMs, 2)} ms.</p>` +
      sendLagChart(d),
  );
}

/** Failed sessions by outcome and reason, with a hint per reason; empty when none failed with a reason. */
function failuresTable(errors: Record<string, number>): string {
  const groups = failureGroups(errors);
  if (groups.length === 0) return '';
  return table(
    ['Sessions', 'Outcome', 'Reason', 'Hint'],
    groups.map((g) => [String(g.count), esc(g.outcome), esc(g.reason), esc(failureHint(g.reason) ?? '–')]),
    { numeric: [0], caption: 'Failed sessions, by reason' },
  );
}

/** Errors and outcomes. */
export function errorsSection(d: ReportData): string {
  const s = d.summary;
  return section(
    'errors',
    'Errors and outcomes',
    `<p><b>Error events</b> (by code): ${counts(errorCodeCounts(s.errors))}</p>` +
      failuresTable(s.errors) +
      `<p><b>Turns not completed</b> (by code): ${counts(s.turns.by_error_code)}</p>` +
      `<p><b>Turns by status</b>: ${counts(s.turns.by_status)}</p>` +
      `<p><b>Sessions by outcome</b>: ${counts(s.sessions.by_outcome)}</p>` +
      `<p><b>Playback</b>: ${s.playback.underruns} underruns in ${s.playback.turns_with_audio} turns with audio, ${s.playback.underrun_silence_ms.toFixed(1)} ms of silence inserted.</p>`,
  );
}

/** Conformance findings. */
export function conformanceSection(d: ReportData): string {
  const c = d.conformance;
  if (!c) return section('conformance', 'Conformance', '<p class="muted">No conformance data (conformance.json absent: the run was not checked or did not finish).</p>');
  const head = `<p class="${c.passed ? 'good' : 'bad'}"><b>${c.passed ? 'No error findings' : 'Error findings'}</b>: ${c.findings} findings — ${c.bySeverity.error} errors, ${c.bySeverity.warning} warnings, ${c.bySeverity.info} info.</p>`;
  const rules = c.rules.length
    ? table(['Rule', 'Severity', 'Count', 'What a conforming stream does'], c.rules.map((r) => [`<code>${esc(r.id)}</code>`, esc(r.severity), String(r.count), esc(r.description)]), { numeric: [2] })
    : '';
  const ex = c.examples.length
    ? `<details><summary>First ${c.examples.length} findings</summary>${table(
        ['Rule', 'Severity', 'Session', 'Event', 'Message'],
        c.examples.map((f) => [`<code>${esc(f.ruleId)}</code>`, esc(f.severity), esc(f.sessionId ?? '–'), esc(f.eventType || '–'), esc(f.message)]),
      )}</details>`
    : '';
  return section('conformance', 'Conformance', head + rules + ex);
}

/** Faults and recovery. */
export function recoverySection(d: ReportData): string {
  const r = d.recovery;
  if (r.byFault.length === 0) return section('recovery', 'Recovery', '<p>No faults met: no session recorded a recovery.</p>');
  return section(
    'recovery',
    'Recovery',
    `<p>${r.sessionsWithFaults} session${r.sessionsWithFaults === 1 ? '' : 's'} met faults.</p>` +
      table(
        ['Fault', 'Times', 'Recovered', 'Mean recovery (ms)', 'Max recovery (ms)', 'Turns lost', 'Attempts'],
        r.byFault.map((f) => [esc(f.fault), String(f.count), `${f.recovered} (${pct(f.recovered / f.count)})`, ms(f.meanRecoveryMs), ms(f.maxRecoveryMs), String(f.turnsLost), String(f.attempts)]),
        { numeric: [1, 2, 3, 4, 5, 6] },
      ),
  );
}

/** Cost. */
export function costSection(d: ReportData): string {
  const c = d.cost;
  // The run's spend, cap and pre-run estimate (cost guard), as the console printed them.
  const budget = d.summary.budget ? formatBudgetLines(d.summary.budget).map((l) => `<p${/^Stopped at budget/.test(l) ? ' class="warn"' : ''}>${esc(l)}</p>`).join('') : '';
  if (!c) return section('cost', 'Cost', `${budget}<p class="muted">${esc(d.costError ?? 'Cost was not computed.')}</p>`);
  const lines = [
    budget,
    `<p>Total <b>${usd(c.usd)}</b>${c.usd === null ? ` (known parts ${usd(c.knownUsd)})` : ''} · per connected minute <b>${usd(c.usdPerConnectedMinute)}</b> · per minute of user speech <b>${usd(c.usdPerUserSpeechMinute)}</b> · per response ${usd(c.usdPerResponse)} · cached share of input ${pct(c.cachedShare)} — price card of <b>${esc(c.asOf)}</b> (${esc(c.currency)}).</p>`,
  ];
  if (c.estimatedResponses || c.estimatedUsd > 0) lines.push(`<p class="warn">Estimate: ${c.estimatedResponses} responses had no usage and were estimated from audio durations (${usd(c.estimatedUsd)} of the total).</p>`);
  if (c.reasons.length) lines.push(`<p class="warn">Unpriced parts: ${esc(c.reasons.join('; '))}</p>`);
  const rows = c.groups.map((g) => [esc(g.model), esc(g.effort), String(g.responses), usd(g.usd), usd(g.usdPerConnectedMinute), usd(g.usdPerUserSpeechMinute), usd(g.usdPerResponse), pct(g.cachedShare)]);
  return section(
    'cost',
    'Cost',
    lines.join('') +
      table(['Model', 'Effort', 'Responses', 'USD', 'per connected min', 'per user-speech min', 'per response', 'cached share'], rows, { numeric: [2, 3, 4, 5, 6, 7], caption: `Price card of ${c.asOf}${liveNote(c.groups.map((g) => g.effort))}` }) +
      costByTurnChart(d),
  );
}

/** Sessions and turns tables (first rows; the CSVs hold every row). */
export function tablesSection(d: ReportData): string {
  const more = (shown: number, total: number, file: string): string => (total > shown ? `<p class="muted">First ${shown} of ${total}; every row is in ${file}.</p>` : '');
  const sessions = table(
    ['#', 'Session id', 'Effort', 'Model', 'Outcome', 'Connect (ms)', 'Connected (s)', 'Turns ok', 'Turns failed', 'Errors', 'Recoveries', 'USD'],
    d.sessionRows.map((s) => [String(s.index), esc(s.id ?? '–'), esc(s.effort), esc(s.model), esc(s.outcome), ms(s.connectMs), ms(s.connectedS), String(s.turnsCompleted), String(s.turnsFailed), esc(s.errors || '–'), String(s.recoveries), usd(s.usd)]),
    { numeric: [0, 5, 6, 7, 8, 10, 11], cls: 'rows' },
  );
  const turns = table(
    ['Session', 'Turn', 'Effort', 'Status', 'Code', 'TTFA (ms)', 'VAD delay (ms)', 'Response start (ms)', 'Turn (ms)', 'USD'],
    d.turnRows.map((t) => [String(t.session), String(t.turn), esc(t.effort), esc(t.status), esc(t.errorCode ?? ''), ms(t.ttfaMs), ms(t.vadDelayMs), ms(t.responseStartMs), ms(t.turnMs), usd(t.usd)]),
    { numeric: [0, 1, 5, 6, 7, 8, 9], cls: 'rows' },
  );
  return section(
    'data',
    'Sessions and turns',
    `<details><summary>Sessions (${d.sessionRowsTotal})</summary>${sessions}${more(d.sessionRows.length, d.sessionRowsTotal, 'sessions.csv')}</details>` +
      `<details><summary>Turns (${d.turnRowsTotal})</summary>${turns}${more(d.turnRows.length, d.turnRowsTotal, 'turns.csv')}</details>`,
  );
}

/** Provenance and notes about how the data was rebuilt or merged. */
export function provenanceSection(d: ReportData): string {
  const p = d.summary.provenance;
  const merged = d.summary.merged_from;
  const rows = [
    ['Tool version', esc(p.tool_version)],
    ['Git commit', esc(p.git_commit ?? 'unknown')],
    ['Node.js', esc(p.node_version)],
    ['Seed', String(p.seed)],
    ['Workers', String(p.workers)],
    ['Corpus clips', esc(Object.keys(p.corpus).join(', ') || '–')],
    ['Run directory', esc(d.runDir)],
    ['Report generated', esc(d.generatedAt)],
  ];
  const mergedTable = merged?.length
    ? table(
        ['Input', 'Scenario', 'Started', 'Commit', 'Turns', 'Sessions', 'Valid', 'Session index offset'],
        merged.map((m) => [esc(m.dir), esc(m.scenario), esc(m.started_at), esc(m.git_commit?.slice(0, 12) ?? '–'), String(m.turns), String(m.sessions), m.valid ? 'yes' : '<b>no</b>', String(m.session_index_offset)]),
        { caption: 'Merged from (histograms added, never percentiles averaged)' },
      )
    : '';
  const notes = d.notes.length ? `<ul class="notes">${d.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  const kv = `<table class="kv"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
  return section('provenance', 'Provenance', kv + mergedTable + notes);
}
