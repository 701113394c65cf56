import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHgrm } from './hgrm.ts';
import { Recorder } from './recorder.ts';
import { evaluateSlos } from './slo.ts';
import { buildSummary, redactTarget, type SummaryMeta } from './summary.ts';
import { formatSummaryTable } from './summary-table.ts';
import { session, turn } from './test-fixtures.ts';

function ttfaTurn(ttfaMs: number, effort: 'low' | 'high', turnIndex = 1) {
  return turn({
    effort,
    turnIndex,
    milestones: { speechEndSentUs: 0, speechStoppedUs: 300_000, responseCreatedUs: 320_000, firstAudioUs: ttfaMs * 1000, responseDoneUs: ttfaMs * 1000 + 400_000 },
    audioDeltas: [{ receivedUs: ttfaMs * 1000, durationMs: 1200 }],
  });
}

function sampleRecorder(): Recorder {
  const r = new Recorder();
  for (let i = 0; i < 10; i++) r.recordTurn(ttfaTurn(1000 + i * 10, 'low', 1 + (i % 4)));
  for (let i = 0; i < 10; i++) r.recordTurn(ttfaTurn(3000 + i * 10, 'high', 1 + (i % 4)));
  r.recordTurn(turn({ status: 'failed', errorCode: 'rate_limit_exceeded', effort: 'high' }));
  r.recordSession(session({ effort: 'low' }));
  r.recordSession(session({ effort: 'high', outcome: 'closed_by_server', errors: { session_expired: 1 } }));
  for (let i = 0; i < 1000; i++) r.recordSendLagUs(200 + (i % 10) * 100);
  return r;
}

function meta(over: Partial<SummaryMeta> = {}): SummaryMeta {
  return {
    scenario: { name: 'smoke', file: 'scenarios/smoke.yaml', description: 'test' },
    target: 'mock',
    kind: 'realtime',
    model: 'gpt-realtime-2',
    efforts: ['high', 'low'],
    startedAt: new Date('2025-01-02T03:04:05.000Z'),
    durationS: 30.0004,
    chunkMs: 20,
    sendLagBudgetMs: 5,
    stallBudgetMs: 50,
    eventLoop: { maxStallMs: 12.3456, p99DelayMs: 1.2 },
    provenance: { toolVersion: '0.1.0', gitCommit: 'abc', nodeVersion: 'v20.0.0', corpus: { 'en-1': 'ff00' }, seed: 1 },
    ...over,
  };
}

describe('buildSummary', () => {
  it('has the documented schema and values', () => {
    const s = buildSummary(sampleRecorder(), meta());
    expect(s).toMatchObject({
      schema_version: 1,
      valid: true,
      invalid_reasons: [],
      scenario: { name: 'smoke', file: 'scenarios/smoke.yaml' },
      target: 'mock',
      efforts: ['low', 'high'],
      started_at: '2025-01-02T03:04:05.000Z',
      duration_s: 30,
      interrupted: false,
      sessions: { started: 2, completed: 1, failed: 1, aborted: 0, by_outcome: { completed: 1, closed_by_server: 1 } },
      turns: { completed: 20, failed: 1, aborted: 0, by_status: { completed: 20, failed: 1 }, by_error_code: { rate_limit_exceeded: 1 } },
      playback: { turns_with_audio: 20, underruns: 0, underrun_silence_ms: 0 },
      pacing: { chunk_ms: 20, send_lag_p99_budget_ms: 5 },
      event_loop: { max_stall_ms: 12.346, p99_delay_ms: 1.2, stall_budget_ms: 50 },
      errors: { session_expired: 1 },
      slo: { passed: true, breaches: [] },
      provenance: { tool_version: '0.1.0', git_commit: 'abc', node_version: 'v20.0.0', corpus: { 'en-1': 'ff00' }, seed: 1, workers: 1 },
    });
    expect(s.provenance).not.toHaveProperty('hostname');
    expect(Object.keys(s.metrics)).toEqual([
      'ttfa_ms', 'ttfa_onset_ms', 'vad_delay_ms', 'response_start_ms', 'turn_ms', 'first_text_ms', 'connect_ms', 'configure_ms', 'ttfa_ms_by_turn', 'audio_rtf', 'leading_silence_ms', 'negative_clamped',
    ]);
    const low = s.metrics.ttfa_ms.low!;
    expect(Object.keys(low)).toEqual(['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'ci']);
    expect(low.count).toBe(10);
    expect(low.p50! / 1040).toBeCloseTo(1, 2);
    expect(s.metrics.ttfa_ms.high!.max! / 3090).toBeCloseTo(1, 2);
    expect(s.metrics.ttfa_ms_by_turn.low).toMatchObject({ '1': { count: 3 }, '2': { count: 3 }, '3+': { count: 4 } });
    expect(s.metrics.audio_rtf.low!.p50).toBeCloseTo(3, 2); // 1200 ms audio in 400 ms
    expect(s.metrics.first_text_ms.low).toMatchObject({ count: 0, p50: null });
    expect(s.pacing.send_lag_ms.count).toBe(1000);
    expect(s.pacing.send_lag_ms.p99! / 1.1).toBeCloseTo(1, 2);
    // JSON-safe and stable.
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('is invalid when the send lag or a stall exceeded its budget, and says why', () => {
    const r = sampleRecorder();
    for (let i = 0; i < 100; i++) r.recordSendLagUs(9000);
    const s = buildSummary(r, meta({ eventLoop: { maxStallMs: 120, p99DelayMs: 3 }, extraInvalidReasons: ['measurement error p99 3 ms > 2 ms'] }));
    expect(s.valid).toBe(false);
    expect(s.invalid_reasons).toHaveLength(3);
    expect(s.invalid_reasons[0]).toMatch(/^send lag p99 9\.\d+ ms exceeded the 5 ms budget/);
    expect(s.invalid_reasons[1]).toMatch(/^event loop stalled for 120 ms/);
    const table = formatSummaryTable(s);
    expect(table.split('\n')[0]).toMatch(/^INVALID RUN: /);
  });

  it('evaluates SLOs: per effort, for all efforts, missing data, error rate', () => {
    const s = buildSummary(
      sampleRecorder(),
      meta({ efforts: ['low', 'high', 'xhigh'], slo: { ttfa_ms: { p95: { low: 2000, high: 3000, medium: 1 } }, turn_ms: { max: 10_000 }, max_error_rate: 0.01 } }),
    );
    expect(s.slo.passed).toBe(false);
    const msgs = s.slo.breaches.map((b) => b.message);
    // 10 values cannot support a p95 (72 needed at 95 %), but its lower end X(8) = 307x already
    // exceeds 3000: a breach shown by the interval.
    expect(msgs.some((m) => /^ttfa_ms\.high\.p95 = n=10 too few: p95 needs at least 72 values at 95%; its 95% CI lower end 30\d\d(\.\d+)? > 3000$/.test(m))).toBe(true);
    // low's values (1000–1090) are all below 2000, but 10 values cannot show its p95 below it.
    expect(s.slo.unproven!.map((u) => u.message)).toEqual(['ttfa_ms.low.p95: not shown to hold (n=10 too few: p95 needs at least 72 values at 95%; limit 2000)']);
    expect(msgs).toContain('turn_ms.xhigh.max: no samples (limit 10000)');
    expect(msgs.some((m) => m.startsWith('error_rate = 0.0476 > 0.01 (1 of 21 turns failed)'))).toBe(true);
    // medium is not in the run: skipped; low is within its limit.
    expect(s.slo.breaches.map((b) => `${b.metric}.${b.effort}`).sort()).toEqual(['error_rate.null', 'ttfa_ms.high', 'turn_ms.xhigh']);
    expect(formatSummaryTable(s).split('\n')[0]).toMatch(/^FAIL: 3 SLO breaches: /);
  });

  it('SLOs pass when met; no turns with an error-rate limit is a breach', () => {
    const ok = evaluateSlos(buildSummary(sampleRecorder(), meta()), { ttfa_ms: { p50: 5000 } });
    expect(ok).toEqual([]);
    const empty = buildSummary(new Recorder(), meta({ slo: { max_error_rate: 0.1 } }));
    expect(empty.slo.breaches.map((b) => b.message)).toEqual(['error_rate: no turns (limit 0.1)']);
  });

  it('the target is written without credentials', () => {
    expect(redactTarget('wss://user:pw@relay.example/v1/realtime?model=gpt-realtime-2&api-key=sk-123&token=t')).toBe(
      'wss://relay.example/v1/realtime?model=gpt-realtime-2&api-key=REDACTED&token=REDACTED',
    );
    expect(redactTarget('mock')).toBe('mock');
    const s = buildSummary(new Recorder(), meta({ target: 'wss://a:b@x.example/?key=1', provenance: { ...meta().provenance, hostname: 'box-1' } }));
    expect(s.target).toBe('wss://x.example/?key=REDACTED');
    expect(s.provenance.hostname).toBe('box-1');
  });
});

describe('formatSummaryTable', () => {
  it('starts with the verdict, then per-effort tables', () => {
    const text = formatSummaryTable(buildSummary(sampleRecorder(), meta()));
    const lines = text.split('\n');
    expect(lines[0]).toBe('PASS: valid run, SLOs met (1 turns failed)');
    expect(text).toMatch(/^TTFA \(ms\)\s+count\s+p50\s+p90\s+p95\s+p99\s+max$/m);
    // p50 of 10 values: estimate X(5), interval (X(2), X(9)); p90 and up: too few.
    expect(text).toMatch(/^ {2}low\s+10\s+1040 \[1010, 1080\]\s+n=10 too few\s+n=10 too few\s+n=10 too few\s+1090\.\d$/m);
    expect(text).toMatch(/^ {2}high\s+10\s+30\d\d \[30\d\d, 30\d\d\]\s+n=10 too few/m);
    expect(text).toMatch(/^Uncertainty: \[a, b\] = 95% confidence interval/m);
    // Differences 2000 + 10·(j − i); exact Moses C for 10 vs 10 is 24 (P(U ≤ 23) ≤ 0.025), the 24th
    // smallest difference is 1970 and the 77th 2030; HDR's bucket tops add about 1 ms.
    expect(text).toMatch(/^ {2}high vs low: TTFA \+200\d ms \[95% CI \+197\d, \+203\d\], p<0\.001 \(Holm\) — real$/m);
    expect(text).toMatch(/^ {2}low turns 2\+ vs low turn 1: TTFA .* — not distinguishable$/m);
    expect(text).not.toMatch(/^First text/m); // no samples: no section
    expect(text).toMatch(/^TTFA p50 by turn \(ms\)\s+turn 1\s+turn 2\s+turn 3\+$/m);
    expect(text).toContain('Errors: session_expired 1');
    expect(text).toContain('Turns not completed, by code: rate_limit_exceeded 1');
    // Pure: same input, same text.
    expect(formatSummaryTable(buildSummary(sampleRecorder(), meta()))).toBe(text);
  });
});

describe('writeHgrm', () => {
  it('writes one percentile distribution per metric and effort, in ms', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rth-hgrm-'));
    try {
      const written = await writeHgrm(sampleRecorder(), dir);
      const names = (await readdir(path.join(dir, 'histograms'))).sort();
      expect(written.map((f) => path.basename(f)).sort()).toEqual(names);
      for (const n of ['ttfa.low.hgrm', 'ttfa.high.hgrm', 'ttfa.low.turn1.hgrm', 'ttfa.low.turn3plus.hgrm', 'turn.low.hgrm', 'connect.low.hgrm', 'audio_rtf.low.hgrm', 'send_lag.hgrm', 'vad_delay.high.hgrm']) {
        expect(names).toContain(n);
      }
      expect(names.some((n) => n.startsWith('first_text.'))).toBe(false);
      expect(names.some((n) => n.startsWith('turn.low.turn'))).toBe(false);
      const text = await readFile(path.join(dir, 'histograms', 'ttfa.high.hgrm'), 'utf8');
      expect(text.split('\n')[0]).toMatch(/^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)$/);
      expect(text).toMatch(/#\[Max\s+=\s+309\d\.\d+, Total count\s+=\s+10\]/);
      expect(text).toMatch(/^\s+30\d\d\.\d{3} 0\.5000/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails a valid run in which no turn completed, naming why', () => {
    const s = buildSummary(new Recorder(), meta());
    s.turns.by_error_code = { turn_timeout: 2 };
    s.sessions.by_outcome = { connect_timeout: 1 };
    expect(formatSummaryTable(s).split('\n')[0]).toBe('FAIL: no turn completed (turn_timeout 2); sessions: connect_timeout 1');
  });
});
