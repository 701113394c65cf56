/**
 * Issue 14, point 1: the mock's own URL works as a target, and every failed connection says why.
 * Real sockets on 127.0.0.1 port 0, servers started and stopped here:
 * - the bundled mock's root URL (as `rth mock` prints it: no path, `/`, `/v1`) for each session
 *   kind is completed to `/v1/realtime` (`/v1/realtime/translations`) and the sessions complete;
 * - `--api-key-env` against a mock that requires a key: the right key works; no key is refused
 *   (`invalid_api_key`), with one warning line before the run and the reason in every output;
 * - a refused upgrade (401, 404 from a tiny HTTP server), a closed port and a TLS failure (the
 *   mock with its self-signed certificate, not trusted) are each recorded with their reason in
 *   sessions.jsonl, summary.json `errors`, the console text and report.html, and a run in which
 *   every session failed says so on its first line, with a hint.
 * No test here depends on timing beyond the runs' own timeouts (connect 3 s, turn 15 s).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionResult } from '../../harness/contract.ts';
import { main } from '../../harness/cli/main.ts';
import type { RunSummaryWithRunner } from '../../harness/runner/outputs.ts';
import { runScenario, type RunResult } from '../../harness/runner/run-scenario.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { FAST_PROFILE } from '../mock/helpers.ts';
import { captureIo, e2eDir, type E2eDir } from './e2e-helpers.ts';

/** A key that must never appear in any output. */
const KEY = 'sk-rth-targets-test-key-0123456789abcdef';
const ENV = { RTH_TARGETS_KEY: KEY };

let e: E2eDir;
const closers: (() => Promise<void>)[] = [];

beforeAll(() => {
  e = e2eDir();
});
afterAll(async () => {
  for (const c of closers.splice(0)) await c();
  e.cleanup();
});

async function mock(opts: Parameters<typeof startMockServer>[0] = {}): Promise<MockServerHandle> {
  const m = await startMockServer({ latency: FAST_PROFILE, seed: 5, ...opts });
  closers.push(() => m.close());
  return m;
}

/** A tiny HTTP server that answers every request (a WebSocket upgrade included) with `status` and `body`. */
async function refusingServer(status: number, body: string): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  server.on('upgrade', (_req, socket) => {
    socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port that was just free: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Short, small runs: one turn per session, short timeouts, pacing budgets wide (validity is not under test). */
function fields(target: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    target,
    sessions: 1,
    turns_per_session: 1,
    think_time_ms: 50,
    clips: ['uk-weather-kyiv'],
    timeouts: { connect_ms: 3000, turn_ms: 15_000, drain_ms: 500 },
    pacing: { send_lag_p99_budget_ms: 30_000, stall_budget_ms: 30_000 },
    ...extra,
  };
}

async function run(name: string, f: Record<string, unknown>, env: NodeJS.ProcessEnv = ENV, apiKeyEnv?: string): Promise<RunResult & { warnings: string[] }> {
  const scenario = await e.scenario(name, f, apiKeyEnv ? { apiKeyEnv } : {});
  const warnings: string[] = [];
  const result = await runScenario(scenario, { env, onWarning: (l) => warnings.push(l) });
  return { ...result, warnings };
}

interface Outputs {
  sessions: SessionResult[];
  summary: RunSummaryWithRunner;
  table: string;
  report: string;
  all: string;
}

function outputs(r: RunResult): Outputs {
  const sessions = e.jsonl<SessionResult>(r.files.sessions);
  const summaryText = readFileSync(r.files.summary!, 'utf8');
  const report = readFileSync(path.join(r.outDir, 'report.html'), 'utf8');
  const files = ['turns.jsonl', 'sessions.jsonl', 'run.json', 'summary.json', 'report.html', 'sessions.csv'].map((f) => readFileSync(path.join(r.outDir, f), 'utf8'));
  return { sessions, summary: JSON.parse(summaryText) as RunSummaryWithRunner, table: r.table!, report, all: [...files, r.table!].join('\n') };
}

/** HTML text with tags removed and entities decoded enough to search it. */
function htmlText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Asserts a run in which every session failed to connect with `reason` (a regexp over the reason text). */
function expectConnectFailure(r: RunResult, sessions: number, reason: RegExp, hint: RegExp): Outputs {
  const o = outputs(r);
  expect(o.sessions).toHaveLength(sessions);
  for (const s of o.sessions) {
    expect(s.outcome).toMatch(/^connect_(failed|timeout)$/);
    expect(s.failure?.reason).toMatch(reason);
  }
  const text = o.sessions[0]!.failure!.reason;
  // summary.json: grouped under errors, with the count and the reason text.
  expect(o.summary.errors[`${o.sessions[0]!.outcome}: ${text}`]).toBe(sessions);
  // The console: the first line says every session failed, with the reason; then a hint; never "Errors: none".
  const lines = o.table.split('\n');
  expect(lines[0]).toBe(`FAIL: every session failed to connect (${sessions} of ${sessions}): ${text}`);
  expect(lines[1]).toMatch(hint);
  expect(o.table).not.toContain('Errors: none');
  expect(o.table).toContain(`${sessions} × ${o.sessions[0]!.outcome}: ${text}`);
  // The report: the verdict banner (first section) carries the headline, the errors section the reason.
  const page = htmlText(o.report);
  const verdictAt = page.indexOf(`every session failed to connect (${sessions} of ${sessions}): ${text}`);
  expect(verdictAt).toBeGreaterThan(-1);
  expect(verdictAt).toBeLessThan(page.indexOf('Overview'));
  expect(page).toContain('Failed sessions, by reason');
  expect(r.exitCode).toBe(1);
  expect(o.all).not.toContain(KEY);
  return o;
}

describe('the mock root URL as a target, for every session kind', () => {
  it.each([
    ['realtime', '', {}],
    ['transcription', '/', { kind: 'transcription' }],
    ['translation', '/v1', { kind: 'translation' }],
  ] as const)('%s: %j is completed to the endpoint and the session completes', async (kind, suffix, extra) => {
    const m = await mock();
    const r = await run(`root-${kind}`, fields(`${m.url}${suffix}`, extra), ENV, 'RTH_TARGETS_KEY');
    const o = outputs(r);
    expect(o.sessions.map((s) => s.outcome)).toEqual(['completed']);
    expect(o.summary.turns.completed).toBeGreaterThanOrEqual(1);
    const sessionUrl = (JSON.parse(readFileSync(r.files.run, 'utf8')) as { session_url: string }).session_url;
    expect(new URL(sessionUrl).pathname).toBe(kind === 'translation' ? '/v1/realtime/translations' : '/v1/realtime');
    expect(r.warnings).toEqual([]);
    expect(o.all).not.toContain(KEY);
  }, 60_000);
});

describe('--api-key-env against a mock that requires a key', () => {
  let m: MockServerHandle;
  beforeAll(async () => {
    m = await mock({ apiKey: KEY });
  });

  it('rth run --api-key-env NAME: the key is sent and the run passes; the key is printed nowhere', async () => {
    await e.scenario('keyed', fields(m.url));
    const out = path.join(e.dir, 'out-keyed-cli');
    const io = captureIo(ENV);
    const code = await main(['node', 'rth', 'run', path.join(e.dir, 'keyed.yaml'), '--api-key-env', 'RTH_TARGETS_KEY', '--out', out, '--no-progress'], io);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as RunSummaryWithRunner;
    expect(summary.turns.completed).toBe(1);
    expect(summary.sessions.by_outcome).toEqual({ completed: 1 });
    expect(code).toBe(0);
    expect(io.stderr.join('\n')).not.toMatch(/warning/);
    expect([...io.stdout, ...io.stderr, readFileSync(path.join(out, 'run.json'), 'utf8')].join('\n')).not.toContain(KEY);
  }, 60_000);

  it('no key: one warning line before the run; invalid_api_key with its close, in every output', async () => {
    await e.scenario('unkeyed', fields(m.url, { sessions: 2 }));
    const out = path.join(e.dir, 'out-unkeyed-cli');
    const io = captureIo(ENV);
    const code = await main(['node', 'rth', 'run', path.join(e.dir, 'unkeyed.yaml'), '--out', out, '--no-progress'], io);
    expect(code).toBe(1);
    const warnings = io.stderr.filter((l) => /warning/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^rth run: warning: --target ws:\/\/127\.0\.0\.1:\d+\/ gets no credential/);
    const sessions = e.jsonl<SessionResult>(path.join(out, 'sessions.jsonl'));
    for (const s of sessions) {
      // The mock words a missing key like a wrong one (§1.2): invalid_api_key, then close 3000.
      expect(s.failure).toMatchObject({ code: 'invalid_api_key' });
      expect(s.failure!.reason).toMatch(/^error invalid_api_key: .+; then closed 3000 "invalid_request_error\.invalid_api_key" before session\.created$/);
    }
    expect(io.stdout[0]!.split('\n')[0]).toBe(`FAIL: every session failed to connect (2 of 2): ${sessions[0]!.failure!.reason}`);
    expect(io.stdout.join('\n')).toMatch(/^Hint: missing or wrong API key: name the variable holding it with --api-key-env/m);
    const report = htmlText(readFileSync(path.join(out, 'report.html'), 'utf8'));
    expect(report).toContain(sessions[0]!.failure!.reason);
    expect(report).toMatch(/Hint:\s*missing or wrong API key/);
  }, 60_000);

  it('a wrong key: invalid_api_key, recorded with its reason', async () => {
    const r = await run('wrong-key', fields(m.url), { RTH_TARGETS_KEY: 'sk-rth-not-the-key-000000' }, 'RTH_TARGETS_KEY');
    const o = expectConnectFailure(r, 1, /^error invalid_api_key: .*closed 3000 "invalid_request_error\.invalid_api_key" before session\.created$/, /^Hint: missing or wrong API key/);
    expect(o.all).not.toContain('sk-rth-not-the-key-000000');
  }, 60_000);

  it('a named variable that is unset or empty: exit 2, naming the flag and the variable, before any socket', async () => {
    const io = captureIo({ RTH_TARGETS_KEY: '  ' });
    const out = path.join(e.dir, 'never');
    const code = await main(['node', 'rth', 'run', path.join(e.dir, 'keyed.yaml'), '--api-key-env', 'RTH_TARGETS_KEY', '--out', out], io);
    expect(code).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/E_TARGET: --api-key-env: RTH_TARGETS_KEY is not set or empty/);
    const bad = captureIo(ENV);
    expect(await main(['node', 'rth', 'run', path.join(e.dir, 'keyed.yaml'), '--api-key-env', '1-not-a-name'], bad)).toBe(2);
    expect(bad.stderr.join('\n')).toMatch(/--api-key-env: api_key_env: expected an environment variable name/);
  });

  it('api_key_env in the scenario file works like the flag, and an unset one names the file field', async () => {
    const r = await run('file-key', fields(m.url, { api_key_env: 'RTH_TARGETS_KEY' }));
    expect(outputs(r).summary.sessions.by_outcome).toEqual({ completed: 1 });
    const scenario = await e.scenario('file-key-unset', fields(m.url, { api_key_env: 'RTH_TARGETS_UNSET' }));
    await expect(runScenario(scenario, { env: {} })).rejects.toThrow(/file-key-unset\.yaml: api_key_env: RTH_TARGETS_UNSET is not set or empty/);
  }, 60_000);
});

describe('every failed connection records why', () => {
  it('HTTP 401 from a tiny server: the status and the body excerpt (key-shaped text redacted)', async () => {
    const url = await refusingServer(401, JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
    const r = await run('refused-401', fields(url, { sessions: 2 }), ENV, 'RTH_TARGETS_KEY');
    const o = expectConnectFailure(r, 2, /^HTTP 401 Unauthorized: invalid_api_key: Incorrect API key provided: \[redacted\]\.$/, /^Hint: missing or wrong API key/);
    expect(o.sessions[0]!.failure!.code).toBe('http_401');
  }, 60_000);

  it('HTTP 404 (the mock at a wrong path): the status, the body excerpt, and the wrong-path hint', async () => {
    const m = await mock();
    const r = await run('refused-404', fields(`${m.url}/realtime`), ENV, 'RTH_TARGETS_KEY');
    const o = expectConnectFailure(r, 1, /^HTTP 404 Not Found: not_found: No WebSocket endpoint at \/realtime; use \/v1\/realtime/, /^Hint: wrong path/);
    expect(o.sessions[0]!.failure!.code).toBe('http_404');
  }, 60_000);

  it('HTTP 404 from a tiny server', async () => {
    const url = await refusingServer(404, '{"error":{"message":"no such route","code":"not_found"}}');
    expectConnectFailure(await run('refused-404-tiny', fields(`${url}/rt`), ENV, 'RTH_TARGETS_KEY'), 1, /^HTTP 404 Not Found: not_found: no such route$/, /^Hint: wrong path/);
  }, 60_000);

  it('a closed port: ECONNREFUSED', async () => {
    const port = await closedPort();
    const r = await run('closed-port', fields(`ws://127.0.0.1:${port}`, { sessions: 2 }), ENV, 'RTH_TARGETS_KEY');
    const o = expectConnectFailure(r, 2, new RegExp(`^ECONNREFUSED: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`), /^Hint: nothing is listening/);
    expect(o.sessions[0]!.failure!.code).toBe('ECONNREFUSED');
  }, 60_000);

  it('TLS: wss:// to the mock with its self-signed certificate not trusted', async () => {
    const m = await mock({ tls: true });
    expect(m.url).toMatch(/^wss:/);
    const r = await run('tls-untrusted', fields(m.url), ENV, 'RTH_TARGETS_KEY');
    expectConnectFailure(r, 1, /^TLS (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE): /, /^Hint: TLS failed/);
  }, 60_000);

  it('TLS: wss:// to a plain-text server (one that answers the ClientHello, one that drops it)', async () => {
    const plain = await refusingServer(400, '');
    expectConnectFailure(await run('tls-plain', fields(plain.replace(/^ws:/, 'wss:')), ENV, 'RTH_TARGETS_KEY'), 1, /^TLS \S+: wrong version number$/, /^Hint: TLS failed/);
    // The mock destroys a connection whose request it cannot parse.
    const m = await mock();
    const r = await run('tls-plain-mock', fields(m.url.replace(/^ws:/, 'wss:')), ENV, 'RTH_TARGETS_KEY');
    expectConnectFailure(r, 1, /^TLS \S+: (wrong version number|Client network socket disconnected before secure TLS connection was established)$/, /^Hint: TLS failed/);
  }, 60_000);
});
