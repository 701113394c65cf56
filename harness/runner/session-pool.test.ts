import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import type { SessionPlan, SessionResult, TurnResult } from '../contract.ts';
import { ScriptedTransport } from '../transport/scripted-transport.ts';
import { FakeServer, makePlan, TestPacer } from '../../test/session/fake-server.ts';
import { NOT_STARTED, SessionPool } from './session-pool.ts';

async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 10) {
    clock.advanceMs(10);
    await new Promise((r) => setImmediate(r));
  }
}

function setup(opts: { hangFirst?: boolean; offsetsMs: number[] }) {
  const clock = new ManualClock(1_000_000);
  const t0 = clock.nowUs();
  const starts: { index: number; atMs: number; lateUs: number }[] = [];
  const sessions: SessionResult[] = [];
  const turns: TurnResult[] = [];
  const pool = new SessionPool({
    sessions: opts.offsetsMs.map((off, index) => ({ plan: makePlan({ index }), startAtUs: t0 + off * 1000 })),
    clock,
    pacer: new TestPacer(clock),
    conformance: false,
    transportFactory: (plan: SessionPlan) =>
      // Session 0's server never answers the handshake: a slow target.
      opts.hangFirst && plan.index === 0 ? new ScriptedTransport({ clock, manualOpen: true }) : new FakeServer(clock).transport(),
    onSessionStart: (index, lateUs) => starts.push({ index, atMs: (clock.nowUs() - t0) / 1000, lateUs }),
    onTurn: (t) => turns.push(t),
    onSession: (s) => sessions.push(s),
  });
  return { clock, pool, starts, sessions, turns };
}

describe('SessionPool', () => {
  it('starts each session at its intended time even while an earlier one hangs (coordinated omission)', async () => {
    const { clock, pool, starts, sessions } = setup({ hangFirst: true, offsetsMs: [0, 500, 1000] });
    pool.start();
    await advance(clock, 1200);
    expect(starts.map((s) => [s.index, s.atMs])).toEqual([
      [0, 0],
      [1, 500],
      [2, 1000],
    ]);
    expect(starts.every((s) => s.lateUs === 0)).toBe(true);
    await advance(clock, 6000);
    await pool.done;
    const byIndex = new Map(sessions.map((s) => [s.sessionIndex, s]));
    expect(byIndex.get(0)!.outcome).toBe('connect_timeout');
    expect(byIndex.get(1)!.turnsCompleted).toBe(1);
    expect(byIndex.get(2)!.turnsCompleted).toBe(1);
  });

  it('stop(): sessions not yet arrived never start and are reported not_started', async () => {
    const { clock, pool, starts, sessions } = setup({ offsetsMs: [0, 400, 5000] });
    pool.start();
    await advance(clock, 450);
    pool.stop();
    await advance(clock, 3000);
    await pool.done;
    expect(starts.map((s) => s.index)).toEqual([0, 1]);
    expect(sessions.find((s) => s.sessionIndex === 2)!.outcome).toBe(NOT_STARTED);
    expect(sessions).toHaveLength(3);
    expect(pool.activeSessions).toBe(0);
  });

  it('abort(): closes open connections and the pool finishes', async () => {
    const { clock, pool, sessions, turns } = setup({ offsetsMs: [0] });
    pool.start();
    await advance(clock, 20);
    pool.abort();
    await advance(clock, 100);
    await pool.done;
    expect(sessions).toHaveLength(1);
    expect(turns.every((t) => t.status !== 'completed')).toBe(true);
  });
});
