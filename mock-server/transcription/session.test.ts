import { describe, expect, it } from 'vitest';
import { FakeContext, scriptedAppends, type FakeContextOptions } from '../testing/fake-context.ts';
import { userAudioTokens } from '../usage.ts';
import { createTranscriptionSession, type TranscriptionSessionOptions } from './session.ts';
import { WORDS_PER_S } from './transcript.ts';

const SENTENCE = 'please book a table for two people at seven tonight near the river';

function open(opts: FakeContextOptions = {}, kind: TranscriptionSessionOptions = {}): FakeContext {
  return new FakeContext(opts).start(createTranscriptionSession(kind));
}

function update(ctx: FakeContext, session: Record<string, unknown>, eventId = 'evt_update'): void {
  ctx.receive({ type: 'session.update', event_id: eventId, session });
}

function appendAll(ctx: FakeContext, appends: readonly string[]): void {
  for (const audio of appends) ctx.receive({ type: 'input_audio_buffer.append', audio });
}

const lastError = (ctx: FakeContext) => ctx.ofType('error').at(-1)?.['error'] as Record<string, unknown> | undefined;

describe('transcription session: config', () => {
  it('opens with session.created carrying the transcription defaults', () => {
    const ctx = open();
    expect(ctx.types).toEqual(['session.created']);
    const session = ctx.events[0]!['session'] as Record<string, any>;
    expect(session).toMatchObject({
      type: 'transcription',
      object: 'realtime.transcription_session',
      id: ctx.sessionId,
      include: null,
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          noise_reduction: null,
          transcription: { model: 'gpt-4o-mini-transcribe' },
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
        },
      },
    });
    expect(typeof session.expires_at).toBe('number');
  });

  it('an ek_ key minted for a transcription session seeds the initial config', () => {
    const ctx = open({ clientSecretSession: { type: 'transcription', audio: { input: { transcription: { model: 'whisper-1' }, turn_detection: null } }, include: null } });
    const s = ctx.events[0]!['session'] as Record<string, any>;
    expect(s.audio.input).toMatchObject({ transcription: { model: 'whisper-1' }, turn_detection: null });
    expect(s.id).toBe(ctx.sessionId);
  });

  it('session.update merges and answers session.updated with the full config', () => {
    const ctx = open();
    update(ctx, {
      type: 'transcription',
      audio: { input: { transcription: { model: 'gpt-4o-transcribe', language: 'en' }, noise_reduction: { type: 'far_field' }, turn_detection: { type: 'server_vad', silence_duration_ms: 300 } } },
      include: ['item.input_audio_transcription.logprobs'],
    });
    const s = ctx.ofType('session.updated')[0]!['session'] as Record<string, any>;
    expect(s.audio.input.transcription).toEqual({ model: 'gpt-4o-transcribe', language: 'en' });
    expect(s.audio.input.noise_reduction).toEqual({ type: 'far_field' });
    expect(s.audio.input.turn_detection).toMatchObject({ threshold: 0.5, silence_duration_ms: 300 });
    expect(s.include).toEqual(['item.input_audio_transcription.logprobs']);
  });

  it.each([
    [{ audio: {} }, 'missing_required_parameter', 'session.type'],
    [{ type: 'realtime' }, 'invalid_parameter', 'session.type'],
    [{ type: 'conversation' }, 'invalid_value', 'session.type'],
    [{ type: 'transcription', model: 'gpt-realtime' }, 'unknown_parameter', 'session.model'],
    [{ type: 'transcription', audio: { output: {} } }, 'unknown_parameter', 'session.audio.output'],
    [{ type: 'transcription', audio: { input: { transcription: { model: 'nope' } } } }, 'invalid_value', 'session.audio.input.transcription.model'],
    [{ type: 'transcription', audio: { input: { turn_detection: { type: 'server_vad', threshold: 2 } } } }, 'decimal_above_max_value', 'session.audio.input.turn_detection.threshold'],
    [{ type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } }, 'invalid_value', 'session.audio.input.format.rate'],
    [{ type: 'transcription', include: ['nope'] }, 'invalid_value', 'session.include[0]'],
  ])('rejects %j with %s at %s, echoing event_id and changing nothing', (session, code, param) => {
    const ctx = open();
    update(ctx, session as Record<string, unknown>, 'evt_bad');
    expect(lastError(ctx)).toMatchObject({ type: 'invalid_request_error', code, param, event_id: 'evt_bad' });
    expect(ctx.ofType('session.updated')).toHaveLength(0);
  });

  it('a model without VAD switches turn detection off, and rejects it when given', () => {
    const ctx = open();
    update(ctx, { type: 'transcription', audio: { input: { transcription: { model: 'gpt-realtime-whisper' } } } });
    expect((ctx.ofType('session.updated')[0]!['session'] as any).audio.input.turn_detection).toBeNull();
    update(ctx, { type: 'transcription', audio: { input: { turn_detection: { type: 'server_vad' } } } });
    expect(lastError(ctx)).toMatchObject({ code: 'invalid_value', param: 'session.audio.input.turn_detection' });
  });

  it('answers response.create and other realtime events with invalid_value on type', () => {
    const ctx = open();
    ctx.receive({ type: 'response.create', event_id: 'evt_rc' });
    expect(lastError(ctx)).toMatchObject({ code: 'invalid_value', param: 'type', event_id: 'evt_rc' });
    expect(lastError(ctx)!['message']).toMatch(/Invalid value: 'response.create'\. Supported values are: 'session.update'/);
  });
});

describe('transcription session: VAD turns', () => {
  const turn = scriptedAppends([{ silenceMs: 400 }, { speech: SENTENCE }, { silenceMs: 900 }]);

  it('speech_started → speech_stopped → committed → item added/done → deltas → completed', () => {
    const ctx = open();
    appendAll(ctx, turn);
    expect(ctx.types.slice(1)).toEqual([
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
    ]);
    const [started, stopped, committed, added] = ctx.events.slice(1) as Record<string, any>[];
    expect(stopped!.item_id).toBe(started!.item_id);
    expect(committed).toMatchObject({ item_id: started!.item_id, previous_item_id: null });
    expect(added!.item).toMatchObject({ id: started!.item_id, type: 'message', role: 'user', content: [{ type: 'input_audio', transcript: null }] });
    expect(started!.audio_start_ms).toBeGreaterThanOrEqual(0);
    expect(stopped!.audio_end_ms).toBeGreaterThan(started!.audio_start_ms);

    ctx.advanceMs(5000);
    const deltas = ctx.ofType('conversation.item.input_audio_transcription.delta');
    const completed = ctx.ofType('conversation.item.input_audio_transcription.completed');
    expect(deltas.length).toBeGreaterThan(1);
    expect(completed).toHaveLength(1);
    const done = completed[0] as Record<string, any>;
    expect(done.item_id).toBe(started!.item_id);
    expect(done.content_index).toBe(0);
    expect(deltas.map((d) => d['delta']).join('')).toBe(done.transcript);
    expect(ctx.types.indexOf('conversation.item.input_audio_transcription.completed')).toBe(ctx.types.length - 1);

    // The word count fits the speech heard (~2.5 words/s).
    const speechS = (stopped!.audio_end_ms - started!.audio_start_ms - 800) / 1000;
    const words = done.transcript.split(' ').length;
    expect(Math.abs(words - speechS * WORDS_PER_S)).toBeLessThanOrEqual(2);

    const u = done.usage;
    expect(u.type).toBe('tokens');
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens);
    expect(u.input_token_details.audio_tokens + u.input_token_details.text_tokens).toBe(u.input_tokens);
    // Billed: the committed audio, from the turn's start to the end of the append that ended it (100 ms appends).
    const turnTokens = userAudioTokens(stopped!.audio_end_ms - started!.audio_start_ms);
    expect(u.input_token_details.audio_tokens).toBeGreaterThanOrEqual(turnTokens);
    expect(u.input_token_details.audio_tokens).toBeLessThanOrEqual(turnTokens + 1);
  });

  it('chains previous_item_id across turns and can leave out item events', () => {
    const ctx = open({}, { itemEvents: false });
    appendAll(ctx, turn);
    appendAll(ctx, turn);
    const committed = ctx.ofType('input_audio_buffer.committed');
    expect(committed).toHaveLength(2);
    expect(committed[1]!['previous_item_id']).toBe(committed[0]!['item_id']);
    expect(ctx.types.filter((t) => t.startsWith('conversation.item.') && !t.includes('transcription'))).toEqual([]);
  });

  it('whisper-1 sends one delta equal to the transcript and duration usage', () => {
    const ctx = open();
    update(ctx, { type: 'transcription', audio: { input: { transcription: { model: 'whisper-1' } } } });
    appendAll(ctx, turn);
    ctx.advanceMs(5000);
    const deltas = ctx.ofType('conversation.item.input_audio_transcription.delta');
    const done = ctx.ofType('conversation.item.input_audio_transcription.completed')[0] as Record<string, any>;
    expect(deltas).toHaveLength(1);
    expect(deltas[0]!['delta']).toBe(done.transcript);
    expect(done.usage.type).toBe('duration');
    expect(done.usage.seconds).toBeGreaterThan(2);
  });

  it('logprobs when included', () => {
    const ctx = open();
    update(ctx, { type: 'transcription', include: ['item.input_audio_transcription.logprobs'] });
    appendAll(ctx, turn);
    ctx.advanceMs(5000);
    const d = ctx.ofType('conversation.item.input_audio_transcription.delta')[0] as Record<string, any>;
    expect(d.logprobs[0]).toMatchObject({ token: d.delta });
  });

  it('a rate_limit fault turns the transcription into a failed event', () => {
    const ctx = open({ faults: ['rate_limit:retry_after_s=3'] });
    appendAll(ctx, turn);
    ctx.advanceMs(5000);
    expect(ctx.ofType('conversation.item.input_audio_transcription.completed')).toHaveLength(0);
    const failed = ctx.ofType('conversation.item.input_audio_transcription.failed')[0] as Record<string, any>;
    expect(failed.error).toMatchObject({ code: 'rate_limit_exceeded' });
    expect(failed.error.message).toMatch(/try again in 3s/);
  });

  it('same seed, same stream; disconnect cancels pending timers', () => {
    const run = (seed: number) => {
      const ctx = open({ seed });
      appendAll(ctx, turn);
      ctx.advanceMs(5000);
      return ctx.events.map(({ event_id: _e, ...rest }) => rest);
    };
    expect(run(3)).toEqual(run(3));
    const ctx = open();
    appendAll(ctx, turn);
    expect(ctx.pendingTimers).toBeGreaterThan(0);
    ctx.disconnect();
    expect(ctx.pendingTimers).toBe(0);
  });
});

describe('transcription session: manual commit and streaming models', () => {
  it('commit with too little audio is input_audio_buffer_commit_empty; clear answers cleared', () => {
    const ctx = open();
    update(ctx, { type: 'transcription', audio: { input: { turn_detection: null } } });
    ctx.receive({ type: 'input_audio_buffer.commit', event_id: 'evt_c' });
    expect(lastError(ctx)).toMatchObject({ code: 'input_audio_buffer_commit_empty', event_id: 'evt_c' });
    ctx.receive({ type: 'input_audio_buffer.clear' });
    expect(ctx.types.at(-1)).toBe('input_audio_buffer.cleared');
  });

  it('gpt-realtime-whisper streams deltas while audio arrives, then completes on commit', () => {
    const ctx = open();
    update(ctx, { type: 'transcription', audio: { input: { transcription: { model: 'gpt-realtime-whisper', delay: 'minimal' } } } });
    appendAll(ctx, scriptedAppends([{ silenceMs: 200 }, { speech: SENTENCE }, { silenceMs: 300 }]));
    const early = ctx.ofType('conversation.item.input_audio_transcription.delta');
    expect(early.length).toBeGreaterThan(2);
    expect(ctx.ofType('input_audio_buffer.speech_started')).toHaveLength(0);
    ctx.receive({ type: 'input_audio_buffer.commit' });
    const committed = ctx.ofType('input_audio_buffer.committed')[0]!;
    expect(committed['item_id']).toBe(early[0]!['item_id']);
    ctx.advanceMs(2000);
    const all = ctx.ofType('conversation.item.input_audio_transcription.delta');
    const done = ctx.ofType('conversation.item.input_audio_transcription.completed')[0] as Record<string, any>;
    expect(all.map((d) => d['delta']).join('')).toBe(done.transcript);
    expect(done.transcript.endsWith('.')).toBe(true);
    expect(done.usage).toMatchObject({ type: 'duration' });
    expect(ctx.types.indexOf('input_audio_buffer.committed')).toBeGreaterThan(ctx.types.indexOf('conversation.item.input_audio_transcription.delta'));
  });
});
