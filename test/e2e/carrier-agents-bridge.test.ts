/**
 * A real bridge nobody on the project wrote: `@openai/agents-extensions`' TwilioRealtimeTransportLayer
 * inside test/fixtures/bridges/agents-twilio-bridge.mjs, started by `rth run --bridge-cmd` beside the
 * embedded mock, driven by the carrier emulation through the CLI's own code path (`main()`).
 *
 * What must hold: calls complete, TTFA and the bridge/model split are reported, barge-in produces a
 * `clear` (timed, with dropped audio) and a truncation upstream (the bridge logs the mock's
 * `conversation.item.truncated`); the TwiML path works; a bridge left on the SDK's default audio
 * formats (a real bug with agents-realtime 0.20, see the fixture) is caught as non-μ-law payloads.
 * Load: the run is invalid only for the self-check's load reasons (send lag, stalls) on a busy
 * machine, which is tolerated; nothing else is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../../harness/cli/main.ts';
import type { CarrierSummary } from '../../harness/carrier/summary.ts';
import { readTrace } from '../../harness/carrier/trace-split.ts';
import { captureIo, e2eDir, type E2eDir } from './e2e-helpers.ts';
import { writeFileSync } from 'node:fs';

const BRIDGE = fileURLToPath(new URL('../fixtures/bridges/agents-twilio-bridge.mjs', import.meta.url));
const LOAD_REASONS = [/^send lag p99 [\d.]+ ms exceeded/, /^event loop stalled for/];

let e: E2eDir;
beforeAll(() => void (e = e2eDir(1)));
afterAll(() => e.cleanup());

async function rthRun(name: string, fields: Record<string, unknown>, bridgeCmd: string): Promise<{ code: number; out: string; summary: CarrierSummary; dir: string }> {
  const file = path.join(e.dir, `${name}.yaml`);
  writeFileSync(file, stringify({ name, transport: 'twilio', seed: 3, mock: { latency_profile: './fast-latency.json' }, ...fields }));
  const out = path.join(e.dir, `out-${name}`);
  const io = captureIo();
  const code = await main(['node', 'rth', 'run', file, '--bridge-cmd', bridgeCmd, '--out', out, '--no-progress'], io);
  const text = `${io.stdout.join('\n')}\n${io.stderr.join('\n')}`;
  return { code, out: text, summary: JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as CarrierSummary, dir: out };
}

describe('rth run --bridge-cmd with the agents-extensions Twilio bridge and the mock upstream', () => {
  it('calls complete; TTFA, bridge overhead and the model part are reported; barge-in gives clear and a truncation', async () => {
    const r = await rthRun('agents', { target: 'ws://127.0.0.1:0/media-stream', sessions: 3, turns_per_session: 2, think_time_ms: 300, barge_in: { after_audio_ms: 400 } }, `node ${BRIDGE}`);
    const s = r.summary;
    expect(s.invalid_reasons.filter((x) => !LOAD_REASONS.some((re) => re.test(x))), r.out).toEqual([]);
    expect(r.code, r.out).toBe(s.valid ? 0 : 1);
    expect(s.calls, r.out).toMatchObject({ total: 3, valid: 3, failed: 0, with_bad_input: 0 });
    expect(s.turns.completed, r.out).toBe(6);
    expect(s.metrics.ttfa_ms.count).toBe(6);
    expect(s.metrics.bridge_out_ms.count).toBe(6);
    expect(s.metrics.model_ms.count).toBe(6);
    expect(s.split).toMatchObject({ matched_calls: 3, unmatched_turns: 0 });
    // The caller hears the answer after the mock sent it: the split adds up within the caller's
    // first-frame TTFA (bridge_in + model + bridge_out = ttfa_first_frame, per turn).
    const turns = readFileSync(path.join(r.dir, 'turns.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const t of turns) {
      const m = t.metrics;
      expect(Math.abs(m.bridge_in_ms + m.model_ms + m.bridge_out_ms - m.ttfa_first_frame_ms)).toBeLessThan(0.01);
      expect(m.bridge_out_ms).toBeGreaterThanOrEqual(0);
    }
    // Barge-in: one per call (the first answer is spoken over), each answered with clear.
    expect(s.turns.barge_ins).toBe(3);
    expect(s.turns.barge_ins_without_clear).toBe(0);
    expect(s.metrics.barge_in_stop_ms.count).toBe(3);
    expect(s.metrics.barge_in_dropped_audio_ms.count).toBe(3);
    expect(s.marks.echoed).toBe(s.marks.received);
    expect(s.marks.echoed_on_clear).toBeGreaterThan(0);
    // Upstream, the interrupted answers were cancelled and truncated.
    expect(readTrace(path.join(r.dir, 'mock-trace.jsonl')).filter((x) => x.status === 'cancelled').length).toBeGreaterThanOrEqual(3);
    expect(s.bridge!.tail).toMatch(/call \d: truncated item_\w+ at \d+ ms/);
    expect(s.bridge!.exit).toMatch(/stopped by rth/);
    expect(readFileSync(path.join(r.dir, 'report.html'), 'utf8')).toContain('bridge_out_ms');
  }, 120_000);

  it('follows the bridge’s TwiML (<Connect><Stream>) and catches a bridge left on the SDK’s default audio formats', async () => {
    const r = await rthRun('twiml-pcm', { twiml_url: 'http://127.0.0.1:0/incoming-call', sessions: 1, turns_per_session: 1, timeouts: { turn_ms: 25_000 } }, `BRIDGE_DEFAULT_FORMATS=1 node ${BRIDGE}`);
    const s = r.summary;
    expect(s.calls.total).toBe(1);
    expect(s.calls.failed, r.out).toBe(0);
    expect(s.metrics.call_setup_ms.count).toBe(1);
    expect(s.bad_input.by_kind.not_codec, `${r.out}\n${s.bridge?.tail}`).toBeGreaterThan(0);
    expect(s.bad_input.examples[0]).toMatch(/not μ-law audio/);
    expect(r.code).toBe(1);
    // The verdict leads with INVALID RUN when the machine was too busy; the bad input is listed either way.
    expect(r.out).toMatch(/^bad input from the bridge: not_codec \d+/m);
  }, 120_000);

  it('a bridge command that never listens is a configuration error naming the flag, with its output', async () => {
    const file = path.join(e.dir, 'never.yaml');
    writeFileSync(file, stringify({ name: 'never', transport: 'twilio', target: 'ws://127.0.0.1:0/media-stream', turns_per_session: 1 }));
    const io = captureIo();
    const code = await main(['node', 'rth', 'run', file, '--bridge-cmd', 'echo "boom: no key"; exit 3', '--out', path.join(e.dir, 'out-never'), '--no-progress'], io);
    expect(code).toBe(2);
    const err = io.stderr.join('\n');
    expect(err).toMatch(/--bridge-cmd: the command exited before anything listened on 127\.0\.0\.1:\d+ \(exit code 3\)/);
    expect(err).toContain('boom: no key');
  }, 60_000);
});
