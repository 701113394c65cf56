/**
 * A WebSocket client on a bare TCP socket, for clients the `ws` package will not play: one that
 * never finishes its handshake, one that stops reading, one that disappears mid-frame. Writes
 * masked client frames (RFC 6455 §5.2) and parses nothing but the 101 head and, on request, the
 * close frame at the end of what it read.
 */
import { randomBytes } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';

/** The first bytes of an upgrade request for `path` (Host, Upgrade, Connection, key, version, auth). */
export function upgradeRequest(path: string, apiKey = 'sk-raw'): string {
  return [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    `Authorization: Bearer ${apiKey}`,
    '',
    '',
  ].join('\r\n');
}

/** A masked text (opcode 1) or close (opcode 8) frame. */
export function clientFrame(payload: string | Buffer, opcode = 1): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = data.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255]) : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127]), u64(len)]);
  const mask = randomBytes(4);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = data[i]! ^ mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** Opens a TCP connection to 127.0.0.1:port. */
export function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves when the socket closes (from either side), with the time it took. */
export function whenClosed(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed) return resolve();
    s.once('close', () => resolve());
  });
}

/** A completed upgrade on a raw socket: the head was read; later bytes are counted, not parsed. */
export interface RawSession {
  readonly socket: Socket;
  /** Bytes received after the 101 head. */
  received(): number;
  /** The received bytes after the head (kept only when `keep` was set). */
  bytes(): Buffer;
  send(frame: Buffer): void;
}

/** Upgrades a raw socket and returns once the server's 101 head has arrived. */
export async function rawUpgrade(port: number, path: string, opts: { apiKey?: string; keep?: boolean } = {}): Promise<RawSession> {
  const socket = await tcpConnect(port);
  socket.on('error', () => undefined);
  let head = '';
  let after = 0;
  const kept: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      if (head.endsWith('\r\n\r\n')) {
        after += chunk.length;
        if (opts.keep) kept.push(chunk);
        return;
      }
      const text = chunk.toString('latin1');
      const end = (head + text).indexOf('\r\n\r\n');
      if (end < 0) {
        head += text;
        return;
      }
      const split = end + 4 - head.length;
      head = (head + text).slice(0, end + 4);
      const rest = chunk.subarray(split);
      after += rest.length;
      if (opts.keep) kept.push(rest);
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
      else resolve();
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during the handshake')));
    socket.write(upgradeRequest(path, opts.apiKey));
  });
  return { socket, received: () => after, bytes: () => Buffer.concat(kept), send: (f) => void socket.write(f) };
}

/**
 * The close code of the last server close frame in `bytes` (server frames are unmasked), or null.
 * Walks the frames from the start, so `bytes` must begin at a frame boundary (right after the head).
 */
export function lastCloseCode(bytes: Buffer): number | null {
  let i = 0;
  let code: number | null = null;
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i]! & 0x0f;
    let len = bytes[i + 1]! & 0x7f;
    let p = i + 2;
    if (len === 126) {
      if (p + 2 > bytes.length) break;
      len = bytes.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (p + 8 > bytes.length) break;
      len = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    if (p + len > bytes.length) break;
    if (opcode === 8 && len >= 2) code = bytes.readUInt16BE(p);
    i = p + len;
  }
  return code;
}
