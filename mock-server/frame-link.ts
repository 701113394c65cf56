/**
 * What the connection loop needs from the thing that carries a session's JSON events: a WebSocket
 * (the WebSocket door), or a WebRTC call's `oai-events` data channel plus any sideband sockets
 * attached to it (the WebRTC door). The loop (connection.ts) never sees which.
 */
import type { RawData, WebSocket } from 'ws';

/** A carrier of text frames for one session. */
export interface FrameLink {
  /** Sets the listener for inbound frames (text frames carry one JSON event; binary frames are errors). */
  onFrame(cb: (data: Buffer, isBinary: boolean) => void): void;
  /** Sets the listener called once when the link has ended (either side, or an error), with the close code and reason (1006 and '' when there was none). */
  onEnd(cb: (code: number, reason: string) => void): void;
  /** Whether frames can still be written. */
  isOpen(): boolean;
  /** Bytes accepted but not yet written (back-pressure: a client that does not read). */
  readonly bufferedBytes: number;
  /** Writes one text frame. */
  sendText(frame: string): void;
  /** Ends the link with a close code and reason (a WebSocket close frame; a data channel just closes). */
  close(code: number, reason: string): void;
  /** Drops the link at once, with no close handshake (the client sees 1006 on a WebSocket). */
  terminate(): void;
}

function toBuffer(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** The WebSocket door's link: one `ws` socket. */
export function wsLink(ws: WebSocket): FrameLink {
  return {
    onFrame: (cb) => ws.on('message', (data, isBinary) => cb(toBuffer(data), isBinary)),
    onEnd: (cb) => {
      ws.on('close', (code?: number, reason?: Buffer) => cb(typeof code === 'number' ? code : 1006, reason?.toString() ?? ''));
      ws.on('error', () => cb(1006, ''));
    },
    isOpen: () => ws.readyState === ws.OPEN,
    get bufferedBytes() {
      return ws.bufferedAmount;
    },
    sendText: (frame) => ws.send(frame),
    close: (code, reason) => {
      try {
        ws.close(code, reason);
      } catch {
        ws.terminate();
      }
    },
    terminate: () => ws.terminate(),
  };
}
