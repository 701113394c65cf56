/**
 * `rth report --k6-summary FILE --out DIR`: a report.html (and k6-metrics.csv) from a k6
 * end-of-test summary. k6 gives only aggregates, so the page says so first and shows what there is:
 * thresholds, the latency trends per effort at the percentiles k6 computed, counters.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { K6Aggregate, K6SummaryImport } from '../k6/summary-import.ts';
import { compareEfforts } from '../metrics/recorder.ts';
import { effortStyle, ninesAxis } from './charts.ts';
import { toCsv } from './csv.ts';
import { page } from './html.ts';
import { ninesOf, type CurvePoint } from './model.ts';
import { esc, fmtNum, lineChart, niceAxis, emptyChart, type LineSeries } from './svg.ts';

/** Latency trends the exported k6 script records (ms), in report order. */
export const K6_TRENDS = ['ttfa_ms', 'vad_delay_ms', 'response_start_ms', 'first_text_ms', 'turn_ms', 'connect_ms', 'configure_ms', 'send_lag_p99_ms', 'send_lag_max_ms'] as const;

const STATS: [keyof K6Aggregate, string][] = [
  ['count', 'count'],
  ['avg', 'avg'],
  ['min', 'min'],
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['max', 'max'],
  ['rate', 'rate'],
  ['passes', 'passes'],
  ['fails', 'fails'],
];

/** k6-metrics.csv rows (header first): one row per metric and tag set. */
export function k6CsvRows(k: K6SummaryImport): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [['metric', 'tags', ...STATS.map(([, n]) => n)]];
  for (const name of Object.keys(k.metrics).sort()) {
    for (const tags of Object.keys(k.metrics[name]!).sort()) {
      const a = k.metrics[name]![tags]!;
      rows.push([name, tags, ...STATS.map(([key]) => a[key] ?? null)]);
    }
  }
  return rows;
}

/** TTFA at the percentiles k6 reported, per effort, on the nines axis (points only where k6 has them). */
function k6TtfaChart(k: K6SummaryImport): string {
  const title = 'TTFA at k6\'s percentiles, per effort';
  const byTags = k.metrics['ttfa_ms'] ?? {};
  const series: LineSeries[] = [];
  for (const [tags, a] of Object.entries(byTags)) {
    const m = /^effort:([^,]+)$/.exec(tags);
    const name = m ? m[1]! : tags === 'all' ? 'all efforts' : null;
    if (name === null) continue;
    const pts: CurvePoint[] = [];
    for (const [p, v] of [[50, a.p50], [90, a.p90], [95, a.p95], [99, a.p99]] as [number, number | undefined][]) {
      if (v !== undefined) pts.push([Math.round(ninesOf(p) * 1000) / 1000, v]);
    }
    if (pts.length === 0) continue;
    const st = effortStyle(name);
    series.push({ name, color: name === 'all efforts' ? '#000000' : st.color, dash: st.dash, points: pts, marks: pts.map(([x, v]) => ({ x, y: v, title: `${name}: ${fmtNum(v)} ms` })) });
  }
  if (series.length === 0) return emptyChart('k6-ttfa', title, 'The k6 summary has no ttfa_ms percentiles.');
  series.sort((a, b) => (a.name === 'all efforts' ? 1 : b.name === 'all efforts' ? -1 : compareEfforts(a.name, b.name)));
  const maxMs = Math.max(...series.flatMap((s) => s.points.map((p) => p[1])));
  return lineChart({
    id: 'k6-ttfa',
    title,
    description: 'Only the percentiles k6 computed (summaryTrendStats); no histogram, so no curve between them.',
    x: ninesAxis(2),
    y: niceAxis(0, maxMs * 1.05, 'TTFA (ms)'),
    series,
    alt: 'TTFA percentiles from the k6 summary per effort',
  });
}

function num(v: number | undefined): string {
  return v === undefined ? '–' : fmtNum(v);
}

/** The k6 summary page. */
export function renderK6ReportHtml(k: K6SummaryImport, source: string, generatedAt: Date): string {
  const failed = k.thresholds.filter((t) => !t.ok);
  const status = failed.length ? 'fail' : 'pass';
  const verdict =
    `<section id="verdict" class="verdict verdict-${status}" role="status"><h2><span class="badge">${status === 'fail' ? 'FAIL' : 'PASS'}</span> ` +
    `${failed.length ? `${failed.length} k6 threshold${failed.length === 1 ? '' : 's'} failed` : `k6 thresholds held (${k.thresholds.length})`}</h2>` +
    `<p><b>k6 gives only aggregates.</b> ${esc(k.note)}</p>` +
    (failed.length ? `<ul>${failed.map((t) => `<li>${esc(t.metric)}{${esc(t.tags)}}: ${esc(t.expression)}</li>`).join('')}</ul>` : '') +
    '</section>';
  const trendRows: string[] = [];
  for (const name of K6_TRENDS) {
    const m = k.metrics[name];
    if (!m) continue;
    for (const tags of Object.keys(m).sort()) {
      const a = m[tags]!;
      trendRows.push(`<tr><td>${esc(name)}</td><td>${esc(tags)}</td>${(['count', 'avg', 'p50', 'p90', 'p95', 'p99', 'max'] as const).map((s) => `<td class="num">${num(a[s])}</td>`).join('')}</tr>`);
    }
  }
  const others = Object.keys(k.metrics).filter((n) => !(K6_TRENDS as readonly string[]).includes(n)).sort();
  const otherRows = others.flatMap((n) =>
    Object.entries(k.metrics[n]!).map(([tags, a]) => `<tr><td>${esc(n)}</td><td>${esc(tags)}</td><td class="num">${num(a.count)}</td><td class="num">${num(a.rate)}</td><td class="num">${num(a.passes)}</td><td class="num">${num(a.fails)}</td></tr>`),
  );
  const th = (cols: string[]): string => `<thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`;
  const body =
    `<header><h1>k6 summary <span class="muted">· ${esc(path.basename(source))}</span></h1><p class="muted">${esc(k.format)} format${k.testRunDurationMs !== null ? ` · ${(k.testRunDurationMs / 1000).toFixed(1)} s` : ''}</p></header>` +
    verdict +
    `<section id="latency"><h2>Latency</h2>${k6TtfaChart(k)}<table>${th(['Trend (ms)', 'Tags', 'count', 'avg', 'p50', 'p90', 'p95', 'p99', 'max'])}<tbody>${trendRows.join('')}</tbody></table></section>` +
    `<section id="counters"><h2>Counters and rates</h2><table>${th(['Metric', 'Tags', 'count', 'rate', 'passes', 'fails'])}<tbody>${otherRows.join('')}</tbody></table></section>` +
    `<section id="thresholds"><h2>Thresholds</h2><table>${th(['Metric', 'Tags', 'Expression', 'Held'])}<tbody>${k.thresholds
      .map((t) => `<tr><td>${esc(t.metric)}</td><td>${esc(t.tags)}</td><td><code>${esc(t.expression)}</code></td><td>${t.ok ? 'yes' : '<b class="bad">no</b>'}</td></tr>`)
      .join('')}</tbody></table></section>` +
    (k.skipped.length ? `<p class="muted">Not understood: ${esc(k.skipped.join(', '))}</p>` : '') +
    `<footer>Generated by rth at ${esc(generatedAt.toISOString())} from ${esc(source)}. Self-contained: no network access.</footer>`;
  return page(`rth report · k6 summary · ${path.basename(source)}`, body, { schema: 'rth.k6-report/1', source, k6: k });
}

/** Writes `report.html` and `k6-metrics.csv` for a k6 summary to `outDir`. */
export async function writeK6Report(k: K6SummaryImport, source: string, outDir: string, now: () => Date = () => new Date()): Promise<{ report: string; csv: string }> {
  await mkdir(outDir, { recursive: true });
  const report = path.join(outDir, 'report.html');
  const csv = path.join(outDir, 'k6-metrics.csv');
  await writeFile(report, renderK6ReportHtml(k, source, now()));
  await writeFile(csv, toCsv(k6CsvRows(k)));
  return { report, csv };
}
