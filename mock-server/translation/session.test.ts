import { describe, expect, it } from 'vitest';
import { FakeContext, scriptedAppends, type FakeContextOptions } from '../testing/fake-context.ts';
import { OUTPUT_STEP_MS } from './output-stream.ts';
import { createTranslationSession, TRANSLATION_CLOSE } from './session.ts';

const SENTENCE = 'could you tell me where the nearest train station is please';
const LONG = 'I would like to book a table for two people at seven tonight, and please make sure it is near the window because we want to see the river';

function open(opts: FakeContextOptions = {}): FakeContext {
  return new FakeContext({ model: 'gpt-realtime-translate', ...opts }).start(createTranslationSession());
}

function appendAll(ctx: FakeContext, appends: readonly string[], advanceMsEach = 0): void {
  for (const audio of appends) {
    ctx.receive({ type: 'session.input_audio_buffer.append', audio });
    if (advanceMsEach) ctx.advanceMs(advanceMsEach);
  }
}

const lastError = (ctx: FakeContext) => ctx.ofType('error').at(-1)?.['error'] as Record<string, unknown> | undefined;
const pcmMs = (b64: string) => Buffer.from(b64, 'base64').length / 48;

describe('translation session: config', () => {
  it('opens with session.created', () => {
    const ctx = open();
    expect(ctx.types).toEqual(['session.created']);
    expect(ctx.events[0]!['session']).toMatchObject({
      id: ctx.sessionId,
      type: 'translation',
      model: 'gpt-realtime-translate',
      audio: { input: { noise_reduction: null, transcription: null }, output: { language: 'es' } },
    });
  });

  it('a translation ek_ key seeds the audio config', () => {
    const ctx = open({ clientSecretSession: { type: 'translation', model: 'gpt-realtime-translate', audio: { input: { noise_reduction: null, transcription: null }, output: { language: 'ja' } } } });
    expect((ctx.events[0]!['session'] as any).audio.output.language).toBe('ja');
  });

  it('session.update changes audio only', () => {
    const ctx = open();
    ctx.receive({
      type: 'session.update',
      session: { audio: { output: { language: 'fr' }, input: { noise_reduction: { type: 'near_field' }, transcription: { model: 'gpt-realtime-whisper' } } } },
    });
    expect(ctx.ofType('session.updated')[0]!['session']).toMatchObject({
      type: 'translation',
      audio: { input: { noise_reduction: { type: 'near_field', strength: 1 }, transcription: { model: 'gpt-realtime-whisper' } }, output: { language: 'fr' } },
    });
  });

  it.each([
    [{ type: 'realtime' }, 'invalid_value', 'session.type'],
    [{ model: 'gpt-realtime' }, 'invalid_value', 'session.model'],
    [{ instructions: 'hi' }, 'unknown_parameter', 'session.instructions'],
    [{ audio: { output: { language: 'French' } } }, 'invalid_value', 'session.audio.output.language'],
    [{ audio: { output: { voice: 'marin' } } }, 'unknown_parameter', 'session.audio.output.voice'],
    [{ audio: { input: { transcription: {} } } }, 'missing_required_parameter', 'session.audio.input.transcription.model'],
  ])('rejects %j with %s at %s', (session, code, param) => {
    const ctx = open();
    ctx.receive({ type: 'session.update', event_id: 'evt_u', session });
    expect(lastError(ctx)).toMatchObject({ code, param, event_id: 'evt_u' });
    expect(ctx.ofType('session.updated')).toHaveLength(0);
  });

  it('accepts the same type and model again', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'translation', model: 'gpt-realtime-translate' } });
    expect(ctx.ofType('session.updated')).toHaveLength(1);
  });

  it('answers realtime events and bad audio with errors', () => {
    const ctx = open();
    ctx.receive({ type: 'response.create', event_id: 'evt_r' });
    expect(lastError(ctx)).toMatchObject({ code: 'invalid_value', param: 'type', event_id: 'evt_r' });
    ctx.receive({ type: 'input_audio_buffer.append', audio: 'AAAA' });
    expect(lastError(ctx)).toMatchObject({ code: 'invalid_value', param: 'type' });
    ctx.receive({ type: 'session.input_audio_buffer.append', audio: 'AA==' });
    expect(lastError(ctx)).toMatchObject({ code: 'invalid_value', param: 'audio' });
    ctx.receive({ type: 'session.input_audio_buffer.append' });
    expect(lastError(ctx)).toMatchObject({ code: 'missing_required_parameter', param: 'audio' });
  });
});

describe('translation session: streaming', () => {
  const utterance = scriptedAppends([{ silenceMs: 300 }, { speech: SENTENCE }, { silenceMs: 900 }], 200);

  it('streams translated audio and transcript on its own clock, in 200 ms steps', () => {
    const ctx = open();
    appendAll(ctx, utterance); // a burst: the output is paced by the server, not by the client
    expect(ctx.ofType('session.output_audio.delta')).toHaveLength(0);
    ctx.advanceMs(OUTPUT_STEP_MS * 3);
    const early = ctx.ofType('session.output_audio.delta').length;
    expect(early).toBeGreaterThan(0);
    expect(early).toBeLessThanOrEqual(3);
    ctx.advanceMs(20_000);
    const audio = ctx.ofType('session.output_audio.delta') as Record<string, any>[];
    for (const a of audio) expect(a).toMatchObject({ format: 'pcm16', sample_rate: 24000, channels: 1 });
    const elapsed = audio.map((a) => a.elapsed_ms as number);
    expect(elapsed.every((e, i) => e % OUTPUT_STEP_MS === 0 && (i === 0 || e >= elapsed[i - 1]!))).toBe(true);
    const outMs = audio.reduce((ms, a) => ms + pcmMs(a.delta), 0);
    const inSpeechMs = (SENTENCE.length / 14) * 1000;
    expect(outMs).toBeGreaterThan(inSpeechMs * 0.6);
    expect(outMs).toBeLessThan(inSpeechMs * 1.5);
    const text = ctx.ofType('session.output_transcript.delta').map((d) => d['delta']).join('');
    expect(text).toMatch(/^[A-Z][a-z]*( [A-Za-z]+)*\.$/);
    expect(ctx.ofType('session.input_transcript.delta')).toHaveLength(0);
  });

  it('long speech is translated while the speaker is still talking; input transcript when configured', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { audio: { input: { transcription: { model: 'gpt-realtime-whisper' } } } } });
    const appends = scriptedAppends([{ silenceMs: 200 }, { speech: LONG }, { silenceMs: 1000 }], 200);
    const speechEndIndex = appends.length - 5;
    appendAll(ctx, appends.slice(0, speechEndIndex), 200); // paced like a live microphone
    expect(ctx.ofType('session.output_audio.delta').length).toBeGreaterThan(0);
    expect(ctx.ofType('session.input_transcript.delta').length).toBeGreaterThan(3);
    appendAll(ctx, appends.slice(speechEndIndex), 200);
    ctx.advanceMs(30_000);
    const input = ctx.ofType('session.input_transcript.delta').map((d) => d['delta']).join('');
    expect(input).toMatch(/^[A-Z][a-z]*( [A-Za-z]+\.?)*\.$/);
    const words = input.split(' ').length;
    expect(words).toBeGreaterThan(15);
    expect(words).toBeLessThan(30);
  });

  it('session.close flushes the output, then session.closed and close 1000', () => {
    const ctx = open();
    appendAll(ctx, scriptedAppends([{ silenceMs: 200 }, { speech: SENTENCE }], 200)); // still "speaking" at close
    ctx.receive({ type: 'session.close' });
    expect(ctx.types).not.toContain('session.closed');
    ctx.advanceMs(20_000);
    expect(ctx.types.at(-1)).toBe('session.closed');
    expect(ctx.ofType('session.output_audio.delta').length).toBeGreaterThan(5);
    expect(ctx.ended).toEqual(TRANSLATION_CLOSE);
    expect(ctx.pendingTimers).toBe(0);
  });

  it('session.close with nothing pending closes at once', () => {
    const ctx = open();
    ctx.receive({ type: 'session.close' });
    expect(ctx.types).toEqual(['session.created', 'session.closed']);
    expect(ctx.ended).toEqual({ code: 1000, reason: 'session closed' });
  });

  it('a server_error fault replaces a chunk with an error event', () => {
    const ctx = open({ faults: ['server_error'] });
    appendAll(ctx, utterance);
    ctx.advanceMs(20_000);
    expect(ctx.ofType('session.output_audio.delta')).toHaveLength(0);
    expect(lastError(ctx)).toMatchObject({ type: 'server_error' });
  });

  it('same seed, same stream', () => {
    const run = () => {
      const ctx = open({ seed: 9 });
      appendAll(ctx, utterance, 200);
      ctx.advanceMs(20_000);
      // `session.expires_at` is wall-clock seconds: two runs may straddle a second (timing aside, as documented).
      return JSON.parse(JSON.stringify(ctx.events.map(({ event_id: _e, ...rest }) => rest)).replace(/"expires_at":\d+/g, '"expires_at":0')) as unknown;
    };
    expect(run()).toEqual(run());
  });
});
