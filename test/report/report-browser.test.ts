/**
 * Opens a generated report.html in headless Chromium (Debian's `chromium`, driven by
 * playwright-core): no console errors, no network request at all, every chart has its series, the
 * legend script works; saves a screenshot to reports/test-artifacts/report.png.
 * Chromium missing = FAIL, unless RTH_SKIP_BROWSER=1 (so CI cannot skip it silently).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticRun, writeRunDir } from '../../harness/report/test-fixtures.ts';
import { writeReportFiles } from '../../harness/report/write-report.ts';
import { projectRoot } from '../../harness/version.ts';

const CHROMIUM = '/usr/bin/chromium';
const SKIP = process.env.RTH_SKIP_BROWSER === '1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const EFFORTS = ['minimal', 'low', 'high'] as const;
const SCREENSHOT = path.join(projectRoot, 'reports', 'test-artifacts', 'report.png');

let root = '';
let reportUrl = '';

describe.skipIf(SKIP)('report.html in headless Chromium', () => {
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'rth-report-browser-'));
    const runDir = path.join(root, 'run');
    await writeRunDir(runDir, syntheticRun({ sessions: 12, turnsPerSession: 5, efforts: [...EFFORTS], seed: 11 }));
    const files = await writeReportFiles(runDir);
    reportUrl = pathToFileURL(files.report).href;
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('renders with no console error, no network request, every chart with its series, and a screenshot', { timeout: 90_000 }, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set RTH_SKIP_BROWSER=1 to skip this test deliberately`);
    }
    const userDataDir = await mkdtemp(path.join(tmpdir(), 'rth-chromium-profile-'));
    let ctx: BrowserContext | null = null;
    try {
      ctx = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1200, height: 900 } });
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const consoleErrors: string[] = [];
      const requests: string[] = [];
      const failed: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText ?? ''}`));
      await page.goto(reportUrl, { waitUntil: 'load' });

      // The inline script ran and parsed the embedded data.
      expect(await page.getAttribute('html', 'data-report-schema')).toBe('rth.report/1');
      // The verdict comes first.
      const firstSection = await page.$eval('main section', (s) => ({ id: s.id, text: (s.textContent ?? '').trim() }));
      expect(firstSection.id).toBe('verdict');
      expect(firstSection.text).toMatch(/^PASS/);

      const charts = await page.$$eval('figure.chart', (figs) => {
        // The project's tsconfig has no DOM lib: SVG geometry typed by hand.
        const bbox = (g: unknown): { w: number; h: number } => {
          const b = (g as { getBBox?: () => { width: number; height: number } }).getBBox?.();
          return b ? { w: b.width, h: b.height } : { w: 0, h: 0 };
        };
        return figs.map((f) => ({
          id: f.getAttribute('data-chart') ?? '',
          series: JSON.parse(f.getAttribute('data-series') ?? '[]') as string[],
          drawn: [...f.querySelectorAll('[data-series-name]')].map((g) => ({
            name: g.getAttribute('data-series-name') ?? '',
            paths: [...g.querySelectorAll('path')].filter((p) => (p.getAttribute('d') ?? '').length > 1).length,
            rects: g.querySelectorAll('rect').length,
            box: bbox(g),
          })),
        }));
      });
      expect(charts.map((c) => c.id)).toEqual(['ttfa-percentiles', 'ttfa-by-turn', 'latency-breakdown', 'active-sessions', 'turns-per-second', 'send-lag', 'cost-by-turn']);
      for (const c of charts) {
        expect(c.series.length, `${c.id} has series`).toBeGreaterThan(0);
        expect(c.drawn.map((d) => d.name), c.id).toEqual(c.series);
        for (const d of c.drawn) {
          expect(d.paths + d.rects, `${c.id} / ${d.name} drew something`).toBeGreaterThan(0);
          expect(d.box.w, `${c.id} / ${d.name} has a visible extent`).toBeGreaterThan(0);
        }
      }
      const ttfa = charts.find((c) => c.id === 'ttfa-percentiles')!;
      expect(ttfa.series).toEqual([...EFFORTS]);
      expect(await page.locator('#chart-ttfa-percentiles path.series-line').count()).toBe(EFFORTS.length);

      // Legend buttons hide and show their series.
      const series = page.locator('#chart-ttfa-percentiles [data-series-name="low"]');
      const button = page.locator('#chart-ttfa-percentiles .legend-item[data-toggle="low"]');
      await button.click();
      expect(await series.evaluate((g) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(g).display)).toBe('none');
      expect(await button.getAttribute('aria-pressed')).toBe('false');
      await button.click();
      expect(await series.evaluate((g) => (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(g).display)).not.toBe('none');

      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      expect(consoleErrors).toEqual([]);
      expect(failed).toEqual([]);
      expect(requests).toEqual([reportUrl]);
      expect(existsSync(SCREENSHOT)).toBe(true);
    } finally {
      await ctx?.close();
      await rm(userDataDir, { recursive: true, force: true });
    }
  });
});
