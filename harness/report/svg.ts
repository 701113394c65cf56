/**
 * Hand-written SVG charts for report.html: a line chart (with step lines and reference lines), a
 * horizontal stacked bar chart and a stacked column chart. No dependencies, no scripts required to
 * see them. Every chart is a `<figure data-chart=… data-series='[names]'>` and every series an
 * element with `data-series-name`, so a test (or a script) can check what was drawn.
 * Colours are the Okabe–Ito colour-blind-safe palette; lines also differ by dash pattern.
 */

/** Okabe–Ito colours in the order series take them (yellow left out: too faint on white). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000'] as const;
/** Dash patterns by series index, so lines differ without colour too. */
export const DASHES = ['', '7 3', '2 3', '9 3 2 3', '4 4', '1 2', '12 4'] as const;

/** HTML/XML text and attribute escaping. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A value on an axis and its label. */
export interface Tick {
  v: number;
  label: string;
}

/** An axis: its range in data units, ticks and title (with unit). */
export interface Axis {
  min: number;
  max: number;
  ticks: Tick[];
  title: string;
}

/** Compact number text: up to 3 significant decimals, thousands without separators. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return String(Number(v.toFixed(digits)));
}

/** "Nice" ticks (1, 2, 5 × 10^k steps) covering [min, max]; returns the ticks and the rounded range. */
export function niceAxis(min: number, max: number, title: string, target = 5, fmt: (v: number) => string = fmtNum): Axis {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: Tick[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push({ v: Number(v.toPrecision(12)), label: fmt(Number(v.toPrecision(12))) });
  return { min: lo, max: hi, ticks, title };
}

/** Geometry shared by the charts, in SVG units. */
const W = 760;
const M = { left: 70, right: 20, top: 14, bottom: 52 };

function scale(a: Axis, from: number, to: number): (v: number) => number {
  const span = a.max - a.min || 1;
  return (v) => from + ((v - a.min) / span) * (to - from);
}

function r1(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

function axesSvg(x: Axis, y: Axis, h: number, opts: { xGrid?: boolean } = {}): string {
  const sx = scale(x, M.left, W - M.right);
  const sy = scale(y, h - M.bottom, M.top);
  const out: string[] = ['<g class="axes" font-size="12" fill="#222">'];
  for (const t of y.ticks) {
    const yy = r1(sy(t.v));
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${esc(t.label)}</text>`);
  }
  x.ticks.forEach((t, i) => {
    const xx = r1(sx(t.v));
    // The last label would overflow the right edge if centred on its tick.
    const anchor = i === x.ticks.length - 1 && sx(t.v) > W - M.right - 20 ? 'end' : 'middle';
    if (opts.xGrid !== false) out.push(`<line x1="${xx}" x2="${xx}" y1="${M.top}" y2="${h - M.bottom}" stroke="#eeeeee"/>`);
    out.push(`<line x1="${xx}" x2="${xx}" y1="${h - M.bottom}" y2="${h - M.bottom + 4}" stroke="#555"/>`);
    out.push(`<text x="${xx}" y="${h - M.bottom + 17}" text-anchor="${anchor}">${esc(t.label)}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${h - M.bottom}" y2="${h - M.bottom}" stroke="#555"/>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${h - M.bottom}" stroke="#555"/>`);
  out.push(`<text class="axis-title" x="${(M.left + W - M.right) / 2}" y="${h - 12}" text-anchor="middle" font-weight="600">${esc(x.title)}</text>`);
  out.push(
    `<text class="axis-title" transform="translate(16 ${(M.top + h - M.bottom) / 2}) rotate(-90)" text-anchor="middle" font-weight="600">${esc(y.title)}</text>`,
  );
  out.push('</g>');
  return out.join('');
}

/** A legend entry. */
export interface LegendItem {
  name: string;
  color: string;
  dash?: string;
  /** `line` (default) or `box`. */
  shape?: 'line' | 'box';
}

function legendHtml(items: readonly LegendItem[]): string {
  if (items.length === 0) return '';
  const entries = items.map((it) => {
    const swatch =
      it.shape === 'box'
        ? `<svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="${it.color}"/></svg>`
        : `<svg width="28" height="10" aria-hidden="true"><line x1="1" x2="27" y1="5" y2="5" stroke="${it.color}" stroke-width="3" stroke-dasharray="${it.dash ?? ''}"/></svg>`;
    return `<button type="button" class="legend-item" aria-pressed="true" data-toggle="${esc(it.name)}" title="Show or hide ${esc(it.name)}">${swatch}<span>${esc(it.name)}</span></button>`;
  });
  return `<div class="legend">${entries.join('')}</div>`;
}

function figure(id: string, title: string, description: string, names: readonly string[], svg: string, legend: string, extra = ''): string {
  return (
    `<figure class="chart" id="chart-${esc(id)}" data-chart="${esc(id)}" data-series="${esc(JSON.stringify(names))}">` +
    `<figcaption><strong>${esc(title)}</strong>${description ? ` <span class="muted">${esc(description)}</span>` : ''}</figcaption>` +
    svg +
    legend +
    extra +
    '</figure>'
  );
}

/** A chart with nothing to draw: same frame, a message, no series. */
export function emptyChart(id: string, title: string, message: string): string {
  return figure(id, title, '', [], `<p class="empty">${esc(message)}</p>`, '');
}

/** One line of a line chart. */
export interface LineSeries {
  name: string;
  color: string;
  dash?: string;
  /** Points in data units, x ascending. */
  points: readonly (readonly [number, number])[];
  /** Draw as steps (value holds until the next x). Default false. */
  step?: boolean;
  /** Points to mark with a dot and a hover title. Default none. */
  marks?: readonly { x: number; y: number; title: string }[];
}

/** A horizontal reference line (a budget, an SLO). */
export interface RefLine {
  y: number;
  label: string;
  color: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  id: string;
  title: string;
  description?: string;
  x: Axis;
  y: Axis;
  series: readonly LineSeries[];
  refLines?: readonly RefLine[];
  /** Height in SVG units. Default 340. */
  height?: number;
  /** Accessible summary of what the chart shows. */
  alt: string;
}

/** A line chart (one `<path data-series-name>` per series). */
export function lineChart(o: LineChartOptions): string {
  const h = o.height ?? 340;
  const sx = scale(o.x, M.left, W - M.right);
  const sy = scale(o.y, h - M.bottom, M.top);
  const clampY = (v: number): number => Math.min(Math.max(v, o.y.min), o.y.max);
  const parts: string[] = [axesSvg(o.x, o.y, h)];
  for (const ref of o.refLines ?? []) {
    const yy = r1(sy(clampY(ref.y)));
    parts.push(
      `<g class="ref-line"><line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="${ref.color}" stroke-width="1.5" stroke-dasharray="5 4"/>` +
        `<text x="${W - M.right - 4}" y="${Number(yy) - 5}" text-anchor="end" font-size="12" fill="${ref.color}">${esc(ref.label)}</text></g>`,
    );
  }
  for (const s of o.series) {
    if (s.points.length === 0) continue;
    const cmds: string[] = [];
    s.points.forEach(([x, y], i) => {
      const px = r1(sx(x));
      const py = r1(sy(clampY(y)));
      if (i === 0) cmds.push(`M${px} ${py}`);
      else if (s.step) cmds.push(`H${px}V${py}`);
      else cmds.push(`L${px} ${py}`);
    });
    const marks = (s.marks ?? [])
      .map((m) => `<circle cx="${r1(sx(m.x))}" cy="${r1(sy(clampY(m.y)))}" r="3.5" fill="${s.color}"><title>${esc(m.title)}</title></circle>`)
      .join('');
    parts.push(
      `<g class="series" data-series-name="${esc(s.name)}"><path class="series-line" d="${cmds.join('')}" fill="none" stroke="${s.color}" stroke-width="2.2" stroke-dasharray="${s.dash ?? ''}" stroke-linejoin="round"><title>${esc(s.name)}</title></path>${marks}</g>`,
    );
  }
  const svg = `<svg viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(o.alt)}" preserveAspectRatio="xMidYMid meet">${parts.join('')}</svg>`;
  return figure(o.id, o.title, o.description ?? '', o.series.map((s) => s.name), svg, legendHtml(o.series.map((s) => ({ name: s.name, color: s.color, ...(s.dash ? { dash: s.dash } : {}) }))));
}

/** A segment kind of a stacked bar chart. */
export interface Segment {
  name: string;
  color: string;
}

/** One bar: a label and one value per segment (data units; negatives drawn as 0). */
export interface Bar {
  label: string;
  values: readonly number[];
  /** Hover text per segment. Default `<segment>: <value>`. */
  titles?: readonly string[];
}

/** Options of {@link stackedBars}. */
export interface StackedBarsOptions {
  id: string;
  title: string;
  description?: string;
  /** The value axis (horizontal). */
  x: Axis;
  segments: readonly Segment[];
  bars: readonly Bar[];
  alt: string;
}

/** Horizontal stacked bars (one `<g data-series-name>` per segment kind holding its rects). */
export function stackedBars(o: StackedBarsOptions): string {
  const barH = 22;
  const gap = 10;
  const left = 150;
  const h = M.top + o.bars.length * (barH + gap) + M.bottom;
  const sx = (v: number): number => left + ((v - o.x.min) / (o.x.max - o.x.min || 1)) * (W - M.right - left);
  const parts: string[] = ['<g class="axes" font-size="12" fill="#222">'];
  for (const t of o.x.ticks) {
    const xx = r1(sx(t.v));
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${M.top}" y2="${h - M.bottom}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${xx}" y="${h - M.bottom + 17}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  o.bars.forEach((b, i) => {
    parts.push(`<text x="${left - 8}" y="${M.top + i * (barH + gap) + barH / 2}" text-anchor="end" dominant-baseline="middle">${esc(b.label)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${W - M.right}" y1="${h - M.bottom}" y2="${h - M.bottom}" stroke="#555"/>`);
  parts.push(`<text class="axis-title" x="${(left + W - M.right) / 2}" y="${h - 12}" text-anchor="middle" font-weight="600">${esc(o.x.title)}</text></g>`);
  o.segments.forEach((seg, si) => {
    const rects: string[] = [];
    o.bars.forEach((b, bi) => {
      let start = 0;
      for (let k = 0; k < si; k++) start += Math.max(0, b.values[k] ?? 0);
      const v = Math.max(0, b.values[si] ?? 0);
      if (v <= 0) return;
      const x0 = sx(start);
      const x1 = sx(start + v);
      const title = b.titles?.[si] ?? `${seg.name}: ${fmtNum(v)}`;
      rects.push(`<rect x="${r1(x0)}" y="${M.top + bi * (barH + gap)}" width="${r1(Math.max(0.5, x1 - x0))}" height="${barH}" fill="${seg.color}"><title>${esc(`${b.label} · ${title}`)}</title></rect>`);
    });
    parts.push(`<g class="series" data-series-name="${esc(seg.name)}">${rects.join('')}</g>`);
  });
  const svg = `<svg viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(o.alt)}">${parts.join('')}</svg>`;
  return figure(o.id, o.title, o.description ?? '', o.segments.map((s) => s.name), svg, legendHtml(o.segments.map((s) => ({ name: s.name, color: s.color, shape: 'box' }))));
}

/** Options of {@link stackedColumns}. */
export interface StackedColumnsOptions {
  id: string;
  title: string;
  description?: string;
  x: Axis;
  y: Axis;
  /** Width of one column in x units (the bin). */
  binWidth: number;
  segments: readonly Segment[];
  /** Columns: left edge x and one value per segment. */
  columns: readonly { x: number; values: readonly number[] }[];
  alt: string;
  height?: number;
}

/** Vertical stacked columns over a continuous x axis (time bins). */
export function stackedColumns(o: StackedColumnsOptions): string {
  const h = o.height ?? 260;
  const sx = scale(o.x, M.left, W - M.right);
  const sy = scale(o.y, h - M.bottom, M.top);
  const parts: string[] = [axesSvg(o.x, o.y, h, { xGrid: false })];
  o.segments.forEach((seg, si) => {
    const rects: string[] = [];
    for (const c of o.columns) {
      let base = 0;
      for (let k = 0; k < si; k++) base += Math.max(0, c.values[k] ?? 0);
      const v = Math.max(0, c.values[si] ?? 0);
      if (v <= 0) continue;
      const x0 = sx(c.x);
      const x1 = sx(c.x + o.binWidth);
      const y0 = sy(base);
      const y1 = sy(base + v);
      rects.push(
        `<rect x="${r1(x0 + 0.5)}" y="${r1(y1)}" width="${r1(Math.max(0.8, x1 - x0 - 1))}" height="${r1(Math.max(0.5, y0 - y1))}" fill="${seg.color}"><title>${esc(`${fmtNum(c.x)}–${fmtNum(c.x + o.binWidth)}: ${seg.name} ${fmtNum(v)}`)}</title></rect>`,
      );
    }
    parts.push(`<g class="series" data-series-name="${esc(seg.name)}">${rects.join('')}</g>`);
  });
  const svg = `<svg viewBox="0 0 ${W} ${h}" role="img" aria-label="${esc(o.alt)}">${parts.join('')}</svg>`;
  return figure(o.id, o.title, o.description ?? '', o.segments.map((s) => s.name), svg, legendHtml(o.segments.map((s) => ({ name: s.name, color: s.color, shape: 'box' }))));
}
