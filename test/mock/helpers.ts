/**
 * Helpers of the mock's socket-tier tests: a server with a fast (×0.01) latency profile on
 * 127.0.0.1 port 0, and a small event-collecting client over the `ws` package.
 */
import WebSocket from 'ws';
import { DEFAULT_LATENCY_PROFILE, scaleLatencyProfile } from '../../mock-server/latency-profile.ts';
import { startMockServer, type MockServerHandle, type MockServerOptions } from '../../mock-server/server.ts';
import { synthesizeSpeech } from '../../mock-server/speech-synth.ts';

/** Every delay of the default profile × 0.01, so tests run in milliseconds. */
export const FAST_PROFILE = scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, 0.01);

/** Starts a mock on 127.0.0.1:0 with {@link FAST_PROFILE} unless `latency` is given. */
export function startFastServer(opts: MockServerOptions = {}): Promise<MockServerHandle> {
  return startMockServer({ latency: FAST_PROFILE, ...opts });
}

/** A received server event. */
export type Ev = { type: string; event_id?: string } & Record<string, any>;

/** A test client that records every event. */
export class TestClient {
  readonly events: Ev[] = [];
  readonly raw: string[] = [];
  private waiters: { pred: (e: Ev) => boolean; from: number; resolve: (e: Ev) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.raw.push(text);
      let e: Ev;
      try {
        e = JSON.parse(text) as Ev;
      } catch {
        return;
      }
      this.events.push(e);
      const index = this.events.length - 1;
      this.waiters = this.waiters.filter((w) => {
        if (index >= w.from && w.pred(e)) {
          w.resolve(e);
          return false;
        }
        return true;
      });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Opens `url + path` with a Bearer key (default `sk-test`) unless `headers`/`protocols` say otherwise. */
  static async connect(
    base: string,
    path = '/v1/realtime?model=gpt-realtime',
    opts: { key?: string | null; protocols?: string[]; ca?: string; headers?: Record<string, string> } = {},
  ): Promise<TestClient> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? 'sk-test' : opts.key;
    if (key !== null && !opts.protocols) headers['Authorization'] = `Bearer ${key}`;
    const ws = new WebSocket(base + path, opts.protocols ?? [], { headers, ...(opts.ca ? { ca: opts.ca } : {}) });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(event: object): void {
    this.ws.send(JSON.stringify(event));
  }

  /** Resolves with the first event (from index `from`, default: any seen so far) matching. */
  waitFor(pred: string | ((e: Ev) => boolean), opts: { from?: number; timeoutMs?: number } = {}): Promise<Ev> {
    const p = typeof pred === 'string' ? (e: Ev) => e.type === pred : pred;
    const from = opts.from ?? 0;
    const found = this.events.find((e, i) => i >= from && p(e));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${typeof pred === 'string' ? pred : 'event'}; got ${this.types().join(', ')}`)), opts.timeoutMs ?? 10_000);
      this.waiters.push({ pred: p, from, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** Index the next event will get. */
  get mark(): number {
    return this.events.length;
  }

  types(from = 0): string[] {
    return this.events.slice(from).map((e) => e.type);
  }

  close(): void {
    this.ws.close();
  }
}

/** Base64 of `ms` of PCM16 24 kHz silence. */
export function silenceB64(ms: number): string {
  return Buffer.alloc(Math.round(ms * 24) * 2).toString('base64');
}

/** PCM16 24 kHz speech-like audio of `text`, as little-endian bytes. */
export function speechPcm(text = 'Hello there, how are you doing today?'): Buffer {
  const s = synthesizeSpeech(text, { sampleRateHz: 24000, voice: 'alloy', seed: 7 });
  return Buffer.from(s.buffer, s.byteOffset, s.byteLength);
}

/** Sends `pcm` as 100 ms appends. */
export function appendPcm(client: TestClient, pcm: Buffer, chunkMs = 100): void {
  const chunk = chunkMs * 48;
  for (let i = 0; i < pcm.length; i += chunk) client.send({ type: 'input_audio_buffer.append', audio: pcm.subarray(i, i + chunk).toString('base64') });
}

/** Sends speech followed by `silenceMs` of silence (a VAD turn). */
export function speakTurn(client: TestClient, text?: string, silenceMs = 800): void {
  appendPcm(client, speechPcm(text));
  appendPcm(client, Buffer.alloc(silenceMs * 48));
}
