/**
 * Runs probes against a resolved target: each in its own sessions, with a time limit, a few at a
 * time. Every session is closed and judged by the passive checker whatever the probe's outcome, so
 * the findings cover every event the probes provoked.
 */
import { monotonicClock, type Clock, type TimerHandle } from '../../common/clock.ts';
import type { ProbeResult } from '../conformance/report.ts';
import type { Finding, SessionKind } from '../conformance/types.ts';
import type { Transport } from '../transport/transport.ts';
import { ProbeSession } from './probe-session.ts';
import { PROBES } from './probes.ts';
import { ProbeFailure, type ProbeClips, type ProbeContext, type ProbeDef, type ProbeEndpoint, type ProbeSessionKind, type ProbeTarget } from './types.ts';

/** Options of {@link runProbes}. */
export interface RunProbesOptions {
  readonly target: ProbeTarget;
  readonly clips: ProbeClips;
  /** Probes to run, in report order. Default {@link PROBES}. */
  readonly probes?: readonly ProbeDef[];
  /** Clock of stamps, waits and durations. Default {@link monotonicClock}. */
  readonly clock?: Clock;
  /** Longest wait for one expected answer, ms. Default 15000. */
  readonly stepTimeoutMs?: number;
  /** Time limit of one probe, ms (the expiry probe gets the maximum session length on top). Default 60000. */
  readonly probeTimeoutMs?: number;
  /** How long "nothing more arrives" is watched for, ms. Default 300. */
  readonly quietMs?: number;
  /** Probes run at the same time. Default 3. */
  readonly concurrency?: number;
  /** Told each result as its probe ends (progress). Default none. */
  readonly onResult?: (result: ProbeResult) => void;
  /** Transport factory (tests). Default a `WsTransport` per session. */
  readonly transport?: (endpoint: ProbeEndpoint) => Transport;
}

/** Results of a probe run. */
export interface ProbeRun {
  /** One per probe, in catalogue order. */
  readonly results: ProbeResult[];
  /** Passive findings of every probe session, session ids `PROBE-…#n`. */
  readonly findings: Finding[];
}

/** Runs the probes; never rejects for target behaviour (that is in the results). */
export async function runProbes(opts: RunProbesOptions): Promise<ProbeRun> {
  const probes = opts.probes ?? PROBES;
  const results: ProbeResult[] = new Array(probes.length);
  const findings: Finding[][] = probes.map(() => []);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < probes.length) {
      const i = next++;
      const out = await runOneProbe(probes[i]!, opts);
      results[i] = out.result;
      findings[i] = out.findings;
      opts.onResult?.(out.result);
    }
  };
  const lanes = Math.max(1, Math.min(opts.concurrency ?? 3, probes.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return { results, findings: findings.flat() };
}

/** Runs one probe with its time limit; closes and judges its sessions. */
export async function runOneProbe(probe: ProbeDef, opts: RunProbesOptions): Promise<{ result: ProbeResult; findings: Finding[] }> {
  const clock = opts.clock ?? monotonicClock;
  const stepTimeoutMs = opts.stepTimeoutMs ?? 15_000;
  const quietMs = opts.quietMs ?? 300;
  const sessions: ProbeSession[] = [];
  const notes: string[] = [`source: ${probe.source}`];
  let ended = false;
  const ctx: ProbeContext = {
    target: opts.target,
    clips: opts.clips,
    stepTimeoutMs,
    quietMs,
    note: (line) => void notes.push(line),
    open: async (kind: ProbeSessionKind, endpoint?: ProbeEndpoint) => {
      // A probe that outlived its time limit must not leave a session nobody closes.
      if (ended) throw new ProbeFailure('probe already ended');
      const s = await ProbeSession.open({
        kind,
        endpoint: endpoint ?? opts.target[kind],
        clock,
        sessionId: `${probe.id}#${sessions.length + 1}`,
        stepTimeoutMs,
        ...(opts.target.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.target.rejectUnauthorized } : {}),
        ...(opts.transport ? { transport: opts.transport } : {}),
      });
      if (ended) {
        await s.close();
        throw new ProbeFailure('probe already ended');
      }
      sessions.push(s);
      return s;
    },
  };
  const limitMs = (opts.probeTimeoutMs ?? 60_000) + (probe.id === 'PROBE-SESSION-EXPIRY' ? (opts.target.expiry?.maxSessionS ?? 0) * 1000 : 0);
  const startUs = clock.nowUs();
  let status: ProbeResult['status'] = 'passed';
  let message: string | undefined;
  let timer: TimerHandle | null = null;
  try {
    const limit = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new ProbeFailure(`probe did not finish within ${limitMs} ms`)), limitMs);
    });
    const outcome = await Promise.race([probe.run(ctx), limit]);
    if (outcome?.status === 'skipped') status = 'skipped';
    if (outcome?.message !== undefined) message = outcome.message;
  } catch (err) {
    status = 'failed';
    message = err instanceof ProbeFailure ? err.message : `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
  } finally {
    if (timer !== null) clock.clearTimeout(timer);
  }
  ended = true;
  const durationMs = Math.round((clock.nowUs() - startUs) / 1000);
  // A passed probe lets the target finish what it owes; a failed one only watches briefly.
  for (const s of sessions) {
    if (status === 'passed') await s.settle(quietMs);
    await s.close();
  }
  const findings = sessions.flatMap((s) => s.finish());
  const result: ProbeResult = {
    id: probe.id,
    description: probe.description,
    status,
    durationMs,
    details: notes.join('\n'),
    ...(message !== undefined ? { message } : {}),
  };
  return { result, findings };
}
