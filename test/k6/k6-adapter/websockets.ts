/**
 * TEST DOUBLE of `k6/websockets` over the `ws` package: the subset of the browser-like API the
 * generated script uses (constructor with `headers`, `on*` handlers, `addEventListener`, `send`,
 * `close`, `readyState`). An open socket keeps its VU's iteration alive, as in k6.
 */
import { WebSocket as WsSocket } from 'ws';
import { currentVu, runInVu, type VuContext } from './runtime.ts';

type Listener = (event: Record<string, unknown>) => void;
type EventName = 'open' | 'close' | 'error' | 'message' | 'ping' | 'pong';

export class WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly url: string;
  binaryType: 'blob' | 'arraybuffer' = 'blob';
  onopen: (() => void) | null = null;
  onmessage: ((e?: Record<string, unknown>) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: ((e?: Record<string, unknown>) => void) | null = null;
  onping: (() => void) | null = null;
  onpong: (() => void) | null = null;
  private readonly listeners = new Map<EventName, Listener[]>();
  private readonly socket: WsSocket;
  private readonly ctx: VuContext;

  constructor(url: string, protocols?: null, params?: { headers?: Record<string, string>; tags?: Record<string, string> } | null) {
    if (protocols !== undefined && protocols !== null) throw new Error('k6/websockets: protocols are not supported by the test double');
    this.ctx = currentVu('new WebSocket');
    this.url = url;
    this.ctx.pending.add(this);
    this.socket = new WsSocket(url, { headers: params?.headers ?? {} });
    this.socket.on('open', () => this.dispatch('open', {}));
    this.socket.on('message', (data, isBinary) => {
      const payload = isBinary ? new Uint8Array(data as Buffer).buffer : (data as Buffer).toString('utf8');
      this.dispatch('message', { data: payload, timestamp: Date.now() });
    });
    this.socket.on('error', (err) => this.dispatch('error', { error: err.message, timestamp: Date.now() }));
    this.socket.on('ping', () => this.dispatch('ping', {}));
    this.socket.on('pong', () => this.dispatch('pong', {}));
    this.socket.on('close', () => {
      this.dispatch('close', {});
      this.ctx.pending.delete(this);
      this.ctx.checkIdle();
    });
  }

  get readyState(): 0 | 1 | 2 | 3 {
    return this.socket.readyState as 0 | 1 | 2 | 3;
  }

  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  send(data: string | ArrayBuffer): void {
    if (this.socket.readyState !== WsSocket.OPEN) throw new Error('WebSocket.send: the socket is not open');
    this.socket.send(typeof data === 'string' ? data : Buffer.from(data));
  }

  close(code?: number, reason?: string): void {
    if (this.socket.readyState === WsSocket.CONNECTING) this.socket.terminate();
    else this.socket.close(code ?? 1000, reason);
  }

  ping(): void {
    this.socket.ping();
  }

  addEventListener(event: EventName, listener: Listener): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
  }

  private dispatch(type: EventName, fields: Record<string, unknown>): void {
    const event = { type, ...fields };
    runInVu(this.ctx, () => {
      const handler = { open: this.onopen, close: this.onclose, error: this.onerror, message: this.onmessage, ping: this.onping, pong: this.onpong }[type];
      if (handler) (handler as (e?: Record<string, unknown>) => void).call(this, event);
      for (const l of this.listeners.get(type) ?? []) l(event);
    });
  }
}
