/**
 * The transport seam: moves text frames to and from a target and stamps
 * receive times. It knows nothing about event types; the session driver is where frames become
 * events. Implementations: {@link WsTransport} (real sockets) and {@link ScriptedTransport} (tests).
 */
import type { MediaPath } from './media.ts';

/** Called for every inbound frame with the transport's receive stamp (µs, injected clock). */
export type MessageListener = (raw: string | Buffer, receivedUs: number) => void;

/** Called once when the connection closes (by either side, or failed after opening). */
export type CloseListener = (code: number, reason: string) => void;

/** One connection to a Realtime target. */
export interface Transport {
  /** Opens the connection; rejects with a {@link TransportError} on handshake failure or timeout. */
  connect(): Promise<void>;
  /** Writes one text frame. Frames sent while not open are dropped (counted by the implementation). */
  send(frame: string): void;
  /** Closes the connection (default code 1000, reason "OK", like the official SDK). Idempotent. */
  close(code?: number, reason?: string): void;
  /** Sets the inbound frame listener (one per transport; a later call replaces it). */
  onMessage(cb: MessageListener): void;
  /** Sets the close listener (one per transport; a later call replaces it). */
  onClose(cb: CloseListener): void;
  /** Bytes queued in the socket but not yet written (back-pressure signal). */
  readonly bufferedBytes: number;
  /**
   * The audio path when audio travels outside the text frames (WebRTC: RTP on the call's track);
   * absent (undefined) for WebSocket, where audio is in the frames. Wrappers pass it through.
   */
  readonly media?: MediaPath | undefined;
}

/** Why a connection could not be opened. */
export type TransportErrorCode = 'handshake_timeout' | 'http_status' | 'network' | 'tls' | 'closed_before_open';

/**
 * A failure to open a connection (a transport failure: counted, not a protocol finding). Its
 * `message` is one line for people (status and body excerpt, errno, TLS code, close code) with
 * every credential removed (failure-reason.ts).
 */
export class TransportError extends Error {
  /** Stable code. */
  readonly code: TransportErrorCode;
  /** HTTP status of a rejected upgrade, when there was one. */
  readonly httpStatus: number | null;
  /** The system or TLS error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`), when there was one. */
  readonly errno: string | null;

  /** `Retry-After` of a refused upgrade (a 429 or 503), ms; null when absent or unreadable. */
  readonly retryAfterMs: number | null;

  constructor(code: TransportErrorCode, message: string, httpStatus: number | null = null, errno: string | null = null, retryAfterMs: number | null = null) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.errno = errno;
    this.retryAfterMs = retryAfterMs;
  }
}
