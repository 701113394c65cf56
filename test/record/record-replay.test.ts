/**
 * `rth record` → `rth conform --replay` → `rth mock --replay`: the harness's own session driver
 * talks to the bundled mock through the recording relay; the recording has both directions with
 * monotonic stamps, no key, redacted audio; it judges clean offline while mutated fixture streams
 * fail; and a mock replaying it uses the recorded delays, response by response.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../harness/cli/main.ts';
import { startRecordingRelay } from '../../harness/record/relay.ts';
import { runScenario } from '../../harness/runner/run-scenario.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import { parseStreamRecording } from '../../common/protocol/stream-record.ts';
import { responseDelaysOf } from '../../mock-server/replay/recorded-timing.ts';
import { startMockServer } from '../../mock-server/server.ts';
import { checkFixture, drop, dup, loadFixture, type FixtureName } from '../conformance/stream-mutations.ts';
import { captureIo } from '../e2e/e2e-helpers.ts';

const RELAY_KEY = 'sk-relay-secret-0123456789abcdef';
const CLIENT_KEY = 'client-secret-ZYXW987654';

describe('record relay, conform --replay, mock --replay', () => {
  let dir: string;
  let recDir: string;

  async function scenarioFile(name: string, target: string, extra: Record<string, unknown> = {}): Promise<Awaited<ReturnType<typeof loadScenario>>> {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      stringify({
        name,
        target,
        headers: { Authorization: `Bearer ${CLIENT_KEY}` },
        sessions: 2,
        arrival: { type: 'ramp', ramp_up_s: 0.2 },
        turns_per_session: 3,
        think_time_ms: 50,
        turn_detection: { type: 'server_vad', silence_duration_ms: 300 },
        efforts: ['low'],
        clips: ['en-weather-paris', 'en-flight-status'],
        seed: 2,
        out: path.join(dir, `out-${name}`),
        ...extra,
      }),
    );
    return loadScenario(file, {}, { cwd: dir });
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rth-record-'));
    recDir = path.join(dir, 'rec');
    const mock = await startMockServer({ latencyScale: 0.1, seed: 4 });
    const relay = await startRecordingRelay({ upstreamUrl: mock.url, upstreamHeaders: { Authorization: `Bearer ${RELAY_KEY}` }, outDir: recDir });
    try {
      await runScenario(await scenarioFile('recorded', relay.url));
    } finally {
      await relay.close();
      await mock.close();
    }
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const recordings = (): string[] => readdirSync(recDir).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(recDir, f));

  it('writes one file per session with both directions and monotonic stamps', () => {
    expect(recordings()).toHaveLength(2);
    for (const f of recordings()) {
      const rec = parseStreamRecording(readFileSync(f, 'utf8'), f);
      expect(rec.meta).toMatchObject({ format: 'rth-stream/1', sessionKind: 'realtime', audio: 'redacted' });
      expect(rec.lines.some((l) => 'client' in l && l.client['type'] === 'session.update')).toBe(true);
      expect(rec.lines.some((l) => 'server' in l && l.server['type'] === 'session.created')).toBe(true);
      expect(rec.lines.filter((l) => 'server' in l && l.server['type'] === 'response.done')).toHaveLength(3);
      expect(rec.lines.at(-1)).toHaveProperty('close');
      const stamps = rec.lines.map((l) => l.us);
      expect(stamps.every((u) => typeof u === 'number')).toBe(true);
      for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThanOrEqual(stamps[i - 1]!);
    }
  });

  it('never writes a key, and redacts audio with its length by default', () => {
    for (const f of readdirSync(dir, { recursive: true }).map(String).filter((x) => /\.(jsonl|json)$/.test(x))) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      expect(text, f).not.toContain(RELAY_KEY);
      expect(text, f).not.toContain(CLIENT_KEY);
    }
    const rec = parseStreamRecording(readFileSync(recordings()[0]!, 'utf8'));
    const appends = rec.lines.filter((l) => 'client' in l && l.client['type'] === 'input_audio_buffer.append');
    const deltas = rec.lines.filter((l) => 'server' in l && l.server['type'] === 'response.output_audio.delta');
    expect(appends.length).toBeGreaterThan(10);
    expect(deltas.length).toBeGreaterThan(3);
    for (const l of appends) {
      expect((l as { client: Record<string, unknown> }).client['audio']).toBe('');
      expect(l.redacted?.['audio']).toBeGreaterThan(0);
    }
    for (const l of deltas) {
      expect((l as { server: Record<string, unknown> }).server['delta']).toBe('');
      expect(l.redacted?.['delta']).toBeGreaterThan(0);
    }
  });

  it('rth conform --replay: the recording has no error findings (exit 0)', async () => {
    const io = captureIo();
    const code = await main(['node', 'rth', 'conform', '--replay', recDir, '--out', path.join(dir, 'conf-good')], io);
    expect(io.stdout.join('\n')).toContain('PASSED');
    expect(code).toBe(0);
  });

  it.each([
    ['response.done sent twice', dup('response.done')],
    ['session.created dropped', drop('session.created')],
  ] as const)('rth conform --replay: a broken fixture stream (%s) gives findings and exit 1', async (what, mutate) => {
    const name: FixtureName = 'realtime-audio-response.jsonl';
    expect(checkFixture(name, mutate).some((f) => f.severity === 'error')).toBe(true);
    const broken = loadFixture(name);
    const file = path.join(dir, `broken-${what.replace(/\W+/g, '-')}.jsonl`);
    writeFileSync(file, [JSON.stringify({ meta: broken.meta }), ...mutate(broken.lines).map((l) => JSON.stringify(l))].join('\n'));
    const io = captureIo();
    const code = await main(['node', 'rth', 'conform', '--replay', file, '--out', path.join(dir, 'conf-bad')], io);
    expect(code).toBe(1);
    expect(io.stdout.join('\n')).toMatch(/FAILED[\s\S]*ERROR RT-/);
  });

  it('rth conform --replay judges redacted audio by its recorded length', async () => {
    const lines = readFileSync(recordings()[0]!, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('"response.output_audio.delta"'));
    const line = JSON.parse(lines[i]!) as { redacted: Record<string, number> };
    line.redacted['delta'] = 4801; // odd: not PCM16
    lines[i] = JSON.stringify(line);
    const file = path.join(dir, 'odd-delta.jsonl');
    writeFileSync(file, lines.join('\n'));
    const io = captureIo();
    expect(await main(['node', 'rth', 'conform', '--replay', file, '--out', path.join(dir, 'conf-odd')], io)).toBe(1);
    expect(io.stdout.join('\n')).toContain('RT-CONTENT-001');
  });

  it('rth conform --replay refuses live-only flags and unreadable files (exit 2)', async () => {
    expect(await main(['node', 'rth', 'conform', '--replay', recDir, '--target', 'openai'], captureIo())).toBe(2);
    expect(await main(['node', 'rth', 'conform', '--replay', path.join(dir, 'nope.jsonl')], captureIo())).toBe(2);
  });

  it('a mock replaying the recording takes its delays response by response', async () => {
    const file = recordings()[0]!;
    const recorded = responseDelaysOf(parseStreamRecording(readFileSync(file, 'utf8')));
    expect(recorded).toHaveLength(3);
    const trace = path.join(dir, 'replay-trace.jsonl');
    // The replaying mock's own profile is 20× slower, so a draw could not pass for a replayed delay.
    const mock = await startMockServer({ replay: file, tracePath: trace, latencyScale: 2, seed: 9 });
    try {
      await runScenario(await scenarioFile('replayed', mock.url, { sessions: 1, headers: { Authorization: 'Bearer any' } }));
    } finally {
      await mock.close();
    }
    type Line = { turn_index: number; delays_start_us: number; response_created_sent_us: number; first_audio_sent_us: number; response_done_sent_us: number; drawn_first_audio_delay_ms: number };
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line).sort((a, b) => a.turn_index - b.turn_index);
    expect(lines).toHaveLength(3);
    lines.forEach((t, i) => {
      const r = recorded[i]!;
      // The drawn delay is the recorded one exactly; the sent stamps are never earlier than it
      // (the mock's clock never fires a timer early), so replay reproduces the recorded timing
      // plus only the mock's own scheduling lateness.
      expect(t.drawn_first_audio_delay_ms).toBe(r.firstAudioMs);
      expect((t.first_audio_sent_us - t.delays_start_us) / 1000).toBeGreaterThanOrEqual(r.firstAudioMs! - 1e-6);
      expect((t.response_created_sent_us - t.delays_start_us) / 1000).toBeGreaterThanOrEqual(Math.min(r.responseCreatedMs, r.firstAudioMs!) - 1e-6);
      expect((t.response_done_sent_us - t.delays_start_us) / 1000).toBeGreaterThanOrEqual(r.responseDoneMs! - 1e-6);
    });
  }, 60_000);
});
