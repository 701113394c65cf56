/**
 * Real streams from the bundled mock (127.0.0.1, port 0, manual clock) recorded frame by frame,
 * with every client event the test sent, and judged by the checker: the mock must produce no
 * error-severity finding (issue 4: "`rth conform` with no target … passes with no error findings").
 * The mock's `malformed` and `disorder` faults must be caught.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ManualClock } from '../../common/clock.ts';
import { checkRecordedStream, type StreamLine } from '../../harness/conformance/replay.ts';
import type { Finding, SessionKind } from '../../harness/conformance/types.ts';
import { startMockServer, type MockServerHandle, type MockServerOptions } from '../../mock-server/server.ts';
import { scriptedAppends } from '../../mock-server/testing/fake-context.ts';

type Ev = Record<string, unknown> & { type: string };

/** A client that records the session as replay lines: every raw server frame, every sent event, the close. */
class RecordingClient {
  readonly lines: StreamLine[] = [];
  readonly events: Ev[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private wake: (() => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const raw = data.toString();
      this.lines.push({ serverRaw: raw });
      try {
        const e = JSON.parse(raw) as Ev;
        if (typeof e?.type === 'string') this.events.push(e);
      } catch {
        // malformed frames stay in `lines` only
      }
      for (const w of this.wake.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.lines.push({ close: { code, reason: reason.toString() } });
        for (const w of this.wake.splice(0)) w();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static async connect(url: string): Promise<RecordingClient> {
    const ws = new WebSocket(url, { headers: { Authorization: 'Bearer sk-test' }, perMessageDeflate: false });
    const client = new RecordingClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(event: Record<string, unknown>): void {
    this.lines.push({ client: event });
    this.ws.send(JSON.stringify(event));
  }

  count(type: string): number {
    return this.events.filter((e) => e.type === type).length;
  }

  /**
   * Waits until `pred` holds. With a manual clock, advances it in 50 ms steps between frames so
   * the server's timers run; the step budget only turns a hang into a failure.
   */
  async until(pred: () => boolean, what: string, clock?: ManualClock): Promise<void> {
    for (let step = 0; step < 4000 && !pred(); step++) {
      if (clock) {
        clock.advanceMs(50);
        await new Promise((r) => setImmediate(r));
      } else {
        await new Promise<void>((r) => {
          this.wake.push(r);
          setTimeout(r, 50);
        });
      }
    }
    if (!pred()) throw new Error(`gave up waiting for ${what}; got ${this.events.map((e) => e.type).join(', ')}`);
  }

  close(): void {
    this.ws.close(1000, 'OK');
  }
}

let server: MockServerHandle | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function open(path: string, clock: ManualClock, opts: MockServerOptions = {}): Promise<RecordingClient> {
  server ??= await startMockServer({ port: 0, clock, seed: 7, ...opts });
  return RecordingClient.connect(`${server.url}${path}`);
}

async function finish(c: RecordingClient, kind: SessionKind): Promise<Finding[]> {
  c.close();
  await c.closed;
  return checkRecordedStream({ meta: { sessionKind: kind }, lines: c.lines });
}

const errorsOf = (findings: Finding[]): string[] => findings.filter((f) => f.severity === 'error').map((f) => `${f.ruleId} #${f.eventIndex} ${f.eventType}: ${f.message}`);

const SPEECH = (text: string): string[] => scriptedAppends([{ silenceMs: 300 }, { speech: text }, { silenceMs: 900 }]);

describe('recorded mock streams pass the conformance rules', () => {
  it('realtime: manual audio turn, text turn, function call, cancel, cancel-not-active, VAD turns with barge-in', async () => {
    const clock = new ManualClock();
    const c = await open('/v1/realtime?model=gpt-realtime-2', clock, { toolPlan: 'always' });
    await c.until(() => c.count('session.created') === 1, 'session.created', clock);

    c.send({ type: 'session.update', event_id: 'u1', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    await c.until(() => c.count('session.updated') === 1, 'session.updated', clock);
    for (const audio of SPEECH('what is the weather like in paris today')) c.send({ type: 'input_audio_buffer.append', audio });
    c.send({ type: 'input_audio_buffer.commit', event_id: 'c1' });
    c.send({ type: 'response.create', event_id: 'r1' });
    await c.until(() => c.count('response.done') === 1, 'audio response', clock);

    c.send({ type: 'conversation.item.create', event_id: 'i1', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And tomorrow?' }] } });
    c.send({ type: 'response.create', event_id: 'r2', response: { output_modalities: ['text'] } });
    await c.until(() => c.count('response.done') === 2, 'text response', clock);

    c.send({
      type: 'session.update',
      event_id: 'u2',
      session: { type: 'realtime', tools: [{ type: 'function', name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }], tool_choice: 'auto' },
    });
    c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather in Oslo?' }] } });
    c.send({ type: 'response.create', event_id: 'r3' });
    await c.until(() => c.count('response.done') === 3, 'function-call response', clock);
    const call = c.events.filter((e) => e.type === 'response.output_item.done').map((e) => e['item'] as Record<string, unknown>).find((i) => i['type'] === 'function_call');
    expect(call, 'the mock made a function call').toBeDefined();
    if (call) {
      c.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call['call_id'], output: '{"temp_c":4}' } });
    }
    c.send({ type: 'session.update', event_id: 'u3', session: { type: 'realtime', tool_choice: 'none' } });
    c.send({ type: 'response.create', event_id: 'r4' });
    await c.until(() => c.count('response.created') === 4, 'response to cancel', clock);
    c.send({ type: 'response.cancel', event_id: 'x1' });
    await c.until(() => c.count('response.done') === 4, 'cancelled response', clock);
    c.send({ type: 'response.cancel', event_id: 'x2' });
    await c.until(() => c.count('error') >= 1, 'cancel-not-active error', clock);

    c.send({ type: 'session.update', event_id: 'u4', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad' } } } } });
    for (const audio of SPEECH('book a table for two at eight')) c.send({ type: 'input_audio_buffer.append', audio });
    await c.until(() => c.count('response.created') === 5, 'VAD response', clock);
    for (const audio of SPEECH('actually make it three people')) c.send({ type: 'input_audio_buffer.append', audio });
    await c.until(() => c.count('response.done') === 6, 'barge-in / next response', clock);

    expect(c.count('response.done')).toBe(6);
    expect(c.events.some((e) => e.type === 'response.done' && (e['response'] as { status?: string }).status === 'cancelled')).toBe(true);
    const findings = await finish(c, 'realtime');
    expect(errorsOf(findings)).toEqual([]);
  });

  it('transcription: two VAD turns', async () => {
    const clock = new ManualClock();
    const c = await open('/v1/realtime?intent=transcription', clock);
    await c.until(() => c.count('session.created') === 1, 'session.created', clock);
    c.send({ type: 'session.update', event_id: 't1', session: { type: 'transcription', audio: { input: { transcription: { model: 'gpt-4o-transcribe', language: 'en' } } } } });
    for (const audio of [...SPEECH('what time does the train leave'), ...SPEECH('and where is platform nine')]) c.send({ type: 'input_audio_buffer.append', audio });
    await c.until(() => c.count('conversation.item.input_audio_transcription.completed') === 2, 'two completions', clock);
    expect(errorsOf(await finish(c, 'transcription'))).toEqual([]);
  });

  it('translation: appends, session.close → session.closed → close', async () => {
    const clock = new ManualClock();
    const c = await open('/v1/realtime/translations?model=gpt-realtime-translate', clock);
    await c.until(() => c.count('session.created') === 1, 'session.created', clock);
    c.send({ type: 'session.update', event_id: 'g1', session: { audio: { output: { language: 'de' }, input: { transcription: { model: 'gpt-realtime-whisper' } } } } });
    for (const audio of scriptedAppends([{ silenceMs: 200 }, { speech: 'where is the nearest pharmacy please' }, { silenceMs: 800 }], 200)) {
      c.send({ type: 'session.input_audio_buffer.append', audio });
    }
    await c.until(() => c.count('session.output_audio.delta') > 0, 'translated audio', clock);
    c.send({ type: 'session.close', event_id: 'g2' });
    await c.until(() => c.count('session.closed') === 1, 'session.closed', clock);
    await c.closed;
    const findings = checkRecordedStream({ meta: { sessionKind: 'translation' }, lines: c.lines });
    expect(errorsOf(findings)).toEqual([]);
  });

  it('session expiry: error session_expired then close 1001', async () => {
    const clock = new ManualClock();
    const c = await open('/v1/realtime?model=gpt-realtime-2', clock, { maxSessionS: 2 });
    await c.until(() => c.count('session.created') === 1, 'session.created', clock);
    await c.until(() => c.lines.some((l) => 'close' in l), 'expiry close', clock);
    const findings = checkRecordedStream({ meta: { sessionKind: 'realtime' }, lines: c.lines });
    expect(errorsOf(findings)).toEqual([]);
    expect(findings.filter((f) => f.ruleId === 'RT-CLOSE-001')).toEqual([]);
  });
});

describe('the checker catches the mock faults meant to break conformance', () => {
  /** Runs one short session of `kind` under `fault` and returns its findings. */
  async function underFault(kind: SessionKind, fault: string): Promise<Finding[]> {
    const clock = new ManualClock();
    const path =
      kind === 'realtime' ? '/v1/realtime?model=gpt-realtime-2' : kind === 'transcription' ? '/v1/realtime?intent=transcription' : '/v1/realtime/translations?model=gpt-realtime-translate';
    // Fast latencies keep the test short; a held frame is released at the latest after
    // DISORDER_MAX_HOLD_MS even if its release event never comes.
    const c = await open(path, clock, { faults: [fault], latencyScale: 0.01 });
    const ended = (): boolean => c.lines.some((l) => 'close' in l);
    await c.until(() => c.lines.length > 0, 'first frame', clock);
    if (kind === 'realtime') {
      c.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] } });
      c.send({ type: 'response.create', event_id: 'r1' });
      await c.until(() => c.count('response.done') >= 1 || ended(), 'a response', clock);
    } else if (kind === 'transcription') {
      for (const audio of SPEECH('what time does the train leave')) c.send({ type: 'input_audio_buffer.append', audio });
      await c.until(() => c.count('conversation.item.input_audio_transcription.completed') >= 1 || ended(), 'a completion', clock);
      await c.until(() => c.count('conversation.item.input_audio_transcription.delta') >= 1 || ended(), 'a held delta', clock);
    } else {
      for (const audio of scriptedAppends([{ silenceMs: 200 }, { speech: 'where is the nearest pharmacy please' }, { silenceMs: 800 }], 200)) {
        c.send({ type: 'session.input_audio_buffer.append', audio });
      }
      c.send({ type: 'session.close', event_id: 'g2' });
      await c.until(ended, 'session end', clock);
    }
    if (!ended()) c.close();
    await c.closed;
    return checkRecordedStream({ meta: { sessionKind: kind }, lines: c.lines });
  }

  const CASES: ReadonlyArray<{ kind: SessionKind; fault: string; rule: string }> = [
    { kind: 'realtime', fault: 'malformed:p=0.3,kind=json', rule: 'RT-EVENT-003' },
    { kind: 'realtime', fault: 'malformed:p=0.3,kind=no_type', rule: 'RT-EVENT-003' },
    { kind: 'realtime', fault: 'disorder:kind=part_after_delta', rule: 'RT-ID-006' },
    { kind: 'realtime', fault: 'disorder:kind=done_before_item', rule: 'RT-ORDER-007' },
    { kind: 'realtime', fault: 'disorder:kind=created_late', rule: 'RT-ORDER-001' },
    { kind: 'transcription', fault: 'disorder:kind=delta_after_completed', rule: 'RT-TRANSCRIBE-004' },
    { kind: 'transcription', fault: 'disorder:kind=committed_late', rule: 'RT-VAD-004' },
    { kind: 'translation', fault: 'disorder:kind=audio_swapped', rule: 'RT-TRANSLATE-005' },
  ];
  for (const { kind, fault, rule } of CASES) {
    it(`${kind} with --fault ${fault} → ${rule}`, async () => {
      const findings = await underFault(kind, fault);
      expect(findings.filter((f) => f.ruleId === rule && f.severity === 'error').length, JSON.stringify(findings.map((f) => `${f.ruleId} ${f.message}`))).toBeGreaterThan(0);
    });
  }
});
