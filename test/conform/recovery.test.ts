/**
 * The recovery suite for real: the session driver over WsTransport against the bundled mock
 * started with a fault, on the suite's simulated clock (fast, and independent of machine speed).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBE_CLIP_IDS } from '../../harness/conform/conform.ts';
import { PROBE_CHUNK_MS } from '../../harness/conform/probe-helpers.ts';
import { runRecoverySuite } from '../../harness/conform/recovery-suite.ts';
import { scoreRecoveries } from '../../harness/conform/recovery-score.ts';
import type { PreparedClip } from '../../harness/contract.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus } from '../../harness/corpus/load-corpus.ts';

let clips: PreparedClip[];

beforeAll(async () => {
  clips = [...(await loadCorpus(BUNDLED_CORPUS_DIR, { format: { type: 'audio/pcm', rate: 24000 }, chunkMs: PROBE_CHUNK_MS, ids: [...PROBE_CLIP_IDS] })).values()];
});

describe('runRecoverySuite', () => {
  it('drop (every response cut, 1006): each turn is lost, each reconnect recovers, scored from SessionResult.recoveries', async () => {
    const r = await runRecoverySuite({ clips, faults: [{ name: 'drop', spec: 'drop:p=1,after_events=6' }], sessionsPerFault: 1, turnsPerSession: 2, seed: 4 });
    expect(r.clock).toBe('simulated');
    expect(r.runs).toHaveLength(1);
    const run = r.runs[0]!;
    expect(run).toMatchObject({ name: 'drop', spec: 'drop:p=1,after_events=6', sessions: 1, turnsPlanned: 2, turnsCompleted: 0, turnsFailed: 2, exercised: true, outcomes: { completed: 1 } });
    expect(run.scores).toHaveLength(1);
    expect(run.scores[0]).toMatchObject({ fault: 'abnormal_close', occurrences: 2, recovered: 2, recoveryRate: 1, turnsLost: 2, attempts: 2 });
    expect(run.scores[0]!.recoveryMs!.count).toBe(2);
    expect(run.scores[0]!.recoveryMs!.maxMs).toBeGreaterThan(0);
    // The same table from the raw session results, as the HTML report would build it.
    expect(scoreRecoveries(r.sessions.map((s) => s.result))).toEqual(run.scores);
    expect(r.overall).toEqual(run.scores);
    // A dropped socket is not a protocol violation: no findings.
    expect(r.findings).toEqual([]);
  });

  it('rate_limit on every response: retries after the hint, then the turn is given up', async () => {
    const r = await runRecoverySuite({ clips, faults: [{ name: 'rate_limit', spec: 'rate_limit:p=1,retry_after_s=0.3' }], sessionsPerFault: 1, turnsPerSession: 1, seed: 4 });
    const [score] = r.runs[0]!.scores;
    expect(score).toMatchObject({ fault: 'rate_limit_exceeded', occurrences: 1, recovered: 0, recoveryMs: null, turnsLost: 1, attempts: 3 });
    expect(r.runs[0]).toMatchObject({ turnsCompleted: 0, turnsFailed: 1 });
  });
});
