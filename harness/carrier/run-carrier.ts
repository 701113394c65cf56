/**
 * `runCarrierScenario`: a run of phone calls (`transport: twilio | telnyx`) against a bridge, as a
 * library (`rth run` dispatches here). With `bridge_cmd`, the embedded mock starts first, the bridge
 * command runs with the mock's address in its environment, the run waits for the bridge's port, and
 * the mock's trace splits every latency into the bridge's part and the model's. Writes `calls.jsonl`,
 * `turns.jsonl`, `summary.json`, one `.hgrm` per metric, `report.html` and `run.json`.
 */
import { createServer } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monotonicClock, type Clock, type TimerHandle } from '../../common/clock.ts';
import { ConfigError } from '../../common/errors.ts';
import { mockClientEnv, startCommand, waitForPort, type RunningCommand } from '../child/command.ts';
import { BUNDLED_CORPUS_DIR, readManifest } from '../corpus/load-corpus.ts';
import { percentileDistribution } from '../metrics/hgrm.ts';
import { createHistogram, recordClamped } from '../metrics/histogram.ts';
import { startEventLoopMonitor } from '../metrics/self-check.ts';
import { createPacer } from '../pacer/pacer.ts';
import { JsonlLog } from '../runner/jsonl-log.ts';
import { startMockProcess, type MockProcess } from '../runner/mock-process.ts';
import { writeJson } from '../runner/outputs.ts';
import { arrivalOffsetsMs } from '../runner/arrivals.ts';
import { clipIdsNeeded } from '../runner/plans.ts';
import { MOCK_API_KEY } from '../runner/target.ts';
import { timestampForDir } from '../runner/run-scenario.ts';
import { clipIdForTurn, seededRandom, thinkTimeMsFor, validateClipIds } from '../scenario/index.ts';
import type { CarrierConfig } from '../scenario/carrier-schema.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import { redactSecrets } from '../transport/failure-reason.ts';
import { loadCarrierClips, type CarrierClip } from './audio.ts';
import { startCall, type CallPlan, type CallResult, type RunningCall } from './call.ts';
import { carrierLeg, sipLeg } from './legs.ts';
import { CALL_INDEX_HEADER, newWebhookSecret, startWebhookReceiver, type WebhookReceiver } from '../sip/webhook-receiver.ts';
import { assignEfforts } from '../scenario/efforts.ts';
import { sampleRateOf, type CarrierFlavour, type MediaFormat } from './flavour.ts';
import { renderCarrierReport, formatCarrierTable } from './report.ts';
import { buildCarrierSummary, CarrierTally, turnMetrics, CARRIER_METRICS, type CarrierSummary } from './summary.ts';
import { telnyx } from './telnyx.ts';
import { splitTurns, readTrace } from './trace-split.ts';
import { fetchTwimlStream } from './twiml.ts';
import { twilio } from './twilio.ts';

/** Options of {@link runCarrierScenario}. */
export interface CarrierRunOptions {
  /** Output folder (default: the scenario's `out`, else `reports/<timestamp>-<name>/` under `cwd`). */
  outDir?: string;
  cwd?: string;
  clock?: Clock;
  /** `soft` hangs up every call (they end with `stop`); the summary is still written. */
  stopSignal?: { soft: Promise<void>; hard: Promise<void> };
  corpusDir?: string;
  now?: () => Date;
  /** One-line progress notes (bridge started, calls running). Default dropped. */
  onLine?: (line: string) => void;
  /** Copy the bridge's output here as it comes (default: kept for the report only). */
  bridgeEcho?: NodeJS.WritableStream | null;
  /** Told the process ids of the embedded mock and the bridge command once both run (benchmarks profile them). Default none. */
  onProcesses?: (p: { mockPid: number; bridgePid: number | null }) => void;
}

/** What a carrier run produced. */
export interface CarrierRunResult {
  outDir: string;
  summary: CarrierSummary;
  table: string;
  /** 0 pass; 1 SLO breach, invalid run, failed calls or bad bridge input. */
  exitCode: number;
}

/** The flavour of a transport. */
export function flavourOf(t: CarrierConfig['transport']): CarrierFlavour {
  return t === 'twilio' ? twilio : telnyx;
}

/** `start.mediaFormat` / `media_format` of the call. */
export function mediaFormatOf(c: CarrierConfig): MediaFormat {
  const encodingName = c.transport === 'twilio' ? 'audio/x-mulaw' : c.codec === 'PCMU' ? c.telnyxPcmuName : c.codec;
  return { codec: c.codec, encodingName, sampleRateHz: sampleRateOf(c.codec) };
}

/** A free TCP port on 127.0.0.1 (for a bridge whose target says port 0). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The URL with its port replaced. */
function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

/** Turns per call: the scenario's, or (a run bounded by duration) enough for it, capped. */
function turnsPerCall(s: ResolvedScenario): number {
  if (s.turnsPerSession !== null) return s.turnsPerSession;
  return Math.min(1000, Math.max(1, Math.ceil(((s.durationS ?? 30) * 1000) / Math.max(1000, s.thinkTimeMs.minMs + 3000))));
}

/**
 * Runs a carrier scenario end to end.
 * @throws ConfigError before any call starts (corpus, a bridge that never listens, a TwiML fetch that fails)
 */
export async function runCarrierScenario(scenario: ResolvedScenario, opts: CarrierRunOptions = {}): Promise<CarrierRunResult> {
  const c = scenario.carrier;
  if (c === null) throw new Error('runCarrierScenario: not a carrier scenario');
  const clock = opts.clock ?? monotonicClock;
  const now = opts.now ?? (() => new Date());
  const line = opts.onLine ?? (() => undefined);
  const corpusDir = opts.corpusDir ?? BUNDLED_CORPUS_DIR;
  const { manifest } = await readManifest(corpusDir);
  const corpusIds = manifest.clips.map((x) => x.id);
  validateClipIds(scenario, corpusIds);
  const clips = await loadCarrierClips(corpusDir, clipIdsNeeded(scenario, corpusIds), c.codec);

  const startedAt = now();
  const outDir = path.resolve(opts.outDir ?? scenario.outDir ?? path.join(opts.cwd ?? process.cwd(), 'reports', `${timestampForDir(startedAt)}-${scenario.name}`));
  const sipToMock = c.transport === 'sip' && c.streamUrl === null;
  const tracePath = c.bridgeCmd !== null || sipToMock ? path.join(outDir, 'mock-trace.jsonl') : null;
  if (tracePath) rmSync(tracePath, { force: true });

  // ---- the bridge and its upstream ------------------------------------------------------------
  let streamUrl = c.streamUrl;
  let twimlUrl = c.twimlUrl;
  let mock: MockProcess | null = null;
  let bridge: RunningCommand | null = null;
  let receiver: WebhookReceiver | null = null;
  /** Each call's effort (interleaved, seeded), for the session a SIP call is accepted with. */
  const callEfforts = assignEfforts(scenario.sessions, scenario.efforts, scenario.seed);
  const files = { calls: path.join(outDir, 'calls.jsonl'), turns: path.join(outDir, 'turns.jsonl'), summary: path.join(outDir, 'summary.json') };
  const callsLog = new JsonlLog(files.calls);
  const turnsLog = new JsonlLog(files.turns);
  try {
    if (sipToMock) {
      // The bundled mock's SIP leg, announcing each call to rth's own webhook receiver, which accepts
      // it with the scenario's session (the part a team's server plays against OpenAI's SIP endpoint).
      const secret = newWebhookSecret();
      let apiBase = '';
      const rx = await startWebhookReceiver({
        secret,
        apiBase: () => apiBase,
        apiKey: MOCK_API_KEY,
        sessionFor: (i) => sipSessionConfig(scenario, callEfforts[i] ?? scenario.efforts[0]!),
        onLine: line,
      });
      receiver = rx;
      mock = await startMockProcess({ seed: scenario.mock.seed, latencyFile: scenario.mock.latencyProfilePath, faults: scenario.mock.faults, maxSessionS: scenario.mock.maxSessionS, tracePath, priority: scenario.mock.priority, sip: { webhookUrl: rx.url, webhookSecret: secret } });
      if (mock.sipPort === null) throw new ConfigError('E_MOCK', 'the embedded mock did not report a SIP port');
      apiBase = `${mock.url.replace(/^ws/, 'http')}/v1`;
      streamUrl = `sip:proj_rth@127.0.0.1:${mock.sipPort}`;
    }
    if (c.bridgeCmd !== null) {
      mock = await startMockProcess({ seed: scenario.mock.seed, latencyFile: scenario.mock.latencyProfilePath, faults: scenario.mock.faults, maxSessionS: scenario.mock.maxSessionS, tracePath, priority: scenario.mock.priority });
      const at = new URL(streamUrl ?? twimlUrl!);
      let port = Number(at.port || (at.protocol === 'wss:' || at.protocol === 'https:' ? 443 : 80));
      if (port === 0) {
        port = await freePort();
        if (streamUrl) streamUrl = withPort(streamUrl, port);
        if (twimlUrl) twimlUrl = withPort(twimlUrl, port);
      }
      bridge = startCommand({ command: c.bridgeCmd, cwd: c.bridgeCwd, env: { ...mockClientEnv(mock.url, MOCK_API_KEY), PORT: String(port), RTH_BRIDGE_PORT: String(port) }, echo: opts.bridgeEcho ?? null });
      line(`bridge: started (pid ${bridge.pid ?? '?'}), waiting for ${at.hostname}:${port}`);
      try {
        await waitForPort(at.hostname, port, c.bridgeReadyTimeoutMs, bridge.exited);
      } catch (err) {
        const exit = await bridge.stop();
        throw new ConfigError('E_BRIDGE', [`--bridge-cmd: ${(err as Error).message} (exit ${exitText(exit)})`, ...tailLines(bridge.tail())]);
      }
      opts.onProcesses?.({ mockPid: mock.pid, bridgePid: bridge.pid });
    }

    // ---- the calls -----------------------------------------------------------------------------
    const flavour = flavourOf(c.transport);
    const format = mediaFormatOf(c);
    const sendLag = createHistogram(false);
    const pacer = createPacer({ clock, onLagUs: (us) => recordClamped(sendLag, us) });
    const monitor = startEventLoopMonitor({ clock, stallThresholdMs: scenario.pacing.stallBudgetMs });
    const tally = new CarrierTally();
    const results: CallResult[] = [];
    const running = new Set<RunningCall>();
    const timers: TimerHandle[] = [];
    const offsets = arrivalOffsetsMs(scenario.arrival, scenario.sessions, scenario.seed);
    const turns = turnsPerCall(scenario);
    const runStartUs = clock.nowUs();
    let stopping = false;
    const callDone: Promise<void>[] = [];

    const plan = (index: number, url: string, params: Record<string, string>, ids: CallPlan['ids'], setupStartUs: number): CallPlan => ({
      index,
      url,
      // A SIP call carries its index, so the webhook can accept it with this call's session.
      headers: c.transport === 'sip' ? { ...scenario.headers, [CALL_INDEX_HEADER]: String(index) } : scenario.headers,
      flavour,
      codec: c.codec,
      format,
      customParameters: { ...c.customParameters, ...params },
      ids,
      turns: Array.from({ length: turns }, (_, k) => ({
        clip: clips.get(clipIdForTurn(scenario.clips, corpusIds, index, k + 1)) as CarrierClip,
        thinkMs: thinkTimeMsFor(scenario.thinkTimeMs, scenario.seed, index, k + 1),
      })),
      bargeInAfterAudioMs: scenario.bargeIn?.afterAudioMs ?? null,
      dtmf: c.dtmf,
      connectTimeoutMs: scenario.timeouts.connectMs,
      turnTimeoutMs: scenario.timeouts.turnMs,
      answerEndSilenceMs: c.answerEndSilenceMs,
      hangupAfterMs: c.hangupAfterMs,
      setupStartUs,
    });

    const launch = async (index: number): Promise<void> => {
      if (stopping) return;
      const ids = flavour.newIds(seededRandom(scenario.seed, 7_000_003 + index));
      const setupStartUs = clock.nowUs();
      let url = streamUrl;
      let params: Record<string, string> = {};
      if (url === null) {
        try {
          const s = await fetchTwimlStream(twimlUrl!, ids, scenario.timeouts.connectMs);
          url = s.url;
          params = s.parameters;
        } catch (err) {
          const r: CallResult = { call: index, streamId: ids.streamId, callId: ids.callId, outcome: 'connect_failed', reason: (err as Error).message, setupMs: null, framesSent: 0, mediaReceived: 0, marks: { received: 0, echoed: 0, echoedOnClear: 0, unnamed: 0, echoDelaysMs: [] }, clears: 0, dtmfSent: 0, problems: { invalid_json: 0, invalid_message: 0, wrong_stream_id: 0, bad_base64: 0, wrong_size: 0, not_codec: 0 }, problemExamples: [], otherEvents: {}, afterStop: 0, turns: [], closeCode: null };
          results.push(r);
          return;
        }
      }
      const call = startCall(plan(index, url, params, ids, setupStartUs), { clock, pacer, now, leg: c.transport === 'sip' ? sipLeg : carrierLeg });
      running.add(call);
      const r = await call.done;
      running.delete(call);
      results.push(r);
    };

    for (let i = 0; i < scenario.sessions; i++) {
      callDone.push(
        new Promise<void>((resolve) => {
          timers.push(clock.setTimeout(() => void launch(i).then(resolve, resolve), Math.max(0, (runStartUs + offsets[i]! * 1000 - clock.nowUs()) / 1000)));
        }),
      );
    }
    line(`${scenario.sessions} ${c.transport} call(s) to ${streamUrl ?? twimlUrl}`);
    const hangUpAll = (reason: string): void => {
      stopping = true;
      for (const call of running) call.hangUp(reason);
    };
    if (scenario.durationS !== null) timers.push(clock.setTimeout(() => hangUpAll('run duration reached'), scenario.durationS * 1000));
    let interrupted = false;
    void opts.stopSignal?.soft.then(() => {
      interrupted = true;
      hangUpAll('stopped by the user');
    });
    // Calls not yet launched when the run is stopped resolve at once (launch returns).
    await Promise.all(callDone);
    for (const t of timers) clock.clearTimeout(t);
    const endUs = clock.nowUs();
    const eventLoop = monitor.stop();
    pacer.close();

    // ---- ground truth, files -------------------------------------------------------------------
    let bridgeInfo: { command: string; exit: string; tail: string } | null = null;
    if (bridge) {
      const exit = await bridge.stop();
      bridgeInfo = { command: c.bridgeCmd!, exit: exitText(exit), tail: redactSecrets(bridge.tail(), { authorization: `Bearer ${MOCK_API_KEY}`, ...scenario.headers }).slice(-4000) };
      bridge = null;
    }
    if (mock) {
      await mock.stop();
      mock = null;
    }
    if (receiver) {
      await receiver.close();
      receiver = null;
    }
    results.sort((a, b) => a.call - b.call);
    const allTurns = results.flatMap((r) => r.turns);
    const split = tracePath ? splitTurns(allTurns, readTrace(tracePath)) : null;
    for (const r of results) {
      const metrics = r.turns.map((t) => turnMetrics(t, split?.splits.get(`${t.call}:${t.turn}`)));
      tally.addCall(r, metrics);
      const { turns: _t, marks, ...rest } = r;
      callsLog.append({ ...rest, marks: { received: marks.received, echoed: marks.echoed, echoedOnClear: marks.echoedOnClear, unnamed: marks.unnamed }, turns: r.turns.length });
      r.turns.forEach((t, i) => turnsLog.append({ ...t, metrics: metrics[i] }));
    }
    callsLog.close();
    turnsLog.close();
    const summary = buildCarrierSummary(tally, {
      scenario: { name: scenario.name, file: scenario.sourceLabel === '<inline>' ? null : scenario.sourceLabel, description: scenario.description },
      transport: c.transport,
      codec: c.codec,
      target: streamUrl ?? twimlUrl!,
      startedAt,
      durationS: (endUs - runStartUs) / 1e6,
      sendLag,
      sendLagBudgetMs: scenario.pacing.sendLagP99BudgetMs,
      stallBudgetMs: scenario.pacing.stallBudgetMs,
      eventLoop,
      slo: scenario.slo,
      split: split ? { matchedCalls: split.matchedCalls, unmatchedTurns: split.unmatchedTurns } : null,
      bridge: bridgeInfo,
      interrupted,
    });
    writeJson(files.summary, summary);
    writeJson(path.join(outDir, 'run.json'), { scenario: scenario.name, transport: c.transport, codec: c.codec, target: summary.target, calls: scenario.sessions, turns_per_call: turns, bridge_cmd: c.bridgeCmd, started_at: startedAt.toISOString(), run_start_us: runStartUs });
    for (const m of CARRIER_METRICS) writeFileSync(path.join(outDir, `carrier_${m}.hgrm`), percentileDistribution(tally.histograms.get(m)!));
    writeFileSync(path.join(outDir, 'send_lag_ms.hgrm'), percentileDistribution(sendLag));
    writeFileSync(path.join(outDir, 'report.html'), renderCarrierReport(summary));
    const failed = summary.calls.failed > 0 || summary.bad_input.total > 0 || summary.turns.failed > 0;
    const exitCode = !summary.valid || !summary.slo.passed || failed || summary.turns.completed === 0 ? 1 : 0;
    return { outDir, summary, table: formatCarrierTable(summary, outDir), exitCode };
  } finally {
    callsLog.close();
    turnsLog.close();
    if (bridge) await bridge.stop();
    if (mock) await mock.stop();
    if (receiver) await receiver.close();
  }
}

/**
 * The session a SIP call is accepted with: the scenario's model, voice, instructions and this call's
 * effort. Turn detection keeps the scenario's type only: a SIP accept refuses VAD tuning fields
 * (docs/realtime-protocol.md §11.4).
 */
function sipSessionConfig(s: ResolvedScenario, effort: string): Record<string, unknown> {
  return {
    type: 'realtime',
    model: s.model,
    ...(s.instructions !== null ? { instructions: s.instructions } : {}),
    ...(effort !== 'none' ? { reasoning: { effort } } : {}),
    audio: { input: { turn_detection: { type: s.turnDetection.type === 'semantic_vad' ? 'semantic_vad' : 'server_vad' } }, output: { voice: s.voice } },
  };
}

function exitText(e: { code: number | null; signal: string | null; stoppedByUs: boolean; spawnError: string | null }): string {
  if (e.spawnError) return `not started: ${e.spawnError}`;
  const how = e.code !== null ? `code ${e.code}` : `signal ${e.signal}`;
  return e.stoppedByUs ? `${how} (stopped by rth)` : how;
}

function tailLines(tail: string): string[] {
  const lines = tail.trim().split('\n').slice(-10);
  return lines.length && lines[0] !== '' ? ['last output of the command:', ...lines.map((l) => `  ${l}`)] : ['the command printed nothing'];
}
