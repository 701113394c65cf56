/**
 * Synthetic run directories for the report tests: seeded turns and sessions over several efforts
 * (with failures, a barge-in, recoveries, usage), written the way the runner writes them
 * (turns.jsonl with `metrics`, sessions.jsonl with `conformanceFindings`, run.json, and for a
 * finished run summary.json, histograms/send_lag.hgrm and conformance.json).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AudioDeltaArrival, SessionResult, TurnResult } from '../contract.ts';
import { buildConformanceReport } from '../conformance/report.ts';
import type { Finding } from '../conformance/types.ts';
import { percentileDistribution } from '../metrics/hgrm.ts';
import { deriveTurnMetrics } from '../metrics/turn-metrics.ts';
import { buildSummary } from '../metrics/summary.ts';
import type { ReasoningEffort } from '../../common/protocol/types.ts';
import type { RunRecordFile, SessionRecord } from './read-run.ts';
import { recordRun } from './rebuild.ts';

/** Options of {@link syntheticRun}. */
export interface SyntheticRunOptions {
  sessions?: number;
  turnsPerSession?: number;
  efforts?: readonly (ReasoningEffort | null)[];
  seed?: number;
  /** Monotonic µs of the run start. Default 5e9. */
  startUs?: number;
  /** Added to every TTFA, ms (to make a slower candidate). Default 0. */
  ttfaExtraMs?: number;
  model?: string;
}

/** A synthetic run. */
export interface SyntheticRun {
  turns: TurnResult[];
  sessions: SessionRecord[];
  run: RunRecordFile;
  startUs: number;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Output text tokens added per effort (reasoning), so cost differs by effort. */
const REASONING_TOKENS: Record<string, number> = { minimal: 0, low: 30, medium: 70, high: 120, xhigh: 190, none: 0 };

const EFFORT_BASE_MS: Record<string, number> = { minimal: 320, low: 420, medium: 600, high: 900, xhigh: 1300, none: 380 };

/** Seeded turns and sessions; session i (effort i mod efforts) starts 400 ms after session i−1. */
export function syntheticRun(o: SyntheticRunOptions = {}): SyntheticRun {
  const n = o.sessions ?? 9;
  const perSession = o.turnsPerSession ?? 4;
  const efforts = o.efforts ?? ['minimal', 'low', 'high'];
  const rand = rng(o.seed ?? 7);
  const startUs = o.startUs ?? 5e9;
  const model = o.model ?? 'gpt-realtime-2';
  const turns: TurnResult[] = [];
  const sessions: SessionRecord[] = [];
  for (let s = 0; s < n; s++) {
    const effort = efforts[s % efforts.length] ?? null;
    const connectMs = 80 + rand() * 60;
    const configureMs = 20 + rand() * 20;
    const sessionStart = startUs + s * 400_000;
    let t = sessionStart + (connectMs + configureMs) * 1000;
    let completed = 0;
    let failed = 0;
    const errors: Record<string, number> = {};
    for (let k = 1; k <= perSession; k++) {
      const turnStart = t + 300_000;
      const speechEnd = turnStart + 1_400_000;
      const fail = rand() < 0.06;
      const vad = (150 + rand() * 350) * 1000;
      const created = speechEnd + vad + 15_000;
      const base = EFFORT_BASE_MS[effort ?? 'none']! * (k === 1 ? 1.3 : 1);
      const ttfa = (base * Math.exp((rand() - 0.5) * 0.8) + (o.ttfaExtraMs ?? 0)) * 1000;
      const firstAudio = Math.max(created + 10_000, speechEnd + ttfa);
      const deltas: AudioDeltaArrival[] = [];
      for (let d = 0; d < 12; d++) deltas.push({ receivedUs: firstAudio + d * 90_000 + rand() * 30_000, durationMs: 100 });
      const done = firstAudio + 1_250_000;
      const bargedIn = s === 1 && k === 2;
      const reasoningTokens = REASONING_TOKENS[effort ?? 'none'] ?? 0;
      const turn: TurnResult = {
        sessionIndex: s,
        sessionId: `sess_${s}`,
        turnIndex: k,
        effort,
        model,
        clipId: `en-${(s + k) % 4}`,
        mode: 'server_vad',
        status: fail ? 'failed' : bargedIn ? 'cancelled' : 'completed',
        errorCode: fail ? 'rate_limit_exceeded' : null,
        responseId: fail ? null : `resp_${s}_${k}`,
        milestones: {
          turnStartUs: turnStart,
          speechEndSentUs: speechEnd,
          commitSentUs: null,
          speechStoppedUs: speechEnd + vad,
          committedUs: speechEnd + vad + 5000,
          responseCreatedUs: fail ? null : created,
          firstAudioUs: fail ? null : firstAudio,
          firstTextUs: fail ? null : firstAudio + 40_000,
          responseDoneUs: fail ? null : done,
        },
        audioDeltas: fail ? [] : deltas,
        usage: fail
          ? null
          : {
              total_tokens: 300 + k * 120 + reasoningTokens,
              input_tokens: 120 + k * 100,
              output_tokens: 180 + k * 20 + reasoningTokens,
              input_token_details: { text_tokens: 40, audio_tokens: 80 + k * 100, image_tokens: 0, cached_tokens: k > 1 ? 64 * (k - 1) : 0, cached_tokens_details: { text_tokens: k > 1 ? 64 * (k - 1) : 0, audio_tokens: 0, image_tokens: 0 } },
              output_token_details: { text_tokens: 30 + reasoningTokens, audio_tokens: 150 + k * 20 },
            },
        transcriptionUsage: null,
        toolCalls: 0,
        bargedIn,
        userSpeechMs: 1400,
      };
      turns.push(turn);
      if (fail) {
        failed++;
        errors.rate_limit_exceeded = (errors.rate_limit_exceeded ?? 0) + 1;
      } else completed++;
      t = (fail ? speechEnd + vad + 50_000 : done) + 200_000;
    }
    const endUs = t + 50_000;
    const result: SessionRecord = {
      sessionIndex: s,
      sessionId: `sess_${s}`,
      effort,
      model,
      connectMs: Math.round(connectMs * 1000) / 1000,
      configureMs: Math.round(configureMs * 1000) / 1000,
      connectedMs: (endUs - sessionStart) / 1000 - connectMs,
      turnsCompleted: completed,
      turnsFailed: failed,
      outcome: s === n - 1 && n > 3 ? 'closed_by_server' : 'completed',
      closeCode: s === n - 1 && n > 3 ? 1011 : 1000,
      errors,
      conformanceFindings: s === 0 ? 1 : 0,
    };
    if (s === 2) result.recoveries = [{ fault: 'rate_limit_exceeded', turnIndex: 2, recovered: true, recoveryMs: 850, turnsLost: 0, attempts: 1, detail: 'rate_limit_exceeded' }];
    sessions.push(result);
  }
  const run: RunRecordFile = {
    schema_version: 1,
    scenario: {
      name: 'synthetic',
      description: 'Synthetic run for report tests',
      sourceLabel: '<inline>',
      kind: 'realtime',
      model,
      efforts: efforts.map((e) => e ?? 'none'),
      chunkMs: 20,
      pacing: { sendLagP99BudgetMs: 5, stallBudgetMs: 50 },
      slo: { ttfa_ms: { p95: 5000 } },
      seed: o.seed ?? 7,
      workers: 1,
    },
    target: 'mock',
  };
  return { turns, sessions, run, startUs };
}

/** A conformance finding for fixtures. */
export function finding(over: Partial<Finding> = {}): Finding {
  return { ruleId: 'RT-ORDER-010', severity: 'warning', message: 'response.done arrived before output_audio.done', eventIndex: 12, eventType: 'response.done', rawExcerpt: '{}', sessionId: 'sess_0', ...over };
}

/** Options of {@link writeRunDir}. */
export interface WriteRunDirOptions {
  /** Write what a finished run has: summary.json, histograms, conformance.json. Default true. */
  finished?: boolean;
  /** Send-lag samples (µs) of the finished run. Default 2000 samples around 0.3 ms. */
  sendLagUs?: readonly number[];
  /** Append a torn (cut) line to turns.jsonl. Default false. */
  tornLastLine?: boolean;
  /** Write run.json. Default true. */
  runJson?: boolean;
}

/** Writes a synthetic run as a run directory the runner would leave. */
export async function writeRunDir(dir: string, r: SyntheticRun, o: WriteRunDirOptions = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  let turnsText = r.turns.map((t) => JSON.stringify({ ...t, metrics: deriveTurnMetrics(t) })).join('\n') + '\n';
  if (o.tornLastLine) turnsText += JSON.stringify({ ...r.turns[0], turnIndex: 99 }).slice(0, 57);
  await writeFile(path.join(dir, 'turns.jsonl'), turnsText);
  await writeFile(path.join(dir, 'sessions.jsonl'), r.sessions.map((s) => JSON.stringify(s)).join('\n') + '\n');
  if (o.runJson ?? true) await writeFile(path.join(dir, 'run.json'), JSON.stringify(r.run, null, 2));
  if (!(o.finished ?? true)) return;
  const recorder = recordRun(r.turns, r.sessions);
  const lag = o.sendLagUs ?? Array.from({ length: 2000 }, (_, i) => 150 + ((i * 7919) % 400) + (i % 500 === 0 ? 2500 : 0));
  for (const us of lag) recorder.recordSendLagUs(us);
  const sc = r.run.scenario!;
  const summary = buildSummary(recorder, {
    scenario: { name: sc.name!, file: null, description: sc.description ?? '' },
    target: 'mock',
    kind: 'realtime',
    model: sc.model!,
    efforts: sc.efforts!,
    startedAt: '2026-11-30T10:00:00.000Z',
    durationS: 12.5,
    chunkMs: 20,
    sendLagBudgetMs: 5,
    stallBudgetMs: 50,
    eventLoop: { maxStallMs: 12, p99DelayMs: 1.5 },
    slo: { ttfa_ms: { p95: 5000 } } as never,
    provenance: { toolVersion: '0.1.0', gitCommit: 'abc123', corpus: { 'en-0': 'f00' }, seed: 7 },
  });
  const findings = [finding(), finding({ ruleId: 'RT-EVENT-002', severity: 'info', message: 'unknown event type conversation.item.done', eventType: 'conversation.item.done', sessionId: 'sess_1' })];
  const conformance = buildConformanceReport(findings);
  const withRunner = {
    ...summary,
    measurement_error_ms: { matched: 30, unmatched: 0, p50: 0.2, p99: 0.9, max: 1.4, min: 0.05 },
    conformance: { findings: 2, errors: 0, warnings: 1, info: 1, by_rule: conformance.counts.byRule },
    sessions_not_started: 0,
    arrival_lateness_ms: { max: 0.4 },
  };
  await writeFile(path.join(dir, 'summary.json'), JSON.stringify(withRunner, null, 2));
  await writeFile(path.join(dir, 'conformance.json'), JSON.stringify(conformance, null, 2));
  // Only the send lag's distribution is read back (rebuilds take the rest from turns.jsonl).
  await mkdir(path.join(dir, 'histograms'), { recursive: true });
  await writeFile(path.join(dir, 'histograms', 'send_lag.hgrm'), percentileDistribution(recorder.sendLagHistogram()));
}

/** Keeps only the SessionResult fields (drops runner additions). */
export function sessionResult(s: SessionRecord): SessionResult {
  const { conformanceFindings: _c, startedUs: _s, endedUs: _e, ...rest } = s;
  return rest;
}
