/**
 * `runScenario`: the product's main job as a library (the `rth run` command is a thin layer).
 * Resolves the target, prepares the corpus, starts the embedded mock in its own process when asked,
 * runs every session at its intended arrival time (in this thread or spread over worker threads),
 * streams each finished turn and session to JSONL as it happens, stops at the run's duration or on
 * request, and writes the summary, histograms and run record.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { monotonicClock, type Clock, type TimerHandle } from '../../common/clock.ts';
import type { PreparedClip, SessionPlan, TurnResult } from '../contract.ts';
import { budgetBlock } from '../cost/budget-summary.ts';
import { SpendTracker } from '../cost/budget.ts';
import type { CostEstimate } from '../cost/estimate.ts';
import type { PriceCard } from '../cost/price-card.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus, readManifest } from '../corpus/load-corpus.ts';
import type { Finding } from '../conformance/types.ts';
import { writeHgrm } from '../metrics/hgrm.ts';
import { writeReportFiles } from '../report/write-report.ts';
import type { Recorder } from '../metrics/recorder.ts';
import { buildSummary } from '../metrics/summary.ts';
import { RateLimitTally } from '../metrics/summary-rate-limits.ts';
import { validateClipIds } from '../scenario/clips.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import type { Transport } from '../transport/transport.ts';
import { gitCommit, toolVersion } from '../version.ts';
import { arrivalOffsetsMs, stepSchedule } from './arrivals.ts';
import { CapacityMonitor } from './capacity.ts';
import type { RunEvent, RunListener, StopReason } from './events.ts';
import { JsonlLog } from './jsonl-log.ts';
import { computeMeasurementError, readTraceFirstAudio, type MeasurementError } from './measurement-error.ts';
import { startMockProcess, type MockProcess } from './mock-process.ts';
import { conformanceCounts, formatRunTable, measurementErrorBlock, runRecord, writeConformance, writeJson, type RunSummaryWithRunner } from './outputs.ts';
import { clipIdsNeeded, sessionEfforts } from './plans.ts';
import { armLabels } from '../scenario/arms.ts';
import { NOT_STARTED } from './session-pool.ts';
import { startShard, type AbortReason, type ShardResult, type ShardSink, type ShardSpec } from './shard.ts';
import { resolveTarget, sessionUrl } from './target.ts';
import { opusClipOf } from '../audio/opus-clip.ts';
import { spawnWorkerShards } from './worker-pool.ts';

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** Output folder. Default: the scenario's `out`, else `reports/<YYYYMMDD-HHMMSS>-<name>/` under `cwd`. */
  outDir?: string;
  /** Base of the default output folder. Default `process.cwd()`. */
  cwd?: string;
  /** Environment (`OPENAI_API_KEY` for `--target openai`). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The run's clock. Default the monotonic clock (worker threads always use it). */
  clock?: Clock;
  /** Receives the run's events (progress display). Default none. */
  onEvent?: RunListener;
  /**
   * Stop requests: `soft` stops new turns, lets open turns finish (bounded by `timeouts.drain_ms`)
   * and writes the summary; `hard` closes every connection at once and returns without a summary
   * (the JSONL files are already on disk). Default: none.
   */
  stopSignal?: { soft: Promise<void>; hard: Promise<void> };
  /** Corpus folder. Default the bundled `audio-corpus/`. */
  corpusDir?: string;
  /** Test seam: transports for in-thread runs (ignored with workers). Default WebSocket. */
  transportFactory?: (plan: SessionPlan) => Transport;
  /** Wall clock for the folder name and `started_at`. Default `() => new Date()`. */
  now?: () => Date;
  /** Check conformance of every connection. Default true. */
  conformance?: boolean;
  /**
   * Receives one-line warnings before anything starts (a URL target with no credential). Never
   * given a key. Default: dropped.
   */
  onWarning?: (line: string) => void;
  /**
   * Track spend live and write `summary.json` → `budget`: turns priced with `card` as they finish;
   * with `capUsd`, new turns stop (the soft stop, reason `budget`) once the spend plus one more
   * turn per open session would cross it. Default: no cost tracking.
   */
  cost?: { card: PriceCard; capUsd: number | null; estimate: CostEstimate | null };
}

/** What a run produced. */
export interface RunResult {
  readonly outDir: string;
  /** The summary written to `summary.json`; null after a hard stop (no summary is written then). */
  readonly summary: RunSummaryWithRunner | null;
  /** The end-of-run text (verdict first), or null after a hard stop. */
  readonly table: string | null;
  /** 0 ok; 1 SLO breach, invalid run or conformance errors; 130 hard stop. */
  readonly exitCode: number;
  /** Stopped by a stop request (soft or hard). */
  readonly interrupted: boolean;
  /** Files written (absolute). */
  readonly files: { turns: string; sessions: string; summary: string | null; run: string; histograms: readonly string[]; conformance: string | null; mockTrace: string | null };
}

/** `YYYYMMDD-HHMMSS` in local time. */
export function timestampForDir(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Delay between spawning worker threads' start message and the run's first arrival, ms. */
const WORKER_START_LEAD_MS = 50;
/** After a hard stop, how long sessions get to report their cut-short turns, ms. */
const HARD_STOP_GRACE_MS = 1000;

/** A shard (in this thread) or workers, behind one face. */
interface Execution {
  stop(): void;
  abort(reason: AbortReason): void;
  terminate(): Promise<void>;
  readonly done: Promise<ShardResult>;
}

/**
 * Runs a resolved scenario end to end. Configuration problems (missing key, unknown clip ids,
 * corpus errors) throw `ConfigError` before any socket opens or file is written.
 */
export async function runScenario(scenario: ResolvedScenario, opts: RunOptions = {}): Promise<RunResult> {
  const clock = opts.clock ?? monotonicClock;
  const env = opts.env ?? process.env;
  const emit = (e: RunEvent): void => opts.onEvent?.(e);
  const now = opts.now ?? (() => new Date());
  const target = resolveTarget(scenario.target, scenario.headers, env, scenario.apiKeyEnv);
  if (target.warning !== null) opts.onWarning?.(target.warning);

  const corpusDir = opts.corpusDir ?? BUNDLED_CORPUS_DIR;
  const { manifest } = await readManifest(corpusDir);
  const corpusIds = manifest.clips.map((c) => c.id);
  validateClipIds(scenario, corpusIds);
  const clipIds = clipIdsNeeded(scenario, corpusIds);
  const corpusHashes = Object.fromEntries(manifest.clips.filter((c) => clipIds.includes(c.id)).map((c) => [c.id, c.sha256]));

  const startedAt = now();
  const outDir = path.resolve(opts.outDir ?? scenario.outDir ?? path.join(opts.cwd ?? process.cwd(), 'reports', `${timestampForDir(startedAt)}-${scenario.name}`));
  const files = {
    turns: path.join(outDir, 'turns.jsonl'),
    sessions: path.join(outDir, 'sessions.jsonl'),
    summary: path.join(outDir, 'summary.json'),
    run: path.join(outDir, 'run.json'),
    conformance: path.join(outDir, 'conformance.json'),
    mockTrace: target.type === 'mock' ? path.join(outDir, 'mock-trace.jsonl') : null,
  };

  // The mock starts (in its own process) while the corpus is decoded here: both take seconds.
  let mockStarting: Promise<MockProcess> | null = null;
  if (target.type === 'mock') {
    // The mock appends to its trace, and seeded response ids repeat across runs with one seed:
    // a trace left by an earlier run into the same folder would match this run's turns.
    rmSync(files.mockTrace!, { force: true });
    mockStarting = startMockProcess({
      seed: scenario.mock.seed,
      latencyFile: scenario.mock.latencyProfilePath,
      faults: scenario.mock.faults,
      maxSessionS: scenario.mock.maxSessionS,
      maxConcurrentSessions: scenario.mock.maxConcurrentSessions ?? null,
      tokensPerMinute: scenario.mock.tokensPerMinute ?? null,
      tracePath: files.mockTrace,
      priority: scenario.mock.priority,
    });
    // Handled below; this keeps a failure during corpus loading from counting as unhandled.
    mockStarting.catch(() => undefined);
  }
  let clips: Map<string, PreparedClip>;
  try {
    clips = await loadCorpus(corpusDir, { format: scenario.wireFormat, chunkMs: scenario.chunkMs, ids: clipIds });
  } catch (err) {
    await mockStarting?.then((m) => m.stop(), () => undefined);
    if (files.mockTrace) rmSync(files.mockTrace, { force: true });
    throw err;
  }

  const turnsLog = new JsonlLog(files.turns);
  const sessionsLog = new JsonlLog(files.sessions);
  let mock: MockProcess | null = null;
  let execution: Execution | null = null;
  let settled = false;
  try {
    if (mockStarting) mock = await mockStarting;
    const base = target.type === 'mock' ? mock!.url : target.type === 'openai' ? 'wss://api.openai.com' : scenario.target;
    const url = sessionUrl(base, scenario.kind, scenario.model, target.type === 'url');
    const runInfo = runRecord(scenario, { target: target.label, outDir, url, headerNames: Object.keys(target.headers), mockPriority: mock?.priority ?? null });
    writeJson(files.run, runInfo);

    // ---- what the sinks collect ----------------------------------------------------------------
    const firstAudio: Pick<TurnResult, 'responseId' | 'milestones'>[] = [];
    const findings: Finding[] = [];
    let notStarted = 0;
    let maxLateUs = 0;
    // When each session began, so the report's timeline shows real session spans.
    const sessionStartUs = new Map<number, number>();
    // Handshake 429s, in-session rate limits and rate_limits.updated, counted apart (summary `rate_limits`).
    const rateLimits = new RateLimitTally();
    // Cost guard: spend priced per turn on this thread (workers' turns arrive here too).
    const costOpts = opts.cost;
    const tracker = costOpts
      ? new SpendTracker({ card: costOpts.card, capUsd: costOpts.capUsd, turnUsdHint: costOpts.estimate?.firstTurnUsd ?? null, expectedTurns: costOpts.estimate?.turns ?? null })
      : null;
    let openSessions = 0;
    let budgetStop: (() => void) | null = null;
    const checkBudget = (): void => {
      if (tracker?.wouldCross(openSessions)) budgetStop?.();
    };
    // Capacity search (arrival type steps): step accounting and the stop rule; set once the run starts.
    let capacity: CapacityMonitor | null = null;
    const sink: ShardSink = {
      onSessionStart: (index, lateUs) => {
        capacity?.sessionStarted(index);
        openSessions++;
        checkBudget();
        sessionStartUs.set(index, clock.nowUs());
        maxLateUs = Math.max(maxLateUs, lateUs);
        emit({ type: 'session-start', index, lateUs });
      },
      onTurn: (turn, metrics) => {
        turnsLog.append({ ...turn, metrics });
        if (turn.milestones.firstAudioUs !== null && turn.responseId !== null) {
          firstAudio.push({ responseId: turn.responseId, milestones: { ...turn.milestones } });
        }
        emit({ type: 'turn', turn, metrics });
        capacity?.turn(turn, metrics.ttfaMs, clock.nowUs());
        if (tracker && tracker.addTurn(turn) !== null) {
          emit({ type: 'cost', spentUsd: tracker.spentUsd, projectedUsd: tracker.projectedUsd(), capUsd: tracker.capUsd });
          checkBudget();
        }
      },
      onSession: (session, sessionFindings) => {
        if (session.outcome === NOT_STARTED) notStarted++;
        else openSessions = Math.max(0, openSessions - 1);
        const startedUs = sessionStartUs.get(session.sessionIndex) ?? null;
        sessionStartUs.delete(session.sessionIndex);
        sessionsLog.append({ ...session, conformanceFindings: sessionFindings.length, startedUs, endedUs: clock.nowUs() });
        for (const f of sessionFindings) findings.push(f);
        rateLimits.add(session);
        capacity?.session(session, clock.nowUs());
        emit({ type: 'session-end', session, findings: sessionFindings.length });
      },
      onRateLimit: (n) => capacity?.rateLimit(n.sessionIndex, n.kind, n.atUs),
    };

    // ---- start ---------------------------------------------------------------------------------
    const efforts = sessionEfforts(scenario);
    const offsetsMs = arrivalOffsetsMs(scenario.arrival, scenario.sessions, scenario.seed);
    const indices = Array.from({ length: scenario.sessions }, (_, i) => i);
    const specBase: Omit<ShardSpec, 'runStartUs'> = {
      scenario,
      sessionIndices: indices,
      efforts,
      offsetsMs,
      url,
      headers: target.headers,
      corpusIds,
      conformance: opts.conformance ?? true,
    };
    // WebRTC: each clip's Opus packets are encoded now, before the run's clock starts (workers get
    // a copy), so no session starts late for it and no stream waits on it.
    if (scenario.transport === 'webrtc') for (const clip of clips.values()) opusClipOf(clip);
    let runStartUs: number;
    if (scenario.workers > 1) {
      const workers = await spawnWorkerShards(specBase, Math.min(scenario.workers, Math.max(1, scenario.sessions)), [...clips.values()], sink);
      runStartUs = clock.nowUs() + WORKER_START_LEAD_MS * 1000;
      workers.start(runStartUs);
      execution = { stop: () => workers.stop(), abort: (r) => workers.abort(r), terminate: () => workers.terminate(), done: workers.done };
    } else {
      runStartUs = clock.nowUs();
      const shard = startShard({ ...specBase, runStartUs }, sink, { clock, clips, ...(opts.transportFactory ? { transportFactory: opts.transportFactory } : {}) });
      execution = { stop: () => shard.stop(), abort: (r) => shard.abort(r), terminate: async () => shard.abort('interrupted'), done: shard.done };
    }
    // The run's time base (CLOCK_MONOTONIC µs), so `rth report` puts turns on the run's own axis.
    writeJson(files.run, { ...runInfo, run_start_us: runStartUs });
    emit({
      type: 'started',
      scenario: scenario.name,
      target: target.label,
      sessions: scenario.sessions,
      efforts: armLabels(scenario),
      workers: scenario.workers,
      outDir,
      durationS: scenario.durationS,
      runStartUs,
    });

    // ---- stop control --------------------------------------------------------------------------
    const exec = execution;
    let finished = false;
    let stopReason: StopReason | null = null;
    let hardStopped = false;
    const timers: TimerHandle[] = [];
    const requestStop = (reason: StopReason): void => {
      if (stopReason !== null || finished) return;
      stopReason = reason;
      exec.stop();
      emit({ type: 'stopping', reason, drainMs: scenario.timeouts.drainMs });
      timers.push(
        clock.setTimeout(() => {
          if (finished) return;
          emit({ type: 'drain-timeout' });
          exec.abort('drain_timeout');
        }, scenario.timeouts.drainMs),
      );
    };
    if (scenario.durationS !== null) {
      timers.push(clock.setTimeout(() => requestStop('duration'), (runStartUs + scenario.durationS * 1e6 - clock.nowUs()) / 1000));
    }
    budgetStop = () => requestStop('budget');
    if (scenario.arrival.type === 'steps') {
      const steps = stepSchedule(scenario.arrival);
      capacity = new CapacityMonitor({ steps, runStartUs, stopWhen: scenario.stopWhen, maxSessions: scenario.arrival.max, onBreak: () => requestStop('capacity') });
      const monitor = capacity;
      for (const st of steps) timers.push(clock.setTimeout(() => monitor.stepOver(st.index), (runStartUs + st.endMs * 1000 - clock.nowUs()) / 1000));
    }
    checkBudget();
    let hardStop!: () => void;
    const hardStopped$ = new Promise<'hard'>((resolve) => (hardStop = () => resolve('hard')));
    void opts.stopSignal?.soft.then(() => requestStop('signal'));
    void opts.stopSignal?.hard.then(() => {
      if (finished) return;
      hardStopped = true;
      requestStop('signal');
      emit({ type: 'hard-stop' });
      exec.abort('interrupted');
      hardStop();
    });

    const first = await Promise.race([exec.done, hardStopped$]);
    if (first === 'hard') {
      // Give sessions a moment to report the turns the close cut short, then leave.
      let grace: TimerHandle | null = null;
      const result = await Promise.race([exec.done.catch(() => null), new Promise<null>((r) => (grace = clock.setTimeout(() => r(null), HARD_STOP_GRACE_MS)))]);
      if (grace) clock.clearTimeout(grace);
      finished = true;
      for (const t of timers) clock.clearTimeout(t);
      if (result === null) await exec.terminate();
      settled = true;
      turnsLog.close();
      sessionsLog.close();
      await mock?.stop();
      mock = null;
      return { outDir, summary: null, table: null, exitCode: 130, interrupted: true, files: { ...files, summary: null, histograms: [], conformance: null } };
    }
    const shardResult = first;
    finished = true;
    settled = true;
    for (const t of timers) clock.clearTimeout(t);
    const endUs = clock.nowUs();
    emit({ type: 'finishing' });
    turnsLog.close();
    sessionsLog.close();

    // ---- ground truth and files ----------------------------------------------------------------
    let measurement: MeasurementError | null = null;
    if (mock) {
      await mock.stop(); // the mock flushes its trace on exit
      mock = null;
      measurement = computeMeasurementError(firstAudio, readTraceFirstAudio(files.mockTrace!));
    }
    const summary = summarize(scenario, shardResult.recorder, {
      target: target.label,
      startedAt,
      durationS: (endUs - runStartUs) / 1e6,
      eventLoop: shardResult.eventLoop,
      interrupted: stopReason === 'signal',
      corpus: corpusHashes,
      measurement,
      findings,
      notStarted,
      maxLateUs,
    });
    summary.rate_limits = rateLimits.block(runStartUs);
    if (capacity) summary.capacity = capacity.finish(endUs, stopReason === null || stopReason === 'duration');
    if (tracker) summary.budget = budgetBlock(tracker, opts.cost?.estimate ?? null, opts.cost!.card.as_of, stopReason === 'budget');
    writeJson(files.summary, summary);
    const histograms = await writeHgrm(shardResult.recorder, outDir);
    const conformanceFile = writeConformance(outDir, findings);
    // Exact histograms for `rth report` rebuilds and merges (send lag is not in turns.jsonl).
    writeJson(path.join(outDir, 'recorder.json'), shardResult.recorder.encode());
    await writeReportFiles(outDir, { regenerateSummary: false });
    // A run in which no turn completed measured nothing: fail it even when no SLO is set.
    const nothingCompleted = summary.turns.completed === 0;
    const exitCode = !summary.valid || !summary.slo.passed || summary.conformance.errors > 0 || nothingCompleted ? 1 : 0;
    return {
      outDir,
      summary,
      table: formatRunTable(summary, outDir),
      exitCode,
      interrupted: stopReason === 'signal' || hardStopped,
      files: { ...files, histograms, conformance: conformanceFile },
    };
  } finally {
    // On an exception (a worker crashed, a listener threw) nothing may keep running.
    if (execution && !settled) await execution.terminate().catch(() => undefined);
    turnsLog.close();
    sessionsLog.close();
    if (mock) await mock.stop();
  }
}

interface SummarizeInput {
  target: string;
  startedAt: Date;
  durationS: number;
  eventLoop: ShardResult['eventLoop'];
  interrupted: boolean;
  corpus: Record<string, string>;
  measurement: MeasurementError | null;
  findings: readonly Finding[];
  notStarted: number;
  maxLateUs: number;
}

function summarize(scenario: ResolvedScenario, recorder: Recorder, x: SummarizeInput): RunSummaryWithRunner {
  const base = buildSummary(recorder, {
    scenario: { name: scenario.name, file: scenario.sourceLabel === '<inline>' ? null : scenario.sourceLabel, description: scenario.description },
    target: x.target,
    kind: scenario.kind,
    model: scenario.model,
    efforts: armLabels(scenario),
    startedAt: x.startedAt,
    durationS: x.durationS,
    chunkMs: scenario.chunkMs,
    sendLagBudgetMs: scenario.pacing.sendLagP99BudgetMs,
    stallBudgetMs: scenario.pacing.stallBudgetMs,
    eventLoop: { maxStallMs: x.eventLoop.maxStallMs, p99DelayMs: x.eventLoop.p99DelayMs },
    slo: scenario.slo,
    interrupted: x.interrupted,
    provenance: { toolVersion: toolVersion(), gitCommit: gitCommit(), corpus: x.corpus, seed: scenario.seed, workers: scenario.workers },
  });
  return {
    ...base,
    measurement_error_ms: measurementErrorBlock(x.measurement),
    conformance: conformanceCounts(x.findings),
    sessions_not_started: x.notStarted,
    arrival_lateness_ms: { max: Math.round(x.maxLateUs) / 1000 },
  };
}
