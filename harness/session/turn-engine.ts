/**
 * Turns of realtime and transcription sessions: starts each turn's speech, routes server events to
 * the turn they belong to (by response id, user item id, client event id), stamps milestones with
 * the transport's receive times, answers tool calls, barges in, retries failed responses, and
 * times turns out.
 *
 * Routing: `input_audio_buffer.*` → the newest turn that is speaking; `response.created` → the
 * oldest turn awaiting a response (speech ended, commit or `response.create` sent); response-scoped
 * events → the turn owning `response_id`; transcription events → the turn owning `item_id`;
 * `error` → the turn whose client event it names (`error.event_id`, §4.1). Unclaimed events are
 * left to the conformance observer.
 *
 * Turn end: realtime — `response.done` of the final (non-tool) response; transcription —
 * `conversation.item.input_audio_transcription.completed` (or `.failed`) of the turn's item.
 * In a tool turn, first audio/text are the first of the turn across its responses.
 */
import { onsetOptionsFor, type OnsetOptions } from '../../common/audio/onset.ts';
import type { TurnStatus } from '../contract.ts';
import { bytesPerMs } from '../protocol/client-events.ts';
import type { ParsedEvent } from '../protocol/server-events.ts';
import { armBargeIn, deferEndForBargeIn, type BargeInHost } from './barge-in.ts';
import { mediaOf, MediaTurns } from './media-turns.ts';
import type { ReceivedAudio } from '../transport/media.ts';
import { base64AudioMs } from './playback.ts';
import { rateLimitBackoffMs } from './recovery.ts';
import { obj, str, type SessionHost } from './session-host.ts';
import { completedFunctionCall, toolOutputs } from './tool-answering.ts';
import { TurnTracker } from './turn-tracker.ts';

/** Tool round trips (outputs + `response.create`) allowed in one turn before it fails with `tool_loop_limit`. */
export const MAX_TOOL_ROUNDS_PER_TURN = 8;

/** Drives the turns of one realtime or transcription session across its connections. */
export class TurnEngine {
  /** Index (0-based) of the next planned turn to start. */
  nextTurn = 0;
  private readonly open: TurnTracker[] = [];
  private readonly byResponse = new Map<string, TurnTracker>();
  private readonly byEventId = new Map<string, TurnTracker>();
  private preStarted: TurnTracker | null = null;
  private readonly manual: boolean;
  private readonly responds: boolean;
  private readonly outBytesPerMs: number;
  private readonly onsetOptions: OnsetOptions;
  private readonly bargeHost: BargeInHost;
  /** WebRTC sessions: received audio and playback events (media-turns.ts); null on WebSocket. */
  private readonly media: MediaTurns | null;

  constructor(private readonly host: SessionHost) {
    this.manual = host.plan.turnMode === 'manual';
    this.responds = host.plan.kind === 'realtime';
    this.outBytesPerMs = bytesPerMs(host.plan.format);
    const webrtc = host.plan.transport === 'webrtc';
    // WebRTC audio is decoded from Opus at 48 kHz whatever the session's wire format.
    this.onsetOptions = webrtc ? { encoding: 'pcm16le', sampleRateHz: 48_000 } : onsetOptionsFor(host.plan.format);
    this.media = webrtc
      ? new MediaTurns({
          byResponse: (id) => this.byResponse.get(id) ?? null,
          openTurns: () => this.open,
          end: (t, status, code) => this.end(t, status, code),
          audio: (t, audio) => this.mediaAudio(t, audio),
        })
      : null;
    this.bargeHost = {
      clock: host.clock,
      builder: host.builder,
      manual: this.manual,
      serverTruncates: webrtc,
      canStartSuccessor: (t) => host.mayStartTurns() && host.connected() && t.turnIndex < host.plan.turns.length && this.nextTurn === t.turnIndex,
      startSuccessor: (t) => {
        this.preStarted = this.startNext();
        if (webrtc) mediaOf(t).bargeSuccessor = this.preStarted;
      },
      send: (e) => host.send(e),
      end: (t, status, code) => this.end(t, status, code),
    };
  }

  /** Turns started and not finished. */
  get openTurns(): readonly TurnTracker[] {
    return this.open;
  }

  /** A turn a barge-in already started (its speech is under way), taken once. */
  takePreStarted(): TurnTracker | null {
    const t = this.preStarted;
    this.preStarted = null;
    return t;
  }

  /**
   * Starts the next planned turn. Continuous (VAD) sessions schedule the clip at `atUs` (default
   * now; the caller adds the think time, streamed as silence); manual turns stream it now.
   */
  startNext(atUs?: number): TurnTracker {
    const k = this.nextTurn++;
    const turn = this.host.plan.turns[k];
    if (!turn) throw new Error(`no planned turn ${k + 1}`);
    const t = new TurnTracker(k + 1, turn);
    this.open.push(t);
    const mic = this.host.mic();
    const handlers = {
      onFirstFrameSent: (us: number) => {
        t.milestones.turnStartUs ??= us;
      },
      onSpeechEndSent: (us: number) => {
        if (t.finished) return;
        t.milestones.speechEndSentUs = us;
        if (!this.manual) {
          if (this.responds && t.responseIds.length === 0) t.awaitingResponse = true;
          this.armTimeout(t);
        }
      },
      onClipEnd: () => {
        if (this.manual && !t.finished) this.commit(t);
      },
    };
    if (!mic) this.end(t, 'aborted', 'not_connected');
    else if (this.manual) mic.playOnce(turn.clip, handlers);
    else mic.speak(turn.clip, handlers, atUs);
    return t;
  }

  /**
   * Stopping: a turn whose speech has not started yet is withdrawn (never reported, as if never
   * started). Its `done` resolves.
   */
  dropUnstarted(): void {
    for (const t of [...this.open]) {
      if (t.milestones.turnStartUs !== null) continue;
      this.host.mic()?.cancelPending();
      this.open.splice(this.open.indexOf(t), 1);
      if (this.preStarted === t) this.preStarted = null;
      this.nextTurn = Math.min(this.nextTurn, t.turnIndex - 1);
      t.finish('aborted', 'stopped', this.host.turnContext());
    }
  }

  /** The connection is gone: every started turn fails with `code`. Returns how many were lost. */
  connectionLost(code: string): number {
    // A turn still in its think time is not lost: it starts again on the next connection.
    this.dropUnstarted();
    this.preStarted = null;
    const lost = [...this.open];
    for (const t of lost) this.end(t, 'failed', code);
    this.byResponse.clear();
    this.byEventId.clear();
    return lost.length;
  }

  /** WebRTC: one packet of the remote audio track (the driver forwards the live call's packets). */
  receiveAudio(audio: ReceivedAudio): void {
    this.media?.packet(audio);
  }

  /** A packet attributed to turn `t`: first audio, arrivals, onset, barge-in. */
  private mediaAudio(t: TurnTracker, audio: ReceivedAudio): void {
    t.audioDelta(t.openResponseId ?? t.responseIds[t.responseIds.length - 1] ?? '', audio.receivedUs, audio.durationMs, null);
    // Decodes only until the turn's speech onset is found, as the WebSocket path does.
    if (t.audioOnsetMs === null) t.detectOnsetSamples(audio.decode(), this.onsetOptions);
    armBargeIn(t, this.bargeHost);
  }

  /** Handles one server event of the current connection. */
  dispatch(p: ParsedEvent): void {
    if (p.kind !== 'known') return;
    const e = p.event as unknown as Record<string, unknown>;
    const us = p.receivedUs;
    switch (p.type) {
      case 'input_audio_buffer.speech_stopped': {
        const t = this.speaker((x) => x.milestones.speechStoppedUs === null && x.milestones.committedUs === null);
        if (t) t.milestones.speechStoppedUs = us;
        return;
      }
      case 'input_audio_buffer.committed': {
        const t = this.speaker((x) => x.milestones.committedUs === null);
        if (!t) return;
        t.milestones.committedUs = us;
        t.userItemId = str(e, 'item_id');
        if (this.responds && !this.manual && t.responseIds.length === 0) t.awaitingResponse = true;
        return;
      }
      case 'response.created':
        return this.responseCreated(str(obj(e, 'response'), 'id'), us);
      case 'response.output_audio.delta': {
        const t = this.owner(e);
        if (!t) return;
        const delta = str(e, 'delta') ?? '';
        t.audioDelta(str(e, 'response_id') ?? '', us, base64AudioMs(delta, this.outBytesPerMs), str(e, 'item_id'));
        // Decodes only until the turn's speech onset is found (one comparison per delta after that).
        if (t.audioOnsetMs === null) t.detectOnset(delta, this.onsetOptions);
        armBargeIn(t, this.bargeHost);
        return;
      }
      case 'response.output_audio_transcript.delta':
      case 'response.output_text.delta':
        this.owner(e)?.textDelta(us, str(e, 'delta') ?? '');
        return;
      case 'response.output_item.done': {
        const t = this.owner(e);
        const call = completedFunctionCall(e.item);
        if (t && call) t.pendingCalls.push(call);
        return;
      }
      case 'response.done':
        return this.responseDone(obj(e, 'response') ?? {}, us);
      case 'conversation.item.input_audio_transcription.delta': {
        const t = this.byItem(str(e, 'item_id'));
        if (t && !this.responds) t.textDelta(us, str(e, 'delta') ?? '');
        return;
      }
      case 'conversation.item.input_audio_transcription.completed': {
        const t = this.byItem(str(e, 'item_id'));
        if (!t) return;
        t.transcriptionUsage = obj(e, 'usage');
        if (!this.responds) {
          t.milestones.firstTextUs ??= us;
          t.milestones.responseDoneUs = us;
          this.end(t, 'completed', null);
        }
        return;
      }
      case 'conversation.item.input_audio_transcription.failed': {
        const t = this.byItem(str(e, 'item_id'));
        if (t && !this.responds) this.end(t, 'failed', str(obj(e, 'error'), 'code') ?? 'transcription_failed');
        return;
      }
      case 'error':
        return this.error(obj(e, 'error') ?? {});
      case 'output_audio_buffer.started':
        return this.media?.started(str(e, 'response_id'), us);
      case 'output_audio_buffer.stopped':
      case 'output_audio_buffer.cleared':
        return this.media?.stopped(str(e, 'response_id'), us);
      default:
        return;
    }
  }

  /** Finishes a turn: timers off, recovery closed, result reported. Idempotent. */
  end(t: TurnTracker, status: TurnStatus, errorCode: string | null): void {
    if (t.finished) return;
    const clock = this.host.clock;
    if (this.media?.deferEnd(t, status, errorCode)) {
      // The assistant is still talking (WebRTC plays in real time): the turn ends when its audio
      // stops, or, if the server never says so, after the turn timeout with the status it had.
      if (t.timeoutTimer !== null) clock.clearTimeout(t.timeoutTimer);
      t.timeoutTimer = clock.setTimeout(() => {
        t.timeoutTimer = null;
        const m = t.media!;
        const pending = m.pendingEnd ?? { status, errorCode };
        m.pendingEnd = null;
        m.waitedOut = true;
        this.end(t, pending.status, pending.errorCode);
      }, this.host.plan.turnTimeoutMs);
      return;
    }
    this.media?.forget(t);
    for (const timer of [t.timeoutTimer, t.bargeTimer, t.retryTimer]) if (timer !== null) clock.clearTimeout(timer);
    t.timeoutTimer = t.bargeTimer = t.retryTimer = null;
    if (t.recovery) {
      if (status === 'completed') t.recovery.succeed(t.retryCreatedUs ?? clock.nowUs());
      else t.recovery.fail(clock.nowUs(), 1);
      t.recovery = null;
    }
    const i = this.open.indexOf(t);
    if (i >= 0) this.open.splice(i, 1);
    for (const id of t.responseIds) this.byResponse.delete(id);
    for (const [id, owner] of this.byEventId) if (owner === t) this.byEventId.delete(id);
    const result = t.finish(status, errorCode, this.host.turnContext());
    if (result) this.host.report(result, t);
  }

  private commit(t: TurnTracker): void {
    this.host.send(this.host.builder.commit());
    t.milestones.commitSentUs = this.host.clock.nowUs();
    if (this.responds) this.requestResponse(t);
    this.armTimeout(t);
  }

  private requestResponse(t: TurnTracker): void {
    const event = this.host.builder.responseCreate();
    this.byEventId.set(event.event_id, t);
    t.awaitingResponse = true;
    this.host.send(event);
  }

  private armTimeout(t: TurnTracker): void {
    const clock = this.host.clock;
    if (t.timeoutTimer !== null) clock.clearTimeout(t.timeoutTimer);
    t.timeoutTimer = clock.setTimeout(() => {
      t.timeoutTimer = null;
      if (t.finished) return;
      // A stalled target: cancel what may still be running so the next turn starts clean.
      if (t.openResponseId !== null) this.host.send(this.host.builder.responseCancel(t.openResponseId));
      this.host.log.note('turn_timeout', t.turnIndex, null, this.host.connected(), 1);
      this.end(t, 'timeout', 'turn_timeout');
    }, this.host.plan.turnTimeoutMs);
  }

  /** The newest started turn satisfying `pred` (the one speaking now). */
  private speaker(pred: (t: TurnTracker) => boolean): TurnTracker | null {
    for (let i = this.open.length - 1; i >= 0; i--) {
      const t = this.open[i]!;
      if (t.milestones.turnStartUs !== null && pred(t)) return t;
    }
    return null;
  }

  private owner(e: Record<string, unknown>): TurnTracker | null {
    const id = str(e, 'response_id');
    return id === null ? null : (this.byResponse.get(id) ?? null);
  }

  private byItem(itemId: string | null): TurnTracker | null {
    if (itemId === null) return null;
    return this.open.find((t) => t.userItemId === itemId) ?? null;
  }

  private responseCreated(id: string | null, us: number): void {
    if (id === null || this.byResponse.has(id)) return;
    const t = this.open.find((x) => x.awaitingResponse);
    if (!t) return; // not ours (e.g. a VAD response to noise): left to the observer
    t.awaitingResponse = false;
    t.openResponseId = id;
    t.responseIds.push(id);
    this.byResponse.set(id, t);
    t.milestones.responseCreatedUs ??= us;
    if (t.recovery && t.retryCreatedUs === null) t.retryCreatedUs = us;
  }

  private responseDone(response: Record<string, unknown>, us: number): void {
    const id = str(response, 'id');
    const t = id === null ? null : (this.byResponse.get(id) ?? null);
    if (!t) return;
    if (t.openResponseId === id) t.openResponseId = null;
    t.addUsage(response.usage);
    const details = obj(response, 'status_details');
    const status = str(response, 'status');
    if (status === 'completed' || status === null) {
      if (t.pendingCalls.length > 0 && t.toolRounds >= MAX_TOOL_ROUNDS_PER_TURN) {
        // A target that calls tools forever (e.g. tool_choice "required" left on, §3.6) would
        // never end the turn: give up rather than loop.
        t.milestones.responseDoneUs = us;
        return this.end(t, 'failed', 'tool_loop_limit');
      }
      if (t.pendingCalls.length > 0) {
        t.toolRounds += 1;
        // Answer the calls, then one response.create for the follow-up (§3.6).
        for (const out of toolOutputs(t.pendingCalls, this.host.plan.tools, this.host.builder)) this.host.send(out);
        t.toolCalls += t.pendingCalls.length;
        t.pendingCalls = [];
        this.requestResponse(t);
        return;
      }
      t.milestones.responseDoneUs = us;
      if (t.timeoutTimer !== null) this.host.clock.clearTimeout(t.timeoutTimer);
      t.timeoutTimer = null;
      if (deferEndForBargeIn(t, this.bargeHost)) return;
      this.end(t, 'completed', null);
      return;
    }
    t.milestones.responseDoneUs = us;
    if (status === 'cancelled') return this.end(t, 'cancelled', str(details, 'reason') ?? 'cancelled');
    if (status === 'incomplete') return this.end(t, 'incomplete', str(details, 'reason') ?? 'incomplete');
    const error = obj(details, 'error');
    const code = str(error, 'code') ?? str(error, 'type') ?? 'failed';
    if (code === 'rate_limit_exceeded') {
      this.retry(t, 'rate_limit_exceeded', code, rateLimitBackoffMs(str(error, 'message') ?? '', this.host.policy));
    } else if (code === 'server_error' || str(error, 'type') === 'server_error') {
      this.retry(t, 'server_error', code, 0);
    } else {
      this.end(t, 'failed', code);
    }
  }

  private error(error: Record<string, unknown>): void {
    const code = str(error, 'code') ?? str(error, 'type') ?? 'unknown';
    this.host.errorSeen(code);
    const eventId = str(error, 'event_id');
    const t = eventId === null ? null : (this.byEventId.get(eventId) ?? null);
    if (!t || !t.awaitingResponse) return;
    // Our response.create was rejected: no response will come for it (§4.1).
    t.awaitingResponse = false;
    if (code === 'server_error' || str(error, 'type') === 'server_error') this.retry(t, 'server_error', code, 0);
    else this.end(t, 'failed', code);
  }

  /** Retries the turn's response after `delayMs`, within the policy; otherwise fails the turn. */
  private retry(t: TurnTracker, fault: 'rate_limit_exceeded' | 'server_error', code: string, delayMs: number): void {
    const { policy, log, clock } = this.host;
    const used = fault === 'rate_limit_exceeded' ? t.rateLimitRetries : t.serverErrorRetries;
    const limit = fault === 'rate_limit_exceeded' ? policy.rateLimitRetries : policy.serverErrorRetries;
    if (t.recovery && t.recovery.fault !== fault) {
      t.recovery.fail(clock.nowUs());
      t.recovery = null;
    }
    t.recovery ??= log.begin(fault, t.turnIndex, code, clock.nowUs());
    if (!policy.enabled || used >= limit) return this.end(t, 'failed', code);
    if (fault === 'rate_limit_exceeded') t.rateLimitRetries += 1;
    else t.serverErrorRetries += 1;
    t.recovery.attempt();
    t.retryCreatedUs = null;
    t.resetForRetry();
    if (t.timeoutTimer !== null) clock.clearTimeout(t.timeoutTimer);
    t.timeoutTimer = null;
    t.retryTimer = clock.setTimeout(() => {
      t.retryTimer = null;
      if (t.finished || !this.host.connected()) return;
      this.requestResponse(t);
      // The turn's timeout restarts with the retry: a hinted back-off may be longer than it.
      this.armTimeout(t);
    }, delayMs);
  }
}
