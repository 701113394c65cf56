/**
 * End to end: stop requests (SIGINT semantics). The first stops new turns, lets open turns finish
 * and writes the summary; the second closes everything at once, leaving turns.jsonl and
 * sessions.jsonl on disk and no summary.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { TurnResult } from '../../harness/contract.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { e2eDir, manualStop, type E2eDir } from './e2e-helpers.ts';

const LONG = {
  sessions: 2,
  duration_s: 120,
  think_time_ms: 100,
  turn_detection: { type: 'server_vad' },
  efforts: ['low'],
  clips: ['en-weather-paris', 'en-cancel-order'],
  timeouts: { drain_ms: 20_000 },
};

const dirs: E2eDir[] = [];
afterAll(() => dirs.forEach((d) => d.cleanup()));

describe('stop requests', () => {
  it('first request: no new turns, open turns finish, summary written', async () => {
    const e = e2eDir();
    dirs.push(e);
    const scenario = await e.scenario('soft-stop', LONG);
    const stop = manualStop();
    let turnsAtStop = -1;
    const result = await runScenario(scenario, {
      stopSignal: stop.signal,
      onEvent: (ev) => {
        if (ev.type === 'turn' && ev.turn.status === 'completed' && turnsAtStop < 0) {
          turnsAtStop = 1;
          stop.soft();
        }
      },
    });
    expect(result.interrupted).toBe(true);
    const s = result.summary!;
    expect(s.interrupted).toBe(true);
    expect(existsSync(result.files.summary!)).toBe(true);
    const turns = e.jsonl<TurnResult>(result.files.turns);
    expect(turns.length).toBeGreaterThanOrEqual(1);
    // Open turns finished (the drain timeout, 20 s, is over ten times a fast-profile turn even on
    // a loaded machine): none was cut short.
    expect(turns.every((t) => t.status !== 'aborted')).toBe(true);
    expect(s.turns.completed).toBe(turns.filter((t) => t.status === 'completed').length);
    // Far fewer turns than 120 s would have given: the stop took effect. A count, not a timing
    // bound: the stop comes with the first completed turn, after which each session finishes at most
    // the turn it has open, so no session can have more than 2 turns whatever the machine's speed.
    expect(turns.length).toBeLessThanOrEqual(2 * 2);
    expect(e.jsonl(result.files.sessions)).toHaveLength(2);
    expect(result.table!.split('\n')).toContain('Interrupted: the run was stopped early; open turns were finished or aborted.');
  });

  it('second request: connections closed at once, JSONL on disk, no summary', async () => {
    const e = e2eDir();
    dirs.push(e);
    const scenario = await e.scenario('hard-stop', LONG);
    const stop = manualStop();
    let fired = false;
    const result = await runScenario(scenario, {
      stopSignal: stop.signal,
      onEvent: (ev) => {
        // Once one turn is on disk and the next has begun speaking, stop twice.
        if (ev.type === 'turn' && !fired) {
          fired = true;
          stop.soft();
          stop.hard();
        }
      },
    });
    expect(result.summary).toBeNull();
    expect(result.table).toBeNull();
    expect(result.exitCode).toBe(130);
    expect(existsSync(result.files.turns)).toBe(true);
    expect(existsSync(result.outDir + '/summary.json')).toBe(false);
    const turns = e.jsonl<TurnResult>(result.files.turns);
    expect(turns.length).toBeGreaterThanOrEqual(1);
    expect(turns[0]!.responseId).toMatch(/^resp_/);
  });
});
