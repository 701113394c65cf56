import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { ManualClock } from '../../common/clock.ts';
import { TransportError } from './transport.ts';
import { WsTransport } from './ws-transport.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function wsServer(onConnection: (ws: WebSocket, headers: Record<string, string | string[] | undefined>) => void): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws, req) => onConnection(ws, req.headers));
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/v1/realtime?model=m`;
}

async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('WsTransport', () => {
  it('sends headers, exchanges text frames, stamps receive time with the injected clock, closes 1000', async () => {
    const clock = new ManualClock(42_000);
    let serverSide!: WebSocket;
    let headers: Record<string, string | string[] | undefined> = {};
    const got: string[] = [];
    const url = await wsServer((ws, h) => {
      serverSide = ws;
      headers = h;
      // Text frames (opcode 1), never binary, with non-ASCII text intact.
      ws.on('message', (d, isBinary) => got.push(`${isBinary ? 'binary' : 'text'} ${d.toString()}`));
      ws.send('{"type":"session.created"}');
    });
    const t = new WsTransport({ url, headers: { Authorization: 'Bearer sk-test' }, clock });
    const received: [string | Buffer, number][] = [];
    const first = new Promise<void>((resolve) =>
      t.onMessage((raw, us) => {
        received.push([raw, us]);
        resolve();
      }),
    );
    const closed = new Promise<[number, string]>((resolve) => t.onClose((c, r) => resolve([c, r])));
    await t.connect();
    await first;
    expect(received).toEqual([['{"type":"session.created"}', 42_000]]);
    expect(headers.authorization).toBe('Bearer sk-test');
    // No compression was offered (perMessageDeflate false, like the official SDK).
    expect(headers['sec-websocket-extensions']).toBeUndefined();
    t.send('{"type":"input_audio_buffer.commit","note":"привіт"}');
    const serverClosed = new Promise<number>((resolve) => serverSide.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => serverSide.once('message', () => resolve()));
    expect(got).toEqual(['text {"type":"input_audio_buffer.commit","note":"привіт"}']);
    t.close();
    expect(await serverClosed).toBe(1000);
    expect(await closed).toEqual([1000, 'OK']);
    t.send('late');
    expect(t.droppedFrames).toBe(1);
  });

  it('hands binary frames over as Buffers and reports a server close code and reason', async () => {
    const clock = new ManualClock(0);
    const url = await wsServer((ws) => {
      ws.send(Buffer.from([1, 2, 3]));
      setTimeout(() => ws.close(1001, 'Your session hit the maximum duration of 60 minutes.'), 20);
    });
    const t = new WsTransport({ url, clock });
    const frames: (string | Buffer)[] = [];
    t.onMessage((raw) => frames.push(raw));
    const closed = new Promise<[number, string]>((resolve) => t.onClose((c, r) => resolve([c, r])));
    await t.connect();
    expect(await closed).toEqual([1001, 'Your session hit the maximum duration of 60 minutes.']);
    expect(frames).toHaveLength(1);
    expect(Buffer.isBuffer(frames[0])).toBe(true);
  });

  it('accepts a large inbound frame (maxPayload 0 = unlimited)', async () => {
    const clock = new ManualClock(0);
    const big = JSON.stringify({ type: 'conversation.item.retrieved', audio: 'A'.repeat(3 * 1024 * 1024) });
    const url = await wsServer((ws) => ws.send(big));
    const t = new WsTransport({ url, clock });
    const got = new Promise<number>((resolve) => t.onMessage((raw) => resolve(raw.length)));
    await t.connect();
    expect(await got).toBe(big.length);
    t.close();
  });

  it('a refused upgrade keeps its status and a short excerpt of the JSON error body, with the key redacted', async () => {
    const url = await httpServer((_req, res) => {
      const body = JSON.stringify({ error: { message: 'Incorrect API key provided: sk-secret-echoed-back. Get one at https://platform.openai.com', type: 'invalid_request_error', code: 'invalid_api_key' } });
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(body);
    });
    const err = (await new WsTransport({ url, headers: { Authorization: 'Bearer sk-secret-echoed-back' }, clock: new ManualClock(0) }).connect().catch((e: unknown) => e)) as TransportError;
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'http_status', httpStatus: 401 });
    expect(err.message).toMatch(/^HTTP 401 Unauthorized: invalid_api_key: Incorrect API key provided: \[redacted\]/);
    expect(err.message).not.toContain('echoed');
  });

  it('a plain-text refusal body is cut to one short line; a body that never ends does not hold the failure back', async () => {
    const url = await httpServer((req, res) => {
      res.writeHead(req.url?.startsWith('/slow') ? 503 : 404, { 'content-type': 'text/plain' });
      if (req.url?.startsWith('/slow')) res.write('still thinking');
      else res.end(`not here\n${'x'.repeat(500)}`);
    });
    const notFound = (await new WsTransport({ url, clock: new ManualClock(0) }).connect().catch((e: unknown) => e)) as TransportError;
    expect(notFound.message).toMatch(/^HTTP 404 Not Found: not here x+…$/);
    expect(notFound.message.length).toBeLessThan(200);
    // The body of /slow never ends: the failure comes after REFUSED_BODY_WAIT_MS with what arrived.
    const slow = (await new WsTransport({ url: `${url}slow`, clock: new ManualClock(0) }).connect().catch((e: unknown) => e)) as TransportError;
    expect(slow.message).toBe('HTTP 503 Service Unavailable: still thinking');
  });

  it('rejects with http_status when the upgrade is refused, without leaking headers', async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(403);
      res.end('forbidden');
    });
    const t = new WsTransport({ url, headers: { Authorization: 'Bearer sk-secret' }, clock: new ManualClock(0) });
    const err = await t.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('http_status');
    expect((err as TransportError).httpStatus).toBe(403);
    expect(String((err as Error).message)).not.toContain('sk-secret');
  });

  it('rejects with handshake_timeout when the server never answers the upgrade', async () => {
    const url = await httpServer(() => {});
    const server = url; // the 'upgrade' event is unhandled: the request hangs
    const t = new WsTransport({ url: server, clock: new ManualClock(0), handshakeTimeoutMs: 100 });
    const err = await t.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as TransportError).code).toBe('handshake_timeout');
    expect((err as TransportError).message).toBe('opening handshake timed out after 100 ms (no HTTP answer to the upgrade)');
  });

  it('rejects with network when nothing listens', async () => {
    const url = await httpServer(() => {});
    for (const c of cleanups.splice(0)) await c(); // close it: the port is now free
    const err = await new WsTransport({ url, clock: new ManualClock(0) }).connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as TransportError).code).toBe('network');
    expect((err as TransportError).errno).toBe('ECONNREFUSED');
    expect((err as TransportError).message).toMatch(/^ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  it('rejects with tls and the TLS error when wss:// meets a server that does not speak TLS', async () => {
    const url = (await httpServer(() => {})).replace(/^ws:/, 'wss:');
    const err = (await new WsTransport({ url, clock: new ManualClock(0) }).connect().catch((e: unknown) => e)) as TransportError;
    expect(err.code).toBe('tls');
    // OpenSSL's reason; the errno (EPROTO on Node 20) is not the point.
    expect(err.message).toMatch(/^TLS \S+: wrong version number$/);
  });
});
