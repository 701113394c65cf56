/**
 * Shared helpers of the realtime session's unit tests (scripted context, manual clock). Not a test.
 */
import type { ResolvedMockOptions, WireEvent } from '../contract.ts';
import { DEFAULT_LATENCY_PROFILE, type LatencyProfile } from '../latency-profile.ts';
import { FakeContext } from '../testing/fake-context.ts';
import { createRealtimeSession } from './session.ts';

export type E = WireEvent & Record<string, any>;

export function open(opts: { model?: string; seed?: number; faults?: string[]; toolPlan?: 'auto' | 'always' | 'never'; profile?: LatencyProfile } = {}): FakeContext {
  const ctx = new FakeContext({ model: opts.model ?? 'gpt-realtime', seed: opts.seed ?? 1, faults: opts.faults ?? [] });
  const options = ctx.options as ResolvedMockOptions;
  options.latencyProfile = opts.profile ?? DEFAULT_LATENCY_PROFILE;
  if (opts.toolPlan) options.toolPlan = opts.toolPlan;
  return ctx.start(createRealtimeSession());
}

export const ev = (ctx: FakeContext): E[] => ctx.events as E[];
export const last = (ctx: FakeContext, type: string): E => ctx.ofType(type).at(-1) as E;
const NOISY = new Set(['response.output_audio.delta', 'response.output_audio_transcript.delta', 'response.output_text.delta', 'response.function_call_arguments.delta']);
export const skeleton = (types: string[]): string[] => types.filter((t) => !NOISY.has(t));

export function userText(ctx: FakeContext, text = 'What is the weather?', extra: Record<string, unknown> = {}): void {
  ctx.receive({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] }, ...extra });
}

export const WEATHER_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city'] },
};
export const TIME_TOOL = { type: 'function', name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } };

