/**
 * The GPT-Live session kind (`/v1/live/sessions`, docs/live-protocol.md). Lifecycle: a passive
 * socket receives nothing; the first client event must be `session.start` (strict config,
 * config.ts) → `session.started` after a drawn delay → the client streams
 * `session.input_audio.append` continuously (silence included) → the session timeline moves with
 * that input only (§4.2): the mock's turn detector (common/audio/turn-detector.ts) finds the user's
 * turns, input transcript deltas follow the speech in 200 ms buckets, and each turn is answered on
 * the one continuous output track (output-track.ts: a delta per 100 ms, digital silence between
 * utterances) — or delegated to the client (`session.delegation.created` + a spoken
 * acknowledgement; the client's `session.commentary.append{delegation_id}` is acked on the timeline
 * and the result spoken). `session.usage.updated` every 15 s of timeline; `session.close` → the
 * output drains → `session.closed{reason:"close_requested", usage}` → close 1000 (mock choice: the
 * real close code was not captured). Timing comes from the latency profile's `live` section.
 */
import type * as Live from 'openai/resources/live/live';
import { decodeToPcm16 } from '../../common/audio/formats.ts';
import { SERVER_VAD_DEFAULTS, TurnDetector } from '../../common/audio/turn-detector.ts';
import type { MockErrorSpec, MockSessionContext, Rng, SessionKind, WireEvent } from '../contract.ts';
import { injectedFailureError } from '../faults.ts';
import { drawDelayMs, type LatencyProfile, type LiveLatency } from '../latency-profile.ts';
import { ANSWER_TEXTS, TOOL_FOLLOWUP_TEXTS } from '../realtime/answers.ts';
import { PLACEHOLDER_WORDS, wordCountForSpeech } from '../transcription/transcript.ts';
import { applyLiveUpdate, LiveConfigError, liveSessionResource, parseLiveStart, type LiveSettings } from './config.ts';
import {
  liveErrorEvent,
  liveInvalidType,
  liveMissingParameter,
  liveUnknownEventType,
  requiresResponsesDelegation,
  sessionAlreadyStarted,
  sessionNotStarted,
  unknownDelegationId,
  unsupportedDelegation,
  liveInvalidValue,
} from './errors.ts';
import { liveRateHz, LIVE_TRANSCRIPT_BUCKET_MS, OutputTrack } from './output-track.ts';
import { LiveTracer } from './trace.ts';

/** Client events of the Live WebSocket, as the SDK's `ClientEvent` union names them (§3.1). */
export const LIVE_CLIENT_EVENTS = [
  'session.start',
  'session.update',
  'session.input_audio.append',
  'session.input_audio.mute',
  'session.input_audio.unmute',
  'session.output_audio.fixture.play',
  'session.instructions.append',
  'session.thinking.append',
  'session.commentary.append',
  'decision.create',
  'decision.item.create',
  'decision.item.delete',
  'response.item.create',
  'response.create',
  'session.close',
] as const satisfies readonly Live.ClientEvent['type'][];

/** Close code and reason after `session.closed` (mock choice; not captured, §9.2). */
export const LIVE_CLOSE = { code: 1000, reason: 'session closed' } as const;
/** Spoken automatic acknowledgement of a client delegation ([M L5] "Okay, checking now."). */
export const LIVE_ACK_TEXTS: readonly string[] = ['Okay, checking now.', 'One moment, let me check.', 'Sure, let me look into that.'];
/** Longest append `content`, characters: a stand-in for the 500-token limit (4 characters a token; mock choice). */
export const MAX_APPEND_CHARS = 2000;

type AppendKind = 'instructions' | 'thinking' | 'commentary';

interface State {
  rng: Rng;
  liveId: string;
  latency: LiveLatency;
  settings: LiveSettings | null;
  expiresAtS: number;
  startedSent: boolean;
  /** Timeline: ms of input audio received since `session.start`. */
  inputMs: number;
  muted: boolean;
  detector: TurnDetector | null;
  track: OutputTrack | null;
  /** Timeline actions (acks, delegated answers), by due position. */
  due: { atMs: number; run: () => void }[];
  delegations: Set<string>;
  turnIndex: number;
  speechStartMs: number | null;
  inputWordsSent: number;
  inputBucketMs: number;
  lastInputBucketStartMs: number;
  nextUsageMs: number;
  tracer: LiveTracer;
  closing: boolean;
  closed: boolean;
}

function eventIdOf(event: WireEvent): string | null {
  return typeof event['event_id'] === 'string' ? event['event_id'] : null;
}

/** Creates the Live session kind (state per connection context). */
export function createLiveSession(): SessionKind {
  const states = new WeakMap<MockSessionContext, State>();

  const error = (ctx: MockSessionContext, spec: MockErrorSpec, clientEventId: string | null): void => {
    ctx.send(liveErrorEvent(ctx.ids.event(), spec, clientEventId));
  };
  const withClientId = <T extends object>(event: T, clientEventId: string | null): T => (clientEventId === null ? event : { ...event, client_event_id: clientEventId });
  const resource = (s: State): Live.SessionResource => liveSessionResource(s.liveId, s.expiresAtS, s.settings!);

  const finish = (ctx: MockSessionContext, s: State, reason: Live.SessionClosedEvent['reason'], clientEventId: string | null): void => {
    if (s.closed) return;
    s.closed = true;
    if (s.startedSent) {
      const closed: Omit<Live.SessionClosedEvent, 'event_id'> = { type: 'session.closed', reason, session: resource(s), usage: { seconds: Math.ceil(s.inputMs / 1000) } };
      ctx.send(withClientId(closed, clientEventId) as unknown as WireEvent);
    }
    ctx.close(LIVE_CLOSE.code, LIVE_CLOSE.reason);
  };

  /** Emits what the timeline has reached: due actions, output frames (after `session.started`), usage. */
  const pump = (ctx: MockSessionContext, s: State): void => {
    if (!s.startedSent || s.closed) return;
    s.due.sort((a, b) => a.atMs - b.atMs);
    while (s.due.length > 0 && s.due[0]!.atMs <= s.inputMs) s.due.shift()!.run();
    s.track!.releaseUntil(s.closing ? s.inputMs : s.inputMs - s.latency.outputLagTimelineMs);
    while (!s.closing && s.inputMs >= s.nextUsageMs) {
      const usage: Omit<Live.SessionUsageUpdatedEvent, 'event_id'> = { type: 'session.usage.updated', usage: { seconds: Math.floor(s.inputMs / 1000) } };
      ctx.send(usage as unknown as WireEvent);
      s.nextUsageMs += s.latency.usageIntervalTimelineMs;
    }
  };

  const inputTranscript = (ctx: MockSessionContext, s: State, count: number, startMs: number, endMs: number, period: boolean): void => {
    const words: string[] = [];
    for (let i = 0; i < count; i++) words.push((s.inputWordsSent + i === 0 ? '' : ' ') + s.rng.pick(PLACEHOLDER_WORDS));
    s.inputWordsSent += count;
    let delta = words.join('');
    if (period) delta += '.';
    if (delta === '') return;
    s.lastInputBucketStartMs = startMs;
    const event: Omit<Live.InputTranscriptDeltaEvent, 'event_id'> = { type: 'session.input_transcript.delta', delta, start_ms: startMs, end_ms: endMs };
    ctx.send(event as unknown as WireEvent);
  };

  /** The user's turn ended at `speechEndMs` (the detector decided now): answer or delegate. */
  const onTurnEnd = (ctx: MockSessionContext, s: State, speechStartMs: number, speechEndMs: number): void => {
    const bucket = Math.floor(speechEndMs / LIVE_TRANSCRIPT_BUCKET_MS) * LIVE_TRANSCRIPT_BUCKET_MS;
    const total = Math.max(1, wordCountForSpeech(speechEndMs - speechStartMs));
    inputTranscript(ctx, s, Math.max(0, total - s.inputWordsSent), bucket, bucket + LIVE_TRANSCRIPT_BUCKET_MS, true);
    s.inputWordsSent = 0;
    s.speechStartMs = null;
    const turn = ++s.turnIndex;
    const failure = ctx.faults.responseFailure();
    if (failure) {
      const e = injectedFailureError(failure, s.settings!.model);
      return error(ctx, { type: e.type, code: e.code, message: e.message }, null);
    }
    const plan = ctx.options.toolPlan ?? 'auto';
    const delegate = plan === 'always' || (plan === 'auto' && s.rng.next() < s.latency.delegationProbability);
    const drawnMs = drawDelayMs(s.latency.firstAudioTimelineMs, s.rng);
    const atMs = Math.max(s.inputMs, speechEndMs + drawnMs);
    const seed = s.rng.int(0, 2 ** 31);
    if (delegate) {
      const id = ctx.ids.item();
      s.delegations.add(id);
      const created: Omit<Live.DelegationCreatedEvent, 'event_id'> = {
        type: 'session.delegation.created',
        delegation: { id, type: 'delegation', target: 'client' },
        offset_ms: s.lastInputBucketStartMs,
      };
      ctx.send(created as unknown as WireEvent);
    }
    const text = delegate ? s.rng.pick(LIVE_ACK_TEXTS) : s.rng.pick(ANSWER_TEXTS);
    const ackDelayMs = delegate ? s.settings!.acknowledgementDelayMs : 0;
    s.tracer.speak(s.track!, text, atMs + ackDelayMs, seed, { turn, speechEndMs, drawnMs, label: delegate ? 'ack' : 'answer' });
  };

  const onAppendAudio = (ctx: MockSessionContext, s: State, event: WireEvent, clientEventId: string | null): void => {
    if (s.closing) return; // appends after session.close are ignored without error ([M L5])
    const audio = event['audio'];
    if (audio === undefined) return error(ctx, liveMissingParameter('audio'), clientEventId);
    if (typeof audio !== 'string' || audio.length === 0) return error(ctx, liveInvalidType('audio', 'a non-empty base64 string', audio), clientEventId);
    const bytes = Buffer.from(audio, 'base64');
    const f = s.settings!.format;
    if (f.type === 'audio/pcm' && bytes.length % 2 !== 0) return error(ctx, liveInvalidValue('audio', `${bytes.length} bytes`, 'whole PCM16 samples (an even number of bytes)'), clientEventId);
    const pcm = decodeToPcm16(f.type === 'audio/pcm' ? { type: 'audio/pcm', rate: 24000 } : { type: f.type }, bytes);
    s.inputMs += (pcm.length * 1000) / liveRateHz(f);
    s.tracer.inputReached(s.inputMs, ctx.clock.nowUs());
    const vad = s.detector!.push(s.muted ? new Int16Array(pcm.length) : pcm);
    for (const v of vad) {
      if (v.type === 'speech_started') {
        s.speechStartMs = v.audioStartMs;
        s.inputWordsSent = 0;
      } else if (s.speechStartMs !== null) onTurnEnd(ctx, s, s.speechStartMs, v.audioEndMs);
    }
    const bucket = Math.floor(s.inputMs / LIVE_TRANSCRIPT_BUCKET_MS) * LIVE_TRANSCRIPT_BUCKET_MS;
    if (bucket > s.inputBucketMs) {
      if (s.speechStartMs !== null) {
        const due = wordCountForSpeech(bucket - s.speechStartMs) - s.inputWordsSent;
        if (due > 0) inputTranscript(ctx, s, due, s.inputBucketMs, bucket, false);
      }
      s.inputBucketMs = bucket;
    }
    pump(ctx, s);
  };

  const onAppendText = (ctx: MockSessionContext, s: State, kind: AppendKind, event: WireEvent, clientEventId: string | null): void => {
    const content = event['content'];
    if (!Object.hasOwn(event, 'delegation_id')) return error(ctx, liveMissingParameter('delegation_id'), clientEventId);
    const delegationId = event['delegation_id'];
    if (typeof content !== 'string' || content.trim() === '') return error(ctx, liveInvalidType('content', 'a non-empty string', content), clientEventId);
    if (content.length > MAX_APPEND_CHARS) return error(ctx, liveInvalidValue('content', `${content.length} characters`, `at most ${MAX_APPEND_CHARS} characters (500 tokens)`), clientEventId);
    if (delegationId !== null && typeof delegationId !== 'string') return error(ctx, liveInvalidType('delegation_id', 'a string or null', delegationId), clientEventId);
    if (typeof delegationId === 'string' && !s.delegations.has(delegationId)) return error(ctx, unknownDelegationId(delegationId), clientEventId);
    const fromMs = Math.round(s.inputMs);
    const atMs = s.inputMs + drawDelayMs(s.latency.appendAckTimelineMs, s.rng);
    const seed = s.rng.int(0, 2 ** 31);
    const answer = kind === 'commentary' && delegationId !== null ? s.rng.pick(TOOL_FOLLOWUP_TEXTS) : null;
    s.due.push({
      atMs,
      run: () => {
        const type = `session.${kind}.appended` as const;
        const ack: Omit<Live.CommentaryAppendedEvent, 'event_id' | 'type'> & { type: typeof type } = { type, start_ms: fromMs, end_ms: Math.round(atMs) };
        ctx.send(withClientId(ack, clientEventId) as unknown as WireEvent);
        // A commentary on a delegation is the result to speak: the model says it in its own words.
        if (answer !== null) s.tracer.speak(s.track!, answer, s.inputMs, seed, { turn: s.turnIndex, speechEndMs: null, drawnMs: null, label: 'delegated' });
      },
    });
  };

  const start = (ctx: MockSessionContext, s: State, event: WireEvent, clientEventId: string | null): void => {
    let settings: LiveSettings;
    try {
      settings = parseLiveStart(event['session']);
    } catch (err) {
      if (err instanceof LiveConfigError) return error(ctx, err.spec, clientEventId);
      throw err;
    }
    s.settings = settings;
    s.expiresAtS = Math.floor(Date.now() / 1000) + ctx.maxSessionS;
    const rate = liveRateHz(settings.format);
    s.detector = new TurnDetector({ ...SERVER_VAD_DEFAULTS, silenceDurationMs: s.latency.turnSilenceMs }, rate);
    const voice = typeof settings.voice === 'string' ? settings.voice : settings.voice.id;
    s.track = new OutputTrack(settings.format, voice, s.tracer.sink(ctx, settings));
    ctx.setTimeout(() => {
      if (s.closed) return;
      const started: Omit<Live.SessionStartedEvent, 'event_id'> = { type: 'session.started', session: resource(s) };
      ctx.send(withClientId(started, clientEventId) as unknown as WireEvent);
      s.startedSent = true;
      pump(ctx, s);
    }, drawDelayMs(s.latency.startedMs, s.rng));
  };

  return {
    open(ctx) {
      const rng = ctx.rng.fork('live');
      const profile = ctx.options.latencyProfile as LatencyProfile;
      const alnum = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
      const idRng = rng.fork('live-id');
      const liveId = 'live_u7_' + Array.from({ length: 32 }, () => alnum[idRng.int(0, alnum.length)]).join('');
      states.set(ctx, {
        rng,
        liveId,
        latency: profile.live,
        settings: null,
        expiresAtS: 0,
        startedSent: false,
        inputMs: 0,
        muted: false,
        detector: null,
        track: null,
        due: [],
        delegations: new Set(),
        turnIndex: 0,
        speechStartMs: null,
        inputWordsSent: 0,
        inputBucketMs: 0,
        lastInputBucketStartMs: 0,
        nextUsageMs: profile.live.usageIntervalTimelineMs,
        tracer: new LiveTracer(ctx, liveId),
        closing: false,
        closed: false,
      });
      // A passive Live socket receives nothing until session.start (§7, [M L5]).
    },

    onEvent(ctx, event) {
      const s = states.get(ctx);
      if (!s || s.closed) return;
      const id = eventIdOf(event);
      if (id !== null && id.length > 512) return error(ctx, liveInvalidValue('event_id', `${id.length} characters`, 'at most 512 characters'), null);
      const type = event.type;
      if (!(LIVE_CLIENT_EVENTS as readonly string[]).includes(type)) return error(ctx, liveUnknownEventType(type, LIVE_CLIENT_EVENTS), id);
      if (type === 'session.start') return s.settings ? error(ctx, sessionAlreadyStarted(), id) : start(ctx, s, event, id);
      if (!s.settings) return error(ctx, sessionNotStarted(type), id);
      switch (type) {
        case 'session.input_audio.append':
          return onAppendAudio(ctx, s, event, id);
        case 'session.update':
          try {
            s.settings = applyLiveUpdate(event['session'], s.settings);
          } catch (err) {
            if (err instanceof LiveConfigError) return error(ctx, err.spec, id);
            throw err;
          }
          return void ctx.send(withClientId({ type: 'session.updated', session: resource(s) }, id) as unknown as WireEvent);
        case 'session.input_audio.mute':
        case 'session.input_audio.unmute':
          s.muted = type === 'session.input_audio.mute';
          return void ctx.send(withClientId({ type: s.muted ? 'session.input_audio.muted' : 'session.input_audio.unmuted' }, id) as WireEvent);
        case 'session.instructions.append':
          return onAppendText(ctx, s, 'instructions', event, id);
        case 'session.thinking.append':
          return onAppendText(ctx, s, 'thinking', event, id);
        case 'session.commentary.append':
          return onAppendText(ctx, s, 'commentary', event, id);
        case 'response.item.create':
        case 'response.create':
          return error(ctx, requiresResponsesDelegation(type), id);
        case 'decision.create':
        case 'decision.item.create':
        case 'decision.item.delete':
          return error(ctx, unsupportedDelegation('decisions'), id);
        case 'session.output_audio.fixture.play':
          return error(ctx, { code: 'unsupported_event', message: 'The mock does not emulate audio fixture playback (session.output_audio.fixture.play).', param: 'type' }, id);
        case 'session.close': {
          if (s.closing) return;
          s.closing = true;
          pump(ctx, s); // drain: the lag window of already-heard output goes out
          ctx.setTimeout(() => finish(ctx, s, 'close_requested', id), drawDelayMs(s.latency.closeMs, s.rng));
          return;
        }
      }
    },

    onClose(ctx) {
      const s = states.get(ctx);
      if (!s) return;
      s.tracer.end();
      states.delete(ctx);
    },

    expire(ctx) {
      const s = states.get(ctx);
      if (s) finish(ctx, s, 'expired', null);
      else ctx.close(LIVE_CLOSE.code, LIVE_CLOSE.reason);
    },

    errorEvent(ctx, spec) {
      return liveErrorEvent(ctx.ids.event(), spec, spec.eventId ?? null);
    },
  };
}
