/**
 * Steps shared by the probes: configuring a session, starting a response, streaming a spoken turn,
 * and judging an `error` answer against the documented code.
 */
import type { PreparedClip, SessionPlan, TurnMode } from '../contract.ts';
import { buildSilenceFrame, translationFramesOf } from '../protocol/client-events.ts';
import type { ParsedEvent } from '../protocol/server-events.ts';
import { describeError, pathOf, type ErrorInfo, type ProbeSession } from './probe-session.ts';
import { ProbeFailure, type ProbeContext } from './types.ts';

/** Voice the realtime probes configure (and the voice-change probe changes away from). */
export const PROBE_VOICE = 'marin';
/** Instructions of realtime probe sessions: short answers keep probes fast and cheap on real targets. */
export const PROBE_INSTRUCTIONS = 'Answer in one short sentence.';
/** Frame size of probe audio, ms (4,800 bytes of PCM16 24 kHz, the common append size, §8.2). */
export const PROBE_CHUNK_MS = 100;
/** Silence streamed after a clip so server VAD sees the end of speech (default silence 500 ms, §5), ms. */
export const TRAILING_SILENCE_MS = 800;

const PCM24K = { type: 'audio/pcm', rate: 24000 } as const;

/** A session plan with only what `ClientEventBuilder.sessionUpdate` reads filled in meaningfully. */
export function probePlan(kind: SessionPlan['kind'], turnMode: TurnMode, model = ''): SessionPlan {
  return {
    index: 0,
    url: '',
    headers: {},
    kind,
    model,
    effort: null,
    voice: PROBE_VOICE,
    instructions: kind === 'realtime' ? PROBE_INSTRUCTIONS : null,
    outputModalities: ['audio'],
    turnMode,
    turnDetection: turnMode === 'manual' ? null : {},
    format: PCM24K,
    chunkMs: PROBE_CHUNK_MS,
    tools: [],
    turns: [],
    turnTimeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    ...(kind === 'translation' ? { translationOutputLanguage: 'es' } : {}),
  };
}

/** Waits for `session.created`, sends the plan's `session.update` and waits for `session.updated`. */
export async function configure(s: ProbeSession, plan: SessionPlan): Promise<void> {
  await s.waitForType('session.created');
  const since = s.mark();
  const update = s.builder.sessionUpdate(plan);
  s.send(update);
  await s.waitFor((e) => e.kind !== 'malformed' && e.type === 'session.updated', 'session.updated', { since, failOnErrorFor: update.event_id });
}

/** Opens a realtime session and configures it (manual turns unless told otherwise). */
export async function openRealtime(ctx: ProbeContext, turnMode: TurnMode = 'manual'): Promise<ProbeSession> {
  const s = await ctx.open('realtime');
  await configure(s, probePlan('realtime', turnMode));
  return s;
}

/** Adds a user text message and waits until the target added it (§3.2: `conversation.item.added`). */
export async function addUserText(s: ProbeSession, text: string): Promise<string> {
  const since = s.mark();
  const create = s.builder.userMessage(text);
  s.send(create);
  const added = await s.waitForType('conversation.item.added', 'conversation.item.added for the user message', { since, failOnErrorFor: create.event_id });
  const id = pathOf(added, 'item', 'id');
  if (typeof id !== 'string') throw new ProbeFailure('conversation.item.added has no item.id');
  return id;
}

/** What {@link requestResponse} returns. */
export interface RequestedResponse {
  /** `event_id` of the `response.create`. */
  readonly createId: string;
  /** Event index before the `response.create` was sent. */
  readonly since: number;
}

/** Sends `response.create` (no overrides). */
export function requestResponse(s: ProbeSession): RequestedResponse {
  const since = s.mark();
  const create = s.builder.responseCreate();
  s.send(create);
  return { createId: create.event_id, since };
}

/** Waits for the `response.created` answering a request; returns its response id. */
export async function responseCreated(s: ProbeSession, r: RequestedResponse): Promise<string> {
  const created = await s.waitFor((e) => e.kind !== 'malformed' && e.type === 'response.created', 'response.created', { since: r.since, failOnErrorFor: r.createId });
  const id = pathOf(created, 'response', 'id');
  if (typeof id !== 'string') throw new ProbeFailure('response.created has no response.id');
  return id;
}

/** Waits for `response.done` of `responseId`. */
export function responseDone(s: ProbeSession, responseId: string, since = 0): Promise<ParsedEvent> {
  return s.waitForType('response.done', `response.done for ${responseId}`, { since }, (e) => pathOf(e, 'response', 'id') === responseId);
}

/** Asks for a response with assistant audio and waits until it completed; returns its audio item id and audio ms received. */
export async function completedAudioResponse(s: ProbeSession): Promise<{ responseId: string; itemId: string; audioMs: number }> {
  await addUserText(s, 'Say hello.');
  const req = requestResponse(s);
  const responseId = await responseCreated(s, req);
  const done = await responseDone(s, responseId, req.since);
  const status = pathOf(done, 'response', 'status');
  if (status !== 'completed') throw new ProbeFailure(`needed a completed response with audio, got status ${JSON.stringify(status)}`);
  const item = s.eventsOfType('response.output_item.added', req.since).find((e) => pathOf(e, 'response_id') === responseId && pathOf(e, 'item', 'type') === 'message');
  const itemId = item ? pathOf(item, 'item', 'id') : undefined;
  if (typeof itemId !== 'string') throw new ProbeFailure(`response ${responseId} has no assistant message item`);
  const audioMs = audioMsOf(s, itemId, req.since);
  if (audioMs <= 0) throw new ProbeFailure(`response ${responseId} completed without response.output_audio.delta`);
  return { responseId, itemId, audioMs };
}

/** Milliseconds of PCM16 24 kHz audio received in `response.output_audio.delta`s for `itemId` (48 bytes/ms, §8.2). */
export function audioMsOf(s: ProbeSession, itemId: string, since = 0): number {
  let bytes = 0;
  for (const e of s.eventsOfType('response.output_audio.delta', since)) {
    if (pathOf(e, 'item_id') !== itemId) continue;
    const d = pathOf(e, 'delta');
    if (typeof d === 'string') bytes += Buffer.byteLength(d, 'base64');
  }
  return bytes / 48;
}

/** Frames of digital silence, `ms` long (PCM16 24 kHz; translation-session events when `translation`). */
export function silenceFrames(ms: number, translation = false): string[] {
  const frame = buildSilenceFrame(PCM24K, PROBE_CHUNK_MS, translation).frame;
  return Array.from({ length: Math.ceil(ms / PROBE_CHUNK_MS) }, () => frame);
}

/** Streams a clip and trailing silence (a spoken turn for server VAD). */
export async function speak(s: ProbeSession, clip: PreparedClip, translation = false): Promise<void> {
  await s.sendFrames(translation ? translationFramesOf(clip.frames) : clip.frames);
  await s.sendFrames(silenceFrames(TRAILING_SILENCE_MS, translation));
}

/** Fails unless `err.code` is `code` (and, when given, `err.param` satisfies `param`). */
export function expectCode(err: ErrorInfo, code: string, what: string, param?: { expected: string; ok: (p: unknown) => boolean }): void {
  if (err.code !== code) throw new ProbeFailure(`${what}: expected error code ${code}, got ${describeError(err)}`);
  if (param && !param.ok(err.param)) throw new ProbeFailure(`${what}: expected error param ${param.expected}, got ${JSON.stringify(err.param ?? null)}`);
}

/** Fails when the socket closed (errors in these probes are documented as non-fatal, §4.1). */
export function expectOpen(s: ProbeSession, what: string): void {
  const c = s.closed;
  if (c) throw new ProbeFailure(`${what}: the socket closed (${c.code} ${JSON.stringify(c.reason)}); §4.1: the error is not fatal`);
}
