/**
 * `response.create` / `response.cancel` (§2.2, §3.7, §8.4): at most one response writes to the
 * default conversation at a time (`conversation_already_has_active_response`, no response events);
 * out-of-band responses (`conversation: "none"`) run in parallel. Barge-in cancels the active one
 * with `turn_detected` (§3.8).
 */
import type { WireEvent } from '../contract.ts';
import { conversationAlreadyHasActiveResponse, responseCancelNotActive } from '../errors.ts';
import { parseResponseCreate } from './response-params.ts';
import { ResponseRun, type ResponseTrigger } from './response-run.ts';
import type { RealtimeState } from './state.ts';
import { asString, validated } from './validate.ts';

/** Called when a default-conversation response ends (µs of playback still pending). */
export type DefaultResponseEnded = (playbackRemainingMs: number) => void;

/** The responses of one session. */
export class ResponseManager {
  private active: ResponseRun | null = null;
  private readonly outOfBand = new Set<ResponseRun>();

  constructor(
    private readonly state: RealtimeState,
    private readonly onDefaultEnded: DefaultResponseEnded,
  ) {}

  /** The running default-conversation response, or null. */
  get activeDefault(): ResponseRun | null {
    return this.active;
  }

  /** `response.create` from the client. */
  handleCreate(event: WireEvent, eventId: string | null): void {
    const state = this.state;
    const parsed = validated(() => parseResponseCreate(event['response'], state.session, state.conversation, state.ctx.ids));
    if (!parsed.ok) {
      state.ctx.sendError({ ...parsed.error, eventId });
      return;
    }
    const params = parsed.value;
    if (params.conversation === 'auto' && this.active) {
      state.ctx.sendError({ ...conversationAlreadyHasActiveResponse(this.active.id), eventId });
      return;
    }
    const now = state.ctx.clock.nowUs();
    const answersTurn = params.conversation === 'auto' && !state.turnAnswered && state.turnCount > 0;
    const trigger: ResponseTrigger = {
      turnIndex: params.conversation === 'auto' ? state.turnCount : 0,
      turnAudioEndUs: answersTurn ? state.lastTurnAudioEndUs : null,
      // Delays run from the end of the turn (§3.9 latency profile), or from this request.
      startUs: answersTurn && state.lastTurnEndUs !== null ? state.lastTurnEndUs : now,
    };
    this.start(new ResponseRun(state, params, trigger, (run) => this.ended(run)));
  }

  /** A response for a turn the VAD (or idle timeout) committed, when `create_response` is on. */
  autoRespond(turnIndex: number, turnAudioEndUs: number | null): void {
    const state = this.state;
    const td = state.session.audio.input.turn_detection;
    if (td !== null && !td.create_response) return;
    // §3.3: with a response still running and interrupt_response off, auto-create does not happen.
    if (this.active) return;
    const parsed = validated(() => parseResponseCreate(undefined, state.session, state.conversation, state.ctx.ids));
    if (!parsed.ok) return;
    const trigger: ResponseTrigger = { turnIndex, turnAudioEndUs, startUs: state.lastTurnEndUs ?? state.ctx.clock.nowUs() };
    this.start(new ResponseRun(state, parsed.value, trigger, (run) => this.ended(run)));
  }

  /** `response.cancel`: the named response, or the active default one. */
  handleCancel(event: WireEvent, eventId: string | null): void {
    const given = validated(() => (event['response_id'] === undefined || event['response_id'] === null ? null : asString(event['response_id'], 'response_id')));
    if (!given.ok) {
      this.state.ctx.sendError({ ...given.error, eventId });
      return;
    }
    const id = given.value;
    let run: ResponseRun | null = null;
    if (id === null) run = this.active;
    else if (this.active?.id === id) run = this.active;
    else for (const r of this.outOfBand) if (r.id === id) run = r;
    if (!run) {
      this.state.ctx.sendError({ ...responseCancelNotActive(), eventId });
      return;
    }
    run.cancel('client_cancelled');
  }

  /** Barge-in (§3.8): speech started while the default response runs and `interrupt_response` is on. */
  interrupt(): void {
    const td = this.state.session.audio.input.turn_detection;
    if (this.active && td !== null && td.interrupt_response) this.active.cancel('turn_detected');
  }

  /** Stops everything silently (the connection ended). */
  dispose(): void {
    this.active?.dispose();
    this.active = null;
    for (const r of this.outOfBand) r.dispose();
    this.outOfBand.clear();
  }

  private start(run: ResponseRun): void {
    if (run.inConversation) {
      this.active = run;
      this.state.turnAnswered = true;
    } else this.outOfBand.add(run);
    run.start();
  }

  private ended(run: ResponseRun): void {
    if (run === this.active) {
      this.active = null;
      const first = run.firstAudioSentUs;
      const playedMs = first === null ? 0 : (this.state.ctx.clock.nowUs() - first) / 1000;
      this.onDefaultEnded(Math.max(0, run.audioGeneratedMs - playedMs));
    } else this.outOfBand.delete(run);
  }
}
