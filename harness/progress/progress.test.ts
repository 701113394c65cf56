import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { turn } from '../metrics/test-fixtures.ts';
import type { RunEvent } from '../runner/events.ts';
import { createProgress } from './progress.ts';
import { ProgressState } from './progress-state.ts';
import { renderLive, renderPlain } from './render.ts';

const metrics = (ttfaMs: number | null) => ({ ttfaMs, ttfaOnsetMs: null, leadingSilenceMs: null, vadDelayMs: null, responseStartMs: null, turnMs: null, firstTextMs: null, audioRealtimeFactor: null, audioReceivedMs: 0, playbackUnderruns: null, underrunSilenceMs: null });

function feed(state: { onEvent(e: RunEvent): void }): void {
  state.onEvent({ type: 'started', scenario: 'smoke', target: 'mock', sessions: 3, efforts: ['low', 'high'], workers: 1, outDir: '/o', durationS: 30, runStartUs: 0 });
  for (const i of [0, 1, 2]) state.onEvent({ type: 'session-start', index: i, lateUs: 0 });
  for (const ms of [100, 200, 300, 400]) state.onEvent({ type: 'turn', turn: turn({ effort: 'low' }), metrics: metrics(ms) });
  state.onEvent({ type: 'turn', turn: turn({ effort: 'high' }), metrics: metrics(900) });
  state.onEvent({ type: 'turn', turn: turn({ effort: 'high', status: 'failed', errorCode: 'server_error' }), metrics: metrics(null) });
  state.onEvent({
    type: 'session-end',
    session: { sessionIndex: 0, sessionId: null, effort: 'low', model: 'm', connectMs: 1, configureMs: 1, connectedMs: 1, turnsCompleted: 4, turnsFailed: 0, outcome: 'completed', closeCode: 1000, errors: { server_error: 2 } },
    findings: 1,
  });
}

describe('progress', () => {
  it('keeps counts and running TTFA percentiles per effort', () => {
    const s = new ProgressState();
    feed(s);
    expect(s.activeSessions).toBe(2);
    expect(s.sessionsEnded).toBe(1);
    expect([s.turnsCompleted, s.turnsFailed, s.turnsAborted, s.errors, s.findings]).toEqual([5, 1, 0, 2, 1]);
    expect(s.ttfaByEffort()).toEqual([
      { effort: 'low', count: 4, p50Ms: 200, p95Ms: 400 },
      { effort: 'high', count: 1, p50Ms: 900, p95Ms: 900 },
    ]);
  });

  it('renders a live block and a plain line', () => {
    const s = new ProgressState();
    feed(s);
    expect(renderLive(s, 12.3)).toEqual([
      'rth run smoke → mock   12 s / 30 s',
      'sessions  active 2   ended 1/3',
      'turns     completed 5   failed 1   aborted 0   errors 2   findings 1',
      'TTFA ms   effort        n     p50     p95',
      '          low           4     200     400',
      '          high          1     900     900',
    ]);
    s.onEvent({ type: 'stopping', reason: 'signal', drainMs: 5000 });
    expect(renderLive(s, 13)[0]).toContain('[stopping: finishing open turns; Ctrl-C again to quit now]');
    expect(renderPlain(s, 13)).toBe(
      '[  13 s] sessions 2 active, 1/3 ended; turns 5 ok, 1 failed, 0 aborted; errors 2; TTFA p50/p95 ms low 200/400, high 900/900 (stopping)',
    );
  });

  it('on a terminal, redraws the block in place (cursor up over the previous block)', () => {
    const writes: string[] = [];
    const p = createProgress({ write: (t) => writes.push(t), isTty: true, clock: new ManualClock(0) });
    feed({ onEvent: p.listener });
    p.listener({ type: 'stopping', reason: 'duration', drainMs: 5000 });
    p.stop();
    p.stop();
    expect(writes).toHaveLength(3);
    expect(writes[0]!.startsWith('rth run smoke')).toBe(true);
    expect(writes[1]!.startsWith('\x1b[6F\x1b[J')).toBe(true);
    expect(writes[2]!.startsWith('\x1b[6F\x1b[J')).toBe(true);
  });
});
