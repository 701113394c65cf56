/**
 * `startMockServer()`: the protocol-faithful mock Realtime server. One HTTP(S) server carries the
 * client-secret endpoints (http.ts) and the WebSocket upgrades, which are routed here by path and
 * query (§1.1), authenticated (auth.ts, §1.2) and handed to a per-connection loop (connection.ts)
 * running one session kind: realtime, transcription or translation.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { monotonicClock, type Clock } from '../common/clock.ts';
import { ConfigError } from '../common/errors.ts';
import { authorize, ClientSecretStore, extractApiKey, selectSubprotocol } from './auth.ts';
import { MockConnection, type ConnectionStats } from './connection.ts';
import { wsLink } from './frame-link.ts';
import { LIVE_PATH, refuseUpgrade, routeUpgrade, scopeOf, sessionKindFor } from './upgrade-routes.ts';
import { CallRegistry } from './calls.ts';
import { handleCallsRequest, isCallsPath, type CallsDeps } from './webrtc/calls-http.ts';
import { startSipServer, type SipServerHandle } from './sip/sip-server.ts';
import type { MockErrorSpec, ResolvedMockOptions, ResponseTimingSource, SessionKind, TraceSink } from './contract.ts';
import type { ServerEventOf } from '../common/protocol/types.ts';
import {
  expiredClientSecret,
  invalidApiKey,
  missingApiKey,
} from './errors.ts';
import { parseFaultSpecs, type FaultPlan } from './faults.ts';
import { handleHttpRequest } from './http.ts';
import { SeededIdFactory } from './ids.ts';
import { DEFAULT_LATENCY_PROFILE, loadLatencyProfile, scaleLatencyProfile, type LatencyProfile } from './latency-profile.ts';
import { createRealtimeSession } from './realtime/session.ts';
import { DEFAULT_MODEL } from './realtime/config.ts';
import { loadRecordedTiming } from './replay/recorded-timing.ts';
import { SeededRng } from './rng.ts';
import { generateSelfSigned, loadTlsFiles, type TlsMaterial } from './tls.ts';
import { betaApiShapeDisabled, betaOptIns, BETA_CLOSE_CODE } from './beta.ts';
import type { ClientObserverFactory } from './client-findings/observer.ts';
import { sessionInfoFromUpgrade } from './client-findings/upgrade-info.ts';
import { AccountLimits, CONCURRENCY_RETRY_AFTER_S, concurrencyRefusalBody, limitProblem } from './rate-limits.ts';
import { openTraceSink } from './trace.ts';

/** Options of {@link startMockServer}; every field is optional. */
export interface MockServerOptions {
  /** Interface to bind. Default `127.0.0.1` (never all interfaces unless asked). */
  host?: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Seed of every random choice (ids, latencies, answers, faults). Default 1. */
  seed?: number;
  /** When set, sockets must present this key (or a live `ek_` key from this server). Default: any non-empty key. */
  apiKey?: string | null;
  /** Serve `wss://` and `https://` with a self-signed certificate generated at start. Default false. */
  tls?: boolean;
  /** PEM certificate file (with `keyFile`; implies `tls`). */
  certFile?: string;
  /** PEM private key file (with `certFile`; implies `tls`). */
  keyFile?: string;
  /** Session cap in seconds (§1.4). Default 3600. */
  maxSessionS?: number;
  /** Latency profile: a JSON file path or a profile object. Default {@link DEFAULT_LATENCY_PROFILE}. */
  latency?: string | LatencyProfile;
  /** Multiplies every delay of the latency profile (e.g. 0.01 for fast tests). Default 1. */
  latencyScale?: number;
  /** `--fault` specs (faults.ts grammar). Default none. */
  faults?: readonly string[];
  /** Write one JSONL trace record per response here. Default none. */
  tracePath?: string | null;
  /** When function tools are called under `tool_choice: "auto"`. Default `auto` (on user turns). */
  toolPlan?: 'auto' | 'always' | 'never';
  /**
   * Replay the response timing of recorded sessions (a folder of `rth record` JSONL files, or one
   * file; see replay/recorded-timing.ts) instead of drawing it from the latency profile. Default none.
   */
  replay?: string | ResponseTimingSource;
  /** Clock for every timer and stamp. Default {@link monotonicClock}. */
  clock?: Clock;
  /** Close a connection 1008 when its unsent bytes exceed this. Default 8 MiB. */
  maxBufferedBytes?: number;
  /**
   * A connection whose HTTP request (an upgrade or a client-secret POST) has not arrived in full
   * within this is answered 408 and closed (checked every quarter of it, at most every second).
   * Default 10,000 ms (Node's own default would hold a half-sent handshake for up to 90 s).
   */
  handshakeTimeoutMs?: number;
  /**
   * Emulated account limit: WebSocket sessions open at once; the next upgrade is refused with HTTP
   * 429, an OpenAI-style JSON body and `Retry-After` (rate-limits.ts). Default none.
   */
  maxConcurrentSessions?: number | null;
  /**
   * Emulated account limit: tokens per fixed 60 s window, shared by every session; a response
   * starting once it is spent fails with `rate_limit_exceeded` (rate-limits.ts). Default none.
   */
  tokensPerMinute?: number | null;
  /**
   * The address WebRTC calls gather their ICE candidates on (`--rtc-host`); default `host` when it
   * is a numeric IPv4 address other than 0.0.0.0, else 127.0.0.1. Loopback only by default: no
   * STUN, no mDNS, no IPv6 candidates.
   */
  rtcHost?: string;
  /** Serve the SIP leg on this UDP+TCP port (`--sip-port`; 0 picks one); default none. */
  sipPort?: number | null;
  /** Webhook for `realtime.call.incoming` (`--sip-webhook`); default none: SIP calls are accepted at once. */
  sipWebhookUrl?: string | null;
  /** Signing secret of the webhook (`--webhook-secret`, `whsec_…`); required with {@link sipWebhookUrl}. */
  webhookSecret?: string | null;
  /**
   * Client findings: every session (and every retired-beta HTTP request) is reported to this
   * collector (`new ClientFindings({clock})`, client-findings/collector.ts), which judges what the
   * client sends. Answers are unchanged. Default none.
   */
  clientFindings?: ClientObserverFactory | null;
}

/** A running mock server. */
export interface MockServerHandle {
  /** `ws://host:port` or `wss://host:port` (append `/v1/realtime?model=…`). */
  readonly url: string;
  /** `http://host:port` or `https://host:port` (base for `/v1/realtime/client_secrets`). */
  readonly httpUrl: string;
  readonly host: string;
  readonly port: number;
  /** The certificate in PEM when serving TLS (pass it as a CA to trust a self-signed one), else null. */
  readonly certPem: string | null;
  /** UDP/TCP port of the SIP leg, or null when it is off. */
  readonly sipPort: number | null;
  /** Live counters (open sessions, handler errors, …). */
  stats(): Readonly<ConnectionStats>;
  /** Closes every session (1001), stops listening and flushes the trace. Idempotent. */
  close(): Promise<void>;
}

/** Default of {@link MockServerOptions.handshakeTimeoutMs}. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const TOOL_PLANS = ['auto', 'always', 'never'] as const;

/**
 * Applies defaults and validates options; throws ConfigError `E_MOCK_OPTIONS` listing every problem.
 * The latency profile is resolved separately (it may need a file read).
 */
export function resolveMockOptions(options: MockServerOptions): Omit<ResolvedMockOptions, 'latencyProfile'> {
  const problems: string[] = [];
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  const seed = options.seed ?? 1;
  const maxSessionS = options.maxSessionS ?? 3600;
  if (typeof host !== 'string' || host.length === 0) problems.push('host: expected a non-empty interface name or address');
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`port: expected an integer 0–65535, got ${String(port)}`);
  if (!Number.isFinite(seed)) problems.push(`seed: expected a finite number, got ${String(seed)}`);
  if (!(typeof maxSessionS === 'number' && maxSessionS > 0 && Number.isFinite(maxSessionS))) problems.push(`maxSessionS: expected a positive number of seconds, got ${String(maxSessionS)}`);
  if (options.apiKey !== undefined && options.apiKey !== null && (typeof options.apiKey !== 'string' || options.apiKey.length === 0)) {
    problems.push('apiKey: expected a non-empty string (or omit it to accept any key)');
  }
  if ((options.certFile === undefined) !== (options.keyFile === undefined)) problems.push('certFile and keyFile: give both or neither');
  if (options.latencyScale !== undefined && !(options.latencyScale > 0 && Number.isFinite(options.latencyScale))) {
    problems.push(`latencyScale: expected a positive number, got ${String(options.latencyScale)}`);
  }
  if (options.toolPlan !== undefined && !TOOL_PLANS.includes(options.toolPlan)) problems.push(`toolPlan: expected one of ${TOOL_PLANS.join(', ')}, got ${String(options.toolPlan)}`);
  if (options.maxBufferedBytes !== undefined && !(options.maxBufferedBytes > 0)) problems.push('maxBufferedBytes: expected a positive number of bytes');
  if (options.handshakeTimeoutMs !== undefined && !(Number.isFinite(options.handshakeTimeoutMs) && options.handshakeTimeoutMs > 0)) {
    problems.push('handshakeTimeoutMs: expected a positive number of milliseconds');
  }
  for (const p of [limitProblem('maxConcurrentSessions', options.maxConcurrentSessions), limitProblem('tokensPerMinute', options.tokensPerMinute)]) if (p) problems.push(p);
  if (options.sipPort != null && !(Number.isInteger(options.sipPort) && options.sipPort >= 0 && options.sipPort <= 65535)) problems.push(`sipPort: expected an integer 0–65535, got ${String(options.sipPort)}`);
  if (options.sipWebhookUrl != null) {
    if (options.sipPort == null) problems.push('sipWebhookUrl: needs sipPort (the webhook announces SIP calls)');
    if (!/^https?:\/\/\S+$/.test(options.sipWebhookUrl)) problems.push(`sipWebhookUrl: expected an http:// or https:// URL, got ${JSON.stringify(options.sipWebhookUrl)}`);
    if (!options.webhookSecret) problems.push('webhookSecret: required with sipWebhookUrl (the webhook is signed; a secret looks like whsec_<base64>)');
  }
  if (problems.length > 0) throw new ConfigError('E_MOCK_OPTIONS', problems);
  return {
    host,
    port,
    seed,
    apiKey: options.apiKey ?? null,
    tls: Boolean(options.tls) || options.certFile !== undefined,
    maxSessionS,
    faultSpecs: [...(options.faults ?? [])],
    tracePath: options.tracePath ?? null,
    toolPlan: options.toolPlan ?? 'auto',
    maxConcurrentSessions: options.maxConcurrentSessions ?? null,
  };
}

async function resolveLatency(options: MockServerOptions): Promise<LatencyProfile> {
  const base = typeof options.latency === 'string' ? await loadLatencyProfile(options.latency) : (options.latency ?? DEFAULT_LATENCY_PROFILE);
  return options.latencyScale !== undefined && options.latencyScale !== 1 ? scaleLatencyProfile(base, options.latencyScale) : base;
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Starts the mock. Resolves once it listens; the returned URLs carry the actual port.
 * @throws ConfigError for invalid options, unreadable `--cert`/`--key`/latency/trace files.
 */
export async function startMockServer(options: MockServerOptions = {}): Promise<MockServerHandle> {
  const base = resolveMockOptions(options);
  const clock = options.clock ?? monotonicClock;
  const faultPlan: FaultPlan = parseFaultSpecs(base.faultSpecs);
  const latencyProfile = await resolveLatency(options);
  const latencyReplay = typeof options.replay === 'string' ? await loadRecordedTiming(options.replay) : (options.replay ?? null);
  const accountLimits = options.tokensPerMinute != null ? new AccountLimits({ tokensPerMinute: options.tokensPerMinute, clock }) : null;
  const resolved: ResolvedMockOptions = { ...base, latencyProfile, latencyReplay, accountLimits };
  /** Upgrades admitted and not yet closed (the emulated concurrency cap counts these). */
  let admitted = 0;
  let tls: TlsMaterial | null = null;
  if (options.certFile !== undefined && options.keyFile !== undefined) tls = await loadTlsFiles(options.certFile, options.keyFile);
  else if (resolved.tls) tls = await generateSelfSigned(resolved.host);
  const trace: TraceSink = await openTraceSink(resolved.tracePath);

  const serverRng = new SeededRng(resolved.seed);
  const serverIds = new SeededIdFactory(serverRng.fork('server-ids'));
  const store = new ClientSecretStore();
  const stats: ConnectionStats = { open: 0, total: 0, handlerErrors: 0, sendOverflows: 0, framesIn: 0 };
  const sockets = new Set<WebSocket>();
  let connectionIndex = 0;
  const nowUnixS = (): number => Math.floor(Date.now() / 1000);

  const findings = options.clientFindings ?? null;
  const httpDeps = { apiKey: resolved.apiKey, store, ids: serverIds, nowUnixS, observer: findings, clock };
  const calls = new CallRegistry();
  const callsDeps: CallsDeps = {
    apiKey: resolved.apiKey,
    store,
    ids: serverIds,
    rng: serverRng.fork('call-ids'),
    nowUnixS,
    registry: calls,
    rtcHost: options.rtcHost ?? (/^\d+\.\d+\.\d+\.\d+$/.test(resolved.host) && resolved.host !== '0.0.0.0' ? resolved.host : '127.0.0.1'),
    openSession: (model, clientSecretSession, req) => newSessionInit(createRealtimeSession(), model, clientSecretSession, req ? { req, transport: 'webrtc' } : { req: null, transport: 'webrtc' }),
  };
  const onRequest = (req: IncomingMessage, res: import('node:http').ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://mock').pathname.replace(/\/+$/, '');
    if (isCallsPath(path)) void handleCallsRequest(req, res, path, callsDeps);
    else void handleHttpRequest(req, res, httpDeps);
  };
  // A client that never finishes its request (slowloris, a half-sent upgrade) must not hold a socket.
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const timeouts = {
    headersTimeout: handshakeTimeoutMs,
    requestTimeout: Math.max(handshakeTimeoutMs, 30_000),
    connectionsCheckingInterval: Math.min(1000, Math.max(10, handshakeTimeoutMs / 4)),
  };
  const server: Server = tls ? createHttpsServer({ cert: tls.certPem, key: tls.keyPem, handshakeTimeout: handshakeTimeoutMs, ...timeouts }, onRequest) : createHttpServer(timeouts, onRequest);

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // 15 MiB of base64 per append is legal (§8.2); larger frames are cut by ws with 1009.
    maxPayload: 32 * 1024 * 1024,
    handleProtocols: (protocols) => selectSubprotocol(protocols),
  });

  const onConnection = (ws: WebSocket, req: IncomingMessage, url: URL): void => {
    sockets.add(ws);
    ws.once('close', () => sockets.delete(ws));
    const index = connectionIndex++;
    const rng = serverRng.fork(`connection:${index}`);
    const ids = new SeededIdFactory(rng.fork('ids'));
    const observer = findings?.observe() ?? null;
    const beta = betaOptIns(req);
    const key = extractApiKey(req);
    const fatal = (e: MockErrorSpec, closeCode = 3000): void => {
      // §1.2: the upgrade succeeds, one `error` event, then close 3000 (4000 for beta) `<type>.<code>`.
      const type = e.type ?? 'invalid_request_error';
      const event: ServerEventOf<'error'> = { type: 'error', event_id: ids.event(), error: { type, code: e.code, message: e.message, param: e.param ?? null, event_id: null } };
      const reason = `${type}.${e.code ?? 'error'}`;
      if (observer) {
        observer.serverEvent(event as unknown as Record<string, unknown> & { type: string }, clock.nowUs());
        // The close the server sent (a client may echo it without the reason).
        ws.once('close', () => observer.sessionClosed(closeCode, reason));
      }
      ws.send(JSON.stringify(event));
      ws.close(closeCode, reason);
    };
    const route = routeUpgrade(url);
    const auth = authorize(key, resolved.apiKey, store, 'code' in route ? 'realtime' : scopeOf(route), nowUnixS());
    const sessionId = !auth.ok || 'code' in route || beta.header || beta.subprotocol ? null : ids.session();
    observer?.sessionOpened(
      sessionInfoFromUpgrade(req, url, { sessionId, endpoint: 'code' in route ? null : route.kind, key, ephemeral: auth.ok && auth.clientSecret !== null, beta, openedUs: clock.nowUs() }),
    );
    if (beta.header || beta.subprotocol) {
      // The real service refuses the retired beta protocol (docs/client-findings.md).
      fatal(betaApiShapeDisabled(), BETA_CLOSE_CODE);
      return;
    }
    if (!auth.ok) {
      fatal(auth.reason === 'missing' ? missingApiKey() : auth.reason === 'expired' ? expiredClientSecret() : invalidApiKey());
      return;
    }
    if ('code' in route) {
      fatal(route);
      return;
    }
    const connection = new MockConnection({
      link: wsLink(ws),
      ...sessionInitOf(sessionKindFor(route), route.kind === 'transcription' || route.kind === 'live' ? null : route.model, auth.clientSecret?.session ?? null, rng, ids, sessionId!),
      observer,
    });
    connection.start();
  };

  /** The parts of one session the connection loop needs, however the session arrived (socket or call). */
  function sessionInitOf(kind: SessionKind, model: string | null, clientSecretSession: Record<string, unknown> | null, rng: SeededRng, ids: SeededIdFactory, sessionId: string = ids.session()) {
    return {
      kind,
      sessionId,
      model,
      clock,
      rng: rng.fork('session'),
      ids,
      faults: faultPlan.forConnection(rng.fork('faults')),
      trace,
      options: resolved,
      stats,
      clientSecretSession,
      ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
    };
  }
  /** A call's session (WebRTC or SIP): the same parts, and a findings observer told who made the call. */
  function newSessionInit(kind: SessionKind, model: string | null, clientSecretSession: Record<string, unknown> | null, from: { req: IncomingMessage | null; transport: 'webrtc' | 'sip' }) {
    const rng = serverRng.fork(`connection:${connectionIndex++}`);
    const ids = new SeededIdFactory(rng.fork('ids'));
    const sessionId = ids.session();
    const observer = findings?.observe() ?? null;
    if (observer) {
      const req = from.req;
      const key = req ? extractApiKey(req) : null;
      const info = req
        ? sessionInfoFromUpgrade(req, new URL(req.url ?? '/', 'http://mock'), { sessionId, endpoint: 'realtime', key, ephemeral: key?.startsWith('ek_') ?? false, beta: { header: false, subprotocol: false }, openedUs: clock.nowUs() })
        : { sessionId, endpoint: 'realtime' as const, redactedTarget: 'sip', remoteAddress: null, userAgent: null, origin: null, credentialForm: 'none' as const, credentialKind: 'none' as const, credentialFingerprint: null, keyQueryParams: [], beta: { header: false, subprotocol: false }, openedUs: clock.nowUs() };
      observer.sessionOpened({ ...info, transport: from.transport });
    }
    return { ...sessionInitOf(kind, model, clientSecretSession, rng, ids, sessionId), observer };
  }

  /** `?call_id=`: a sideband socket for a live call (§10.6), or the handshake's HTTP error. */
  function sidebandRefusal(req: IncomingMessage, callId: string): { status: string; body: string } | null {
    const key = extractApiKey(req);
    const auth = authorize(key, resolved.apiKey, store, 'realtime', nowUnixS());
    if (!auth.ok) {
      const e = auth.reason === 'missing' ? missingApiKey() : auth.reason === 'expired' ? expiredClientSecret() : invalidApiKey();
      return { status: '401 Unauthorized', body: JSON.stringify({ error: { message: e.message, type: 'invalid_request_error', param: null, code: e.code } }) };
    }
    // Measured since 2026-09: an ephemeral key (even the one that made the call) gets this 404.
    if (auth.clientSecret !== null || calls.get(callId) === undefined || calls.get(callId)!.ended) {
      return { status: '404 Not Found', body: JSON.stringify({ error: { message: 'No session found for the provided call_id', type: 'invalid_request_error', code: 'call_id_not_found', param: '' } }) };
    }
    return null;
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://mock');
    } catch {
      refuseUpgrade(socket, '400 Bad Request', null);
      return;
    }
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== '/v1/realtime' && path !== '/v1/realtime/translations' && path !== LIVE_PATH) {
      const body = JSON.stringify({ error: { message: `No WebSocket endpoint at ${path || '/'}; use /v1/realtime, /v1/realtime/translations or ${LIVE_PATH}.`, type: 'invalid_request_error', param: null, code: 'not_found' } });
      refuseUpgrade(socket, '404 Not Found', body);
      return;
    }
    const callId = path === '/v1/realtime' ? url.searchParams.get('call_id') : null;
    if (callId !== null && !url.searchParams.has('model') && !url.searchParams.has('intent')) {
      const refusal = sidebandRefusal(req, callId);
      if (refusal) {
        refuseUpgrade(socket, refusal.status, refusal.body);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.add(ws);
        ws.once('close', () => sockets.delete(ws));
        calls.get(callId)!.attachSideband(ws);
      });
      return;
    }
    const cap = resolved.maxConcurrentSessions ?? null;
    if (cap !== null && admitted >= cap) {
      const body = concurrencyRefusalBody(cap);
      refuseUpgrade(socket, '429 Too Many Requests', body, [`Retry-After: ${CONCURRENCY_RETRY_AFTER_S}`]);
      return;
    }
    admitted += 1;
    socket.once('close', () => (admitted -= 1));
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, url));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL' ? new ConfigError('E_MOCK_OPTIONS', `host/port ${resolved.host}:${resolved.port}: cannot listen (${err.code})`) : err);
    };
    server.once('error', onError);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', onError);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await trace.close();
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : resolved.port;
  let sip: SipServerHandle | null = null;
  if (options.sipPort != null) {
    try {
      sip = await startSipServer({
        host: callsDeps.rtcHost,
        port: options.sipPort,
        rtpHost: callsDeps.rtcHost,
        webhook: options.sipWebhookUrl ? { url: options.sipWebhookUrl, secret: options.webhookSecret! } : null,
        rng: serverRng.fork('sip'),
        registry: calls,
        nowS: nowUnixS,
        openSession: (session) => newSessionInit(createRealtimeSession(), typeof session?.['model'] === 'string' ? session['model'] : DEFAULT_MODEL, session, { req: null, transport: 'sip' }),
      });
    } catch (err) {
      server.close();
      await trace.close();
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new ConfigError('E_MOCK_OPTIONS', `sipPort ${options.sipPort}: cannot listen for SIP (${code})`);
    }
  }
  const shownHost = formatHost(resolved.host);
  let closing: Promise<void> | null = null;

  return {
    url: `${tls ? 'wss' : 'ws'}://${shownHost}:${port}`,
    httpUrl: `${tls ? 'https' : 'http'}://${shownHost}:${port}`,
    host: resolved.host,
    port,
    certPem: tls?.certPem ?? null,
    sipPort: sip?.port ?? null,
    stats: () => ({ ...stats }),
    close: () =>
      (closing ??= (async () => {
        calls.hangupAll();
        await sip?.close();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const ws of sockets) ws.close(1001, 'server shutting down');
        const drained = new Promise<void>((resolve) => {
          if (sockets.size === 0) return resolve();
          const timer = setTimeout(() => {
            for (const ws of sockets) ws.terminate();
            resolve();
          }, 1000);
          const check = (): void => {
            if (sockets.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          };
          for (const ws of sockets) ws.once('close', () => setImmediate(check));
        });
        await drained;
        server.closeAllConnections?.();
        wss.close();
        await serverClosed;
        await trace.close();
      })()),
  };
}
