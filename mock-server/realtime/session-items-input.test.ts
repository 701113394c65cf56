/**
 * The realtime session kind on a scripted context: conversation items, input audio and turn
 * detection, robustness and determinism.
 */
import { describe, expect, it } from 'vitest';
import { FakeContext, scriptedAppends } from '../testing/fake-context.ts';
import { ev, last, open, userText, WEATHER_TOOL, type E } from './session.testkit.ts';

describe('conversation items', () => {
  it('inserts by previous_item_id (root, id, end) and reports previous_item_id', () => {
    const ctx = open();
    userText(ctx, 'one', { event_id: 'x' });
    const a = last(ctx, 'conversation.item.added')['item'].id;
    expect(last(ctx, 'conversation.item.added')['previous_item_id']).toBeNull();
    ctx.receive({ type: 'conversation.item.create', previous_item_id: 'root', item: { id: 'my_item', type: 'message', role: 'system', content: [{ type: 'input_text', text: 'sys' }] } });
    const added = last(ctx, 'conversation.item.added');
    expect(added['item']).toMatchObject({ id: 'my_item', object: 'realtime.item', status: 'completed' });
    expect(added['previous_item_id']).toBeNull();
    ctx.receive({ type: 'conversation.item.create', previous_item_id: 'my_item', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'two' }] } });
    expect(last(ctx, 'conversation.item.added')['previous_item_id']).toBe('my_item');
    ctx.receive({ type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] } });
    expect(last(ctx, 'conversation.item.added')['previous_item_id']).toBe(a);
    expect(last(ctx, 'conversation.item.done')['previous_item_id']).toBe(a);
  });

  it('rejects unknown previous_item_id, duplicate ids and bad content, adding nothing', () => {
    const ctx = open();
    ctx.receive({ type: 'conversation.item.create', event_id: 'p', previous_item_id: 'item_missing', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x' }] } });
    expect(last(ctx, 'error')['error']).toMatchObject({ param: 'previous_item_id', event_id: 'p' });
    userText(ctx, 'x', { item: { id: 'dup', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x' }] } });
    ctx.receive({ type: 'conversation.item.create', event_id: 'd', item: { id: 'dup', type: 'message', role: 'user', content: [{ type: 'input_text', text: 'y' }] } });
    expect(last(ctx, 'error')['error']).toMatchObject({ param: 'item.id', event_id: 'd' });
    ctx.receive({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text' }] } });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'missing_required_parameter', message: "Missing required parameter: 'item.content[0].text'.", param: 'item.content[0].text' });
    ctx.receive({ type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_audio', audio: 'AAAA' }] } });
    expect(last(ctx, 'error')['error'].param).toBe('item.content[0].audio');
    ctx.receive({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'text', text: 'beta' }] } });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'invalid_value', param: 'item.content[0].type' });
    ctx.receive({ type: 'conversation.item.create' });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'missing_required_parameter', param: 'item' });
    expect(ctx.ofType('conversation.item.added')).toHaveLength(1);
  });

  it('retrieves items with their audio, deletes them, and errors on unknown ids', () => {
    const ctx = open();
    const audio = Buffer.alloc(4800, 1).toString('base64');
    ctx.receive({ type: 'conversation.item.create', item: { id: 'u1', type: 'message', role: 'user', content: [{ type: 'input_audio', audio }] } });
    expect(last(ctx, 'conversation.item.added')['item'].content[0]).toEqual({ type: 'input_audio', transcript: null });
    ctx.receive({ type: 'conversation.item.retrieve', item_id: 'u1' });
    expect(last(ctx, 'conversation.item.retrieved')['item'].content[0].audio).toBe(audio);
    ctx.receive({ type: 'conversation.item.delete', item_id: 'u1' });
    expect(last(ctx, 'conversation.item.deleted')['item_id']).toBe('u1');
    for (const [type, code, verb] of [
      ['conversation.item.retrieve', 'item_retrieve_invalid_item_id', 'retrieving'],
      ['conversation.item.delete', 'item_delete_invalid_item_id', 'deleting'],
      ['conversation.item.truncate', 'item_truncate_invalid_item_id', 'truncating'],
    ] as const) {
      ctx.receive({ type, item_id: 'u1', event_id: type, content_index: 0, audio_end_ms: 0 });
      expect(last(ctx, 'error')['error']).toMatchObject({ code, message: `Error ${verb} item: the item with id 'u1' does not exist.`, event_id: type });
    }
  });

  it('truncates assistant audio only, within its length, dropping the transcript', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    const item = last(ctx, 'response.done')['response'].output[0];
    const bytes = ctx.ofType('response.output_audio.delta').reduce((n, e) => n + Buffer.from(e['delta'] as string, 'base64').length, 0);
    const lengthMs = bytes / 48;
    const userId = (ctx.ofType('conversation.item.added')[0] as E)['item'].id;
    ctx.receive({ type: 'conversation.item.truncate', event_id: 't1', item_id: userId, content_index: 0, audio_end_ms: 100 });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'unsupported_content_type', message: 'Only model output audio messages can be truncated', event_id: 't1' });
    ctx.receive({ type: 'conversation.item.truncate', event_id: 't2', item_id: item.id, content_index: 0, audio_end_ms: Math.round(lengthMs) + 5000 });
    expect(last(ctx, 'error')['error'].message).toBe(`Audio content of ${Math.round(lengthMs)}ms is already shorter than ${Math.round(lengthMs) + 5000}ms`);
    ctx.receive({ type: 'conversation.item.truncate', item_id: item.id, content_index: 0, audio_end_ms: 1000 });
    expect(last(ctx, 'conversation.item.truncated')).toMatchObject({ item_id: item.id, content_index: 0, audio_end_ms: 1000 });
    ctx.receive({ type: 'conversation.item.retrieve', item_id: item.id });
    const retrieved = last(ctx, 'conversation.item.retrieved')['item'];
    expect(retrieved.content[0].transcript).toBe('');
    expect(Buffer.from(retrieved.content[0].audio, 'base64').length).toBe(1000 * 48);
  });
});

describe('input audio and turn detection', () => {
  const TURN = scriptedAppends([{ silenceMs: 400 }, { speech: 'can you tell me the weather in paris today' }, { silenceMs: 1000 }]);

  it('runs a VAD turn: speech_started → speech_stopped → committed → item → auto response (§3.3)', () => {
    const ctx = open();
    for (const audio of TURN) ctx.receive({ type: 'input_audio_buffer.append', audio });
    const types = ctx.types.slice(1);
    expect(types.slice(0, 5)).toEqual(['input_audio_buffer.speech_started', 'input_audio_buffer.speech_stopped', 'input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done']);
    const started = ev(ctx)[1]!;
    const stopped = ev(ctx)[2]!;
    expect(started['item_id']).toBe(stopped['item_id']);
    expect(started['audio_start_ms']).toBeGreaterThanOrEqual(0);
    expect(started['audio_start_ms']).toBeLessThanOrEqual(400);
    expect(stopped['audio_end_ms']).toBeGreaterThan(started['audio_start_ms'] + 1000);
    expect(last(ctx, 'input_audio_buffer.committed')).toMatchObject({ item_id: started['item_id'], previous_item_id: null });
    expect(last(ctx, 'conversation.item.added')['item']).toMatchObject({ id: started['item_id'], role: 'user', content: [{ type: 'input_audio', transcript: null }] });
    ctx.advanceMs(60_000);
    expect(last(ctx, 'response.done')['response'].status).toBe('completed');
    expect(ctx.trace.records[0]!.turn_index).toBe(1);
    expect(ctx.trace.records[0]!.turn_audio_end_us).not.toBeNull();
  });

  it('barge-in cancels the active response with turn_detected (§3.8); interrupt_response false does not', () => {
    for (const interrupt of [true, false]) {
      const ctx = open();
      ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', interrupt_response: interrupt } } } } });
      for (const audio of TURN) ctx.receive({ type: 'input_audio_buffer.append', audio });
      while (!ctx.types.includes('response.output_audio.delta')) ctx.advanceMs(10);
      for (const audio of TURN.slice(0, 20)) ctx.receive({ type: 'input_audio_buffer.append', audio });
      expect(ctx.types).toContain('input_audio_buffer.speech_started');
      const dones = ctx.ofType('response.done');
      if (interrupt) {
        expect(dones).toHaveLength(1);
        expect((dones[0] as E)['response'].status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
        expect(ctx.types.lastIndexOf('input_audio_buffer.speech_started')).toBeLessThan(ctx.types.indexOf('response.done'));
      } else expect(dones).toHaveLength(0);
    }
  });

  it('does not auto-create a response when create_response is false', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', create_response: false } } } } });
    for (const audio of TURN) ctx.receive({ type: 'input_audio_buffer.append', audio });
    ctx.advanceMs(60_000);
    expect(ctx.types).toContain('input_audio_buffer.committed');
    expect(ctx.types).not.toContain('response.created');
  });

  it('manual commit, clear, and the 100 ms minimum', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    ctx.receive({ type: 'input_audio_buffer.append', audio: Buffer.alloc(48 * 50).toString('base64') });
    ctx.receive({ type: 'input_audio_buffer.commit', event_id: 'c' });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'input_audio_buffer_commit_empty', event_id: 'c' });
    ctx.receive({ type: 'input_audio_buffer.clear' });
    expect(ctx.types.at(-1)).toBe('input_audio_buffer.cleared');
    for (const audio of TURN) ctx.receive({ type: 'input_audio_buffer.append', audio });
    expect(ctx.types).not.toContain('input_audio_buffer.speech_started');
    ctx.receive({ type: 'input_audio_buffer.commit' });
    expect(ctx.types.slice(-3)).toEqual(['input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done']);
    ctx.advanceMs(10_000);
    expect(ctx.types).not.toContain('response.created');
    ctx.receive({ type: 'input_audio_buffer.append', audio: 'not base64!' });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'invalid_value', param: 'audio' });
  });

  it('transcribes input audio when configured: deltas then completed with token usage', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model: 'gpt-4o-transcribe' } } } } });
    for (const audio of TURN) ctx.receive({ type: 'input_audio_buffer.append', audio });
    ctx.advanceMs(60_000);
    const deltas = ctx.ofType('conversation.item.input_audio_transcription.delta');
    const completed = last(ctx, 'conversation.item.input_audio_transcription.completed');
    const itemId = last(ctx, 'input_audio_buffer.committed')['item_id'];
    expect(deltas.length).toBeGreaterThan(1);
    expect(completed['item_id']).toBe(itemId);
    expect(deltas.map((d) => d['delta']).join('')).toBe(completed['transcript']);
    const words = (completed['transcript'] as string).split(' ').length;
    expect(words).toBeGreaterThanOrEqual(3);
    expect(words).toBeLessThanOrEqual(12);
    expect(completed['usage']).toMatchObject({ type: 'tokens', input_token_details: { text_tokens: 0 } });
    expect(completed['usage'].total_tokens).toBe(completed['usage'].input_tokens + completed['usage'].output_tokens);
    ctx.receive({ type: 'conversation.item.retrieve', item_id: itemId });
    expect(last(ctx, 'conversation.item.retrieved')['item'].content[0].transcript).toBe(completed['transcript']);
  });

  it('fires the server_vad idle timeout after a response (timeout_triggered → committed → response)', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 5000 } } } } });
    for (const audio of TURN) ctx.receive({ type: 'input_audio_buffer.append', audio });
    ctx.advanceMs(30_000);
    const i = ctx.types.indexOf('input_audio_buffer.timeout_triggered');
    expect(i).toBeGreaterThan(ctx.types.indexOf('response.done'));
    expect(ctx.types.slice(i, i + 4)).toEqual(['input_audio_buffer.timeout_triggered', 'input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done']);
    const t = ev(ctx)[i]!;
    expect(t['item_id']).toBe(ev(ctx)[i + 1]!['item_id']);
    expect(ctx.ofType('response.done').length).toBeGreaterThanOrEqual(2);
  });
});

describe('robustness and determinism', () => {
  it('answers unknown and beta event types with invalid_value on type', () => {
    const ctx = open();
    for (const type of ['scooby.dooby.doo', 'transcription_session.update']) {
      ctx.receive({ type, event_id: 'u' });
      const err = last(ctx, 'error')['error'];
      expect(err).toMatchObject({ code: 'invalid_value', param: 'type', event_id: 'u' });
      expect(err.message).toMatch(new RegExp(`^Invalid value: '${type.replace(/\./g, '\\.')}'\\. Supported values are: 'session\\.update', `));
    }
    ctx.receive({ type: 'output_audio_buffer.clear' });
    expect(last(ctx, 'error')['error'].code).toBe('unsupported_on_websocket');
  });

  it('produces the same event stream for the same seed and input (ids included)', () => {
    const script = (ctx: FakeContext): string[] => {
      ctx.receive({ type: 'session.update', session: { type: 'realtime', tools: [WEATHER_TOOL] } });
      userText(ctx);
      ctx.receive({ type: 'response.create' });
      ctx.advanceMs(60_000);
      const call = last(ctx, 'response.function_call_arguments.done');
      ctx.receive({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call['call_id'], output: 'ok' } });
      ctx.receive({ type: 'response.create' });
      ctx.advanceMs(60_000);
      return ctx.frames.map((f) => f.replace(/"expires_at":\d+/, ''));
    };
    const a = script(open({ seed: 42, model: 'gpt-realtime-2' }));
    const b = script(open({ seed: 42, model: 'gpt-realtime-2' }));
    const c = script(open({ seed: 43, model: 'gpt-realtime-2' }));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('stops all timers when the connection ends', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(700);
    ctx.disconnect();
    expect(ctx.pendingTimers).toBe(0);
  });
});
