/**
 * One response's lifecycle (§3.4–§3.9): drawn delays from the latency profile, `response.created`
 * → `rate_limits.updated` → output items (an optional spoken `commentary` first for reasoning models,
 * then function calls from the tool plan or the spoken/written answer) → `response.done` with usage
 * from the ledger, plus one trace record. Injected failures (§4.2) end it as `failed`; cancel,
 * barge-in and `max_output_tokens` end it early with the pending terminal events.
 */
import type { RealtimeResponse, RealtimeResponseStatus, RealtimeResponseUsage } from 'openai/resources/realtime/realtime';
import type { TimerHandle } from '../../common/clock.ts';
import type { ServerEventOf } from '../../common/protocol/types.ts';
import type { InjectedResponseFailure, Rng, WireEvent } from '../contract.ts';
import { serverError } from '../errors.ts';
import type { AccountLimits } from '../rate-limits.ts';
import { injectedFailureError } from '../faults.ts';
import { drawDelayMs, drawFirstAudioDelayMs, drawLeadingSilenceMs } from '../latency-profile.ts';
import { ANSWER_TEXTS, COMMENTARY_TEXTS, TOOL_FOLLOWUP_TEXTS, argumentsFor } from './answers.ts';
import { itemKind } from './items.ts';
import { FunctionCallStream, MessageStream, type ItemStream, type StreamHost, type StreamPacing, type WireOutputItem } from './output-items.ts';
import { paramsVoiceName, type ResponseParams } from './response-params.ts';
import type { RealtimeState } from './state.ts';
import { planToolCalls, type CallableTool } from './tool-plan.ts';
import { inlineItemTokens, inputUsage, withOutput, zeroUsage } from './usage-of.ts';

/**
 * A response object on the wire. The SDK marks `status_details`, `usage` and `conversation_id` as
 * optional non-null; the real service sends them explicitly as `null` (§5, [M S6]), so they are widened.
 */
export type WireResponse = Omit<RealtimeResponse, 'status_details' | 'usage' | 'conversation_id' | 'output'> & {
  status_details: RealtimeResponseStatus | null;
  usage: RealtimeResponseUsage | null;
  conversation_id: string | null;
  output: WireOutputItem[];
};

/** `response.created` / `response.done` with the widened response object. */
type WireResponseEvent<T extends 'response.created' | 'response.done'> = Omit<ServerEventOf<T>, 'event_id' | 'response'> & { response: WireResponse };

/** Why a response ended before completing. */
export type CancelReason = 'client_cancelled' | 'turn_detected';

/** What started the response (for latency draws and the trace). */
export interface ResponseTrigger {
  /** 1-based user turn the response answers; 0 when not tied to a turn. */
  turnIndex: number;
  /** When the turn's audio ended (µs, monotonic), or null. */
  turnAudioEndUs: number | null;
  /** Delays are measured from here (µs): end of turn, or the `response.create` receipt. */
  startUs: number;
}

type OutputPlan = { kind: 'message'; text: string; phase: 'commentary' | 'final_answer' | null } | { kind: 'call'; tool: CallableTool };

function ev(e: object): WireEvent {
  return e as WireEvent;
}

/** The emulated account's refusal of a starting response (rate-limits.ts), or null. */
function accountRefusal(limits: AccountLimits | null): InjectedResponseFailure | null {
  if (!limits) return null;
  const retryAfterS = limits.admit();
  return retryAfterS === null ? null : { kind: 'rate_limit_exceeded', retryAfterS, limitTokens: limits.tokensPerMinute ?? undefined, usedTokens: limits.usedInWindow };
}

/** A running response. */
export class ResponseRun {
  readonly id: string;
  readonly params: ResponseParams;
  private readonly state: RealtimeState;
  private readonly rng: Rng;
  private readonly trigger: ResponseTrigger;
  private readonly onEnded: (run: ResponseRun) => void;
  private readonly timers = new Set<TimerHandle>();
  private readonly outputs: WireOutputItem[] = [];
  /** Input side of the usage, fixed at start. */
  private readonly usageIn: RealtimeResponseUsage;
  private plan: OutputPlan[] = [];
  private stream: ItemStream | null = null;
  private createdSent = false;
  private ended = false;
  private spentText = 0;
  private spentAudio = 0;
  /** Write stamps of `response.created` and the first audio delta (null until written). */
  private createdUs: number | null = null;
  private firstAudioUs: number | null = null;
  /** Whether the first audio delta was handed to the connection (its stamp may come later). */
  private firstAudioQueued = false;
  private drawnFirstAudioMs: number | null = null;
  /** Replayed `response.done` delay from the turn's end, ms: the response completes no earlier (null: no floor). */
  private doneNotBeforeMs: number | null = null;
  /** Total assistant audio generated, ms (for the idle timer's playback estimate). */
  audioGeneratedMs = 0;
  /** Silence leading the response's first spoken item, ms (latency profile `leadingSilenceMs`). */
  readonly leadingSilenceMs: number;
  /** Whether a spoken item has taken {@link leadingSilenceMs} (only the first one is led by it). */
  private leadTaken = false;

  constructor(state: RealtimeState, params: ResponseParams, trigger: ResponseTrigger, onEnded: (run: ResponseRun) => void) {
    this.state = state;
    this.params = params;
    this.trigger = trigger;
    this.onEnded = onEnded;
    this.id = state.ctx.ids.response();
    this.rng = state.ctx.rng.fork(`response:${this.id}`);
    // Own fork: drawing the leading silence leaves the response's other draws as they were.
    this.leadingSilenceMs = drawLeadingSilenceMs(state.profile, this.rng.fork('leading-silence'));
    // The context billed as input is fixed when the response starts (§6.1: the whole conversation,
    // or the explicit `input`); only default-conversation responses move the cache state.
    const inline = { text: 0, audio: 0, image: 0 };
    let context: 'conversation' | string[];
    if (params.input !== null) {
      context = [];
      for (const e of params.input) {
        if ('ref' in e) context.push(e.ref);
        else {
          const t = inlineItemTokens(e.inline);
          inline.text += t.text;
          inline.audio += t.audio;
          inline.image += t.image;
        }
      }
    } else context = params.conversation === 'auto' ? 'conversation' : [...state.conversation.ids()];
    this.usageIn = inputUsage(state.conversation, context, inline);
  }

  /** Still running (no `response.done` yet). */
  get active(): boolean {
    return !this.ended;
  }

  /** Writes to the default conversation. */
  get inConversation(): boolean {
    return this.params.conversation === 'auto';
  }

  /** µs when the first audio delta was written to the socket, or null. */
  get firstAudioSentUs(): number | null {
    return this.firstAudioUs;
  }

  /** Schedules the response; nothing is sent synchronously. */
  start(): void {
    const ctx = this.state.ctx;
    const profile = this.state.profile;
    // An injected fault wins; otherwise the emulated account budget (rate-limits.ts) may refuse.
    const failure = ctx.faults.responseFailure() ?? accountRefusal(ctx.options.accountLimits ?? null);
    // A replay source (`--replay`) supplies recorded delays; the draws still happen so the seeded
    // sequence of everything else (commentary, answers) is the same with or without replay.
    const replayed = ctx.options.latencyReplay?.next(ctx) ?? null;
    const drawnCreatedMs = drawDelayMs(profile.responseCreatedMs, this.rng);
    const drawnFirstMs = drawFirstAudioDelayMs(profile, this.params.effort, this.trigger.turnIndex, this.rng);
    const createdMs = replayed ? replayed.responseCreatedMs : drawnCreatedMs;
    const firstMs = replayed?.firstAudioMs ?? drawnFirstMs;
    this.doneNotBeforeMs = replayed?.responseDoneMs ?? null;
    this.drawnFirstAudioMs = failure ? null : firstMs;
    const elapsedMs = (ctx.clock.nowUs() - this.trigger.startUs) / 1000;
    const atCreated = Math.max(0, Math.min(createdMs, firstMs) - elapsedMs);
    this.buildPlan();
    this.schedule(() => {
      this.sendCreated();
      if (failure) this.fail(failure);
      else this.schedule(() => this.nextOutput(), Math.max(0, firstMs - createdMs));
    }, atCreated);
  }

  /** Ends the response as `cancelled` (client cancel or barge-in). */
  cancel(reason: CancelReason): void {
    if (this.ended) return;
    this.stopWith('cancelled', { type: 'cancelled', reason });
  }

  private buildPlan(): void {
    const p = this.params;
    let lastKind: string | null = null;
    if (p.input === null) {
      const last = this.state.conversation.last();
      lastKind = last ? itemKind(last.item) : null;
    } else {
      const lastEntry = p.input[p.input.length - 1];
      if (lastEntry) lastKind = 'ref' in lastEntry ? itemKind(this.state.conversation.get(lastEntry.ref)!.item) : itemKind(lastEntry.inline.item);
    }
    const calls = planToolCalls({ tools: p.tools, toolChoice: p.toolChoice, parallelToolCalls: p.parallelToolCalls, toolPlan: this.state.toolPlan, lastInputKind: lastKind });
    const reasoning = p.effort !== null;
    if (reasoning && this.rng.next() < this.state.profile.commentaryProbability[p.effort!]) {
      this.plan.push({ kind: 'message', text: this.rng.pick(COMMENTARY_TEXTS), phase: 'commentary' });
    }
    if (calls.length > 0) for (const tool of calls) this.plan.push({ kind: 'call', tool });
    else {
      const texts = lastKind === 'function_call_output' ? TOOL_FOLLOWUP_TEXTS : ANSWER_TEXTS;
      this.plan.push({ kind: 'message', text: this.rng.pick(texts), phase: reasoning ? 'final_answer' : null });
    }
  }

  private baseResponse(status: WireResponse['status']): WireResponse {
    const p = this.params;
    return {
      id: this.id,
      object: 'realtime.response',
      status,
      status_details: null,
      output: [],
      conversation_id: this.inConversation ? this.state.conversation.id : null,
      output_modalities: [...p.outputModalities],
      max_output_tokens: p.maxOutputTokens,
      audio: { output: { format: { ...p.format }, voice: paramsVoiceName(p) } },
      usage: null,
      metadata: p.metadata ? { ...p.metadata } : null,
    };
  }

  private sendCreated(): void {
    if (this.createdSent) return;
    this.createdSent = true;
    const ctx = this.state.ctx;
    ctx.send(ev({ type: 'response.created', response: this.baseResponse('in_progress') } satisfies WireResponseEvent<'response.created'>), (us) => {
      this.createdUs = us;
    });
    const reserved = 4096;
    // With an emulated token budget the entries count it down (nothing reserved up front, so what
    // is left is the budget minus finished responses' totals); otherwise fixed figures.
    const limits = ctx.options.accountLimits ?? null;
    ctx.send(
      ev({
        type: 'rate_limits.updated',
        rate_limits:
          limits && limits.tokensPerMinute !== null
            ? limits.entries(0)
            : [
                { name: 'requests', limit: 20000, remaining: 19999, reset_seconds: 0.003 },
                { name: 'tokens', limit: 10_000_000, remaining: 10_000_000 - reserved, reset_seconds: 0.025 },
              ],
      } satisfies Omit<ServerEventOf<'rate_limits.updated'>, 'event_id'>),
    );
  }

  private fail(failure: InjectedResponseFailure): void {
    const ctx = this.state.ctx;
    if (failure.kind === 'server_error') ctx.sendError(serverError());
    const e = injectedFailureError(failure, ctx.model);
    const error: NonNullable<RealtimeResponseStatus['error']> = { type: e.type, message: e.message };
    if (e.code !== null) error.code = e.code;
    this.finish('failed', { type: 'failed', error }, true);
  }

  private pacing(): StreamPacing {
    const prof = this.state.profile;
    const slow = this.state.ctx.faults.audioSlowdown();
    return {
      audioDeltaMs: prof.audio.deltaMs,
      audioIntervalMs: (prof.audio.deltaMs / prof.audio.realtimeFactor) * slow,
      textIntervalMs: prof.textDeltaIntervalMs,
    };
  }

  private host(): StreamHost {
    const state = this.state;
    const ctx = state.ctx;
    return {
      responseId: this.id,
      inConversation: this.inConversation,
      send: (e) => void ctx.send(e),
      schedule: (fn, ms) => this.schedule(fn, ms),
      spend: (text, audio) => {
        this.spentText += text;
        this.spentAudio += audio;
        const max = this.params.maxOutputTokens;
        return max === 'inf' || this.spentText + this.spentAudio < max;
      },
      sendAudioDelta: (e) => {
        if (this.firstAudioQueued) ctx.send(e);
        else {
          this.firstAudioQueued = true;
          ctx.send(e, (us) => {
            this.firstAudioUs = us;
          });
        }
        if (this.inConversation) state.assistantAudioPresent = true;
      },
      addToConversation: (stored) => state.conversation.insert(stored),
      touch: (id) => state.conversation.touch(id),
      finished: (item) => {
        this.outputs.push(item);
        this.stream = null;
        this.noteAudio(item);
        this.schedule(() => this.nextOutput(), this.outputs.length > 0 && this.plan.length > 0 ? this.gapMs() : 0);
      },
      capReached: () => this.stopWith('incomplete', { type: 'incomplete', reason: 'max_output_tokens' }),
    };
  }

  private gapMs(): number {
    return drawDelayMs(this.state.profile.responseCreatedMs, this.rng);
  }

  private noteAudio(item: WireOutputItem): void {
    if (item.type !== 'message') return;
    const stored = this.state.conversation.get(item.id!);
    if (stored?.assistant) this.audioGeneratedMs += stored.assistant.generatedMs;
  }

  private nextOutput(): void {
    if (this.ended) return;
    const next = this.plan.shift();
    if (!next) {
      const waitMs = this.doneNotBeforeMs === null ? 0 : this.doneNotBeforeMs - (this.state.ctx.clock.nowUs() - this.trigger.startUs) / 1000;
      this.doneNotBeforeMs = null;
      if (waitMs > 0) this.schedule(() => this.finish('completed', null, false), waitMs);
      else this.finish('completed', null, false);
      return;
    }
    const ctx = this.state.ctx;
    const index = this.outputs.length;
    const host = this.host();
    const pacing = this.pacing();
    if (next.kind === 'call') {
      this.stream = new FunctionCallStream(host, index, ctx.ids.item(), ctx.ids.call(), next.tool.name, argumentsFor(next.tool.parameters, this.rng), pacing);
    } else {
      const modality = this.params.outputModalities[0] ?? 'audio';
      const leadingSilenceMs = modality === 'audio' && !this.leadTaken ? this.leadingSilenceMs : 0;
      if (modality === 'audio') this.leadTaken = true;
      this.stream = new MessageStream(host, index, ctx.ids.item(), next.text, modality, paramsVoiceName(this.params), this.params.format, { ...pacing, leadingSilenceMs }, next.phase);
    }
    this.stream.start();
  }

  private stopWith(status: 'cancelled' | 'incomplete', details: RealtimeResponseStatus): void {
    if (this.ended) return;
    this.clearTimers();
    if (!this.createdSent) this.sendCreated();
    const stream = this.stream;
    this.stream = null;
    if (stream) {
      const item = stream.stop();
      this.outputs.push(item);
      this.noteAudio(item);
    }
    this.finish(status, details, false);
  }

  private finish(status: 'completed' | 'cancelled' | 'incomplete' | 'failed', details: RealtimeResponseStatus | null, zero: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.clearTimers();
    const state = this.state;
    const ctx = state.ctx;
    const response = this.baseResponse(status);
    response.status_details = details;
    response.output = this.outputs;
    response.usage = zero ? zeroUsage() : withOutput(this.usageIn, { text: this.spentText, audio: this.spentAudio });
    if (!zero) ctx.options.accountLimits?.charge(response.usage.total_tokens ?? 0);
    // The trace line is written once response.done is on the socket (or known never to get there),
    // so every stamp in it is a write time, also when a stall fault held the frames.
    ctx.send(ev({ type: 'response.done', response } satisfies WireResponseEvent<'response.done'>), (doneUs) => {
      ctx.trace.write({
        session_id: ctx.sessionId,
        response_id: this.id,
        effort: this.params.effort,
        turn_index: this.trigger.turnIndex,
        status,
        turn_audio_end_us: this.trigger.turnAudioEndUs,
        delays_start_us: this.trigger.startUs,
        response_created_sent_us: this.createdUs,
        first_audio_sent_us: this.firstAudioUs,
        response_done_sent_us: doneUs,
        drawn_first_audio_delay_ms: this.drawnFirstAudioMs,
        leading_silence_ms: this.leadTaken ? this.leadingSilenceMs : null,
      });
    });
    this.onEnded(this);
  }

  private schedule(fn: () => void, delayMs: number): void {
    const ctx = this.state.ctx;
    const handle = ctx.setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, delayMs);
    this.timers.add(handle);
  }

  private clearTimers(): void {
    for (const t of this.timers) this.state.ctx.clearTimeout(t);
    this.timers.clear();
  }

  /** Stops silently (connection closed): no events. */
  dispose(): void {
    this.ended = true;
    this.clearTimers();
  }
}
