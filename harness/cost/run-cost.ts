/**
 * The cost of a run from what its sessions measured (`turns.jsonl`, `sessions.jsonl`): per response,
 * per session and in total; per connected minute and per minute of user speech; by model and
 * effort; by turn index (the whole conversation is billed as input on every response, §6.1, so
 * cost per turn grows with the conversation); the cached share of input tokens.
 */
import type { SessionResult, TurnResult } from '../contract.ts';
import { lookupModel, TOKEN_CLASSES, type PriceCard } from './price-card.ts';
import {
  ASSISTANT_AUDIO_TOKENS_PER_S,
  audioTokensOf,
  costOfLiveUsage,
  costOfMinutes,
  costOfTranscriptionUsage,
  costOfUsage,
  estimateFromAudio,
  parseResponseUsage,
  USER_AUDIO_TOKENS_PER_S,
  zeroClasses,
  type ClassAmounts,
  type CostFigure,
} from './usage-cost.ts';

/** Options of {@link computeRunCost}. */
export interface RunCostOptions {
  /**
   * Model that transcribed user audio in realtime sessions (`audio.input.transcription.model`);
   * turns.jsonl does not record it. Default null: such transcription usage is priced null with a reason.
   */
  inputTranscriptionModel?: string | null;
}

/** The cost of one turn: its response(s) (a tool turn's usage covers all its responses) and its input transcription. */
export interface ResponseCost {
  sessionIndex: number;
  /** 1-based. */
  turnIndex: number;
  model: string;
  /** The effort, or `none`. */
  effort: string;
  status: TurnResult['status'];
  /** Null when no response was billed (none created, or a per-minute model billed per session). */
  response: CostFigure | null;
  /** Null when no transcription usage was reported. */
  transcription: CostFigure | null;
  /** Sum of both, or null if either is null. */
  usd: number | null;
  /** Sum of the parts that have a price. */
  knownUsd: number;
  /** Whether the response figure is an estimate. */
  estimated: boolean;
  /** Input tokens of the response (measured or estimated). */
  inputTokens: number;
  /** Cached input tokens (measured usage only). */
  cachedInputTokens: number;
}

/** Mean cost of the responses at one turn index. */
export interface TurnIndexCost {
  turnIndex: number;
  /** Responses at this index with a price. */
  responses: number;
  meanUsd: number | null;
  meanInputTokens: number | null;
  cachedShare: number | null;
}

/** Cost figures of a set of turns and sessions (the whole run, or one model × effort). */
export interface CostSummary {
  /** USD, or null when any part lacks a price (see `reasons`). */
  usd: number | null;
  /** USD of the parts that have a price. */
  knownUsd: number;
  /** Part of `knownUsd` that is estimated (from audio durations or connected time). */
  estimatedUsd: number;
  /** Distinct reasons for null figures. */
  reasons: string[];
  sessions: number;
  /** Billed responses (turns with a response figure). */
  responses: number;
  /** Responses whose usage was missing and were estimated from audio durations. */
  estimatedResponses: number;
  /** Transcriptions with usage. */
  transcriptions: number;
  /** Per-minute-model sessions priced by connected time (no duration usage reported). */
  estimatedMinuteSessions: number;
  connectedMs: number;
  userSpeechMs: number;
  usdPerResponse: number | null;
  usdPerConnectedMinute: number | null;
  usdPerUserSpeechMinute: number | null;
  /** Input tokens of measured usage. */
  inputTokens: number;
  cachedInputTokens: number;
  /** cachedInputTokens / inputTokens over measured usage, null with no input. */
  cachedShare: number | null;
  /** USD per token class (priced parts). */
  byClass: ClassAmounts;
  tokens: ClassAmounts;
  /** Audio minutes of per-minute models. */
  minutes: number;
  byTurnIndex: TurnIndexCost[];
}

/** One model × effort. */
export interface GroupCost extends CostSummary {
  model: string;
  effort: string;
}

/** One session. */
export interface SessionCost {
  sessionIndex: number;
  model: string;
  effort: string;
  connectedMs: number;
  responses: number;
  usd: number | null;
  knownUsd: number;
  usdPerConnectedMinute: number | null;
  /** Session-level charge of a per-minute model priced by connected time, else null. */
  minuteCharge: CostFigure | null;
}

/** Everything {@link computeRunCost} computes. */
export interface RunCost {
  card: { asOf: string; currency: 'USD' };
  total: CostSummary;
  /** By model × effort, sorted by model then effort. */
  groups: GroupCost[];
  sessions: SessionCost[];
  responses: ResponseCost[];
  /** Where usage was missing and figures are estimates. */
  estimated: { responses: number; minuteSessions: number };
}

const effortKey = (e: string | null): string => e ?? 'none';
/** The group of a turn or session: its arm (`live:<model>` for GPT-Live, never an effort), else its effort. */
const groupOf = (x: { arm?: string; effort: string | null }): string => x.arm ?? effortKey(x.effort);
const sumMs = (ds: TurnResult['audioDeltas']): number => ds.reduce((s, d) => s + (Number.isFinite(d.durationMs) ? d.durationMs : 0), 0);

function isPerMinute(model: string, card: PriceCard): boolean {
  const m = lookupModel(card, model);
  return m.ok && m.price.kind === 'per_minute';
}

/** Whether the turn got a (billable) response: usage, a created response or audio. */
function hadResponse(t: TurnResult): boolean {
  return t.usage !== null || t.milestones.responseCreatedUs !== null || t.audioDeltas.length > 0;
}

function costTurn(t: TurnResult, card: PriceCard, opts: RunCostOptions, contextAudioTokens: number): ResponseCost {
  let response: CostFigure | null = null;
  if (!isPerMinute(t.model, card) && hadResponse(t)) {
    response = parseResponseUsage(t.usage).ok
      ? costOfUsage(t.usage, t.model, card)
      : estimateFromAudio({ userSpeechMs: t.userSpeechMs, assistantAudioMs: sumMs(t.audioDeltas), model: t.model, card, contextAudioTokens });
  }
  let transcription: CostFigure | null = null;
  if (t.transcriptionUsage) {
    // A turn with no response is a transcription-session turn: its own model did the transcribing.
    const model = opts.inputTranscriptionModel ?? (hadResponse(t) ? null : t.model);
    transcription =
      model === null
        ? { ...costOfTranscriptionUsage(t.transcriptionUsage, '(unknown)', card), usd: null, reason: 'input-transcription model unknown (pass --transcription-model)' }
        : costOfTranscriptionUsage(t.transcriptionUsage, model, card);
  }
  const parts = [response, transcription].filter((f): f is CostFigure => f !== null);
  const tk = response?.tokens;
  const inputTokens = tk ? tk.text_in + tk.cached_text_in + tk.audio_in + tk.cached_audio_in + tk.image_in + tk.cached_image_in : 0;
  return {
    sessionIndex: t.sessionIndex,
    turnIndex: t.turnIndex,
    model: t.model,
    effort: groupOf(t),
    status: t.status,
    response,
    transcription,
    usd: parts.some((p) => p.usd === null) ? null : parts.reduce((s, p) => s + (p.usd ?? 0), 0),
    knownUsd: parts.reduce((s, p) => s + (p.usd ?? 0), 0),
    estimated: response?.estimated ?? false,
    inputTokens,
    cachedInputTokens: tk && !response?.estimated ? tk.cached_text_in + tk.cached_audio_in + tk.cached_image_in : 0,
  };
}

function perMinute(usd: number | null, ms: number): number | null {
  return usd === null || ms <= 0 ? null : usd / (ms / 60_000);
}

function summarize(responses: readonly ResponseCost[], sessions: readonly SessionCost[], turns: readonly TurnResult[]): CostSummary {
  const figures: CostFigure[] = [];
  for (const r of responses) for (const f of [r.response, r.transcription]) if (f) figures.push(f);
  for (const s of sessions) if (s.minuteCharge) figures.push(s.minuteCharge);
  const reasons = [...new Set(figures.filter((f) => f.usd === null && f.reason).map((f) => f.reason!))];
  const knownUsd = figures.reduce((s, f) => s + (f.usd ?? 0), 0);
  const usd = figures.some((f) => f.usd === null) ? null : knownUsd;
  const byClass = zeroClasses();
  const tokens = zeroClasses();
  for (const f of figures) for (const c of TOKEN_CLASSES) {
    byClass[c] += f.byClass[c];
    tokens[c] += f.tokens[c];
  }
  const billed = responses.filter((r) => r.response !== null);
  const measured = billed.filter((r) => !r.estimated);
  const inputTokens = measured.reduce((s, r) => s + r.inputTokens, 0);
  const cachedInputTokens = measured.reduce((s, r) => s + r.cachedInputTokens, 0);
  const connectedMs = sessions.reduce((s, x) => s + x.connectedMs, 0);
  const userSpeechMs = turns.reduce((s, t) => s + (Number.isFinite(t.userSpeechMs) ? t.userSpeechMs : 0), 0);
  const byIndex = new Map<number, ResponseCost[]>();
  for (const r of billed) byIndex.set(r.turnIndex, [...(byIndex.get(r.turnIndex) ?? []), r]);
  const byTurnIndex = [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([turnIndex, rs]): TurnIndexCost => {
      const priced = rs.filter((r) => r.response!.usd !== null);
      const m = rs.filter((r) => !r.estimated);
      const inTok = m.reduce((s, r) => s + r.inputTokens, 0);
      return {
        turnIndex,
        responses: priced.length,
        meanUsd: priced.length ? priced.reduce((s, r) => s + r.response!.usd!, 0) / priced.length : null,
        meanInputTokens: rs.length ? rs.reduce((s, r) => s + r.inputTokens, 0) / rs.length : null,
        cachedShare: inTok > 0 ? m.reduce((s, r) => s + r.cachedInputTokens, 0) / inTok : null,
      };
    });
  return {
    usd,
    knownUsd,
    estimatedUsd: figures.filter((f) => f.estimated).reduce((s, f) => s + (f.usd ?? 0), 0),
    reasons,
    sessions: sessions.length,
    responses: billed.length,
    estimatedResponses: billed.filter((r) => r.estimated).length,
    transcriptions: responses.filter((r) => r.transcription !== null).length,
    estimatedMinuteSessions: sessions.filter((s) => s.minuteCharge?.estimated).length,
    connectedMs,
    userSpeechMs,
    usdPerResponse: billed.length === 0 || billed.some((r) => r.response!.usd === null) ? null : billed.reduce((s, r) => s + r.response!.usd!, 0) / billed.length,
    usdPerConnectedMinute: perMinute(usd, connectedMs),
    usdPerUserSpeechMinute: perMinute(usd, userSpeechMs),
    inputTokens,
    cachedInputTokens,
    cachedShare: inputTokens > 0 ? cachedInputTokens / inputTokens : null,
    byClass,
    tokens,
    minutes: figures.reduce((s, f) => s + f.minutes, 0),
    byTurnIndex,
  };
}

/**
 * Prices a run. Responses with readable usage are priced from it; where usage is missing (but a
 * response was created or audio arrived) the response is estimated from audio durations, counting
 * the session's earlier user and assistant audio as re-billed input context. Per-minute models
 * (translation, streaming transcription) are priced from `duration` transcription usage when
 * reported, else by the session's connected minutes (the microphone streams for the whole
 * connection, §3.11), labelled estimated. Pure: no I/O.
 * @param turns turns.jsonl records
 * @param sessions sessions.jsonl records (connected time; a session missing here counts 0 ms)
 */
export function computeRunCost(turns: readonly TurnResult[], sessions: readonly SessionResult[], card: PriceCard, opts: RunCostOptions = {}): RunCost {
  const ordered = [...turns].sort((a, b) => a.sessionIndex - b.sessionIndex || a.turnIndex - b.turnIndex);
  const context = new Map<number, number>();
  const responses = ordered.map((t) => {
    const ctx = context.get(t.sessionIndex) ?? 0;
    const r = costTurn(t, card, opts, ctx);
    if (r.response !== null) {
      const added = audioTokensOf(t.userSpeechMs, USER_AUDIO_TOKENS_PER_S) + audioTokensOf(sumMs(t.audioDeltas), ASSISTANT_AUDIO_TOKENS_PER_S);
      context.set(t.sessionIndex, ctx + added);
    }
    return r;
  });

  const sessionCosts: SessionCost[] = [...sessions]
    .sort((a, b) => a.sessionIndex - b.sessionIndex)
    .map((s) => {
      const own = responses.filter((r) => r.sessionIndex === s.sessionIndex);
      const connectedMs = Number.isFinite(s.connectedMs) && s.connectedMs > 0 ? s.connectedMs : 0;
      const durationBilled = own.some((r) => r.transcription !== null && r.transcription.minutes > 0);
      // GPT-Live sessions report their billed seconds (usage.seconds, all active over WebSocket).
      const minuteCharge =
        s.liveUsageSeconds !== undefined && Number.isFinite(s.liveUsageSeconds)
          ? costOfLiveUsage(s.liveUsageSeconds, 0, s.model, card)
          : isPerMinute(s.model, card) && !durationBilled
            ? costOfMinutes(connectedMs / 60_000, s.model, card, true, 'estimated: no duration usage reported, billed minutes taken as connected minutes')
            : null;
      const figs = [...own.map((r) => ({ usd: r.usd, known: r.knownUsd })), ...(minuteCharge ? [{ usd: minuteCharge.usd, known: minuteCharge.usd ?? 0 }] : [])];
      const usd = figs.some((f) => f.usd === null) ? null : figs.reduce((a, f) => a + f.known, 0);
      return {
        sessionIndex: s.sessionIndex,
        model: s.model,
        effort: groupOf(s),
        connectedMs,
        responses: own.filter((r) => r.response !== null).length,
        usd,
        knownUsd: figs.reduce((a, f) => a + f.known, 0),
        usdPerConnectedMinute: perMinute(usd, connectedMs),
        minuteCharge,
      };
    });

  const keys = new Map<string, { model: string; effort: string }>();
  for (const x of [...responses, ...sessionCosts]) keys.set(`${x.model}\u0000${x.effort}`, { model: x.model, effort: x.effort });
  const groups = [...keys.values()]
    .sort((a, b) => a.model.localeCompare(b.model) || a.effort.localeCompare(b.effort))
    .map(({ model, effort }): GroupCost => {
      const match = (x: { model: string; effort: string | null }): boolean => x.model === model && effortKey(x.effort) === effort;
      return {
        model,
        effort,
        ...summarize(
          responses.filter(match),
          sessionCosts.filter(match),
          ordered.filter((t) => t.model === model && groupOf(t) === effort),
        ),
      };
    });

  const total = summarize(responses, sessionCosts, ordered);
  return {
    card: { asOf: card.as_of, currency: card.currency },
    total,
    groups,
    sessions: sessionCosts,
    responses,
    estimated: { responses: total.estimatedResponses, minuteSessions: total.estimatedMinuteSessions },
  };
}
