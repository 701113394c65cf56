/**
 * `rth mock --client-report FILE --junit FILE --verbose`: the report is rewritten as each session
 * ends (before the mock stops), the summary line per session goes to stderr, and the final report
 * is written at stop.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import type { CliIo } from '../../harness/cli/io.ts';
import type { ClientFindingsReport } from '../../mock-server/index.ts';
import { TestClient } from '../mock/helpers.ts';
import { sleep } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'rth-mock-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeIo(): { io: CliIo; out: string[]; err: string[]; stop: () => void } {
  const out: string[] = [];
  const err: string[] = [];
  let stop!: () => void;
  const soft = new Promise<void>((r) => (stop = r));
  const io: CliIo = { out: (l) => void out.push(l), err: (l) => void err.push(l), env: {}, isTty: false, stopSignal: { soft, hard: new Promise(() => undefined) } };
  return { io, out, err, stop };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const read = (file: string): ClientFindingsReport => JSON.parse(readFileSync(file, 'utf8')) as ClientFindingsReport;

describe('rth mock --client-report', () => {
  it('writes each session as it ends, a verbose line, and the final JSON and JUnit at stop', async () => {
    const json = path.join(dir, 'findings.json');
    const junit = path.join(dir, 'findings.xml');
    const { io, out, err, stop } = fakeIo();
    const running = main(['node', 'rth', 'mock', '--port', '0', '--max-session-s', '600', '--client-report', json, '--junit', junit, '--verbose'], io);
    await until(() => out.length > 0, 'the listening line');
    const url = /listening (ws:\/\/127\.0\.0\.1:\d+)/.exec(out[0]!)![1]!;
    const c = await TestClient.connect(url, '/v1/realtime?model=gpt-realtime', { headers: { Origin: 'https://app.example' } });
    await c.waitFor('session.created');
    c.close();
    await c.closed;
    await until(() => existsSync(json) && read(json).sessions.length === 1 && read(json).sessions[0]!.closeCode !== null, 'the report of the ended session');
    expect(read(json).findings.map((f) => f.rule)).toEqual(['security.standard_key_in_browser']);
    await until(() => err.some((l) => l.includes('ended (close')), 'the verbose line');
    expect(err.find((l) => l.includes('ended (close'))).toMatch(/1 finding\(s\), error\n {2}error security\.standard_key_in_browser/);
    stop();
    expect(await running).toBe(0);
    expect(err.join('\n')).toContain('client findings 1 error, 0 warning, 0 info written to');
    expect(readFileSync(junit, 'utf8')).toMatch(/security\.standard_key_in_browser[^"]*"><failure type="error"/);
    expect(readFileSync(json, 'utf8')).not.toContain('sk-test');
  });

  it('--junit without --client-report is a flag error (exit 2)', async () => {
    const { io, err } = fakeIo();
    expect(await main(['node', 'rth', 'mock', '--junit', path.join(dir, 'x.xml')], io)).toBe(2);
    expect(err.join('\n')).toContain('--junit');
  });
});
