/**
 * A minimal WebSocket test client for socket-tier tests of the mock: records every frame (raw and
 * parsed), waits for events by predicate, and reports how the socket closed. No timing assertions:
 * waits resolve on events, with a generous safety timeout that only turns a hang into a failure.
 */
import WebSocket from 'ws';

/** How a socket ended. */
export interface SocketClose {
  code: number;
  reason: string;
}

/** A connected test client. */
export class SocketTestClient {
  /** Every text frame received, in order. */
  readonly frames: string[] = [];
  /** Frames that parsed as JSON objects with a string `type`. */
  readonly events: (Record<string, unknown> & { type: string })[] = [];
  /** Set once the socket has closed. */
  closed: SocketClose | null = null;

  readonly #ws: WebSocket;
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      this.frames.push(text);
      try {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { type?: unknown }).type === 'string') {
          this.events.push(parsed as Record<string, unknown> & { type: string });
        }
      } catch {
        // kept in `frames` only
      }
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
    ws.on('error', () => this.#wake());
  }

  /** Connects to `url` (e.g. `ws://127.0.0.1:PORT/v1/realtime?intent=transcription`) with a Bearer key. */
  static connect(url: string, apiKey = 'sk-test'): Promise<SocketTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${apiKey}` }, perMessageDeflate: false });
      const client = new SocketTestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** Event types received so far. */
  get types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Sends one client event. */
  send(event: Record<string, unknown>): void {
    this.#ws.send(JSON.stringify(event));
  }

  /**
   * Resolves once `predicate` holds (checked now and after every frame or close).
   * @param timeoutMs safety net against hangs (default 10 s); not a performance bound.
   */
  waitUntil(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.types)}`)), timeoutMs);
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else if (this.closed && !predicate()) {
          clearTimeout(timer);
          reject(new Error(`socket closed (${this.closed.code}) while waiting for ${what}; got ${JSON.stringify(this.types)}`));
        } else {
          this.#waiters.push(check);
        }
      };
      check();
    });
  }

  /** Resolves with the first event of `type` (at or after index `from`). */
  async waitFor(type: string, from = 0): Promise<Record<string, unknown> & { type: string }> {
    await this.waitUntil(() => this.events.slice(from).some((e) => e.type === type), type);
    return this.events.slice(from).find((e) => e.type === type)!;
  }

  /** Resolves once the socket has closed. */
  async waitClosed(): Promise<SocketClose> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for close')), 10_000);
      const check = (): void => {
        if (this.closed) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      check();
    });
    return this.closed!;
  }

  /**
   * Round trip: sends an event the session rejects and waits for its error, proving every event
   * sent before it has been processed (a connection handles events in order).
   */
  async barrier(): Promise<void> {
    const id = `barrier_${this.events.length}_${Math.random().toString(36).slice(2)}`;
    this.send({ type: 'mock.barrier', event_id: id });
    await this.waitUntil(() => this.events.some((e) => e.type === 'error' && (e['error'] as { event_id?: unknown }).event_id === id), 'barrier');
  }

  /** Closes from the client side. */
  close(): void {
    if (!this.closed) this.#ws.close(1000, 'OK');
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
