/**
 * Issue 20, "Rate limits told apart", end to end against the bundled mock's emulated limits:
 * - a run of 4 sessions against a mock capped at 2 concurrent sessions records 2 handshake 429s
 *   (with `Retry-After`, and the concurrency at the first one: 2 open connections) in
 *   sessions.jsonl, summary.json `rate_limits`, the console and the report, apart from in-session
 *   limits (none);
 * - a session against a mock with a tiny tokens-per-minute budget records the in-session
 *   `rate_limit_exceeded` (a failed `response.done`, with the "try again in" hint) and the
 *   `rate_limits.updated` countdown, apart from handshake 429s. Mock and harness share a
 *   ManualClock there, so the 60 s window passes in manual time.
 * - the embedded mock takes the same limits from the scenario's `mock` block.
 * The first and third tests depend on timing only in that sessions 0 and 1 must still be connected when
 * sessions 2 and 3 arrive (and session 0 when session 1 does): arrivals 0.1–0.3 s apart against
 * sessions that each stream several seconds of audio.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import type { PreparedClip, SessionPlan, SessionResult, TurnResult } from '../../harness/contract.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus } from '../../harness/corpus/load-corpus.ts';
import { RateLimitTally, rateLimitLines } from '../../harness/metrics/summary-rate-limits.ts';
import { createPacer, type RunningPacer } from '../../harness/pacer/pacer.ts';
import type { RunSummaryWithRunner } from '../../harness/runner/outputs.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { runSession } from '../../harness/session/driver.ts';
import type { RateLimitNotice } from '../../harness/session/rate-limit-log.ts';
import { WsTransport } from '../../harness/transport/ws-transport.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { FAST_PROFILE } from '../mock/helpers.ts';
import { e2eDir, type E2eDir } from './e2e-helpers.ts';
import { makePlan } from '../session/fake-server.ts';

const KEY = 'sk-rth-rate-limits-test-key-0123456789';

let e: E2eDir;
let clips: Map<string, PreparedClip>;
let server: MockServerHandle | null = null;
let pacer: RunningPacer | null = null;

beforeAll(async () => {
  e = e2eDir();
  clips = await loadCorpus(BUNDLED_CORPUS_DIR, { format: { type: 'audio/pcm', rate: 24000 }, chunkMs: 20, ids: ['uk-weather-kyiv', 'uk-set-alarm'] });
});
afterEach(async () => {
  pacer?.close();
  pacer = null;
  await server?.close();
  server = null;
});
afterAll(() => e.cleanup());

describe('rate limits told apart', () => {
  it('handshake 429s: 4 sessions against a cap of 2 → 2 refused, with Retry-After and the concurrency at the first', async () => {
    server = await startMockServer({ latency: FAST_PROFILE, seed: 5, maxConcurrentSessions: 2 });
    const scenario = await e.scenario('cap', {
      target: server.url,
      sessions: 4,
      arrival: { type: 'ramp', ramp_up_s: 0.6 },
      turns_per_session: 1,
      clips: ['uk-weather-kyiv'],
      timeouts: { connect_ms: 3000, turn_ms: 15_000, drain_ms: 500 },
      pacing: { send_lag_p99_budget_ms: 30_000, stall_budget_ms: 30_000 },
    }, { apiKeyEnv: 'RTH_RL_KEY' });
    const r = await runScenario(scenario, { env: { RTH_RL_KEY: KEY }, onWarning: () => undefined });
    const sessions = e.jsonl<SessionResult>(r.files.sessions).sort((a, b) => a.sessionIndex - b.sessionIndex);
    expect(sessions.map((s) => s.outcome)).toEqual(['completed', 'completed', 'connect_failed', 'connect_failed']);
    for (const s of sessions.slice(2)) {
      expect(s.failure?.code).toBe('http_429');
      expect(s.rateLimits?.handshake429).toEqual([{ atUs: expect.any(Number), openSessions: 2, retryAfterMs: 1000, source: 'handshake' }]);
      expect(s.rateLimits?.inSession).toEqual([]);
    }
    // The admitted sessions saw rate_limits.updated (the mock's fixed figures) and no refusal.
    for (const s of sessions.slice(0, 2)) {
      expect(s.rateLimits?.handshake429).toEqual([]);
      expect(s.rateLimits?.updates.events).toBe(1);
    }
    const summary = JSON.parse(readFileSync(r.files.summary!, 'utf8')) as RunSummaryWithRunner;
    expect(summary.rate_limits?.handshake_429).toMatchObject({ count: 2, sessions: 2, first_at_concurrency: 2, retry_after_ms: { count: 2, p50: 1000, max: 1000 } });
    expect(summary.rate_limits?.handshake_429.first_at_s).toBeGreaterThan(0);
    expect(summary.rate_limits?.in_session).toMatchObject({ count: 0, sessions: 0, first_at_concurrency: null });
    expect(summary.rate_limits?.updates).toMatchObject({ events: 2, sessions: 2 });
    expect(r.table).toMatch(/Rate limits, handshake 429: 2 in 2 sessions, first at 2 open sessions \([\d.]+ s into the run\); Retry-After p50 1000 ms, max 1000 ms/);
    expect(r.table).not.toMatch(/Rate limits, in session/);
    const report = readFileSync(path.join(r.outDir, 'report.html'), 'utf8');
    // The report: the section with both kinds apart, the refusals chart (handshake only) and the remaining chart.
    const section = /<section id="rate-limits"[\s\S]*?<\/section>/.exec(report)?.[0] ?? '';
    expect(section).toMatch(/<td>handshake 429<\/td><td class="num">2<\/td><td class="num">2<\/td><td class="num">2<\/td>/);
    expect(section).toMatch(/<td>in-session rate_limit_exceeded<\/td><td class="num">0<\/td>/);
    expect(section).toContain('data-chart="rate-limit-refusals" data-series="[&quot;handshake 429&quot;]"');
    expect(section).toContain('data-chart="rate-limit-remaining"');
    // No key anywhere in what the run wrote or printed.
    for (const f of ['turns.jsonl', 'sessions.jsonl', 'run.json', 'summary.json', 'report.html']) expect(readFileSync(path.join(r.outDir, f), 'utf8')).not.toContain(KEY);
    expect(r.table).not.toContain(KEY);
  });

  it('the embedded mock takes the limits from the scenario (mock.max_concurrent_sessions)', async () => {
    const scenario = await e.scenario('embedded-cap', {
      sessions: 2,
      arrival: { type: 'ramp', ramp_up_s: 0.3 },
      turns_per_session: 1,
      clips: ['uk-weather-kyiv'],
      timeouts: { connect_ms: 3000, turn_ms: 15_000, drain_ms: 500 },
      pacing: { send_lag_p99_budget_ms: 30_000, stall_budget_ms: 30_000 },
      mock: { max_concurrent_sessions: 1 },
    });
    expect(scenario.mock.maxConcurrentSessions).toBe(1);
    const r = await runScenario(scenario, { env: {}, onWarning: () => undefined });
    const summary = JSON.parse(readFileSync(r.files.summary!, 'utf8')) as RunSummaryWithRunner;
    expect(summary.rate_limits?.handshake_429).toMatchObject({ count: 1, sessions: 1, first_at_concurrency: 1 });
  });

  it('in-session rate_limit_exceeded and rate_limits.updated against a tiny tokens-per-minute budget', async () => {
    const clock = new ManualClock(1_000_000);
    server = await startMockServer({ port: 0, seed: 3, latencyScale: 0.2, clock, tokensPerMinute: 1 });
    pacer = createPacer({ clock });
    const plan: SessionPlan = makePlan({
      url: `${server.url}/v1/realtime?model=gpt-realtime-2`,
      headers: { Authorization: `Bearer ${KEY}` },
      turns: [
        { clip: clips.get('uk-weather-kyiv')!, thinkTimeMs: 0, bargeInAfterAudioMs: null },
        { clip: clips.get('uk-set-alarm')!, thinkTimeMs: 200, bargeInAfterAudioMs: null },
      ],
      turnTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
    });
    const turns: TurnResult[] = [];
    const notices: RateLimitNotice[] = [];
    let settled = false;
    const p = runSession(plan, {
      clock,
      pacer,
      onTurn: (t) => turns.push(t),
      transportFactory: (x) => new WsTransport({ url: x.url, headers: x.headers, clock, handshakeTimeoutMs: 5000 }),
      openSessions: () => 1,
      onRateLimit: (n) => notices.push(n),
    }).finally(() => (settled = true));
    // Manual time moves only when real I/O has had a chance to run; the cap turns a hang into a failure.
    for (let step = 0; !settled && step < 20_000; step++) {
      await new Promise((r) => setTimeout(r, step % 10 === 0 ? 2 : 0));
      clock.advanceMs(20);
    }
    const result = await p;
    // Turn 1 spends the budget; turn 2 is refused, waits the hint (the rest of the 60 s window) and succeeds.
    expect(turns.map((t) => t.status)).toEqual(['completed', 'completed']);
    const rl = result.rateLimits!;
    expect(rl.handshake429).toEqual([]);
    expect(rl.inSession).toHaveLength(1);
    const hit = rl.inSession[0]!;
    expect(hit).toMatchObject({ openSessions: 1, source: 'response.done' });
    expect(hit.retryAfterMs).toBeGreaterThan(0);
    expect(hit.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(notices).toEqual([{ ...hit, sessionIndex: 0, kind: 'in_session' }]);
    // Updates: turn 1 (budget untouched: 1 left), the refused try (0 left), the retry in a fresh window (1 left).
    expect(rl.updates).toMatchObject({ events: 3, limitTokens: 1, minRemainingTokens: 0, lastRemainingTokens: 1, limitRequests: 20_000 });
    expect(rl.updates.samples.map((s) => s.remainingTokens)).toEqual([1, 0, 1]);
    expect(result.recoveries?.[0]).toMatchObject({ fault: 'rate_limit_exceeded', recovered: true });
    const tally = new RateLimitTally();
    tally.add(result);
    const block = tally.block(1_000_000);
    expect(block.in_session).toMatchObject({ count: 1, sessions: 1, first_at_concurrency: 1, by_source: { 'response.done': 1 }, retry_after_ms: { count: 1, p50: hit.retryAfterMs } });
    expect(block.handshake_429.count).toBe(0);
    expect(block.updates).toMatchObject({ events: 3, min_remaining_tokens: 0, limit_tokens: 1 });
    const lines = rateLimitLines(block);
    expect(lines[0]).toMatch(/^Rate limits, in session \(rate_limit_exceeded\): 1 in 1 sessions, first at 1 open sessions/);
    expect(lines[1]).toBe('Rate limits, rate_limits.updated: 3 events; least remaining: requests 19999 of 20000, tokens 0 of 1');
  });
});
