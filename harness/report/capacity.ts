/**
 * The report's "Capacity" section (capacity search, issue 20), drawn from `summary.json`
 * `capacity` (harness/runner/capacity.ts): the result in words, three charts against concurrency —
 * TTFA p50/p95 (p95 only where the step supports it, with its interval on hover), error rate, and
 * rate limits by kind — and the evidence per step as a table. Absent block: no section.
 */
import type { CapacityBlock, CapacityStepBlock } from '../runner/capacity.ts';
import { esc, fmtNum, lineChart, niceAxis, PALETTE, type Axis, type LineSeries } from './svg.ts';

function concurrencyAxis(c: CapacityBlock): Axis {
  const max = c.steps.reduce((m, s) => Math.max(m, s.concurrency), 1);
  return niceAxis(0, max, 'Concurrent sessions (step)', 6, (v) => (Number.isInteger(v) ? String(v) : ''));
}

function maxOf(values: readonly number[]): number {
  return values.reduce((m, v) => (Number.isFinite(v) && v > m ? v : m), 0);
}

function ciText(s: CapacityStepBlock, key: 'p50' | 'p95'): string {
  const ci = s.ttfa_ms.ci[key];
  return ci.low !== null && ci.high !== null ? ` [${fmtNum(ci.low)}, ${fmtNum(ci.high)}]` : '';
}

/** TTFA p50 and p95 against concurrency; p95 points only where supported. */
function ttfaChart(c: CapacityBlock): string {
  const series: LineSeries[] = [];
  for (const [key, color, dash] of [['p50', PALETTE[0], ''], ['p95', PALETTE[3], '7 3']] as const) {
    const pts = c.steps.filter((s) => s.ttfa_ms[key] !== null);
    series.push({
      name: `TTFA ${key}`,
      color,
      dash,
      points: pts.map((s) => [s.concurrency, s.ttfa_ms[key]!] as const),
      marks: pts.map((s) => ({ x: s.concurrency, y: s.ttfa_ms[key]!, title: `${s.concurrency} sessions: TTFA ${key} ${fmtNum(s.ttfa_ms[key]!)} ms${ciText(s, key)} (n=${s.ttfa_ms.count})` })),
    });
  }
  const limit = c.stop_when?.ttfa_p95_ms ?? null;
  const top = maxOf([...c.steps.flatMap((s) => [s.ttfa_ms.p50 ?? 0, s.ttfa_ms.p95 ?? 0]), limit ?? 0]);
  return lineChart({
    id: 'capacity-ttfa',
    title: 'TTFA by step',
    description: `p95 drawn only at steps with at least ${c.p95_min_turns} turns (a p95 interval needs them at ${Math.round(c.level * 100)} %); hover a dot for its interval and n.`,
    x: concurrencyAxis(c),
    y: niceAxis(0, Math.max(1, top * 1.05), 'TTFA (ms)'),
    series,
    ...(limit !== null ? { refLines: [{ y: limit, label: `stop: p95 > ${fmtNum(limit)} ms`, color: PALETTE[3] }] } : {}),
    height: 280,
    alt: 'TTFA p50 and p95 against concurrent sessions',
  });
}

/** Error rate (%) against concurrency. */
function errorChart(c: CapacityBlock): string {
  const pts = c.steps.filter((s) => s.error_rate !== null);
  const limit = c.stop_when?.error_rate ?? null;
  const top = maxOf([...pts.map((s) => s.error_rate! * 100), (limit ?? 0) * 100]);
  return lineChart({
    id: 'capacity-errors',
    title: 'Error rate by step',
    description: 'Failed turns and failed session opens over turns plus failed opens, per step.',
    x: concurrencyAxis(c),
    y: niceAxis(0, Math.max(1, top * 1.05), 'Error rate (%)'),
    series: [
      {
        name: 'error rate',
        color: PALETTE[1],
        points: pts.map((s) => [s.concurrency, s.error_rate! * 100] as const),
        marks: pts.map((s) => ({ x: s.concurrency, y: s.error_rate! * 100, title: `${s.concurrency} sessions: ${fmtNum(s.error_rate! * 100)} % (${s.turns_failed} turns and ${s.sessions_failed} session opens failed)` })),
      },
    ],
    ...(limit !== null ? { refLines: [{ y: limit * 100, label: `stop: > ${fmtNum(limit * 100)} %`, color: PALETTE[3] }] } : {}),
    height: 240,
    alt: 'Error rate against concurrent sessions',
  });
}

/** Rate limits by kind against concurrency. */
function rateLimitChart(c: CapacityBlock): string {
  const kinds = [
    ['handshake 429', 'handshake_429', PALETTE[3], ''],
    ['in-session rate_limit_exceeded', 'in_session', PALETTE[2], '7 3'],
  ] as const;
  const top = maxOf(c.steps.flatMap((s) => [s.rate_limits.handshake_429, s.rate_limits.in_session]));
  return lineChart({
    id: 'capacity-rate-limits',
    title: 'Rate limits by step',
    description: 'Handshakes refused with HTTP 429 and in-session rate_limit_exceeded received during each step.',
    x: concurrencyAxis(c),
    y: niceAxis(0, Math.max(1, top), 'Count', 4, (v) => (Number.isInteger(v) ? String(v) : '')),
    series: kinds.map(([name, key, color, dash]) => ({
      name,
      color,
      dash,
      points: c.steps.map((s) => [s.concurrency, s.rate_limits[key]] as const),
      marks: c.steps.map((s) => ({ x: s.concurrency, y: s.rate_limits[key], title: `${s.concurrency} sessions: ${name} ×${s.rate_limits[key]}` })),
    })),
    height: 240,
    alt: 'Rate limits by kind against concurrent sessions',
  });
}

function headline(c: CapacityBlock): string {
  const result = `Capacity: <b>${c.sessions}</b> concurrent session${c.sessions === 1 ? '' : 's'}`;
  if (c.stopped_by) return `${result}, the last step that held; the step at ${c.stopped_at} broke: <b>${esc(c.stopped_by)}</b>.`;
  return c.max_reached ? `${result}: every step up to max held.` : `${result}: the search ended before max without a step breaking.`;
}

function stepRows(c: CapacityBlock): string {
  const cell = (v: string, num = true): string => `<td${num ? ' class="num"' : ''}>${v}</td>`;
  const rows = c.steps.map((s) => {
    const why = s.broken.length ? s.broken : s.notes;
    return (
      '<tr>' +
      cell(String(s.concurrency)) +
      cell(String(s.turns)) +
      cell(s.ttfa_ms.p50 === null ? '–' : `${fmtNum(s.ttfa_ms.p50)}${esc(ciText(s, 'p50'))}`) +
      cell(s.ttfa_ms.p95 === null ? '–' : `${fmtNum(s.ttfa_ms.p95)}${esc(ciText(s, 'p95'))}`) +
      cell(s.error_rate === null ? '–' : `${fmtNum(s.error_rate * 100)} %`) +
      cell(String(s.rate_limits.handshake_429)) +
      cell(String(s.rate_limits.in_session)) +
      cell(`${esc(s.verdict)}${why.length ? ` <span class="muted">${esc(why.join('; '))}</span>` : ''}`, false) +
      '</tr>'
    );
  });
  const head = ['Sessions', 'Turns', 'TTFA p50 (ms)', 'TTFA p95 (ms)', 'Errors', 'Handshake 429', 'In-session', 'Verdict'];
  return `<table><caption>Evidence per step (intervals at ${Math.round(c.level * 100)} %)</caption><thead><tr>${head.map((h, i) => `<th scope="col"${i < 7 ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The section, or '' when the run was not a capacity search. */
export function capacitySectionHtml(c: CapacityBlock | undefined | null): string {
  if (!c || c.steps.length === 0) return '';
  const rule = `<p class="muted">A step breaks when any <code>stop_when</code> condition fails; TTFA p95 is judged only at steps with at least ${c.p95_min_turns} turns (otherwise noted as not supported and not judged).</p>`;
  return (
    '<section id="capacity" aria-labelledby="capacity-h"><h2 id="capacity-h">Capacity</h2>' +
    `<p>${headline(c)}</p>` +
    rule +
    ttfaChart(c) +
    errorChart(c) +
    rateLimitChart(c) +
    stepRows(c) +
    '</section>'
  );
}
