/**
 * Hardening (issue 7): secrets. A whole run with a recognisable key — `rth mock --api-key KEY
 * --trace`, `rth run` with the key in `OPENAI_API_KEY` and in `--header 'Authorization: Bearer KEY'`
 * against a custom target URL, a run with a wrong key (error messages), a malformed `--header`,
 * `rth report` of both runs, `rth k6 export` of a scenario whose headers carry the key, and the
 * client-secret endpoint refusing a wrong key — then every file written and every byte printed is
 * scanned: the key never appears. Also: the mock binds 127.0.0.1 by default, enforces `--api-key`,
 * and refuses an `ek_` key once it has expired. (`--tls` with the official SDK is covered by
 * test/mock/official-clients.test.ts: OpenAIRealtimeWS over wss:// trusting the mock's certificate.)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { startMockServer } from '../../mock-server/server.ts';
import { startFastServer, TestClient } from '../mock/helpers.ts';

const RTH = fileURLToPath(new URL('../../bin/rth.mjs', import.meta.url));
const KEY = 'sk-test-RTHSECRET-1234567890abcdef';
const WRONG_KEY = 'sk-test-RTHSECRET-wrong-0987654321';
/** What must never appear: the part both keys share, and the distinctive tails. */
const NEEDLES = ['RTHSECRET', '1234567890abcdef', 'wrong-0987654321'];

interface Proc {
  code: number | null;
  out: string;
}

/** Runs `rth ARGS` to completion, capturing stdout and stderr. */
function rth(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RTH, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Every regular file under `dir`. */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function leaks(text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n));
}

describe('a whole run with a recognisable key', () => {
  let dir: string;
  const printed: Record<string, string> = {};
  const written: string[] = [];
  let good: Proc;
  let bad: Proc;
  let badHeader: Proc;
  let goodSummary: { turns: { completed: number }; errors: Record<string, number> };
  let badSummary: { turns: { completed: number }; sessions: { by_outcome: Record<string, number> }; errors: Record<string, number> };
  let traceLines = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rth-secrets-'));
    const inputs = path.join(dir, 'inputs');
    const outputs = path.join(dir, 'outputs');
    mkdirSync(inputs);
    mkdirSync(outputs);

    // The mock, in its own process, requiring the key and tracing every response.
    const mock = spawn(process.execPath, [RTH, 'mock', '--api-key', KEY, '--latency-scale', '0.3', '--trace', path.join(outputs, 'mock-trace.jsonl')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let mockOut = '';
    mock.stdout.on('data', (d: Buffer) => (mockOut += d.toString('latin1')));
    mock.stderr.on('data', (d: Buffer) => (mockOut += d.toString('latin1')));
    const mockExited = new Promise<void>((r) => mock.on('exit', () => r()));
    const base = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /listening (ws:\/\/\S+)/.exec(mockOut);
        if (m) {
          clearInterval(t);
          resolve(m[1]!);
        }
      }, 25);
      void mockExited.then(() => reject(new Error(`rth mock exited: ${mockOut}`)));
    });
    const target = `${base}/v1/realtime`;
    const httpBase = base.replace(/^ws/, 'http');

    // Scenario inputs (the k6 one carries the key in its headers, as a user's file might).
    const fields = { sessions: 2, turns_per_session: 1, think_time_ms: 100, clips: ['uk-weather-kyiv'], efforts: ['low'], timeouts: { connect_ms: 5000, turn_ms: 10000, drain_ms: 1000 } };
    writeFileSync(path.join(inputs, 'run.yaml'), stringify({ name: 'secrets', ...fields }));
    writeFileSync(path.join(inputs, 'k6.yaml'), stringify({ name: 'secrets-k6', target, headers: { Authorization: `Bearer ${KEY}` }, ...fields }));

    const runArgs = (out: string, key: string): string[] => ['run', path.join(inputs, 'run.yaml'), '--target', target, '--header', `Authorization: Bearer ${key}`, '--out', path.join(outputs, out), '--no-progress'];
    [good, bad, badHeader] = await Promise.all([
      rth(runArgs('run-good', KEY), { OPENAI_API_KEY: KEY }),
      rth(runArgs('run-bad', WRONG_KEY), { OPENAI_API_KEY: WRONG_KEY }),
      // A header without a colon: the error must not echo it (it is often a bare key).
      rth(['run', path.join(inputs, 'run.yaml'), '--target', target, '--header', `Bearer ${KEY}`, '--out', path.join(outputs, 'run-badheader')], { OPENAI_API_KEY: KEY }),
    ]);
    printed['rth run (good key)'] = good.out;
    printed['rth run (wrong key)'] = bad.out;
    printed['rth run (malformed --header)'] = badHeader.out;

    const [reportGood, reportBad, k6] = await Promise.all([
      rth(['report', path.join(outputs, 'run-good')]),
      rth(['report', path.join(outputs, 'run-bad')]),
      rth(['k6', 'export', path.join(inputs, 'k6.yaml'), '--out', path.join(outputs, 'k6')], { OPENAI_API_KEY: KEY }),
    ]);
    printed['rth report (good)'] = reportGood.out;
    printed['rth report (bad)'] = reportBad.out;
    printed['rth k6 export'] = k6.out;
    expect(reportGood.code, reportGood.out).toBe(0);
    expect(k6.code, k6.out).toBe(0);

    // The client-secret endpoint with the wrong key, and a mint with the right one.
    const refused = await fetch(`${httpBase}/v1/realtime/client_secrets`, { method: 'POST', headers: { authorization: `Bearer ${WRONG_KEY}`, 'content-type': 'application/json' }, body: '{}' });
    printed['POST client_secrets (wrong key)'] = `${refused.status} ${await refused.text()}`;
    expect(refused.status).toBe(401);

    mock.kill('SIGTERM');
    await mockExited;
    printed['rth mock'] = mockOut;
    written.push(...walk(outputs));
    traceLines = readFileSync(path.join(outputs, 'mock-trace.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    goodSummary = JSON.parse(readFileSync(path.join(outputs, 'run-good', 'summary.json'), 'utf8'));
    badSummary = JSON.parse(readFileSync(path.join(outputs, 'run-bad', 'summary.json'), 'utf8'));
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('really ran: the right key worked, the wrong one was refused, every tool wrote its files', () => {
    expect(goodSummary.turns.completed).toBe(2);
    expect(traceLines).toBeGreaterThanOrEqual(2);
    expect(badSummary.turns.completed).toBe(0);
    expect(badSummary.errors['invalid_api_key']).toBe(2);
    expect(badHeader.code).toBe(2);
    for (const f of ['run-good/turns.jsonl', 'run-good/run.json', 'run-good/report.html', 'run-bad/summary.json', 'k6/script.js', 'mock-trace.jsonl']) {
      expect(written.some((w) => w.endsWith(f)), f).toBe(true);
    }
  });

  it('never writes the key into any file', () => {
    const found = written.flatMap((f) => leaks(readFileSync(f, 'latin1')).map((n) => `${path.relative(dir, f)}: ${n}`));
    expect(found).toEqual([]);
  });

  it('never prints the key (stdout, stderr, error messages, HTTP answers)', () => {
    const found = Object.entries(printed).flatMap(([what, text]) => leaks(text).map((n) => `${what}: ${n}`));
    expect(found).toEqual([]);
  });
});

describe('the mock keeps to itself', () => {
  it('binds 127.0.0.1 unless told otherwise', async () => {
    const mock = await startMockServer();
    try {
      expect(mock.host).toBe('127.0.0.1');
      expect(mock.url).toBe(`ws://127.0.0.1:${mock.port}`);
      // Not reachable on the machine's other addresses.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal);
      if (external) {
        const refused = await new Promise<boolean>((resolve) => {
          const s = createConnection({ host: external.address, port: mock.port });
          s.once('connect', () => (s.destroy(), resolve(false)));
          s.once('error', () => resolve(true));
        });
        expect(refused).toBe(true);
      }
    } finally {
      await mock.close();
    }
  });

  it('refuses an ek_ key once it has expired, on the socket and for minting', async () => {
    const mock = await startFastServer({ apiKey: KEY });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const res = await fetch(`${mock.httpUrl}/v1/realtime/client_secrets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ expires_after: { anchor: 'created_at', seconds: 10 } }),
      });
      const minted = (await res.json()) as { value: string; expires_at: number };
      expect(minted.value).toMatch(/^ek_/);
      const live = await TestClient.connect(mock.url, undefined, { key: minted.value });
      await live.waitFor('session.created');
      live.close();
      // Past expires_at (the mock reads the wall clock for it, as expires_at is a unix time).
      vi.setSystemTime((minted.expires_at + 1) * 1000);
      const late = await TestClient.connect(mock.url, undefined, { key: minted.value });
      const closed = await late.closed;
      expect(late.types()).toEqual(['error']);
      expect(late.events[0]!['error']).toMatchObject({ code: 'invalid_api_key' });
      expect(closed.code).toBe(3000);
      expect(late.raw.join('')).not.toContain(minted.value);
    } finally {
      vi.useRealTimers();
      await mock.close();
    }
  });

  it('with --api-key, refuses a missing or wrong key and accepts the right one', async () => {
    const mock = await startFastServer({ apiKey: KEY });
    try {
      for (const key of [null, WRONG_KEY]) {
        const c = await TestClient.connect(mock.url, undefined, { key });
        expect((await c.closed).code).toBe(3000);
        expect(c.events[0]!['error'].code).toBe('invalid_api_key');
        expect(leaks(c.raw.join(''))).toEqual([]);
      }
      const ok = await TestClient.connect(mock.url, undefined, { key: KEY });
      await ok.waitFor('session.created');
      ok.close();
    } finally {
      await mock.close();
    }
  });
});
