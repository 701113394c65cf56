/**
 * `rth record`: a recording relay. A WebSocket server on 127.0.0.1 that a client connects to as if
 * it were the Realtime API; for each client it opens the upstream connection (the target, same path
 * and query) with the relay's credential, forwards every frame both ways unchanged, and writes every
 * event either way with its receipt stamp to one JSONL file per session (session-file.ts). The key
 * is sent upstream only in the handshake header and never written; a client's own credential is
 * forwarded when the relay has none, and never written either.
 */
import { mkdir } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import WebSocket, { WebSocketServer, type RawData } from 'ws';
import { monotonicClock, type Clock } from '../../common/clock.ts';
import { STREAM_FORMAT } from '../../common/protocol/stream-record.ts';
import { SessionFile } from './session-file.ts';

/** Options of {@link startRecordingRelay}. */
export interface RelayOptions {
  /** Upstream server: `wss://api.openai.com` for `openai`, or any ws(s):// URL (its path is used when not the root). */
  upstreamUrl: string;
  /** Handshake headers for upstream (Authorization from the key variable); empty: the client's credential is forwarded. */
  upstreamHeaders: Readonly<Record<string, string>>;
  /** Folder for the session files (created). */
  outDir: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Keep audio payloads. Default false. */
  includeAudio?: boolean;
  /** Told of each session's start and end (file, lines). Default none. */
  onSession?: (e: { kind: 'open' | 'closed'; file: string; lines?: number; reason?: string }) => void;
  /** Default {@link monotonicClock}. */
  clock?: Clock;
  /** Extra CA (PEM) to trust upstream (a self-signed mock). Default none. */
  upstreamCa?: string;
}

/** A running relay. */
export interface RecordingRelay {
  /** `ws://127.0.0.1:PORT` (clients append `/v1/realtime?model=…`). */
  readonly url: string;
  readonly port: number;
  /** Files written so far. */
  files(): string[];
  /** Closes every session (1001) and the server; resolves when the files are flushed. */
  close(): Promise<void>;
}

/** Client handshake headers passed upstream when the relay has no credential of its own, or always (non-secret ones). */
const CREDENTIAL_HEADERS = ['authorization', 'api-key'];
const PASS_HEADERS = ['openai-beta', 'openai-organization', 'openai-project'];

/** The upstream URL for a client's request path: the target's origin, its path unless it is a root, the client's query over the target's. */
export function upstreamUrlFor(base: string, requestUrl: string): string {
  const u = new URL(base);
  const req = new URL(requestUrl, 'http://relay');
  const rootPath = u.pathname.replace(/\/+$/, '') === '' || u.pathname.replace(/\/+$/, '') === '/v1';
  if (rootPath) u.pathname = req.pathname;
  for (const [k, v] of req.searchParams) u.searchParams.set(k, v);
  return u.toString();
}

/** The secrets in a client's handshake (credential headers, key subprotocols), for redaction. */
function clientSecrets(req: IncomingMessage): string[] {
  const out: string[] = [];
  for (const h of CREDENTIAL_HEADERS) {
    const v = req.headers[h];
    if (typeof v === 'string') out.push(v, v.replace(/^Bearer\s+/i, ''));
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') for (const p of protocols.split(',')) if (p.trim().startsWith('openai-insecure-api-key.')) out.push(p.trim().slice('openai-insecure-api-key.'.length));
  return out.filter((s) => s.length >= 4);
}

/** Path and query for the meta line, with values that look secret removed. */
function safePath(requestUrl: string): string {
  const u = new URL(requestUrl, 'http://relay');
  for (const k of [...u.searchParams.keys()]) if (/key|token|secret|sig|auth|password|credential/i.test(k)) u.searchParams.set(k, 'REDACTED');
  return `${u.pathname}${u.search}`;
}

function sessionKindOf(requestUrl: string): 'realtime' | 'transcription' | 'translation' {
  const u = new URL(requestUrl, 'http://relay');
  if (u.pathname.replace(/\/+$/, '').endsWith('/translations')) return 'translation';
  return u.searchParams.get('intent') === 'transcription' ? 'transcription' : 'realtime';
}

/** A close code a peer may send (1005/1006/1015 are reserved for reporting). */
function sendableCode(code: number): number {
  return code === 1000 || (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999) ? code : 1011;
}

/** Starts the relay. Resolves once it listens. */
export async function startRecordingRelay(opts: RelayOptions): Promise<RecordingRelay> {
  const clock = opts.clock ?? monotonicClock;
  await mkdir(opts.outDir, { recursive: true });
  const ownSecrets = Object.entries(opts.upstreamHeaders)
    .filter(([h]) => CREDENTIAL_HEADERS.includes(h.toLowerCase()))
    .flatMap(([, v]) => [v, v.replace(/^Bearer\s+/i, '')]);
  const haveCredential = ownSecrets.length > 0;
  const up = new URL(opts.upstreamUrl);
  const targetLabel = `${up.protocol}//${up.host}${up.pathname}`;
  const files: string[] = [];
  const pending = new Set<Promise<void>>();
  const sockets = new Set<WebSocket>();
  let index = 0;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: opts.port ?? 0, perMessageDeflate: false, maxPayload: 32 * 1024 * 1024, handleProtocols: (p) => (p.has('realtime') ? 'realtime' : false) });

  wss.on('connection', (client: WebSocket, req: IncomingMessage) => {
    const n = ++index;
    const requestUrl = req.url ?? '/';
    const file = path.join(opts.outDir, `session-${String(n).padStart(4, '0')}.jsonl`);
    const secrets = [...ownSecrets, ...clientSecrets(req)];
    const rec = new SessionFile(file, { sessionKind: sessionKindOf(requestUrl), format: STREAM_FORMAT, target: targetLabel, path: safePath(requestUrl), startedAt: new Date().toISOString(), audio: opts.includeAudio ? 'included' : 'redacted' }, { secrets, ...(opts.includeAudio ? { includeAudio: true } : {}) });
    files.push(file);
    sockets.add(client);
    opts.onSession?.({ kind: 'open', file });
    const headers: Record<string, string> = {};
    for (const h of PASS_HEADERS) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
    if (haveCredential) Object.assign(headers, opts.upstreamHeaders);
    else for (const h of CREDENTIAL_HEADERS) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
    const offered = typeof req.headers['sec-websocket-protocol'] === 'string' ? req.headers['sec-websocket-protocol'].split(',').map((p) => p.trim()).filter((p) => p !== '') : [];
    // With its own key the relay drops a client's key subprotocol; without, it is the credential and goes upstream.
    const protocols = haveCredential ? offered.filter((p) => !p.startsWith('openai-insecure-api-key.')) : offered;
    const upstream = new WebSocket(upstreamUrlFor(opts.upstreamUrl, requestUrl), protocols, { headers, perMessageDeflate: false, maxPayload: 32 * 1024 * 1024, ...(opts.upstreamCa ? { ca: opts.upstreamCa } : {}) });
    const queued: { data: RawData; binary: boolean }[] = [];
    let ended = false;
    const finish = (code: number, reason: string, by: 'client' | 'server'): void => {
      if (ended) return;
      ended = true;
      const p = rec.close(code, reason, by, clock.nowUs()).then(() => {
        pending.delete(p);
        opts.onSession?.({ kind: 'closed', file, lines: rec.lines, reason: `${by} closed ${code}${reason ? ` ${reason}` : ''}` });
      });
      pending.add(p);
      if (client.readyState === WebSocket.OPEN) client.close(sendableCode(code), reason.slice(0, 120));
      if (upstream.readyState === WebSocket.OPEN) upstream.close(sendableCode(code), reason.slice(0, 120));
      else if (upstream.readyState === WebSocket.CONNECTING) upstream.terminate();
      sockets.delete(client);
    };
    client.on('message', (data, binary) => {
      const us = clock.nowUs();
      if (!binary) rec.frame('client', data.toString(), us);
      else rec.frame('client', `<binary frame, ${(data as Buffer).length} bytes>`, us);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary });
      else queued.push({ data, binary });
    });
    upstream.on('open', () => {
      for (const q of queued.splice(0)) upstream.send(q.data, { binary: q.binary });
    });
    upstream.on('message', (data, binary) => {
      const us = clock.nowUs();
      if (!binary) rec.frame('server', data.toString(), us);
      else rec.frame('server', `<binary frame, ${(data as Buffer).length} bytes>`, us);
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary });
    });
    upstream.on('unexpected-response', (_r, res) => {
      // The upstream refused the handshake: the client learns why in the close reason, and so does the file.
      finish(1014, `upstream answered HTTP ${res.statusCode ?? '?'}`, 'server');
      res.resume();
    });
    upstream.on('error', (err) => finish(1014, `upstream error: ${err.message}`, 'server'));
    upstream.on('close', (code, reason) => finish(code, reason.toString(), 'server'));
    client.on('close', (code, reason) => finish(code, reason.toString(), 'client'));
    client.on('error', () => finish(1006, 'client socket error', 'client'));
  });

  await new Promise<void>((resolve, reject) => {
    wss.once('listening', () => resolve());
    wss.once('error', reject);
  });
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closing: Promise<void> | null = null;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    files: () => [...files],
    close: () =>
      (closing ??= (async () => {
        for (const s of [...sockets]) s.close(1001, 'relay shutting down');
        await new Promise<void>((resolve) => setTimeout(resolve, 50));
        for (const s of [...sockets]) s.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await Promise.all([...pending]);
      })()),
  };
}
