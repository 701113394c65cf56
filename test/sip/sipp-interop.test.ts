/**
 * SIP interop with an independent implementation: Debian's SIPp (package sip-tester) places a call
 * into the mock over UDP with a PCMU offer, streams a corpus clip as RTP, waits, and hangs up. The
 * call must complete (SIPp's exit status 0), the mock must have heard the caller's turn and answered
 * it on the RTP leg (its ground-truth trace: a completed response to turn 1 whose first RTP packet
 * left). SIPp does not count the RTP it receives, so the mock's trace is the evidence of RTP out.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startMockServer } from '../../mock-server/index.ts';

const HAVE_SIPP = spawnSync('sipp', ['-v']).error === undefined;
const HAVE_SOX = spawnSync('sox', ['--version']).error === undefined;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'rth-sipp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A free UDP port pair base for SIPp's media (it uses the port and the next). */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  s.close();
  return port;
}

describe.skipIf(!HAVE_SIPP || !HAVE_SOX)('SIPp calls the mock', () => {
  it('completes a call with the caller heard and answered over RTP', async () => {
    const wav = path.join(dir, 'speech.wav');
    const sox = spawnSync('sox', [path.join(ROOT, 'audio-corpus/en-book-table.wav'), '-r', '8000', '-c', '1', '-e', 'u-law', wav, 'pad', '0', '2']);
    expect(sox.status, String(sox.stderr)).toBe(0);
    const scenario = path.join(dir, 'uac.xml');
    writeFileSync(scenario, readFileSync(path.join(ROOT, 'test/fixtures/sipp/uac-pcmu.xml'), 'utf8').replace('RTH_SPEECH_WAV', wav));
    const tracePath = path.join(dir, 'trace.jsonl');
    const mock = await startMockServer({ sipPort: 0, tracePath, latencyScale: 0.2 });
    let output = '';
    try {
      const sipp = spawn('sipp', ['-sf', scenario, '-m', '1', '-s', 'proj_test', '-i', '127.0.0.1', '-mi', '127.0.0.1', '-mp', String(await freeUdpPort()), '-p', '0', '-timeout', '40s', '-timeout_error', '-nostdin', `127.0.0.1:${mock.sipPort}`], { cwd: dir });
      sipp.stdout.on('data', (d) => (output += d));
      sipp.stderr.on('data', (d) => (output += d));
      const code = await new Promise<number | null>((resolve) => sipp.on('close', resolve));
      expect(code, output.slice(-2000)).toBe(0);
      expect(output).toMatch(/Successful call\s*\|\s*\d+\s*\|\s*1/);
    } finally {
      await mock.close();
    }
    const records = readFileSync(tracePath, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const answered = records.find((r) => r.turn_index === 1 && r.status === 'completed');
    expect(answered, JSON.stringify(records)).toBeTruthy();
    expect(answered.first_audio_sent_us).toBeGreaterThan(answered.delays_start_us);
  }, 60_000);
});
