/**
 * The carrier run's end-of-run text (verdict first) and `report.html` (the project's page shell:
 * one self-contained file, no network). Both read only `summary.json`'s content.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { page } from '../report/html.ts';
import { esc } from '../report/svg.ts';
import { CARRIER_METRICS } from './summary.ts';
import type { CarrierSummary } from './summary.ts';

/** What each metric means, one line (docs/readme/telephony.md has the full definitions). */
export const METRIC_HELP: Record<(typeof CARRIER_METRICS)[number], string> = {
  ttfa_ms: 'end of the caller’s speech → first bridge frame holding the answer’s speech onset',
  ttfa_first_frame_ms: 'end of the caller’s speech → first bridge media frame of the answer',
  barge_in_stop_ms: 'caller starts speaking over the answer → clear received',
  barge_in_dropped_audio_ms: 'queued answer audio that clear dropped',
  mark_echo_delay_ms: 'mark received → echoed (audio queued ahead of it)',
  call_setup_ms: 'call start (TwiML fetch included) → media-stream WebSocket open',
  bridge_in_ms: 'caller’s last speech frame sent → the mock received it (mock trace)',
  model_ms: 'mock received the last speech → mock sent first audio (mock trace)',
  bridge_out_ms: 'mock sent first audio → first answer frame at the caller (mock trace)',
};

function verdict(s: CarrierSummary): string {
  const problems: string[] = [];
  if (s.calls.failed > 0) problems.push(`${s.calls.failed} call(s) failed`);
  if (s.bad_input.total > 0) problems.push(`${s.bad_input.total} bad message(s) from the bridge`);
  if (s.turns.failed > 0) problems.push(`${s.turns.failed} turn(s) unanswered`);
  if (!s.slo.passed) problems.push(`SLO breached: ${s.slo.breaches.map((b) => b.message).join('; ')}`);
  if (s.turns.completed === 0) problems.push('no turn completed');
  if (!s.valid) return `INVALID RUN: ${s.invalid_reasons.join('; ')}${problems.length ? `; also ${problems.join('; ')}` : ''}`;
  return problems.length === 0 ? 'PASS: valid run, calls completed, SLOs met' : `FAIL: ${problems.join('; ')}`;
}

const cell = (v: number | null): string => (v === null ? '–' : v.toFixed(1));

/** The end-of-run text. */
export function formatCarrierTable(s: CarrierSummary, outDir: string): string {
  const out = [verdict(s), ''];
  out.push(`${s.transport} (${s.codec}) → ${s.target}: ${s.calls.total} calls, ${s.calls.valid} valid, ${s.calls.failed} failed; turns ${s.turns.completed} completed, ${s.turns.failed} unanswered; ${s.duration_s} s`);
  for (const [reason, n] of Object.entries(s.calls.failure_reasons)) out.push(`  ${n} × ${reason}`);
  out.push('', `${'metric'.padEnd(28)}${'n'.padStart(6)}${'p50'.padStart(10)}${'p90'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`);
  for (const m of CARRIER_METRICS) {
    const st = s.metrics[m];
    if (st.count === 0) continue;
    out.push(`${m.padEnd(28)}${String(st.count).padStart(6)}${cell(st.p50).padStart(10)}${cell(st.p90).padStart(10)}${cell(st.p99).padStart(10)}${cell(st.max).padStart(10)}`);
  }
  if (s.split) out.push('', `mock trace split: ${s.split.matched_calls} call(s) matched to mock sessions, ${s.split.unmatched_turns} answered turn(s) unmatched`);
  out.push(`marks: ${s.marks.received} received, ${s.marks.echoed} echoed (${s.marks.echoed_on_clear} on clear); clears: ${s.clears}; barge-ins: ${s.turns.barge_ins} (${s.turns.barge_ins_without_clear} without clear); dtmf sent: ${s.dtmf_sent}`);
  if (s.bad_input.total > 0) {
    out.push(`bad input from the bridge: ${Object.entries(s.bad_input.by_kind).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    for (const e of s.bad_input.examples.slice(0, 5)) out.push(`  ${e}`);
  }
  out.push(`send lag p99 ${cell(s.send_lag_ms.p99)} ms; event loop max stall ${s.event_loop.maxStallMs.toFixed(1)} ms`);
  if (s.bridge) out.push(`bridge: ${s.bridge.command} → exit ${s.bridge.exit}`);
  out.push('', `files: ${outDir}`);
  return out.join('\n');
}

/** report.html. */
export function renderCarrierReport(s: CarrierSummary): string {
  const rows = CARRIER_METRICS.map((m) => {
    const st = s.metrics[m];
    return `<tr><td><code>${m}</code></td><td>${esc(METRIC_HELP[m])}</td><td>${st.count}</td><td>${cell(st.p50)}</td><td>${cell(st.p90)}</td><td>${cell(st.p95)}</td><td>${cell(st.p99)}</td><td>${cell(st.max)}</td></tr>`;
  }).join('');
  const v = verdict(s);
  const cls = !s.valid ? 'verdict-invalid' : v.startsWith('PASS') ? 'verdict-pass' : 'verdict-fail';
  const problems = Object.entries(s.bad_input.by_kind).map(([k, n]) => `<tr><td>${esc(k)}</td><td>${n}</td></tr>`).join('');
  const body = [
    `<header><h1>${esc(s.scenario.name)}: ${esc(s.transport)} calls</h1><p>${esc(s.target)} · ${esc(s.codec)} · started ${esc(s.started_at)} · ${s.duration_s} s</p></header>`,
    `<section class="verdict ${cls}"><h2>${esc(v)}</h2></section>`,
    `<h2>Calls</h2><p>${s.calls.total} calls: ${s.calls.valid} valid, ${s.calls.failed} failed, ${s.calls.with_bad_input} with bad input. Turns: ${s.turns.completed} completed, ${s.turns.failed} unanswered, ${s.turns.barge_ins} barge-ins (${s.turns.barge_ins_without_clear} without clear).</p>`,
    Object.keys(s.calls.failure_reasons).length ? `<ul>${Object.entries(s.calls.failure_reasons).map(([r, n]) => `<li>${n} × ${esc(r)}</li>`).join('')}</ul>` : '',
    `<h2>Latency at the caller's ear (ms)</h2><table><thead><tr><th>metric</th><th>definition</th><th>n</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th></tr></thead><tbody>${rows}</tbody></table>`,
    s.split ? `<p>Split from the mock's trace: ${s.split.matched_calls} call(s) matched to mock sessions; ${s.split.unmatched_turns} answered turn(s) without a match; ${s.split.negative_values} negative value(s) recorded as 0.</p>` : '<p>No mock trace (the bridge was not started by rth with the embedded mock), so no bridge/model split.</p>',
    `<h2>Marks, clear, DTMF</h2><p>${s.marks.received} marks received (${s.marks.without_name} without a name), ${s.marks.echoed} echoed (${s.marks.echoed_on_clear} on clear); ${s.clears} clears; ${s.dtmf_sent} DTMF digits sent.</p>`,
    `<h2>Bad input from the bridge</h2><table><tbody>${problems}</tbody></table>${s.bad_input.examples.length ? `<ul>${s.bad_input.examples.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>` : ''}`,
    `<h2>Self-check</h2><p>Send lag p99 ${cell(s.send_lag_ms.p99)} ms, event loop max stall ${s.event_loop.maxStallMs.toFixed(1)} ms. ${s.valid ? 'Valid.' : esc(s.invalid_reasons.join(' '))}</p>`,
    s.bridge ? `<h2>Bridge</h2><p><code>${esc(s.bridge.command)}</code> → exit ${esc(s.bridge.exit)}</p><pre>${esc(s.bridge.tail)}</pre>` : '',
  ].join('\n');
  return page(`${s.scenario.name} — carrier report`, body, s);
}

/** Whether a run folder holds a carrier run (its `summary.json` has the carrier schema). */
export function isCarrierRun(runDir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { schema?: unknown }).schema === 'rth.carrier-summary/1';
  } catch {
    return false;
  }
}

/** `rth report RUN_DIR` for a carrier run: report.html again from its summary.json. Returns the file written. */
export function rebuildCarrierReport(runDir: string, outDir: string = runDir): string {
  const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as CarrierSummary;
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'report.html');
  writeFileSync(file, renderCarrierReport(summary));
  return file;
}
