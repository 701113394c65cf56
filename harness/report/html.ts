/**
 * report.html: ONE self-contained file. CSS, a few lines of script (legend toggles) and every
 * chart as inline SVG; the report data embedded as JSON. A Content-Security-Policy forbids any
 * network access when it is opened (no CDN, no fonts, no images from elsewhere).
 */
import type { ReportData } from './model.ts';
import {
  conformanceSection,
  costSection,
  errorsSection,
  latencySection,
  overviewSection,
  pacingSection,
  provenanceSection,
  recoverySection,
  tablesSection,
  timelineSection,
  verdictSection,
} from './sections.ts';
import { esc } from './svg.ts';
import { rateLimitsSectionHtml } from './rate-limits.ts';
import { capacitySectionHtml } from './capacity.ts';

/** Forbids every fetch: only inline styles and scripts run, images only from data: URLs. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Styles of report.html (and the k6 summary page). */
export const REPORT_CSS = `
:root{--fg:#1b1b1b;--muted:#5a5a5a;--line:#d9d9d9;--bg:#fff;--good:#00694a;--bad:#b03a00;--warnbg:#fff6e0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1120px;margin:0 auto;padding:16px 20px 48px}
header h1{font-size:22px;margin:8px 0 4px}
nav{font-size:13px;margin:4px 0 12px}nav a{margin-right:12px;color:#0a58a8}
h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.verdict{border-radius:6px;padding:10px 16px;margin:8px 0 16px;border:2px solid}
.verdict h2{border:0;margin:4px 0;font-size:17px}
.verdict-pass{background:#e8f5ee;border-color:#009E73}.verdict-fail{background:#fff3e0;border-color:#E69F00}.verdict-invalid{background:#fdeae4;border-color:#D55E00}
.badge{display:inline-block;padding:1px 8px;border-radius:4px;color:#fff;font-weight:700;margin-right:6px}
.verdict-pass .badge{background:#00694a}.verdict-fail .badge{background:#8a5a00}.verdict-invalid .badge{background:#b03a00}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:10px;margin:10px 0}
.kpi{border:1px solid var(--line);border-radius:6px;padding:8px 12px}.kpi-t{font-size:13px;color:var(--muted)}.kpi-v{font-size:26px;font-weight:700}.kpi-s{font-size:12.5px;color:var(--muted)}
.meta,.muted{color:var(--muted)}.good{color:var(--good)}.bad{color:var(--bad)}.warn{background:var(--warnbg);padding:4px 8px;border-radius:4px}
figure.chart{margin:16px 0;padding:8px 10px;border:1px solid var(--line);border-radius:6px}
figure.chart>svg{width:100%;height:auto;display:block}
.legend-item svg{flex:none}
figcaption{margin:0 0 6px}figcaption .muted{font-size:13px}
.empty{color:var(--muted);font-style:italic;margin:20px 8px}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;margin-top:4px}
.legend-item{display:inline-flex;align-items:center;gap:6px;border:1px solid transparent;background:none;font:inherit;font-size:13px;padding:2px 6px;border-radius:4px;cursor:pointer;color:var(--fg)}
.legend-item:hover,.legend-item:focus-visible{border-color:var(--line)}.legend-item[aria-pressed="false"]{opacity:.4;text-decoration:line-through}
table{border-collapse:collapse;margin:10px 0;font-size:13.5px;width:auto}
caption{text-align:left;font-size:13px;color:var(--muted);padding:2px 0}
th,td{border-bottom:1px solid #ececec;padding:4px 10px;text-align:left;vertical-align:top}th{background:#f6f6f6}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.rows{font-size:12.5px}details{margin:8px 0}summary{cursor:pointer;font-weight:600}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}td code{white-space:nowrap}
.notes li{color:var(--muted)}
footer{margin-top:32px;font-size:12px;color:var(--muted)}
`;

/** Legend buttons show/hide their series; the embedded data is parsed once (an error shows if it is corrupt). */
export const REPORT_SCRIPT = `
(function(){
  var el=document.getElementById('rth-data');
  try{var data=JSON.parse(el.textContent);document.documentElement.setAttribute('data-report-schema',data.schema);}
  catch(e){document.body.insertAdjacentHTML('afterbegin','<p class="bad">Embedded report data is corrupt.</p>');}
  document.querySelectorAll('figure.chart').forEach(function(fig){
    fig.querySelectorAll('.legend-item').forEach(function(btn){
      btn.addEventListener('click',function(){
        var on=btn.getAttribute('aria-pressed')!=='true';
        btn.setAttribute('aria-pressed',String(on));
        fig.querySelectorAll('[data-series-name]').forEach(function(g){
          if(g.getAttribute('data-series-name')===btn.getAttribute('data-toggle'))g.style.display=on?'':'none';
        });
      });
    });
  });
})();
`;

/** JSON safe inside a `<script>` element (no `</script>`, no `<!--`). */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A complete page around `body`, with `data` embedded. */
export function page(title: string, body: string, data: unknown): string {
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">` +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${esc(title)}</title><style>${REPORT_CSS}</style></head><body><main>` +
    body +
    `</main><script type="application/json" id="rth-data">${embedJson(data)}</script><script>${REPORT_SCRIPT}</script></body></html>\n`
  );
}

/** The run report page. */
export function renderReportHtml(d: ReportData): string {
  const s = d.summary;
  const title = `rth report · ${s.scenario.name} · ${s.model}`;
  const nav = ['overview', 'latency', ...(s.capacity ? ['capacity'] : []), 'timeline', 'pacing', 'errors', 'rate-limits', 'conformance', 'recovery', 'cost', 'data', 'provenance']
    .map((id) => `<a href="#${id}">${id === 'data' ? 'sessions & turns' : id}</a>`)
    .join('');
  const body =
    `<header><h1>${esc(s.scenario.name)} <span class="muted">· ${esc(s.model)} · ${esc(s.started_at)}</span></h1>${s.scenario.description ? `<p class="muted">${esc(s.scenario.description)}</p>` : ''}</header>` +
    verdictSection(d) +
    `<nav aria-label="Sections">${nav}</nav>` +
    overviewSection(d) +
    latencySection(d) +
    capacitySectionHtml(s.capacity) +
    timelineSection(d) +
    pacingSection(d) +
    errorsSection(d) +
    rateLimitsSectionHtml(d.rateLimits) +
    conformanceSection(d) +
    recoverySection(d) +
    costSection(d) +
    tablesSection(d) +
    provenanceSection(d) +
    `<footer>Generated by rth ${esc(s.provenance.tool_version)} at ${esc(d.generatedAt)}. Self-contained: no network access. Data: turns.csv, sessions.csv, cost.csv, summary.json, histograms/ (.hgrm, latency.hlog).</footer>`;
  return page(title, body, d);
}
