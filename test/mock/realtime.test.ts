/**
 * Socket tier of the realtime session: a voice turn end to end over a real socket (VAD on the audio
 * sent, response audio back), barge-in, input transcription, and the ground-truth trace file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LatencyProfile } from '../../mock-server/latency-profile.ts';
import type { MockServerHandle } from '../../mock-server/server.ts';
import { checkUsageInvariants } from '../../mock-server/usage.ts';
import { FAST_PROFILE, speakTurn, startFastServer, TestClient } from './helpers.ts';

let server: MockServerHandle | null = null;
const clients: TestClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = null;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function open(opts: Parameters<typeof startFastServer>[0] = {}, path = '/v1/realtime?model=gpt-realtime'): Promise<TestClient> {
  server = await startFastServer(opts);
  const c = await TestClient.connect(server.url, path);
  clients.push(c);
  await c.waitFor('session.created');
  return c;
}

describe('realtime over sockets', () => {
  it('voice turn: VAD on the audio sent, then a spoken answer, with a trace record per response', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rth-mock-'));
    dirs.push(dir);
    const tracePath = join(dir, 'trace.jsonl');
    const c = await open({ tracePath });
    speakTurn(c, 'Good morning, what can you tell me about the city of Lisbon?');
    const done = await c.waitFor('response.done');
    const types = c.types();
    expect(types.indexOf('input_audio_buffer.speech_started')).toBeLessThan(types.indexOf('input_audio_buffer.speech_stopped'));
    expect(types.indexOf('input_audio_buffer.committed')).toBeLessThan(types.indexOf('response.created'));
    expect(done['response'].status).toBe('completed');
    expect(checkUsageInvariants(done['response'].usage)).toEqual([]);
    expect(done['response'].usage.input_token_details.audio_tokens).toBeGreaterThan(10);
    await server!.close();
    server = null;
    const lines = (await readFile(tracePath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    const rec = lines[0];
    const sessionId = c.events[0]!['session'].id;
    expect(rec).toMatchObject({ session_id: sessionId, response_id: done['response'].id, effort: null, turn_index: 1, status: 'completed' });
    expect(rec.turn_audio_end_us).toBeGreaterThan(0);
    expect(rec.turn_audio_end_us).toBeLessThanOrEqual(rec.response_created_sent_us);
    expect(rec.response_created_sent_us).toBeLessThanOrEqual(rec.first_audio_sent_us);
    expect(rec.first_audio_sent_us).toBeLessThanOrEqual(rec.response_done_sent_us);
    expect(rec.drawn_first_audio_delay_ms).toBeGreaterThan(0);
    // The delays run from the turn's end as decided: never before the turn's audio ended, and
    // first audio never goes out before the drawn delay has passed.
    expect(rec.delays_start_us).toBeGreaterThanOrEqual(rec.turn_audio_end_us);
    expect(rec.delays_start_us).toBeLessThanOrEqual(rec.response_created_sent_us);
    // No slack: the mock's clock never fires a timer early by the clock the stamps use
    // (common/clock.ts); 0.001 µs only absorbs float rounding of µs stamps.
    expect(rec.first_audio_sent_us - rec.delays_start_us).toBeGreaterThanOrEqual(rec.drawn_first_audio_delay_ms * 1000 - 0.001);
    expect(JSON.stringify(lines)).not.toContain('sk-test');
  });

  it('barge-in: speech during the answer cancels it with turn_detected, then answers the new turn', async () => {
    const slow: LatencyProfile = { ...FAST_PROFILE, audio: { deltaMs: 100, realtimeFactor: 2 } };
    const c = await open({ latency: slow });
    speakTurn(c, 'Tell me a long story please.');
    await c.waitFor('response.output_audio.delta');
    speakTurn(c, 'Stop, stop.');
    const done = await c.waitFor('response.done');
    expect(done['response'].status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
    expect(done['response'].output[0].status).toBe('incomplete');
    const second = await c.waitFor('response.created', { from: c.types().indexOf('response.done') + 1 });
    expect(second['response'].id).not.toBe(done['response'].id);
  });

  it('input transcription streams deltas and completes with usage', async () => {
    const c = await open();
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { transcription: { model: 'whisper-1' } } } } });
    await c.waitFor('session.updated');
    speakTurn(c, 'Please book a table for two people tonight.');
    const completed = await c.waitFor('conversation.item.input_audio_transcription.completed');
    const deltas = c.events.filter((e) => e.type === 'conversation.item.input_audio_transcription.delta');
    // whisper-1: one delta holding the whole transcript (§3.10), duration-priced usage
    expect(deltas).toHaveLength(1);
    expect(deltas[0]!['delta']).toBe(completed['transcript']);
    expect(completed['usage'].type).toBe('duration');
    expect(completed['usage'].seconds).toBeGreaterThan(1);
  });
});
