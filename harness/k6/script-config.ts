/**
 * The configuration embedded in the generated k6 script, built from the harness's own session
 * plans (`buildSessionPlan`: the same interleaved efforts, clip picks and seeded think times) and
 * the harness's own `session.update` builder, so a k6 session sends what a harness session sends.
 *
 * The plan table is bounded so the script stays small (k6 keeps a copy per VU): at most
 * {@link MAX_PLAN_ROWS} session rows of at most {@link MAX_PLAN_TURNS} turns; session i uses row
 * `i % rows` and turn k uses `turns[k % length]`. With more sessions than rows the row count is a
 * multiple of the number of efforts, so the interleaving stays balanced.
 */
import { ConfigError } from '../../common/errors.ts';
import type { PreparedClip, SessionPlan } from '../contract.ts';
import { rawExtension } from '../audio/convert.ts';
import { bytesPerMs, ClientEventBuilder } from '../protocol/client-events.ts';
import { buildSessionPlan, effortOf, sessionEfforts, type PlanContext } from '../runner/plans.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import type { K6AudioMode, K6ClipInfo, K6ScriptConfig, K6SessionRow } from './types.ts';

/** Most session rows in the script's plan table. */
export const MAX_PLAN_ROWS = 128;
/** Most turns per row in the script's plan table. */
export const MAX_PLAN_TURNS = 32;

/** What {@link buildScriptConfig} needs besides the scenario. */
export interface ScriptConfigInput {
  /** Prepared clips of every id the scenario can pick (format and chunk size of the scenario). */
  clips: ReadonlyMap<string, PreparedClip>;
  /** Every corpus id in manifest order (random clip choice). */
  corpusIds: readonly string[];
  /** Session URL the script uses when `RTH_TARGET_URL` is unset. */
  defaultUrl: string;
  /** Key for the embedded mock, or null. */
  fallbackKey: string | null;
  audioMode: K6AudioMode;
  /** Session i waits `i * startSpacingMs` before connecting (per-VU ramp), ms. */
  startSpacingMs: number;
}

/** The script configuration and the wire bytes of each clip it uses (in `config.clips` order). */
export interface ScriptConfigResult {
  config: K6ScriptConfig;
  clipAudio: Buffer[];
}

/** Number of plan rows for `sessions` sessions and `efforts` efforts. */
export function planRowCount(sessions: number, efforts: number): number {
  if (sessions <= MAX_PLAN_ROWS) return sessions;
  return Math.max(efforts, MAX_PLAN_ROWS - (MAX_PLAN_ROWS % Math.max(1, efforts)));
}

/** The wire bytes a prepared clip's frames carry, concatenated (exactly what a harness session sends). */
export function clipWireBytes(clip: PreparedClip): Buffer {
  return Buffer.concat(clip.frames.map((f) => Buffer.from((JSON.parse(f) as { audio: string }).audio, 'base64')));
}

/** The `urlParam` of a scenario kind: `intent=transcription`, else `model=<model>` (§1.1). */
export function urlParamOf(scenario: Pick<ResolvedScenario, 'kind' | 'model'>): string {
  return scenario.kind === 'transcription' ? 'intent=transcription' : `model=${encodeURIComponent(scenario.model)}`;
}

/** Builds the script configuration. */
export function buildScriptConfig(scenario: ResolvedScenario, input: ScriptConfigInput): ScriptConfigResult {
  if (scenario.kind === 'live' || scenario.live !== null) {
    throw new ConfigError('E_SCENARIO', `${scenario.sourceLabel}: kind live / live: the k6 export drives Realtime sessions only; GPT-Live sessions (session.start handshake, continuous output) run with rth run`);
  }
  const efforts = sessionEfforts(scenario);
  const ctx: PlanContext = { url: input.defaultUrl, headers: {}, clips: input.clips, corpusIds: input.corpusIds };
  const rows = planRowCount(scenario.sessions, scenario.efforts.length);
  const plans: SessionPlan[] = [];
  for (let i = 0; i < rows; i++) plans.push(buildSessionPlan(scenario, i, efforts, ctx));

  // Only the clips the exported plans speak are written (k6 keeps what it opens).
  const used: string[] = [];
  const indexOf = new Map<string, number>();
  const sessionRows: K6SessionRow[] = plans.map((plan, i) => ({
    effort: efforts[i] ?? scenario.efforts[0] ?? 'none',
    turns: plan.turns.slice(0, MAX_PLAN_TURNS).map((t): [number, number] => {
      let k = indexOf.get(t.clip.id);
      if (k === undefined) {
        k = used.push(t.clip.id) - 1;
        indexOf.set(t.clip.id, k);
      }
      return [k, t.thinkTimeMs];
    }),
  }));

  const format = scenario.wireFormat;
  const frameBytes = bytesPerMs(format) * scenario.chunkMs;
  const clipAudio: Buffer[] = [];
  const clips: K6ClipInfo[] = used.map((id) => {
    const clip = input.clips.get(id)!;
    const bytes = clipWireBytes(clip);
    clipAudio.push(bytes);
    return { id, file: `./clips/${id}${rawExtension(format)}`, bytes: bytes.length, frames: clip.frames.length, speechEndFrame: clip.speechEndFrameIndex };
  });

  const builder = new ClientEventBuilder();
  const sessionUpdates: Record<string, string> = {};
  const base = plans[0];
  if (base) {
    for (const e of scenario.efforts) {
      // A fresh builder per effort: every update carries the id `rth_session_update_1`, as in a harness session.
      sessionUpdates[e] = JSON.stringify(new ClientEventBuilder().sessionUpdate({ ...base, effort: effortOf(e) }));
    }
  }
  const toolOutputs: Record<string, string> = {};
  // The harness's own serialization of a scripted result (`function_call_output.output`).
  for (const tool of scenario.tools) toolOutputs[tool.name] = (builder.functionCallOutput('call', tool.result).item as { output: string }).output;

  const config: K6ScriptConfig = {
    scenario: scenario.name,
    kind: scenario.kind,
    defaultUrl: input.defaultUrl,
    urlParam: urlParamOf(scenario),
    fallbackKey: input.fallbackKey,
    turnMode: scenario.turnMode,
    chunkMs: scenario.chunkMs,
    frameBytes,
    outBytesPerMs: bytesPerMs(format),
    silenceByte: format.type === 'audio/pcmu' ? 0xff : format.type === 'audio/pcma' ? 0xd5 : 0,
    appendType: scenario.kind === 'translation' ? 'session.input_audio_buffer.append' : 'input_audio_buffer.append',
    audioMode: input.audioMode,
    clips,
    sessions: sessionRows,
    sessionUpdates,
    toolOutputs,
    turnsPerSession: scenario.turnsPerSession,
    durationMs: scenario.durationS === null ? null : Math.round(scenario.durationS * 1000),
    startSpacingMs: input.startSpacingMs,
    bargeInAfterMs: scenario.bargeIn ? scenario.bargeIn.afterAudioMs : null,
    timeouts: { connectMs: scenario.timeouts.connectMs, turnMs: scenario.timeouts.turnMs },
    sendLagBudgetMs: scenario.pacing.sendLagP99BudgetMs,
  };
  return { config, clipAudio };
}
