/**
 * The official `openai` SDK's Live WebSocket client (`openai/resources/live/ws`) runs a voice
 * session against the mock on 127.0.0.1: `session.start` → `session.started`, a corpus clip and
 * silence streamed as `session.input_audio.append`, output audio (continuous, with speech in it)
 * and input/output transcripts received, a client delegation answered with
 * `session.commentary.append` and acknowledged, `session.close` → `session.closed`, with no error
 * event and no SDK error seen by the client.
 *
 * The Live timeline moves with input audio only (docs/live-protocol.md §4.2), so the test may feed
 * it faster than real time: it sends 20 ms frames back to back, yielding to the event loop between
 * them. Wall-clock delays (session.started, session.closed) are scaled down with latencyScale.
 */
import OpenAI from 'openai';
import { LiveWS } from 'openai/resources/live/ws';
import type * as Live from 'openai/resources/live/live';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnsetDetector } from '../../common/audio/onset.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus } from '../../harness/corpus/load-corpus.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';

const CLIP_ID = 'en-weather-paris';
const FRAME_MS = 20;

let mock: MockServerHandle;
let clipFrames: string[] = [];

beforeAll(async () => {
  mock = await startMockServer({ seed: 3, latencyScale: 0.05, toolPlan: 'always' });
  const clips = await loadCorpus(BUNDLED_CORPUS_DIR, { format: { type: 'audio/pcm', rate: 24000 }, chunkMs: FRAME_MS, ids: [CLIP_ID] });
  clipFrames = clips.get(CLIP_ID)!.frames.map((f) => (JSON.parse(f) as { audio: string }).audio);
});
afterAll(async () => {
  await mock?.close();
});

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('official SDK LiveWS against the mock', () => {
  it('runs start, audio in, audio and transcripts out, a delegated call, close, without an error', async () => {
    const client = new OpenAI({ apiKey: 'sk-test-live', baseURL: `${mock.httpUrl}/v1` });
    const ws = new LiveWS(client);
    const sdkErrors: unknown[] = [];
    const events: Live.ServerEvent[] = [];
    ws.on('error', (e) => sdkErrors.push(e));
    ws.on('event', (e) => events.push(e));
    const closedSocket = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const waitFor = async <T extends Live.ServerEvent['type']>(type: T, feed: () => void): Promise<Extract<Live.ServerEvent, { type: T }>> => {
      for (let i = 0; i < 20_000; i++) {
        const hit = events.find((e) => e.type === type);
        if (hit) return hit as Extract<Live.ServerEvent, { type: T }>;
        feed();
        await tick();
      }
      throw new Error(`no ${type} (saw ${[...new Set(events.map((e) => e.type))].join(', ')})`);
    };
    const silence = Buffer.alloc(24 * 2 * FRAME_MS).toString('base64');
    const append = (audio: string): void => ws.send({ type: 'session.input_audio.append', audio });

    // send() while CONNECTING is queued by the SDK and flushed on open.
    ws.send({ type: 'session.start', event_id: 'start_1', session: { model: 'gpt-live-1', audio: { output: { voice: 'marin' } } } });
    const started = await waitFor('session.started', () => {});
    expect(started.session.id).toMatch(/^live_u7_[0-9A-Za-z]{32}$/);
    expect(started.session.status).toBe('active');
    expect(started.session.model).toBe('gpt-live-1');

    for (const frame of clipFrames) {
      append(frame);
      await tick();
    }
    const delegation = await waitFor('session.delegation.created', () => append(silence));
    expect(delegation.delegation.target).toBe('client');
    ws.send({ type: 'session.commentary.append', event_id: 'result_1', delegation_id: delegation.delegation.id, content: 'Weather in Paris: 21 °C and sunny.' });
    const appended = await waitFor('session.commentary.appended', () => append(silence));
    expect(appended.client_event_id).toBe('result_1');
    expect(appended.end_ms).toBeGreaterThanOrEqual(appended.start_ms);
    // Stream on until the spoken result is out: 8 s of timeline covers any answer the mock speaks.
    for (let i = 0; i < 8000 / FRAME_MS; i++) {
      append(silence);
      await tick();
    }
    ws.send({ type: 'session.close', event_id: 'close_1' });
    const closed = await waitFor('session.closed', () => {});
    expect(closed.reason).toBe('close_requested');
    expect(closed.client_event_id).toBe('close_1');
    expect(closed.usage.seconds).toBeGreaterThan(0);
    ws.close();
    await closedSocket;

    expect(sdkErrors).toEqual([]);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events[0]!.type).toBe('session.started');
    expect(events[events.length - 1]!.type).toBe('session.closed');
    const audio = events.filter((e): e is Live.OutputAudioDeltaEvent => e.type === 'session.output_audio.delta');
    expect(audio.length).toBeGreaterThan(50);
    for (const a of audio) expect(Object.keys(a).sort()).toEqual(['delta', 'type']); // primary socket: type + delta only (§3.2)
    const onset = new OnsetDetector({ encoding: 'pcm16le', sampleRateHz: 24000 });
    expect(audio.some((a) => onset.pushBase64(a.delta))).toBe(true);
    const inputText = events.filter((e): e is Live.InputTranscriptDeltaEvent => e.type === 'session.input_transcript.delta');
    const outputText = events.filter((e): e is Live.OutputTranscriptDeltaEvent => e.type === 'session.output_transcript.delta');
    expect(inputText.length).toBeGreaterThan(0);
    expect(outputText.map((e) => e.delta).join('').length).toBeGreaterThan(20);
    for (const t of [...inputText, ...outputText]) expect(t.end_ms).toBeGreaterThan(t.start_ms);
  }, 60_000);
});
