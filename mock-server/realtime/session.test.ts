/**
 * The realtime session kind on a scripted context (no sockets, a manual clock): config, responses,
 * tools, reasoning, injected failures. Time is free here, so the default latency profile is used as is.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LATENCY_PROFILE, type LatencyProfile } from '../latency-profile.ts';
import { checkUsageInvariants } from '../usage.ts';
import { ev, last, open, skeleton, TIME_TOOL, userText, WEATHER_TOOL, type E } from './session.testkit.ts';

describe('session.created and session.update', () => {
  it('sends session.created first with the full GA default config', () => {
    const ctx = open();
    expect(ctx.types).toEqual(['session.created']);
    const s = ev(ctx)[0]!['session'];
    expect(s).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      id: ctx.sessionId,
      model: 'gpt-realtime',
      output_modalities: ['audio'],
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: null,
          noise_reduction: null,
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null, create_response: true, interrupt_response: true },
        },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
      },
      tools: [],
      tool_choice: 'auto',
      max_output_tokens: 'inf',
      tracing: null,
      truncation: 'auto',
      prompt: null,
    });
    expect(typeof s.instructions).toBe('string');
    expect(s.instructions.length).toBeGreaterThan(0);
    expect(s.expires_at).toBeGreaterThan(Date.now() / 1000 + 3500);
    expect(s).not.toHaveProperty('reasoning');
    expect(ev(ctx)[0]!['event_id']).toMatch(/^event_/);
  });

  it('adds reasoning {effort: low} only for reasoning models', () => {
    const ctx = open({ model: 'gpt-realtime-2' });
    expect(ev(ctx)[0]!['session'].reasoning).toEqual({ effort: 'low' });
  });

  it('merges a partial update and answers session.updated with the full config (event_id not echoed)', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', event_id: 'client_1', session: { type: 'realtime', instructions: 'Be brief.', audio: { output: { voice: 'cedar' }, input: { turn_detection: { type: 'server_vad', silence_duration_ms: 200 } } } } });
    const u = last(ctx, 'session.updated');
    expect(u['event_id']).not.toBe('client_1');
    expect(u['session'].instructions).toBe('Be brief.');
    expect(u['session'].audio.output).toEqual({ format: { type: 'audio/pcm', rate: 24000 }, voice: 'cedar', speed: 1 });
    expect(u['session'].audio.input.turn_detection).toMatchObject({ silence_duration_ms: 200, threshold: 0.5, prefix_padding_ms: 300 });
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } }, output_modalities: ['text'] } });
    const u2 = last(ctx, 'session.updated');
    expect(u2['session'].audio.input.turn_detection).toBeNull();
    expect(u2['session'].output_modalities).toEqual(['text']);
    expect(u2['session'].instructions).toBe('Be brief.');
  });

  const cases: [string, Record<string, unknown> | undefined, string, string | null][] = [
    ['missing session', undefined, 'missing_required_parameter', 'session'],
    ['missing type', { instructions: 'x' }, 'missing_required_parameter', 'session.type'],
    ['transcription type', { type: 'transcription' }, 'invalid_parameter', 'session.type'],
    ['unknown top-level key', { type: 'realtime', temperature: 0.8 }, 'unknown_parameter', 'session.temperature'],
    ['unknown nested key', { type: 'realtime', audio: { input: { enabled: true } } }, 'unknown_parameter', 'session.audio.input.enabled'],
    ['bad format rate', { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 16000 } } } }, 'invalid_value', 'session.audio.input.format.rate'],
    ['bad voice', { type: 'realtime', audio: { output: { voice: 'bob' } } }, 'invalid_value', 'session.audio.output.voice'],
    ['speed too high', { type: 'realtime', audio: { output: { speed: 2 } } }, 'decimal_above_max_value', 'session.audio.output.speed'],
    ['wrong type', { type: 'realtime', instructions: 42 }, 'invalid_type', 'session.instructions'],
    ['both modalities', { type: 'realtime', output_modalities: ['audio', 'text'] }, 'invalid_value', 'session.output_modalities'],
    ['model change', { type: 'realtime', model: 'gpt-realtime-mini' }, 'invalid_value', 'session.model'],
    ['reasoning on non-reasoning model', { type: 'realtime', reasoning: { effort: 'high' } }, 'unsupported_parameter', 'session.reasoning'],
    ['max_output_tokens too high', { type: 'realtime', max_output_tokens: 5000 }, 'integer_above_max_value', 'session.max_output_tokens'],
    ['turn detection without type', { type: 'realtime', audio: { input: { turn_detection: { threshold: 0.2 } } } }, 'missing_required_parameter', 'session.audio.input.turn_detection.type'],
    ['tool without name', { type: 'realtime', tools: [{ type: 'function' }] }, 'missing_required_parameter', 'session.tools[0].name'],
  ];
  it.each(cases)('rejects %s with the real error shape and changes nothing', (_name, session, code, param) => {
    const ctx = open();
    ctx.receive({ type: 'session.update', event_id: 'evt_bad', ...(session === undefined ? {} : { session: { ...session, ...(session['type'] === undefined ? {} : {}) } }) });
    const err = last(ctx, 'error')['error'];
    expect(err).toMatchObject({ type: 'invalid_request_error', code, param, event_id: 'evt_bad' });
    expect(ctx.ofType('session.updated')).toHaveLength(0);
  });

  it('is all-or-nothing: a bad field keeps the good ones out', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', instructions: 'changed', audio: { output: { speed: 9 } } } });
    ctx.receive({ type: 'session.update', session: { type: 'realtime' } });
    expect(last(ctx, 'session.updated')['session'].instructions).not.toBe('changed');
  });

  it('accepts reasoning effort and parallel_tool_calls on reasoning models', () => {
    const ctx = open({ model: 'gpt-realtime-2.1' });
    ctx.receive({ type: 'session.update', session: { type: 'realtime', model: 'gpt-realtime-2.1', reasoning: { effort: 'xhigh' }, parallel_tool_calls: true } });
    expect(last(ctx, 'session.updated')['session']).toMatchObject({ reasoning: { effort: 'xhigh' }, parallel_tool_calls: true });
  });
});

describe('responses', () => {
  it('streams an audio response in exactly the documented order (§3.4)', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create', response: { metadata: { topic: 'weather' } } });
    expect(ctx.types).toEqual(['session.created', 'conversation.item.added', 'conversation.item.done']);
    ctx.advanceMs(60_000);
    const types = ctx.types.slice(3);
    expect(skeleton(types)).toEqual([
      'response.created',
      'rate_limits.updated',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'response.output_audio.done',
      'response.output_audio_transcript.done',
      'response.content_part.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    const firstAudio = types.indexOf('response.output_audio.delta');
    const firstTranscript = types.indexOf('response.output_audio_transcript.delta');
    expect(firstAudio).toBeGreaterThan(types.indexOf('response.content_part.added'));
    expect(firstTranscript).toBeGreaterThan(firstAudio);
    // interleaved: transcript deltas appear before the last audio delta
    expect(firstTranscript).toBeLessThan(types.lastIndexOf('response.output_audio.delta'));

    const created = last(ctx, 'response.created')['response'];
    expect(created).toMatchObject({ object: 'realtime.response', status: 'in_progress', status_details: null, output: [], usage: null, metadata: { topic: 'weather' }, max_output_tokens: 'inf', output_modalities: ['audio'] });
    expect(created.conversation_id).toMatch(/^conv_/);
    expect(created.audio.output).toEqual({ format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' });
    const done = last(ctx, 'response.done')['response'];
    expect(done).toMatchObject({ id: created.id, status: 'completed', status_details: null, metadata: { topic: 'weather' } });
    expect(done.output).toHaveLength(1);
    const item = done.output[0];
    expect(item).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', object: 'realtime.item' });
    const transcript = ctx.ofType('response.output_audio_transcript.delta').map((e) => e['delta']).join('');
    expect(item.content).toEqual([{ type: 'output_audio', transcript }]);
    expect(last(ctx, 'response.output_audio_transcript.done')['transcript']).toBe(transcript);
    expect(item.content[0]).not.toHaveProperty('audio');
    expect(checkUsageInvariants(done.usage)).toEqual([]);
    // audio is real PCM16: the bytes add up to the billed output audio tokens (20/s)
    const bytes = ctx.ofType('response.output_audio.delta').reduce((n, e) => n + Buffer.from(e['delta'] as string, 'base64').length, 0);
    expect(bytes % 2).toBe(0);
    expect(done.usage.output_token_details.audio_tokens).toBe(Math.ceil((bytes / 48) * 0.02));
    expect(done.usage.input_token_details.text_tokens).toBeGreaterThan(0);
    // the audio is not silence
    const pcm = Buffer.concat(ctx.ofType('response.output_audio.delta').map((e) => Buffer.from(e['delta'] as string, 'base64')));
    let peak = 0;
    for (let i = 0; i < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
    expect(peak).toBeGreaterThan(4000);
  });

  it('streams text output with {text} parts (§3.5)', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create', response: { output_modalities: ['text'] } });
    ctx.advanceMs(60_000);
    expect(skeleton(ctx.types.slice(3))).toEqual([
      'response.created',
      'rate_limits.updated',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    expect(ctx.types).not.toContain('response.output_audio.delta');
    const text = ctx.ofType('response.output_text.delta').map((e) => e['delta']).join('');
    expect(last(ctx, 'response.content_part.added')['part']).toEqual({ type: 'text', text: '' });
    expect(last(ctx, 'response.done')['response'].output[0].content).toEqual([{ type: 'output_text', text }]);
  });

  it('uses G.711 bytes when the output format is pcmu', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcmu' } } } } });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    const bytes = ctx.ofType('response.output_audio.delta').reduce((n, e) => n + Buffer.from(e['delta'] as string, 'base64').length, 0);
    const done = last(ctx, 'response.done')['response'];
    expect(done.audio.output.format).toEqual({ type: 'audio/pcmu' });
    expect(done.usage.output_token_details.audio_tokens).toBe(Math.ceil((bytes / 8) * 0.02));
  });

  it('rejects a second default-conversation response with no response events, echoing event_id', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    const before = ctx.types.length;
    ctx.receive({ type: 'response.create', event_id: 'second' });
    expect(ctx.types.slice(before)).toEqual(['error']);
    const err = last(ctx, 'error')['error'];
    expect(err).toMatchObject({ code: 'conversation_already_has_active_response', event_id: 'second' });
    ctx.advanceMs(60_000);
    expect(ctx.ofType('response.created')).toHaveLength(1);
    expect(err.message).toContain(last(ctx, 'response.created')['response'].id);
  });

  it('cancels with the pending terminal events and status cancelled/client_cancelled (§3.7)', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    while (ctx.ofType('response.output_audio.delta').length < 3) ctx.advanceMs(10);
    ctx.receive({ type: 'response.cancel' });
    const tail = skeleton(ctx.types.slice(ctx.types.indexOf('response.content_part.added') + 1));
    expect(tail).toEqual(['response.output_audio.done', 'response.output_audio_transcript.done', 'response.content_part.done', 'response.output_item.done', 'conversation.item.done', 'response.done']);
    const done = last(ctx, 'response.done')['response'];
    expect(done.status).toBe('cancelled');
    expect(done.status_details).toEqual({ type: 'cancelled', reason: 'client_cancelled' });
    expect(done.output[0].status).toBe('incomplete');
    const n = ctx.types.length;
    ctx.advanceMs(60_000);
    expect(ctx.types.length).toBe(n);
    ctx.receive({ type: 'response.cancel', event_id: 'late' });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found', event_id: 'late' });
  });

  it('cancel before response.created still sends created then done', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.receive({ type: 'response.cancel' });
    expect(skeleton(ctx.types.slice(3))).toEqual(['response.created', 'rate_limits.updated', 'response.done']);
    expect(last(ctx, 'response.done')['response'].output).toEqual([]);
  });

  it('runs out-of-band responses in parallel, outside the conversation (§8.4)', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.receive({ type: 'response.create', response: { conversation: 'none', output_modalities: ['text'], metadata: { purpose: 'summary' } } });
    expect(ctx.ofType('error')).toHaveLength(0);
    ctx.advanceMs(60_000);
    const dones = ctx.ofType('response.done').map((e) => (e as E)['response']);
    expect(dones).toHaveLength(2);
    const oob = dones.find((r: any) => r.metadata?.purpose === 'summary');
    expect(oob.conversation_id).toBeNull();
    const oobItemId = oob.output[0].id;
    expect(ctx.ofType('conversation.item.added').some((e) => (e as E)['item'].id === oobItemId)).toBe(false);
    ctx.receive({ type: 'conversation.item.retrieve', item_id: oobItemId, event_id: 'r' });
    expect(last(ctx, 'error')['error'].code).toBe('item_retrieve_invalid_item_id');
  });

  it('ends as incomplete/max_output_tokens when the cap is hit', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create', response: { max_output_tokens: 10 } });
    ctx.advanceMs(60_000);
    const done = last(ctx, 'response.done')['response'];
    expect(done.status).toBe('incomplete');
    expect(done.status_details).toEqual({ type: 'incomplete', reason: 'max_output_tokens' });
    expect(done.output[0].status).toBe('incomplete');
    expect(done.max_output_tokens).toBe(10);
    expect(done.usage.output_tokens).toBeGreaterThanOrEqual(10);
    expect(done.usage.output_tokens).toBeLessThan(20);
  });

  it('bills the whole conversation as input, growing per turn, with invariants intact', () => {
    const ctx = open();
    const inputs: number[] = [];
    for (let i = 0; i < 3; i++) {
      userText(ctx, `Question number ${i}, please answer in detail.`);
      ctx.receive({ type: 'response.create' });
      ctx.advanceMs(60_000);
      const u = last(ctx, 'response.done')['response'].usage;
      expect(checkUsageInvariants(u)).toEqual([]);
      inputs.push(u.input_tokens);
    }
    expect(inputs[1]).toBeGreaterThan(inputs[0]!);
    expect(inputs[2]).toBeGreaterThan(inputs[1]!);
  });

  it('reports cached tokens for the conversation prefix shared with the previous response', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', instructions: 'Be helpful. '.repeat(450) } });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    expect(last(ctx, 'response.done')['response'].usage.input_token_details.cached_tokens).toBe(0);
    userText(ctx, 'And tomorrow?');
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    const u = last(ctx, 'response.done')['response'].usage;
    expect(u.input_token_details.cached_tokens).toBeGreaterThanOrEqual(1024);
    expect(u.input_token_details.cached_tokens_details.text_tokens).toBe(u.input_token_details.cached_tokens);
    expect(checkUsageInvariants(u)).toEqual([]);
  });

  it('response.create input [] bills only the instructions; item references are checked', () => {
    const ctx = open();
    userText(ctx);
    ctx.receive({ type: 'response.create', response: { input: [], conversation: 'none' } });
    ctx.advanceMs(60_000);
    const u = last(ctx, 'response.done')['response'].usage;
    expect(u.input_token_details.audio_tokens).toBe(0);
    ctx.receive({ type: 'response.create', event_id: 'ref', response: { input: [{ type: 'item_reference', id: 'item_nope' }] } });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'invalid_value', param: 'response.input[0].id', event_id: 'ref' });
  });

  it('validates response.create fields with dotted params', () => {
    const ctx = open();
    ctx.receive({ type: 'response.create', event_id: 'a', response: { modalities: ['text'] } });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'unknown_parameter', param: 'response.modalities', event_id: 'a' });
    ctx.receive({ type: 'response.create', response: { max_output_tokens: 0 } });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'integer_below_min_value', param: 'response.max_output_tokens' });
    ctx.receive({ type: 'response.create', response: { conversation: 'other' } });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'invalid_value', param: 'response.conversation' });
    ctx.receive({ type: 'response.create', response: { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) } });
    expect(last(ctx, 'error')['error']).toMatchObject({ param: 'response.metadata' });
    expect(ctx.ofType('response.created')).toHaveLength(0);
  });

  it('locks the voice after the first assistant audio (cannot_update_voice)', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'ash' } } } });
    expect(last(ctx, 'session.updated')['session'].audio.output.voice).toBe('ash');
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    ctx.receive({ type: 'session.update', event_id: 'v', session: { type: 'realtime', audio: { output: { voice: 'echo' } } } });
    expect(last(ctx, 'error')['error']).toMatchObject({
      code: 'cannot_update_voice',
      message: "Cannot update a conversation's voice if assistant audio is present.",
      param: 'session.audio.output.voice',
      event_id: 'v',
    });
    ctx.receive({ type: 'session.update', session: { type: 'realtime', audio: { output: { voice: 'ash' } } } });
    expect(ctx.ofType('session.updated')).toHaveLength(2);
  });
});

describe('function calls (scripted tool plan)', () => {
  it('calls the first tool on a user turn, then speaks after the function_call_output (§3.6)', () => {
    const ctx = open();
    ctx.receive({ type: 'session.update', session: { type: 'realtime', tools: [WEATHER_TOOL, TIME_TOOL] } });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    const start = ctx.types.indexOf('response.created');
    expect(skeleton(ctx.types.slice(start))).toEqual([
      'response.created',
      'rate_limits.updated',
      'response.output_item.added',
      'conversation.item.added',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    const argsDone = last(ctx, 'response.function_call_arguments.done');
    expect(argsDone['name']).toBe('get_weather');
    expect(argsDone['call_id']).toMatch(/^call_/);
    const args = JSON.parse(argsDone['arguments'] as string);
    expect(typeof args.city).toBe('string');
    expect(['c', 'f']).toContain(args.unit);
    expect(args.days).toBeGreaterThanOrEqual(1);
    expect(args.days).toBeLessThanOrEqual(7);
    expect(ctx.ofType('response.function_call_arguments.delta').map((e) => e['delta']).join('')).toBe(argsDone['arguments']);
    const done = last(ctx, 'response.done')['response'];
    expect(done.output).toEqual([expect.objectContaining({ type: 'function_call', status: 'completed', name: 'get_weather', call_id: argsDone['call_id'], arguments: argsDone['arguments'] })]);
    expect(ctx.types).not.toContain('response.output_audio.delta');

    ctx.receive({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: argsDone['call_id'], output: '{"temp_c":21}' } });
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    const second = last(ctx, 'response.done')['response'];
    expect(second.output[0]).toMatchObject({ type: 'message', role: 'assistant' });
    expect(second.status).toBe('completed');
  });

  it('calls every tool with parallel_tool_calls, the named tool with a named tool_choice, none with "none"', () => {
    const ctx = open({ model: 'gpt-realtime-2' });
    ctx.receive({ type: 'session.update', session: { type: 'realtime', tools: [WEATHER_TOOL, TIME_TOOL], parallel_tool_calls: true, reasoning: { effort: 'minimal' } } });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    expect(last(ctx, 'response.done')['response'].output.filter((o: any) => o.type === 'function_call').map((o: any) => o.name)).toEqual(['get_weather', 'get_time']);
    userText(ctx);
    ctx.receive({ type: 'response.create', response: { tool_choice: { type: 'function', name: 'get_time' } } });
    ctx.advanceMs(60_000);
    expect(last(ctx, 'response.done')['response'].output.filter((o: any) => o.type === 'function_call').map((o: any) => o.name)).toEqual(['get_time']);
    userText(ctx);
    ctx.receive({ type: 'response.create', response: { tool_choice: 'none' } });
    ctx.advanceMs(60_000);
    expect(last(ctx, 'response.done')['response'].output.some((o: any) => o.type === 'function_call')).toBe(false);
  });

  it('honours the server tool plan never/always and tool_choice required', () => {
    const never = open({ toolPlan: 'never' });
    never.receive({ type: 'session.update', session: { type: 'realtime', tools: [WEATHER_TOOL] } });
    userText(never);
    never.receive({ type: 'response.create' });
    never.advanceMs(60_000);
    expect(last(never, 'response.done')['response'].output[0].type).toBe('message');
    never.receive({ type: 'response.create', response: { tool_choice: 'required' } });
    never.advanceMs(60_000);
    expect(last(never, 'response.done')['response'].output[0].type).toBe('function_call');

    const always = open({ toolPlan: 'always' });
    always.receive({ type: 'session.update', session: { type: 'realtime', tools: [WEATHER_TOOL] } });
    always.receive({ type: 'response.create' });
    always.advanceMs(60_000);
    expect(last(always, 'response.done')['response'].output[0].type).toBe('function_call');
  });

  it('rejects a function_call_output for an unknown call_id (item not added)', () => {
    const ctx = open();
    ctx.receive({ type: 'conversation.item.create', event_id: 'o', item: { type: 'function_call_output', call_id: 'call_nope', output: '{}' } });
    expect(last(ctx, 'error')['error']).toMatchObject({ code: 'invalid_value', param: 'item.call_id', event_id: 'o' });
    expect(ctx.ofType('conversation.item.added')).toHaveLength(0);
  });
});

describe('reasoning models', () => {
  it('draws first audio from the effort distribution, adds phase, and may speak a commentary first', () => {
    const profile: LatencyProfile = { ...DEFAULT_LATENCY_PROFILE, commentaryProbability: { minimal: 1, low: 1, medium: 1, high: 1, xhigh: 1 } };
    const ctx = open({ model: 'gpt-realtime-2', profile });
    userText(ctx);
    ctx.receive({ type: 'response.create', response: { reasoning: { effort: 'high' } } });
    const t0 = ctx.clock.nowUs();
    let firstAudioUs: number | null = null;
    while (!ctx.types.includes('response.done')) {
      ctx.advanceMs(5);
      if (firstAudioUs === null && ctx.types.includes('response.output_audio.delta')) firstAudioUs = ctx.clock.nowUs();
    }
    const rec = ctx.trace.records.at(-1)!;
    expect(rec.effort).toBe('high');
    expect(rec.turn_index).toBe(1);
    expect(rec.status).toBe('completed');
    expect(rec.drawn_first_audio_delay_ms).toBeGreaterThan(0);
    // First audio goes out exactly at the drawn delay after the request (manual clock).
    expect((rec.first_audio_sent_us! - t0) / 1000).toBeCloseTo(rec.drawn_first_audio_delay_ms!, 6);
    expect(firstAudioUs! - rec.first_audio_sent_us!).toBeLessThanOrEqual(5000);
    expect(rec.response_created_sent_us).toBeLessThan(rec.first_audio_sent_us!);
    expect(rec.response_done_sent_us).toBeGreaterThan(rec.first_audio_sent_us!);
    const out = last(ctx, 'response.done')['response'].output;
    expect(out.map((o: any) => o.phase)).toEqual(['commentary', 'final_answer']);
    expect(out.map((o: any) => o.content[0].type)).toEqual(['output_audio', 'output_audio']);
    expect(ctx.ofType('response.output_item.added').map((e) => (e as E)['output_index'])).toEqual([0, 1]);
  });
});

describe('injected failures (§4.2)', () => {
  it('rate_limit_exceeded fails the response with zero usage and a retry hint', () => {
    const ctx = open({ faults: ['rate_limit:p=1'] });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    expect(skeleton(ctx.types.slice(3))).toEqual(['response.created', 'rate_limits.updated', 'response.done']);
    const done = last(ctx, 'response.done')['response'];
    expect(done.status).toBe('failed');
    expect(done.status_details.type).toBe('failed');
    expect(done.status_details.error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(done.status_details.error.message).toMatch(/^Rate limit reached .* Please try again in [\d.]+s\./);
    expect(done.usage.total_tokens).toBe(0);
    expect(checkUsageInvariants(done.usage)).toEqual([]);
    expect(ctx.trace.records.at(-1)!.status).toBe('failed');
  });

  it('server_error sends an error event of type server_error and a failed response', () => {
    const ctx = open({ faults: ['server_error:p=1'] });
    userText(ctx);
    ctx.receive({ type: 'response.create' });
    ctx.advanceMs(60_000);
    expect(skeleton(ctx.types.slice(3))).toEqual(['response.created', 'rate_limits.updated', 'error', 'response.done']);
    expect(last(ctx, 'error')['error'].type).toBe('server_error');
    expect(last(ctx, 'response.done')['response'].status_details.error.type).toBe('server_error');
  });
});
