/**
 * The report's "Rate limits" section: handshake 429s, in-session `rate_limit_exceeded` and
 * `rate_limits.updated` kept apart (issue 20), from the sessions' `rateLimits` records
 * (sessions.jsonl). Two charts: refusals so far over run time (one step line per kind), and the
 * remaining requests and tokens reported by `rate_limits.updated` over run time, as a share of
 * their limits (both entries on one axis; the account is shared, so every session's samples form
 * one series per entry).
 */
import type { RateLimitHit, SessionRateLimits } from '../contract.ts';
import type { CurvePoint } from './model.ts';
import { emptyChart, esc, fmtNum, lineChart, niceAxis } from './svg.ts';

/** One kind of refusal as the report shows it. */
export interface RateLimitKindView {
  count: number;
  sessions: number;
  firstAtConcurrency: number | null;
  firstAtS: number | null;
  waitP50Ms: number | null;
  /** Refusals so far at each refusal's time (s since run start): a step line. */
  cumulative: CurvePoint[];
}

/** The report data of the section. */
export interface RateLimitsView {
  handshake429: RateLimitKindView;
  inSession: RateLimitKindView;
  updates: {
    events: number;
    minRemainingRequests: number | null;
    minRemainingTokens: number | null;
    limitRequests: number | null;
    limitTokens: number | null;
    /** Remaining as % of the limit over run time (s), all sessions' samples in time order. */
    requestsPct: CurvePoint[];
    tokensPct: CurvePoint[];
  };
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function kindView(lists: readonly (readonly RateLimitHit[])[], baseUs: number): RateLimitKindView {
  const all = lists.flatMap((l) => l).sort((a, b) => a.atUs - b.atUs);
  const waits = all.map((h) => h.retryAfterMs).filter((v): v is number => v !== null).sort((a, b) => a - b);
  const first = all[0] ?? null;
  return {
    count: all.length,
    sessions: lists.filter((l) => l.length > 0).length,
    firstAtConcurrency: first?.openSessions ?? null,
    firstAtS: first ? round3((first.atUs - baseUs) / 1e6) : null,
    waitP50Ms: waits.length > 0 ? waits[Math.floor((waits.length - 1) / 2)]! : null,
    cumulative: all.map((h, i) => [round3((h.atUs - baseUs) / 1e6), i + 1] as CurvePoint),
  };
}

/** The section's data from the sessions' records; null when no session has one. */
export function rateLimitsView(sessions: readonly { rateLimits?: SessionRateLimits }[], timeBaseUs: number | null): RateLimitsView | null {
  const records = sessions.map((s) => s.rateLimits).filter((r): r is SessionRateLimits => r !== undefined);
  if (records.length === 0) return null;
  const baseUs = timeBaseUs ?? Math.min(...records.flatMap((r) => [...r.handshake429, ...r.inSession, ...r.updates.samples].map((x) => x.atUs)), 0);
  const requests: CurvePoint[] = [];
  const tokens: CurvePoint[] = [];
  let events = 0;
  let minReq: number | null = null;
  let minTok: number | null = null;
  let limitReq: number | null = null;
  let limitTok: number | null = null;
  for (const r of records) {
    const u = r.updates;
    events += u.events;
    if (u.minRemainingRequests !== null) minReq = Math.min(minReq ?? Infinity, u.minRemainingRequests);
    if (u.minRemainingTokens !== null) minTok = Math.min(minTok ?? Infinity, u.minRemainingTokens);
    limitReq = u.limitRequests ?? limitReq;
    limitTok = u.limitTokens ?? limitTok;
    for (const s of u.samples) {
      const t = round3((s.atUs - baseUs) / 1e6);
      if (s.remainingRequests !== null && u.limitRequests) requests.push([t, round3((100 * s.remainingRequests) / u.limitRequests)]);
      if (s.remainingTokens !== null && u.limitTokens) tokens.push([t, round3((100 * s.remainingTokens) / u.limitTokens)]);
    }
  }
  const byTime = (a: CurvePoint, b: CurvePoint): number => a[0] - b[0];
  return {
    handshake429: kindView(records.map((r) => r.handshake429), baseUs),
    inSession: kindView(records.map((r) => r.inSession), baseUs),
    updates: { events, minRemainingRequests: minReq, minRemainingTokens: minTok, limitRequests: limitReq, limitTokens: limitTok, requestsPct: requests.sort(byTime), tokensPct: tokens.sort(byTime) },
  };
}

function refusalsChart(v: RateLimitsView): string {
  const title = 'Rate-limit refusals so far';
  const kinds = [
    { name: 'handshake 429', color: '#D55E00', k: v.handshake429 },
    { name: 'in-session rate_limit_exceeded', color: '#0072B2', k: v.inSession },
  ].filter((x) => x.k.count > 0);
  if (kinds.length === 0) return emptyChart('rate-limit-refusals', title, 'No refusal of either kind.');
  const endS = Math.max(...kinds.map((x) => x.k.cumulative.at(-1)![0])) * 1.05 || 1;
  const maxY = Math.max(...kinds.map((x) => x.k.count));
  return lineChart({
    id: 'rate-limit-refusals',
    title,
    description: 'Handshake 429s and in-session rate_limit_exceeded, counted apart, over run time.',
    x: niceAxis(0, endS, 'Time since run start (s)', 8, (t) => fmtNum(t)),
    y: niceAxis(0, Math.max(1, maxY), 'Refusals', 4, (n) => (Number.isInteger(n) ? String(n) : '')),
    series: kinds.map((x) => ({ name: x.name, color: x.color, step: true, points: [[0, 0] as CurvePoint, ...x.k.cumulative, [endS, x.k.count] as CurvePoint] })),
    height: 220,
    alt: 'Rate-limit refusals over time, by kind',
  });
}

function remainingChart(v: RateLimitsView): string {
  const title = 'Remaining requests and tokens (rate_limits.updated)';
  const u = v.updates;
  const series = [
    { name: 'tokens remaining', color: '#009E73', points: u.tokensPct },
    { name: 'requests remaining', color: '#CC79A7', dash: '6 4', points: u.requestsPct },
  ].filter((s) => s.points.length > 0);
  if (series.length === 0) return emptyChart('rate-limit-remaining', title, 'No rate_limits.updated with a limit was received.');
  const endS = Math.max(...series.map((s) => s.points.at(-1)![0])) * 1.05 || 1;
  return lineChart({
    id: 'rate-limit-remaining',
    title,
    description: 'As a share of each entry\'s limit, over run time; every session\'s samples (at most 65 per session).',
    x: niceAxis(0, endS, 'Time since run start (s)', 8, (t) => fmtNum(t)),
    y: niceAxis(0, 100, 'Remaining (% of limit)', 4, (p) => `${fmtNum(p)}%`),
    series,
    height: 240,
    alt: 'Remaining requests and tokens over time, percent of limit',
  });
}

/** The section's HTML (id `rate-limits`). */
export function rateLimitsSectionHtml(v: RateLimitsView | null | undefined): string {
  const open = '<section id="rate-limits" aria-labelledby="rate-limits-h"><h2 id="rate-limits-h">Rate limits</h2>';
  if (!v) return `${open}<p>No rate limiting met and no rate_limits.updated received.</p></section>`;
  const num = (x: number | null, unit = ''): string => (x === null ? '-' : `${esc(fmtNum(x))}${unit}`);
  const row = (name: string, k: RateLimitKindView, wait: string): string =>
    `<tr><td>${esc(name)}</td><td class="num">${k.count}</td><td class="num">${k.sessions}</td><td class="num">${num(k.firstAtConcurrency)}</td><td class="num">${num(k.firstAtS, ' s')}</td><td class="num">${k.waitP50Ms === null ? '-' : `${esc(fmtNum(k.waitP50Ms))} ms (${esc(wait)})`}</td></tr>`;
  const u = v.updates;
  const of = (x: number | null, limit: number | null): string => (x === null ? '-' : limit === null ? esc(fmtNum(x)) : `${esc(fmtNum(x))} of ${esc(fmtNum(limit))}`);
  return (
    open +
    '<table><caption>Refusals by kind; concurrency = connections open in the runner thread when the first one came</caption><thead><tr><th scope="col">Kind</th><th scope="col" class="num">Count</th><th scope="col" class="num">Sessions</th><th scope="col" class="num">First at concurrency</th><th scope="col" class="num">First at</th><th scope="col" class="num">Wait asked, p50</th></tr></thead><tbody>' +
    row('handshake 429', v.handshake429, 'Retry-After') +
    row('in-session rate_limit_exceeded', v.inSession, '"try again in"') +
    '</tbody></table>' +
    `<p>rate_limits.updated: <b>${u.events}</b> events; least remaining: requests ${of(u.minRemainingRequests, u.limitRequests)}, tokens ${of(u.minRemainingTokens, u.limitTokens)}.</p>` +
    refusalsChart(v) +
    remainingChart(v) +
    '</section>'
  );
}
