/**
 * The sideband sockets of a call (`wss://…/v1/realtime?call_id=…`, docs/realtime-protocol.md §10.6),
 * as a {@link FrameLink}: every event of the session goes to each attached socket, and each socket's
 * frames feed the session like a client's. A SIP call's events travel only this way; a WebRTC call
 * adds its data channel (webrtc/call.ts).
 */
import type { RawData, WebSocket } from 'ws';
import type { FrameLink } from './frame-link.ts';

function toBuffer(data: RawData): Buffer {
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
}

/** Sideband sockets of one call. */
export class SidebandLink implements FrameLink {
  protected frameCb: ((data: Buffer, isBinary: boolean) => void) | null = null;
  private endCb: ((code: number, reason: string) => void) | null = null;
  private readonly sockets = new Set<WebSocket>();
  protected ended = false;

  onFrame(cb: (data: Buffer, isBinary: boolean) => void): void {
    this.frameCb = cb;
  }
  onEnd(cb: (code: number, reason: string) => void): void {
    this.endCb = cb;
  }
  isOpen(): boolean {
    return !this.ended;
  }
  get bufferedBytes(): number {
    let max = 0;
    for (const ws of this.sockets) max = Math.max(max, ws.bufferedAmount);
    return max;
  }
  sendText(frame: string): void {
    for (const ws of this.sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  }
  close(code: number, reason: string): void {
    for (const ws of this.sockets) ws.close(code, reason);
    this.finish(code, reason);
  }
  terminate(): void {
    for (const ws of this.sockets) ws.terminate();
    this.finish(1006, '');
  }

  /** Attaches a socket; `first` (e.g. `session.created` with the current config) is sent to it alone. */
  attach(ws: WebSocket, first: string | null): void {
    if (this.ended) {
      ws.close(1000, 'call ended');
      return;
    }
    this.sockets.add(ws);
    if (first !== null) ws.send(first);
    ws.on('message', (d, isBinary) => this.frameCb?.(toBuffer(d), isBinary));
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('error', () => this.sockets.delete(ws));
  }

  /** Sockets attached now. */
  get sidebandCount(): number {
    return this.sockets.size;
  }

  /** Ends the link once: open sockets are closed 1000 (the real code is not documented), then the loop is told. */
  finish(code = 1000, reason = 'call ended'): void {
    if (this.ended) return;
    this.ended = true;
    for (const ws of this.sockets) if (ws.readyState === ws.OPEN) ws.close(1000, 'call ended');
    this.sockets.clear();
    this.finished();
    this.endCb?.(code, reason);
  }

  /** Called once when the link ends, before the loop is told (subclasses end their call). */
  protected finished(): void {}
}
