import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.ts';
import type { TraceRecord } from './contract.ts';
import { openTraceSink, traceLine } from './trace.ts';

const record = (i: number): TraceRecord => ({
  response_created_sent_us: 1000 + i,
  session_id: 'sess_1',
  response_id: `resp_${i}`,
  effort: i % 2 ? 'low' : null,
  turn_index: i,
  status: 'completed',
  turn_audio_end_us: 900 + i,
  delays_start_us: 950 + i,
  first_audio_sent_us: i === 0 ? null : 1500 + i,
  response_done_sent_us: 2000 + i,
  drawn_first_audio_delay_ms: 450.5,
  leading_silence_ms: i === 0 ? null : 300,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rth-trace-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trace', () => {
  it('writes one JSON line per record, fields in contract order, flushed on close', async () => {
    const path = join(dir, 'nested', 'trace.jsonl');
    const sink = await openTraceSink(path);
    for (let i = 0; i < 3; i++) sink.write(record(i));
    await sink.close();
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([0, 1, 2].map(record));
    expect(Object.keys(JSON.parse(lines[0]!))[0]).toBe('session_id');
    expect(sink.recordsWritten).toBe(3);
    expect(sink.error).toBeNull();
  });

  it('appends to an existing file and ignores writes after close', async () => {
    const path = join(dir, 't.jsonl');
    await writeFile(path, traceLine(record(9)));
    const sink = await openTraceSink(path);
    sink.write(record(1));
    const closed = sink.close();
    sink.write(record(2));
    await closed;
    await sink.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).response_id)).toEqual(['resp_9', 'resp_1']);
  });

  it('null path: a no-op sink', async () => {
    const sink = await openTraceSink(null);
    sink.write(record(0));
    await sink.close();
    expect(sink.path).toBeNull();
  });

  it('an unopenable path is a ConfigError naming it', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, 'x');
    await expect(openTraceSink(join(blocker, 'trace.jsonl'))).rejects.toSatisfy(
      (e: unknown) => e instanceof ConfigError && e.code === 'E_TRACE' && e.message.includes(blocker),
    );
  });
});
