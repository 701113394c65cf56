/**
 * `rth check-client` end to end, as a team runs it in CI (the real `bin/rth.mjs` in a child
 * process), on clients nobody on the project wrote:
 * - the official `openai` SDK's OpenAIRealtimeWS and `@openai/agents-realtime` used correctly → no error findings, exit 0;
 * - `@openai/agents-extensions`' Twilio transport fed μ-law without the format override → the
 *   μ-law-as-PCM16 finding (exit 1), and with the override → none (exit 0);
 * - the beta-protocol `openai-realtime-api` package → refused with the real error, and the finding.
 * Each client streams its audio in real time, so each case takes several seconds (not asserted).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientFindingsReport } from '../../mock-server/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin/rth.mjs');
const CLIENTS = 'test/client-findings/clients';
const dir = mkdtempSync(path.join(tmpdir(), 'rth-check-client-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  report: ClientFindingsReport | null;
  json: string;
}

function checkClient(name: string, args: string[], cmd: string[]): Promise<Run> {
  const json = path.join(dir, `${name}.json`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'check-client', '--out', json, '--latency-scale', '0.1', ...args, '--', ...cmd], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      let report: ClientFindingsReport | null = null;
      try {
        report = JSON.parse(readFileSync(json, 'utf8')) as ClientFindingsReport;
      } catch {
        report = null;
      }
      resolve({ code, stdout, stderr, report, json });
    });
  });
}

const errorRules = (r: Run): string[] => (r.report?.findings ?? []).filter((f) => f.severity === 'error').map((f) => f.rule);

describe('rth check-client on real clients', () => {
  it('openai SDK OpenAIRealtimeWS used correctly: no error findings, exit 0, JSON and HTML written', async () => {
    const r = await checkClient('openai-sdk', [], ['node', `${CLIENTS}/openai-sdk.mjs`]);
    expect(r.stderr).toContain('answer completed');
    expect(r.report?.sessions).toHaveLength(1);
    expect(errorRules(r)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('check-client: passed');
    expect(readFileSync(r.json.replace(/\.json$/, '.html'), 'utf8')).toContain('client findings');
  }, 90_000);

  it('@openai/agents-realtime RealtimeSession with a tool, used correctly: no error findings, exit 0', async () => {
    const r = await checkClient('agents-realtime', ['--fail-on', 'warning'], ['node', `${CLIENTS}/agents-realtime.mjs`]);
    expect(r.stderr).toContain('responses 2');
    expect(r.report?.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(r.code).toBe(0);
  }, 90_000);

  it('agents-extensions Twilio transport fed μ-law without the format override: the μ-law-as-PCM16 finding, exit 1, JUnit failure', async () => {
    const junit = path.join(dir, 'twilio.xml');
    const r = await checkClient('twilio', ['--junit', junit], ['node', `${CLIENTS}/twilio-bridge.mjs`]);
    expect(errorRules(r)).toEqual(['audio.g711_as_pcm16']);
    const f = r.report!.findings.find((x) => x.rule === 'audio.g711_as_pcm16')!;
    expect(f.evidence).toMatch(/read as μ-law/);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR audio\.g711_as_pcm16: .*\n {2}- session sess_\w+, event #\d+ input_audio_buffer\.append/);
    expect(r.stdout).toContain('FAIL: 1 finding(s) at or above error');
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testcase classname="client.audio" name="audio.g711_as_pcm16[^"]*"><failure type="error"/);
    expect(xml).toMatch(/failures="1"/);
  }, 90_000);

  it('the same bridge with the format override (g711_ulaw): no findings, exit 0', async () => {
    const r = await checkClient('twilio-override', [], ['node', `${CLIENTS}/twilio-bridge.mjs`, '--override']);
    expect(r.report?.findings).toEqual([]);
    expect(r.code).toBe(0);
  }, 90_000);

  it('a beta-protocol client (openai-realtime-api): refused with beta_api_shape_disabled and close 4000, and the finding', async () => {
    const r = await checkClient('beta', [], ['node', `${CLIENTS}/beta-client.mjs`]);
    expect(r.stderr).toContain('"code":"beta_api_shape_disabled"');
    expect(r.stderr).toContain('The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.');
    expect(errorRules(r)).toContain('protocol.beta_client');
    expect(r.report!.sessions[0]).toMatchObject({ closeCode: 4000, closeReason: 'invalid_request_error.beta_api_shape_disabled' });
    expect(r.code).toBe(1);
  }, 90_000);
});

describe('rth check-client failures and flags', () => {
  it('a command that fails fails the check, with its exit code and output tail', async () => {
    const r = await checkClient('fails', [], ['sh', '-c', 'echo boom-from-client >&2; exit 7']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL: the command failed: exit code 7');
    expect(r.stderr).toContain('boom-from-client');
    expect(r.stdout).toContain('note: the command opened no session');
  }, 30_000);

  it('a command that hangs is stopped at --timeout and fails the check', async () => {
    const r = await checkClient('hangs', ['--timeout', '1'], ['sleep', '30']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('did not exit within 1 s (--timeout)');
  }, 30_000);

  it('bad flags exit 2 naming each flag', async () => {
    const r = await checkClient('bad', ['--fail-on', 'never', '--timeout', 'soon'], ['true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--fail-on "never"');
    expect(r.stderr).toContain('--timeout "soon"');
  }, 30_000);
});
