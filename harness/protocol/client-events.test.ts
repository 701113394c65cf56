import { describe, expect, it } from 'vitest';
import type { SessionPlan } from '../contract.ts';
import { buildSilenceFrame, bytesPerMs, ClientEventBuilder, serializeClientEvent, translationFramesOf, turnDetectionOf } from './client-events.ts';

const basePlan: SessionPlan = {
  index: 0,
  url: 'ws://x',
  headers: {},
  kind: 'realtime',
  model: 'gpt-realtime-2',
  effort: null,
  voice: 'cedar',
  instructions: null,
  outputModalities: ['text'],
  turnMode: 'semantic_vad',
  turnDetection: { eagerness: 'high' },
  format: { type: 'audio/pcmu' },
  chunkMs: 20,
  tools: [],
  turns: [],
  turnTimeoutMs: 30000,
  connectTimeoutMs: 10000,
};

describe('ClientEventBuilder', () => {
  it('numbers client event ids rth_<kind>_<n> across kinds', () => {
    const b = new ClientEventBuilder();
    expect(b.commit().event_id).toBe('rth_commit_1');
    expect(b.responseCreate().event_id).toBe('rth_response_create_2');
    expect(b.truncate('item_1', 10).event_id).toBe('rth_truncate_3');
  });

  it('realtime session.update: omits what the plan leaves unset, passes turn detection through with its type', () => {
    const e = new ClientEventBuilder().sessionUpdate(basePlan);
    expect(e).toEqual({
      type: 'session.update',
      event_id: 'rth_session_update_1',
      session: {
        type: 'realtime',
        output_modalities: ['text'],
        audio: {
          input: { format: { type: 'audio/pcmu' }, turn_detection: { type: 'semantic_vad', eagerness: 'high' } },
          output: { format: { type: 'audio/pcmu' }, voice: 'cedar' },
        },
      },
    });
  });

  it('the plan cannot override the turn detection type', () => {
    expect(turnDetectionOf({ turnMode: 'server_vad', turnDetection: { type: 'semantic_vad', threshold: 0.6 } })).toEqual({ type: 'server_vad', threshold: 0.6 });
    expect(turnDetectionOf({ turnMode: 'manual', turnDetection: { threshold: 0.6 } })).toBeNull();
  });

  it('translation session.update carries only audio.output.language (default es)', () => {
    const e = new ClientEventBuilder().sessionUpdate({ ...basePlan, kind: 'translation' });
    expect(e).toEqual({ type: 'session.update', event_id: 'rth_session_update_1', session: { audio: { output: { language: 'es' } } } });
  });

  it('builds items: function_call_output (JSON), user and assistant text messages', () => {
    const b = new ClientEventBuilder();
    expect(b.functionCallOutput('call_1', { ok: true, n: 2 })).toEqual({
      type: 'conversation.item.create',
      event_id: 'rth_item_create_1',
      item: { type: 'function_call_output', call_id: 'call_1', output: '{"ok":true,"n":2}' },
    });
    expect(b.functionCallOutput('call_2', undefined).item).toMatchObject({ output: 'null' });
    expect(b.userMessage('hi').item).toEqual({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] });
    expect(b.assistantMessage('hello').item).toEqual({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] });
  });

  it('truncate floors audio_end_ms and never goes negative; cancel names a response only when given', () => {
    const b = new ClientEventBuilder();
    expect(b.truncate('item_9', 149.9)).toMatchObject({ item_id: 'item_9', content_index: 0, audio_end_ms: 149 });
    expect(b.truncate('item_9', -3).audio_end_ms).toBe(0);
    expect(b.responseCancel()).not.toHaveProperty('response_id');
    expect(b.responseCancel('resp_1')).toMatchObject({ response_id: 'resp_1' });
  });

  it('builds the remaining events with their wire types', () => {
    const b = new ClientEventBuilder();
    const types = [b.append('AAAA'), b.translationAppend('AAAA'), b.clear(), b.deleteItem('i'), b.retrieveItem('i'), b.sessionClose()].map((e) => e.type);
    expect(types).toEqual([
      'input_audio_buffer.append',
      'session.input_audio_buffer.append',
      'input_audio_buffer.clear',
      'conversation.item.delete',
      'conversation.item.retrieve',
      'session.close',
    ]);
    expect(JSON.parse(serializeClientEvent(b.commit()))).toEqual({ type: 'input_audio_buffer.commit', event_id: 'rth_commit_7' });
  });
});

describe('silence and translation frames', () => {
  it('silence is zero PCM, 0xFF μ-law, 0xD5 A-law, sized by format and chunk', () => {
    const audioOf = (f: string) => Buffer.from((JSON.parse(f) as { audio: string }).audio, 'base64');
    const pcm = audioOf(buildSilenceFrame({ type: 'audio/pcm', rate: 24000 }, 20).frame);
    expect(pcm.length).toBe(960);
    expect(pcm.every((b) => b === 0)).toBe(true);
    const ulaw = audioOf(buildSilenceFrame({ type: 'audio/pcmu' }, 20).frame);
    expect(ulaw.length).toBe(160);
    expect(ulaw.every((b) => b === 0xff)).toBe(true);
    expect(audioOf(buildSilenceFrame({ type: 'audio/pcma' }, 10).frame).every((b) => b === 0xd5)).toBe(true);
    expect(JSON.parse(buildSilenceFrame({ type: 'audio/pcm', rate: 24000 }, 20, true).frame).type).toBe('session.input_audio_buffer.append');
    expect(bytesPerMs({ type: 'audio/pcm', rate: 24000 })).toBe(48);
  });

  it('rewrites prebuilt append frames once per frame array and shares the result', () => {
    const frames = ['{"type":"input_audio_buffer.append","audio":"AAAA"}'];
    const a = translationFramesOf(frames);
    expect(a).toEqual(['{"type":"session.input_audio_buffer.append","audio":"AAAA"}']);
    expect(translationFramesOf(frames)).toBe(a);
  });
});
