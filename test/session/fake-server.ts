/**
 * Test helpers for the session driver on the scripted transport: a small scripted Realtime server
 * (timed with the ManualClock), a deterministic test pacer, clip builders and a run loop that
 * advances the clock. No sockets, no sleeps.
 */
import type { ManualClock } from '../../common/clock.ts';
import type { PacedFrame, PacedStream, Pacer, PreparedClip, SessionPlan, StreamHandle } from '../../harness/contract.ts';
import { ScriptedTransport, type ScriptedServerContext } from '../../harness/transport/scripted-transport.ts';

/** base64 of "SPEECH" marks a speech frame; "AAAA" is silence. */
export const SPEECH_AUDIO = Buffer.from('SPEECH').toString('base64');
export const SILENCE_AUDIO = 'AAAA';

/** A clip of `speechFrames` speech frames then `silenceFrames` trailing silence, 20 ms each. */
export function makeClip(id: string, speechFrames = 5, silenceFrames = 2, transcript = `user says ${id}`): PreparedClip {
  const speech = JSON.stringify({ type: 'input_audio_buffer.append', audio: SPEECH_AUDIO });
  const silence = JSON.stringify({ type: 'input_audio_buffer.append', audio: SILENCE_AUDIO });
  const frames = [...Array<string>(speechFrames).fill(speech), ...Array<string>(silenceFrames).fill(silence)];
  return {
    id,
    transcript,
    language: 'en',
    format: { type: 'audio/pcm', rate: 24000 },
    chunkMs: 20,
    frames,
    speechEndFrameIndex: speechFrames - 1,
    speechStartMs: 0,
    speechEndMs: speechFrames * 20,
    durationMs: frames.length * 20,
  };
}

/** A plan with defaults for tests. */
export function makePlan(over: Partial<SessionPlan> = {}): SessionPlan {
  return {
    index: 0,
    url: 'ws://scripted',
    headers: {},
    kind: 'realtime',
    model: 'gpt-realtime-2',
    effort: 'low',
    voice: 'marin',
    instructions: null,
    outputModalities: ['audio'],
    turnMode: 'manual',
    turnDetection: null,
    format: { type: 'audio/pcm', rate: 24000 },
    chunkMs: 20,
    tools: [],
    turns: [{ clip: makeClip('a'), thinkTimeMs: 0, bargeInAfterAudioMs: null }],
    turnTimeoutMs: 5000,
    connectTimeoutMs: 1000,
    ...over,
  };
}

/** A pacer on the manual clock: frame i at `startUs + i*chunkMs`, one timer per stream. */
export class TestPacer implements Pacer {
  started = 0;
  constructor(private readonly clock: ManualClock) {}
  start<F extends PacedFrame = string>(stream: PacedStream<F>, send: (frame: F) => void, opts: { startUs: number; chunkMs: number }): StreamHandle {
    this.started += 1;
    const clock = this.clock;
    let i = 0;
    let stopped = false;
    let timer: ReturnType<ManualClock['setTimeout']> | null = null;
    const end = (): void => {
      if (stopped) return;
      stopped = true;
      if (timer) clock.clearTimeout(timer);
      stream.onEnd?.();
    };
    const arm = (): void => {
      const due = opts.startUs + i * opts.chunkMs * 1000;
      timer = clock.setTimeout(tick, (due - clock.nowUs()) / 1000);
    };
    const tick = (): void => {
      timer = null;
      if (stopped) return;
      const frame = stream.nextFrame(i);
      if (frame === null) return end();
      const deadline = opts.startUs + i * opts.chunkMs * 1000;
      send(frame);
      stream.onSent?.(i, deadline, clock.nowUs());
      i += 1;
      if (!stopped) arm();
    };
    arm();
    return {
      stop: end,
      get sentFrames() {
        return i;
      },
    };
  }
}

/** Behaviour of the fake server. All times in ms on the manual clock. */
export interface FakeServerOptions {
  /** Delay from the trigger (commit / VAD commit / response.create) to `response.created`. Default 10. */
  createdAfterMs?: number;
  /** From `response.created` to the first audio delta. Default 100. */
  firstAudioAfterMs?: number;
  /** Audio deltas per response. Default 5. */
  deltas?: number;
  /** Spacing of deltas. Default 10. */
  deltaEveryMs?: number;
  /** Bytes of PCM16 per delta (4800 = 100 ms). Default 4800. */
  deltaBytes?: number;
  /** VAD: silence frames after speech before speech_stopped. Default 2. */
  vadSilenceFrames?: number;
  /** Per-response override by 1-based response number within this connection. */
  responseKind?: (n: number) => 'audio' | 'tool' | 'rate_limit' | 'server_error' | 'stall';
  /** Transcription sessions answer commits with a transcription. */
  transcription?: boolean;
}

/** Connection state of the fake server (one per transport). */
export class FakeServer {
  readonly log: string[] = [];
  private ctx: ScriptedServerContext | null = null;
  private seq = 0;
  private responses = 0;
  private active: { id: string; timers: ReturnType<ManualClock['setTimeout']>[]; itemId: string } | null = null;
  private inSpeech = false;
  private silenceRun = 0;
  private vad = false;
  private readonly o: Required<Omit<FakeServerOptions, 'responseKind'>> & Pick<FakeServerOptions, 'responseKind'>;

  constructor(
    private readonly clock: ManualClock,
    opts: FakeServerOptions = {},
  ) {
    this.o = {
      createdAfterMs: 10,
      firstAudioAfterMs: 100,
      deltas: 5,
      deltaEveryMs: 10,
      deltaBytes: 4800,
      vadSilenceFrames: 2,
      transcription: false,
      ...opts,
    };
  }

  /** A scripted transport wired to this fake. */
  transport(): ScriptedTransport {
    return new ScriptedTransport({
      clock: this.clock,
      recordAppends: false,
      onOpen: (ctx) => {
        this.ctx = ctx;
        this.push({ type: 'session.created', session: { id: `sess_${this.seq}`, type: 'realtime' } });
      },
      respond: (e, ctx) => {
        this.ctx = ctx;
        this.onClient(e);
      },
    });
  }

  /** Pushes a server event with an event id. */
  push(e: Record<string, unknown>): void {
    this.ctx?.push({ event_id: `event_${++this.seq}`, ...e });
  }

  /** Closes from the server side. */
  close(code: number, reason = ''): void {
    this.ctx?.close(code, reason);
  }

  private later(ms: number, fn: () => void): ReturnType<ManualClock['setTimeout']> {
    return this.clock.setTimeout(fn, ms);
  }

  private onClient(e: Record<string, unknown>): void {
    const type = String(e.type);
    this.log.push(type);
    switch (type) {
      case 'session.update': {
        const session = e.session as { audio?: { input?: { turn_detection?: unknown } } };
        this.vad = !!session.audio?.input?.turn_detection;
        this.push({ type: 'session.updated', session: e.session });
        return;
      }
      case 'input_audio_buffer.append':
        return this.onAppend(String(e.audio));
      case 'session.input_audio_buffer.append':
        // Translation: each speech frame comes back translated 150 ms later.
        if (e.audio === SPEECH_AUDIO) {
          this.later(150, () => {
            this.push({ type: 'session.output_audio.delta', delta: Buffer.alloc(960).toString('base64'), format: 'pcm16', sample_rate: 24000, channels: 1 });
            this.push({ type: 'session.output_transcript.delta', delta: 'hola ' });
          });
        }
        return;
      case 'session.close':
        this.later(200, () => {
          this.push({ type: 'session.closed' });
          this.close(1000, '');
        });
        return;
      case 'input_audio_buffer.commit': {
        const itemId = `item_u${++this.seq}`;
        this.push({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: null });
        if (this.o.transcription) this.transcribe(itemId);
        return;
      }
      case 'response.create':
        this.later(this.o.createdAfterMs, () => this.startResponse());
        return;
      case 'response.cancel':
        if (this.active) this.finishResponse('cancelled', { type: 'cancelled', reason: 'client_cancelled' });
        return;
      case 'conversation.item.truncate':
        this.push({ type: 'conversation.item.truncated', item_id: e.item_id, content_index: 0, audio_end_ms: e.audio_end_ms });
        return;
      case 'conversation.item.create':
        this.push({ type: 'conversation.item.added', item: e.item, previous_item_id: null });
        return;
      default:
        return;
    }
  }

  private onAppend(audio: string): void {
    if (!this.vad) return;
    if (audio === SPEECH_AUDIO) {
      this.silenceRun = 0;
      if (!this.inSpeech) {
        this.inSpeech = true;
        this.push({ type: 'input_audio_buffer.speech_started', item_id: 'item_next', audio_start_ms: 0 });
        // Barge-in: interrupt_response cancels the active response (§3.8).
        if (this.active) this.finishResponse('cancelled', { type: 'cancelled', reason: 'turn_detected' });
      }
      return;
    }
    if (!this.inSpeech) return;
    this.silenceRun += 1;
    if (this.silenceRun < this.o.vadSilenceFrames) return;
    this.inSpeech = false;
    const itemId = `item_u${++this.seq}`;
    this.push({ type: 'input_audio_buffer.speech_stopped', item_id: itemId, audio_end_ms: 100 });
    this.push({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: null });
    if (this.o.transcription) this.transcribe(itemId);
    else this.later(this.o.createdAfterMs, () => this.startResponse());
  }

  private transcribe(itemId: string): void {
    this.later(30, () => this.push({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, content_index: 0, delta: 'hel' }));
    this.later(60, () =>
      this.push({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: itemId,
        content_index: 0,
        transcript: 'hello',
        usage: { type: 'duration', seconds: 1 },
      }),
    );
  }

  private startResponse(): void {
    const n = ++this.responses;
    const id = `resp_${n}`;
    const kind = this.o.responseKind?.(n) ?? 'audio';
    const itemId = `item_a${n}`;
    this.active = { id, timers: [], itemId };
    this.push({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress', output: [], usage: null } });
    const t = this.active.timers;
    if (kind === 'stall') return;
    if (kind === 'rate_limit' || kind === 'server_error') {
      const error =
        kind === 'rate_limit'
          ? { type: 'tokens', code: 'rate_limit_exceeded', message: 'Rate limit reached for gpt-realtime-2 in organization org-x on tokens per min (TPM). Please try again in 1.5s. Visit …' }
          : { type: 'server_error', code: 'server_error', message: 'The server had an error' };
      t.push(this.later(5, () => this.finishResponse('failed', { type: 'failed', error })));
      return;
    }
    if (kind === 'tool') {
      t.push(
        this.later(20, () => {
          this.push({
            type: 'response.output_item.done',
            response_id: id,
            output_index: 0,
            item: { id: `item_fc${n}`, type: 'function_call', status: 'completed', name: 'get_weather', call_id: `call_${n}`, arguments: '{}' },
          });
          this.finishResponse('completed', null);
        }),
      );
      return;
    }
    const delta = Buffer.alloc(this.o.deltaBytes).toString('base64');
    for (let i = 0; i < this.o.deltas; i++) {
      t.push(
        this.later(this.o.firstAudioAfterMs + i * this.o.deltaEveryMs, () => {
          this.push({ type: 'response.output_audio.delta', response_id: id, item_id: itemId, output_index: 0, content_index: 0, delta });
          this.push({ type: 'response.output_audio_transcript.delta', response_id: id, item_id: itemId, output_index: 0, content_index: 0, delta: `w${i} ` });
        }),
      );
    }
    t.push(this.later(this.o.firstAudioAfterMs + this.o.deltas * this.o.deltaEveryMs, () => this.finishResponse('completed', null)));
  }

  private finishResponse(status: string, statusDetails: unknown): void {
    const a = this.active;
    if (!a) return;
    this.active = null;
    for (const timer of a.timers) this.clock.clearTimeout(timer);
    this.push({
      type: 'response.done',
      response: { id: a.id, object: 'realtime.response', status, status_details: statusDetails, output: [], usage: { total_tokens: 10, input_tokens: 4, output_tokens: 6 } },
    });
  }
}

/** Drains microtasks and pending I/O callbacks once. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Advances the manual clock in `stepMs` steps until `promise` settles (at most `maxMs`). */
export async function runUntilSettled<T>(clock: ManualClock, promise: Promise<T>, stepMs = 5, maxMs = 120_000): Promise<T> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  for (let elapsed = 0; !settled && elapsed < maxMs; elapsed += stepMs) {
    clock.advanceMs(stepMs);
    await flush();
  }
  if (!settled) throw new Error(`did not settle within ${maxMs} ms of manual time`);
  return promise;
}

/** Advances the manual clock in `stepMs` steps until `cond()` holds (at most `maxMs`). */
export async function advanceUntil(clock: ManualClock, cond: () => boolean, stepMs = 5, maxMs = 60_000): Promise<void> {
  await flush();
  for (let elapsed = 0; !cond(); elapsed += stepMs) {
    if (elapsed >= maxMs) throw new Error(`condition not met within ${maxMs} ms of manual time`);
    clock.advanceMs(stepMs);
    await flush();
  }
}
