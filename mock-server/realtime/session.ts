/**
 * The realtime session kind (`/v1/realtime?model=…`, §2.2, §2.3, §3): `session.created` first, then
 * one handler per client event group — session (here), input audio (input.ts), conversation items
 * (item-handlers.ts), responses (responses.ts).
 */
import type { MockSessionContext, SessionKind, WireEvent } from '../contract.ts';
import { DEFAULT_LATENCY_PROFILE, latencyForModel, type LatencyProfile } from '../latency-profile.ts';
import { unknownEventType } from '../errors.ts';
import { defaultRealtimeSession, DEFAULT_MODEL, toWireSession, type EffectiveRealtimeSession, type WireRealtimeSession } from './config.ts';
import type { ServerEventOf } from '../../common/protocol/types.ts';
import { Conversation } from './conversation.ts';
import { InputController } from './input.ts';
import { handleItemCreate, handleItemDelete, handleItemRetrieve, handleItemTruncate } from './item-handlers.ts';
import { ResponseManager } from './responses.ts';
import { applySessionUpdate } from './session-update.ts';
import type { RealtimeState } from './state.ts';
import type { ToolPlan } from './tool-plan.ts';
import { validated } from './validate.ts';

/** Client events of a realtime session over WebSocket (§2.2), in the order the error lists them. */
export const REALTIME_CLIENT_EVENTS = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
  'output_audio_buffer.clear',
] as const;

/** `session.created` / `session.updated` carrying the full wire session (the SDK's union lacks `id`/`object`). */
type SessionEvent<T extends 'session.created' | 'session.updated'> = Omit<ServerEventOf<T>, 'event_id' | 'session'> & { session: WireRealtimeSession };

function ev(e: object): WireEvent {
  return e as WireEvent;
}

/** One connection's realtime session. */
class RealtimeSession implements RealtimeState {
  readonly ctx: MockSessionContext;
  readonly profile: LatencyProfile;
  readonly toolPlan: ToolPlan;
  session: EffectiveRealtimeSession;
  readonly conversation: Conversation;
  assistantAudioPresent = false;
  turnCount = 0;
  turnAnswered = true;
  lastTurnEndUs: number | null = null;
  lastTurnAudioEndUs: number | null = null;
  readonly input: InputController;
  readonly responses: ResponseManager;

  constructor(ctx: MockSessionContext) {
    this.ctx = ctx;
    // The model never changes within a session (§5), so its latency section is chosen once.
    this.profile = latencyForModel((ctx.options.latencyProfile as LatencyProfile | null) ?? DEFAULT_LATENCY_PROFILE, ctx.model ?? DEFAULT_MODEL);
    this.toolPlan = ctx.options.toolPlan ?? 'auto';
    // `--replay`: the session takes its recording now, so recordings follow the order sessions open.
    ctx.options.latencyReplay?.attach(ctx);
    const expiresAtS = Math.floor(Date.now() / 1000) + Math.round(ctx.maxSessionS);
    let session = defaultRealtimeSession(ctx.sessionId, ctx.model ?? DEFAULT_MODEL, expiresAtS);
    const secret = ctx.clientSecretSession;
    if (secret && secret['type'] === 'realtime') {
      // The `ek_` key's config is the session's starting point (§1.3); id, expiry and model stay this session's.
      const { id: _id, object: _object, expires_at: _exp, model: _model, ...rest } = secret;
      const applied = validated(() => applySessionUpdate(rest, session, { voiceLocked: false }));
      if (applied.ok) session = applied.value;
    }
    this.session = session;
    this.conversation = new Conversation(ctx.ids.conversation(), session.instructions);
    this.responses = new ResponseManager(this, (playbackMs) => this.input.startIdleTimer(playbackMs));
    this.input = new InputController(this, {
      speechStarted: () => this.responses.interrupt(),
      turnCommitted: (turn, audioEndUs) => this.responses.autoRespond(turn, audioEndUs),
    });
  }

  open(): void {
    this.ctx.send(ev({ type: 'session.created', session: toWireSession(this.session) } satisfies SessionEvent<'session.created'>));
  }

  handle(event: WireEvent): void {
    const eventId = typeof event['event_id'] === 'string' ? event['event_id'] : null;
    switch (event.type) {
      case 'session.update':
        return this.update(event, eventId);
      case 'input_audio_buffer.append':
        return this.input.append(event, eventId);
      case 'input_audio_buffer.commit':
        return this.input.commit(eventId);
      case 'input_audio_buffer.clear':
        return this.input.clear();
      case 'conversation.item.create':
        return handleItemCreate(this, event, eventId);
      case 'conversation.item.retrieve':
        return handleItemRetrieve(this, event, eventId);
      case 'conversation.item.delete':
        return handleItemDelete(this, event, eventId);
      case 'conversation.item.truncate':
        return handleItemTruncate(this, event, eventId);
      case 'response.create':
        return this.responses.handleCreate(event, eventId);
      case 'response.cancel':
        return this.responses.handleCancel(event, eventId);
      case 'output_audio_buffer.clear':
        // §2.6: WebRTC/SIP only; over WebSocket the client owns playback (mock choice of error).
        return this.ctx.sendError({
          code: 'unsupported_on_websocket',
          message: 'output_audio_buffer.clear is only supported on WebRTC and SIP connections. Over WebSocket, stop playback locally and send conversation.item.truncate.',
          param: 'type',
          eventId,
        });
      default:
        return this.ctx.sendError({ ...unknownEventType(event.type, REALTIME_CLIENT_EVENTS), eventId });
    }
  }

  private update(event: WireEvent, eventId: string | null): void {
    const result = validated(() => applySessionUpdate(event['session'], this.session, { voiceLocked: this.assistantAudioPresent }));
    if (!result.ok) {
      this.ctx.sendError({ ...result.error, eventId });
      return;
    }
    const next = result.value;
    if (next.instructions !== this.session.instructions) this.conversation.setInstructions(next.instructions);
    this.session = next;
    this.input.configure(next);
    // The client's event_id is not echoed in session.updated (§2.2).
    this.ctx.send(ev({ type: 'session.updated', session: toWireSession(next) } satisfies SessionEvent<'session.updated'>));
  }

  dispose(): void {
    this.responses.dispose();
    this.input.dispose();
  }
}

/**
 * Creates the realtime session kind. State is kept per connection context, so one instance may
 * serve several connections (the server creates one per connection).
 */
export function createRealtimeSession(): SessionKind {
  const sessions = new WeakMap<MockSessionContext, RealtimeSession>();
  return {
    open(ctx) {
      const s = new RealtimeSession(ctx);
      sessions.set(ctx, s);
      s.open();
    },
    onEvent(ctx, event) {
      sessions.get(ctx)?.handle(event);
    },
    onClose(ctx) {
      sessions.get(ctx)?.dispose();
      sessions.delete(ctx);
    },
  };
}
