/**
 * A tiny WebSocket relay for tests, on 127.0.0.1 port 0, in front of a real mock: it forwards every
 * frame both ways and the close, but lets a test rewrite or drop server events and change the close
 * code — a target that answers wrongly in exactly one way, so each probe can be shown to fail.
 */
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** A server event as a plain object. */
export type Ev = Record<string, unknown> & { type: string };

/** How the relay misbehaves. */
export interface Misbehaviour {
  /** Rewrites a server event: return the event(s) to send instead, or null to drop it. Default: unchanged. */
  serverEvent?: (e: Ev) => Ev | Ev[] | null;
  /** The close code sent to the client for the upstream's code. Default: the same code. */
  closeCode?: (code: number) => number;
}

/** A running relay. */
export interface Relay {
  /** `ws://127.0.0.1:PORT` (path and query are forwarded upstream). */
  readonly url: string;
  close(): Promise<void>;
}

/** Close codes a server may not send on the wire (RFC 6455 §7.4.1): replaced by 1000. */
const RESERVED = new Set([1005, 1006, 1015]);

/** Starts a relay to `upstream` (`ws://host:port`). */
export async function startRelay(upstream: string, m: Misbehaviour = {}): Promise<Relay> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const sockets = new Set<WebSocket>();
  wss.on('connection', (client, req) => {
    sockets.add(client);
    const headers: Record<string, string> = {};
    if (typeof req.headers.authorization === 'string') headers['Authorization'] = req.headers.authorization;
    const up = new WebSocket(`${upstream}${req.url ?? '/'}`, { headers, perMessageDeflate: false });
    sockets.add(up);
    const queue: WebSocket.RawData[] = [];
    up.on('open', () => {
      for (const d of queue.splice(0)) up.send(d.toString());
    });
    client.on('message', (d) => {
      if (up.readyState === WebSocket.OPEN) up.send(d.toString());
      else queue.push(d);
    });
    up.on('message', (d) => {
      const text = d.toString();
      let out: string[] = [text];
      if (m.serverEvent) {
        const ev = JSON.parse(text) as Ev;
        const r = m.serverEvent(ev);
        out = r === null ? [] : (Array.isArray(r) ? r : [r]).map((e) => JSON.stringify(e));
      }
      for (const o of out) if (client.readyState === WebSocket.OPEN) client.send(o);
    });
    up.on('close', (code, reason) => {
      const mapped = m.closeCode ? m.closeCode(code) : code;
      if (client.readyState === WebSocket.OPEN) client.close(RESERVED.has(mapped) ? 1000 : mapped, reason.toString());
    });
    up.on('error', () => client.terminate());
    client.on('close', () => {
      if (up.readyState === WebSocket.OPEN) up.close(1000, 'OK');
      else if (up.readyState === WebSocket.CONNECTING) up.terminate();
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}
