/**
 * Tiny misbehaving Realtime "servers" on 127.0.0.1 port 0, written on bare TCP so they can break
 * the rules the `ws` package would enforce: one that never answers the upgrade, one that upgrades
 * and then sends nothing (not even a close reply), one that closes during the handshake, one that
 * sends garbage frames, one that sends huge frames. Each counts its connections.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

/** How a bad server behaves. */
export type BadBehaviour = 'silent_http' | 'silent_ws' | 'close_in_handshake' | 'garbage' | 'huge_frames';

/** A running bad server. */
export interface BadServer {
  /** `ws://127.0.0.1:PORT/v1/realtime` */
  readonly url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** An unmasked server frame (RFC 6455 §5.2). */
export function serverFrame(payload: string | Buffer, opcode = 1): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = data.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | opcode, len]);
  else if (len < 65536) head = Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, data]);
}

function acceptHeaders(request: string): string {
  const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? '';
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}

/** A believable `session.created` (enough for a client to start a session). */
function sessionCreated(n: number): string {
  return JSON.stringify({ type: 'session.created', event_id: `event_bad${n}`, session: { type: 'realtime', object: 'realtime.session', id: `sess_bad${n}`, model: 'gpt-realtime' } });
}

/** Garbage that a client must survive: not JSON, JSON of the wrong shape, binary, unknown events. */
const GARBAGE: readonly (() => Buffer)[] = [
  () => serverFrame('this is not json'),
  () => serverFrame('{"type":'),
  () => serverFrame('[1,2,3]'),
  () => serverFrame('{"no_type":true}'),
  () => serverFrame('{"type":42}'),
  () => serverFrame('{"type":"response.output_audio.delta","delta":"@@not base64@@","response_id":7}'),
  () => serverFrame('{"type":"response.done","response":null}'),
  () => serverFrame('{"type":"error","error":"just a string"}'),
  () => serverFrame('{"type":"who.knows","event_id":5}'),
  () => serverFrame(Buffer.from([0, 1, 2, 3, 255]), 2),
  () => serverFrame('null'),
];

/**
 * Calls `onText` for every client text frame after the upgrade (client frames are masked). Close
 * frames are read and ignored: these servers never answer them.
 */
function readClientFrames(socket: Socket, onText: (text: string) => void): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let p = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        p = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        p = 10;
      }
      if (buf.length < p + 4 + len) return;
      const mask = buf.subarray(p, p + 4);
      const body = Buffer.from(buf.subarray(p + 4, p + 4 + len));
      for (let i = 0; i < len; i++) body[i]! ^= mask[i & 3]!;
      buf = buf.subarray(p + 4 + len);
      if (opcode === 1) onText(body.toString('utf8'));
    }
  });
}

/**
 * Answers each client `session.update` with a `session.updated`, so the client gets to its turns,
 * then calls `after` once.
 */
function answerSessionUpdates(socket: Socket, n: number, after?: () => void): void {
  let answered = false;
  readClientFrames(socket, (text) => {
    if (text.includes('"session.update"') && !socket.destroyed) {
      socket.write(serverFrame(JSON.stringify({ type: 'session.updated', event_id: `event_upd${n}`, session: { type: 'realtime', object: 'realtime.session', id: `sess_bad${n}`, model: 'gpt-realtime' } })));
      if (!answered) after?.();
      answered = true;
    }
  });
}

function onUpgradeRequest(socket: Socket, cb: (head: string) => void): void {
  let buf = '';
  const onData = (chunk: Buffer): void => {
    buf += chunk.toString('latin1');
    if (!buf.includes('\r\n\r\n')) return;
    socket.off('data', onData);
    cb(buf);
  };
  socket.on('data', onData);
}

/** Starts a bad server with the given behaviour. */
export async function startBadServer(behaviour: BadBehaviour, opts: { hugeBytes?: number } = {}): Promise<BadServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count += 1;
    const n = count;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    switch (behaviour) {
      case 'silent_http':
        // Reads the upgrade request and never answers it.
        socket.resume();
        return;
      case 'close_in_handshake':
        onUpgradeRequest(socket, () => {
          // Half a 101 head, then the connection is cut.
          socket.write('HTTP/1.1 101 Switching Proto');
          socket.destroy();
        });
        return;
      case 'silent_ws':
        // Upgrades, then ignores everything, close frames included.
        onUpgradeRequest(socket, (req) => {
          socket.write(acceptHeaders(req));
          socket.resume();
        });
        return;
      case 'garbage':
        onUpgradeRequest(socket, (req) => {
          socket.write(acceptHeaders(req));
          socket.write(serverFrame(sessionCreated(n)));
          answerSessionUpdates(socket, n);
          let i = 0;
          const t = setInterval(() => {
            if (socket.destroyed) return;
            socket.write(GARBAGE[i++ % GARBAGE.length]!());
          }, 20);
          timers.add(t);
          socket.on('close', () => {
            clearInterval(t);
            timers.delete(t);
          });
        });
        return;
      case 'huge_frames':
        onUpgradeRequest(socket, (req) => {
          socket.write(acceptHeaders(req));
          socket.write(serverFrame(sessionCreated(n)));
          answerSessionUpdates(socket, n, () => {
            const bytes = opts.hugeBytes ?? 20 * 1024 * 1024;
            // A 20 MB audio delta (valid JSON, absurd size), then a 20 MB frame of non-JSON.
            const delta = `{"type":"response.output_audio.delta","event_id":"event_huge","response_id":"resp_x","item_id":"item_x","output_index":0,"content_index":0,"delta":"${'A'.repeat(bytes)}"}`;
            socket.write(serverFrame(delta));
            socket.write(serverFrame(Buffer.alloc(bytes, 0x78)));
          });
        });
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/v1/realtime`,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
