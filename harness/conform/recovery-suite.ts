/**
 * The recovery part of `rth conform --recovery`: short sessions through the real session driver
 * (`runSession` over `WsTransport`) against the bundled mock started once per fault (`rate_limit`,
 * `expire`, `drop`, `server_error`, `stall`), scored per fault from `SessionResult.recoveries`.
 *
 * Mocks run in this process and share one simulated clock with the harness, moved 20 ms per turn
 * of the event loop (socket I/O runs in between): a suite takes seconds instead of the minutes its
 * clips, back-offs and expiries last, and one seed gives the same faults. Recovery times are
 * therefore simulated milliseconds — the driver's back-off and reconnect policy plus the mock's
 * latency model, at 20 ms resolution — not network time.
 */
import { ManualClock } from '../../common/clock.ts';
import type { Finding } from '../conformance/types.ts';
import type { PreparedClip, SessionPlan, SessionResult } from '../contract.ts';
import { createPacer } from '../pacer/pacer.ts';
import { SessionConformance } from '../runner/conformance-tap.ts';
import { MOCK_API_KEY, sessionUrl } from '../runner/target.ts';
import { runSession } from '../session/driver.ts';
import { WsTransport } from '../transport/ws-transport.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { scoreRecoveries, type RecoveryScore } from './recovery-score.ts';

/** One fault the suite injects. */
export interface RecoveryFault {
  /** Short name (the mock fault's name). */
  readonly name: string;
  /** `--fault` spec given to the mock (docs/readme/mock-faults.md grammar). */
  readonly spec: string;
  /** Turn timeout of these sessions, ms. Default 30000. */
  readonly turnTimeoutMs?: number;
}

/**
 * The default faults: each hits about half the responses (or every connection after a few
 * seconds), so sessions both recover and go on. `stall` holds frames longer than the turn timeout.
 */
export const DEFAULT_RECOVERY_FAULTS: readonly RecoveryFault[] = [
  { name: 'rate_limit', spec: 'rate_limit:p=0.5,retry_after_s=0.5' },
  { name: 'expire', spec: 'expire:after_s=8' },
  { name: 'drop', spec: 'drop:p=0.4,after_events=6' },
  { name: 'server_error', spec: 'server_error:p=0.5' },
  { name: 'stall', spec: 'stall:ms=12000,p=0.5', turnTimeoutMs: 8000 },
];

/** Options of {@link runRecoverySuite}. */
export interface RecoverySuiteOptions {
  /** Clips the sessions speak, cycled (PCM16 24 kHz frames). At least one. */
  readonly clips: readonly PreparedClip[];
  /** Faults to inject, one mock each. Default {@link DEFAULT_RECOVERY_FAULTS}. */
  readonly faults?: readonly RecoveryFault[];
  /** Sessions per fault. Default 3. */
  readonly sessionsPerFault?: number;
  /** Manual turns per session. Default 3. */
  readonly turnsPerSession?: number;
  /** Seed of the mocks and of the driver's jitter. Default 1. */
  readonly seed?: number;
  /** Latency profile file of the mocks. Default the mock's own. */
  readonly latencyFile?: string | null;
  /** Realtime model in the URL. Default `gpt-realtime-2`. */
  readonly model?: string;
  /** Simulated time after which no new turns start, ms. Default 600000. */
  readonly maxSimulatedMs?: number;
}

/** One fault's sessions and score. */
export interface RecoveryFaultResult {
  readonly name: string;
  readonly spec: string;
  readonly sessions: number;
  readonly turnsPlanned: number;
  readonly turnsCompleted: number;
  readonly turnsFailed: number;
  /** Session outcomes counted (`completed`, `reconnect_failed`, …). */
  readonly outcomes: Record<string, number>;
  /** Per fault kind met, from the sessions' recovery records. */
  readonly scores: RecoveryScore[];
  /** Whether the fault was met at all (a seed can spare every session of a probabilistic fault). */
  readonly exercised: boolean;
}

/** The suite's result. */
export interface RecoverySuiteResult {
  /** Recovery times are simulated ms (see module doc). */
  readonly clock: 'simulated';
  readonly seed: number;
  readonly runs: RecoveryFaultResult[];
  /** Every session of every fault scored together. */
  readonly overall: RecoveryScore[];
  /** Passive findings of every connection, session ids `RECOVERY-<name>#<n>/<connection>`. */
  readonly findings: Finding[];
  /** The sessions' results (for reports). */
  readonly sessions: { readonly fault: string; readonly result: SessionResult }[];
  /** Simulated time the suite took, ms. */
  readonly simulatedMs: number;
}

/** Simulated ms per step of the clock loop. */
const STEP_MS = 20;
/** Steps after which the loop gives up (a hang becomes an error, not a stuck CI job). */
const MAX_STEPS = 200_000;

function plan(index: number, url: string, clips: readonly PreparedClip[], turns: number, fault: RecoveryFault, model: string): SessionPlan {
  return {
    index,
    url,
    headers: { Authorization: `Bearer ${MOCK_API_KEY}` },
    kind: 'realtime',
    model,
    effort: null,
    voice: 'marin',
    instructions: null,
    outputModalities: ['audio'],
    turnMode: 'manual',
    turnDetection: null,
    format: { type: 'audio/pcm', rate: 24000 },
    chunkMs: clips[0]!.chunkMs,
    tools: [],
    turns: Array.from({ length: turns }, (_, t) => ({ clip: clips[(index + t) % clips.length]!, thinkTimeMs: 200, bargeInAfterAudioMs: null })),
    turnTimeoutMs: fault.turnTimeoutMs ?? 30_000,
    connectTimeoutMs: 10_000,
  };
}

/** Runs every fault's sessions at once on one simulated clock and scores them. */
export async function runRecoverySuite(opts: RecoverySuiteOptions): Promise<RecoverySuiteResult> {
  if (opts.clips.length === 0) throw new RangeError('runRecoverySuite: at least one clip is needed');
  const faults = opts.faults ?? DEFAULT_RECOVERY_FAULTS;
  const perFault = opts.sessionsPerFault ?? 3;
  const turns = opts.turnsPerSession ?? 3;
  const seed = opts.seed ?? 1;
  const model = opts.model ?? 'gpt-realtime-2';
  const clock = new ManualClock(1_000_000);
  const startUs = clock.nowUs();
  const pacer = createPacer({ clock });
  const mocks: MockServerHandle[] = [];
  let stopNewTurns!: () => void;
  const stopSignal = { stopNewTurns: new Promise<void>((r) => (stopNewTurns = r)) };
  try {
    for (const f of faults) {
      mocks.push(await startMockServer({ port: 0, seed, clock, faults: [f.spec], ...(opts.latencyFile ? { latency: opts.latencyFile } : {}) }));
    }
    const taps: SessionConformance[][] = faults.map(() => []);
    const running = faults.map((f, fi) =>
      Array.from({ length: perFault }, (_, i) => {
        const p = plan(i, sessionUrl(mocks[fi]!.url, 'realtime', model, false), opts.clips, turns, f, model);
        const tap = new SessionConformance(p, clock);
        taps[fi]!.push(tap);
        return runSession(p, {
          clock,
          pacer,
          onTurn: () => undefined,
          onEvent: (e, c) => tap.onEvent(e, c),
          transportFactory: (pl) => tap.wrap(new WsTransport({ url: pl.url, headers: pl.headers, clock, handshakeTimeoutMs: 10_000 })),
          signal: stopSignal,
          seed: seed * 1000 + fi * 100 + i,
        });
      }),
    );
    let settled = false;
    const all = Promise.all(running.map((r) => Promise.all(r))).finally(() => (settled = true));
    const maxUs = (opts.maxSimulatedMs ?? 600_000) * 1000;
    for (let step = 0; !settled; step++) {
      if (step > MAX_STEPS) throw new Error(`recovery suite did not finish within ${MAX_STEPS} clock steps`);
      // Real socket I/O runs between steps; a 2 ms sleep now and then lets slower I/O catch up.
      await new Promise((r) => setTimeout(r, step % 10 === 0 ? 2 : 0));
      clock.advanceMs(STEP_MS);
      if (clock.nowUs() - startUs > maxUs) stopNewTurns();
    }
    const results = await all;
    const findings: Finding[] = [];
    const runs = faults.map((f, fi): RecoveryFaultResult => {
      const sessions = results[fi]!;
      taps[fi]!.forEach((tap, i) => {
        for (const { sessionIndex: _s, connection, ...finding } of tap.finish()) findings.push({ ...finding, sessionId: `RECOVERY-${f.name}#${i + 1}/${connection}` });
      });
      const outcomes: Record<string, number> = {};
      for (const s of sessions) outcomes[s.outcome] = (outcomes[s.outcome] ?? 0) + 1;
      const scores = scoreRecoveries(sessions);
      return {
        name: f.name,
        spec: f.spec,
        sessions: sessions.length,
        turnsPlanned: sessions.length * turns,
        turnsCompleted: sessions.reduce((a, s) => a + s.turnsCompleted, 0),
        turnsFailed: sessions.reduce((a, s) => a + s.turnsFailed, 0),
        outcomes,
        scores,
        exercised: scores.length > 0,
      };
    });
    const flat = results.flatMap((sessions, fi) => sessions.map((result) => ({ fault: faults[fi]!.name, result })));
    return { clock: 'simulated', seed, runs, overall: scoreRecoveries(flat.map((s) => s.result)), findings, sessions: flat, simulatedMs: Math.round((clock.nowUs() - startUs) / 1000) };
  } finally {
    stopNewTurns();
    pacer.close();
    await Promise.all(mocks.map((m) => m.close()));
  }
}
