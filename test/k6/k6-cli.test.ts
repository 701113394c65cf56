import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../../harness/cli/testing.ts';
import { FIXTURES_DIR, filesContaining, removeTemp, shortCorpus, tempUnderProject } from './helpers.ts';

const KEY = 'sk-proj-CANARYk6exportKEY0123456789';
const HEADER_SECRET = 'sk-CANARYheaderSECRET987';

const rth = (env: NodeJS.ProcessEnv, ...args: string[]) => runCli(args, env);

const dirs: string[] = [];
let corpusDir: string;
let savedKey: string | undefined;
beforeAll(async () => {
  corpusDir = await shortCorpus();
  savedKey = process.env.OPENAI_API_KEY;
  process.env.OPENAI_API_KEY = KEY;
});
afterAll(() => {
  if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = savedKey;
  removeTemp(dirs);
  rmSync(corpusDir, { recursive: true, force: true });
});

describe('rth k6 export', () => {
  it('writes the export, prints the memory figures, and writes no key or header value anywhere', async () => {
    const dir = tempUnderProject('k6-cli-');
    dirs.push(dir);
    const scenario = join(dir, 'with-headers.yaml');
    writeFileSync(scenario, readFileSync(join(FIXTURES_DIR, 'k6-vad.yaml'), 'utf8') + `headers: { Authorization: 'Bearer ${HEADER_SECRET}' }\n`);
    const out = join(dir, 'export');
    const r = await rth({ OPENAI_API_KEY: KEY }, 'k6', 'export', scenario, '--out', out, '--target', 'openai', '--corpus', corpusDir, '--parallelism', '2', '--secret', 'my-secret/token');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/memory: audio \d+ bytes per VU \+ \d+ bytes per k6 instance \(--audio shared\); script \d+ bytes per VU/);
    expect(r.out).toContain('wss://api.openai.com/v1/realtime?model=gpt-realtime-2');
    expect(r.out).toContain('scenario headers were not exported');
    expect(filesContaining(out, KEY)).toEqual([]);
    expect(filesContaining(out, HEADER_SECRET)).toEqual([]);
    expect(filesContaining(out, 'CANARY')).toEqual([]);
    const run = parseYaml(readFileSync(join(out, 'testrun.yaml'), 'utf8')) as { spec: { parallelism: number; runner: { env: { name: string; valueFrom?: unknown }[] } } };
    expect(run.spec.parallelism).toBe(2);
    expect(run.spec.runner.env[0]).toEqual({ name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'my-secret', key: 'token' } } });
  });

  it('rejects bad flags naming them', async () => {
    const out = tempUnderProject('k6-cli-bad-');
    dirs.push(out);
    const base = ['k6', 'export', join(FIXTURES_DIR, 'k6-vad.yaml'), '--out', out, '--corpus', corpusDir];
    const secret = await rth({}, ...base, '--secret', 'Not_A_Name');
    expect(secret.code).toBe(2);
    expect(secret.err).toContain('E_FLAG: --secret');
    const par = await rth({}, ...base, '--parallelism', '0');
    expect(par.code).toBe(2);
    expect(par.err).toContain('--parallelism');
    const audio = await rth({}, ...base, '--audio', 'both');
    expect(audio.code).not.toBe(0);
    expect(audio.err).toContain('--audio');
    const target = await rth({}, ...base, '--target', `wss://relay.example/v1/realtime?token=${KEY}`);
    expect(target.code).toBe(2);
    expect(target.err).toContain('carries credentials');
    expect(filesContaining(out, KEY)).toEqual([]);
  });
});

describe('rth k6 summary', () => {
  it('prints the imported summary with its note', async () => {
    const r = await rth({}, 'k6', 'summary', join(FIXTURES_DIR, 'k6-handle-summary.json'));
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as { format: string; metrics: Record<string, Record<string, { p95?: number }>>; note: string };
    expect(parsed.format).toBe('handle-summary');
    expect(parsed.metrics.ttfa_ms!['effort:low']!.p95).toBe(2101.4);
    expect(parsed.note).toMatch(/only aggregates/);
  });
});
