/**
 * {@link Transport} over the `ws` library, configured like the official SDK's Node transport
 * (§1.1, S2): no compression, no inbound frame-size cap (server frames can be megabytes, §8.2).
 * Headers are never logged or put into error messages.
 */
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../../common/clock.ts';
import { httpStatusReason, networkReason, parseRetryAfterHeader, redactSecrets } from './failure-reason.ts';
import { TransportError, type CloseListener, type MessageListener, type Transport } from './transport.ts';

/** Options of {@link WsTransport}. */
export interface WsTransportOptions {
  /** `ws://` or `wss://` URL including its query. */
  url: string;
  /** Handshake headers (e.g. `Authorization`). Default none. Never logged. */
  headers?: Readonly<Record<string, string>>;
  /** Clock stamping receive times. */
  clock: Clock;
  /** Opening-handshake timeout, ms. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Verify the server's TLS certificate. Default true; false for a self-signed mock. */
  rejectUnauthorized?: boolean;
  /** `Sec-WebSocket-Protocol` values to offer (browser-style auth, §1.2). Default none. */
  protocols?: readonly string[];
  /**
   * After `close()`, how long the server gets to answer the close frame before the socket is
   * dropped, ms (real time, like the handshake timeout). Default 2000. Without it `ws` waits 30 s,
   * which kept `rth run` alive that long after a run against a server that ignores close frames.
   */
  closeTimeoutMs?: number;
  /** Largest inbound frame accepted, bytes; a larger one closes the socket with 1009. Default 256 MiB. */
  maxPayloadBytes?: number;
}

/**
 * How long the body of a refused upgrade is read for its excerpt, ms (real time, like the
 * handshake timeout): a server that sends its status but never ends the body must not hold the
 * failure back. Bodies of real refusals (a JSON error) arrive with the status.
 */
export const REFUSED_BODY_WAIT_MS = 500;
/** Bytes of a refused upgrade's body read for its excerpt. */
const REFUSED_BODY_MAX_BYTES = 4096;

/** Default inbound frame cap: far above any real Realtime frame (MBs at most), far below memory trouble. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

const noopMessage: MessageListener = () => {};
const noopClose: CloseListener = () => {};

/** A real WebSocket connection to a Realtime target. */
export class WsTransport implements Transport {
  private ws: WebSocket | null = null;
  private opened = false;
  private closed = false;
  private messageListener: MessageListener = noopMessage;
  private closeListener: CloseListener = noopClose;
  /** Frames dropped because the socket was not open. */
  droppedFrames = 0;

  constructor(private readonly opts: WsTransportOptions) {}

  connect(): Promise<void> {
    if (this.ws) return Promise.reject(new TransportError('closed_before_open', 'connect() called twice on one transport'));
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.opts.url, this.opts.protocols ? [...this.opts.protocols] : undefined, {
        headers: { ...(this.opts.headers ?? {}) },
        perMessageDeflate: false,
        // The official SDK sets no cap (§8.2: server frames are unbounded in practice); a generous
        // one still keeps a hostile server from making the harness buffer gigabytes (close 1009).
        maxPayload: this.opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
        handshakeTimeout: this.opts.handshakeTimeoutMs ?? 10_000,
        rejectUnauthorized: this.opts.rejectUnauthorized ?? true,
      });
      this.ws = ws;
      let settled = false;
      const headers = this.opts.headers ?? {};
      const fail = (err: TransportError): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      /** Set while the body of a refused upgrade is read: finishes the failure with what arrived. */
      let finishRefusal: (() => void) | null = null;
      ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        // Stamp first: this is the receive time every milestone is measured with.
        const receivedUs = this.opts.clock.nowUs();
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        this.messageListener(isBinary ? buf : buf.toString('utf8'), receivedUs);
      });
      ws.once('open', () => {
        this.opened = true;
        settled = true;
        resolve();
      });
      // A refused upgrade (401, 404, …): keep the status and a short excerpt of the body, which
      // says why (wrong path, bad key). With this listener `ws` leaves the request to us.
      ws.once('unexpected-response', (_req: unknown, res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = (): void => {
          if (finishRefusal === null) return;
          finishRefusal = null;
          clearTimeout(timer);
          res.removeAllListeners('data');
          res.resume();
          const body = Buffer.concat(chunks).subarray(0, REFUSED_BODY_MAX_BYTES).toString('utf8');
          const retryAfterMs = parseRetryAfterHeader(res.headers['retry-after'], Date.now());
          fail(new TransportError('http_status', redactSecrets(httpStatusReason(status, res.statusMessage, body), headers), status, null, retryAfterMs));
          ws.terminate();
        };
        finishRefusal = finish;
        const timer = setTimeout(finish, REFUSED_BODY_WAIT_MS);
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= REFUSED_BODY_MAX_BYTES) finish();
        });
        res.once('end', finish);
        res.once('error', finish);
        res.once('close', finish);
      });
      ws.on('error', (err: Error) => {
        if (finishRefusal) return finishRefusal();
        if (settled) return; // after open, the 'close' that follows reports the failure
        fail(toTransportError(err, headers, this.opts.handshakeTimeoutMs ?? 10_000));
      });
      ws.once('close', (code: number, reason: Buffer) => {
        this.closed = true;
        if (finishRefusal) return finishRefusal();
        if (!settled) {
          const why = reason.length > 0 ? ` ${JSON.stringify(redactSecrets(reason.toString('utf8'), headers))}` : '';
          fail(new TransportError('closed_before_open', `connection closed during the opening handshake (code ${code}${why})`));
          return;
        }
        if (this.opened) this.closeListener(code, reason.toString('utf8'));
      });
    });
  }

  send(frame: string): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      this.droppedFrames += 1;
      return;
    }
    // Encoded here and handed over as a text frame: `ws` then masks it into one header+payload
    // buffer and makes a single write, where a string costs an encode plus a corked two-chunk
    // writev: 1.27 → 0.83 KB of JS heap per frame (bench/ws-send-micro.ts), which at 10,000
    // frames a second is 4.4 MB/s less garbage, about a seventh of a 200-session run's allocation.
    ws.send(Buffer.from(frame, 'utf8'), { binary: false });
  }

  close(code = 1000, reason = 'OK'): void {
    const ws = this.ws;
    if (!ws || this.closed) return;
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate();
      return;
    }
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(code, reason);
      const timer = setTimeout(() => ws.terminate(), this.opts.closeTimeoutMs ?? 2000);
      timer.unref();
      ws.once('close', () => clearTimeout(timer));
    }
  }

  onMessage(cb: MessageListener): void {
    this.messageListener = cb;
  }

  onClose(cb: CloseListener): void {
    this.closeListener = cb;
  }

  get bufferedBytes(): number {
    return this.ws?.bufferedAmount ?? 0;
  }
}

function toTransportError(err: Error, headers: Readonly<Record<string, string>>, handshakeTimeoutMs: number): TransportError {
  // Without an 'unexpected-response' listener `ws` words a refused upgrade like this.
  const status = /Unexpected server response: (\d{3})/.exec(err.message);
  if (status) return new TransportError('http_status', `HTTP ${status[1]}`, Number(status[1]));
  if (/handshake has timed out/i.test(err.message)) {
    return new TransportError('handshake_timeout', `opening handshake timed out after ${handshakeTimeoutMs} ms (no HTTP answer to the upgrade)`);
  }
  const n = networkReason(err);
  return new TransportError(n.tls ? 'tls' : 'network', redactSecrets(n.reason, headers), null, n.errno);
}
