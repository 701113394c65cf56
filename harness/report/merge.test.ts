import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { mergeRebuilt, mergeRuns } from './merge.ts';
import { rebuildRun, recordRun } from './rebuild.ts';
import { syntheticRun, writeRunDir } from './test-fixtures.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'rth-merge-'));
  dirs.push(d);
  return d;
}

describe('mergeRebuilt', () => {
  it('adds histograms: merged counts are the sums, percentiles those of all samples together (not averages)', async () => {
    const root = await tempDir();
    // Two shards with very different latencies: an average of percentiles would be far off.
    const fast = syntheticRun({ sessions: 6, turnsPerSession: 4, efforts: ['low'], seed: 1 });
    const slow = syntheticRun({ sessions: 2, turnsPerSession: 4, efforts: ['low'], seed: 2, ttfaExtraMs: 3000 });
    await writeRunDir(path.join(root, 'a'), fast);
    await writeRunDir(path.join(root, 'b'), slow);
    const a = await rebuildRun(path.join(root, 'a'));
    const b = await rebuildRun(path.join(root, 'b'));
    const m = mergeRebuilt([a, b], ['a', 'b'], path.join(root, 'm'));

    expect(m.turns).toHaveLength(fast.turns.length + slow.turns.length);
    expect(m.summary.turns.completed).toBe(a.summary.turns.completed + b.summary.turns.completed);
    expect(m.summary.turns.failed).toBe(a.summary.turns.failed + b.summary.turns.failed);
    expect(m.summary.sessions.started).toBe(8);
    const ttfa = m.summary.metrics.ttfa_ms.low!;
    expect(ttfa.count).toBe(a.summary.metrics.ttfa_ms.low!.count + b.summary.metrics.ttfa_ms.low!.count);

    // The same turns recorded in one recorder give the same percentiles.
    const together = recordRun([...fast.turns, ...slow.turns], []);
    expect(ttfa.p50).toBe(together.stats('ttfa', 'low').p50);
    expect(ttfa.p95).toBe(together.stats('ttfa', 'low').p95);
    const averaged = (a.summary.metrics.ttfa_ms.low!.p50! + b.summary.metrics.ttfa_ms.low!.p50!) / 2;
    expect(Math.abs(ttfa.p50! - averaged)).toBeGreaterThan(500);

    // Send lag: both inputs had it only as .hgrm; the merged distribution holds every frame.
    expect(m.sendLag.source).toBe('hgrm');
    expect(m.summary.pacing.send_lag_ms.count).toBe(4000);
  });

  it('offsets colliding session indices and lists every input with its offset', async () => {
    const root = await tempDir();
    await writeRunDir(path.join(root, 'a'), syntheticRun({ sessions: 3, seed: 1, efforts: ['low'] }));
    await writeRunDir(path.join(root, 'b'), syntheticRun({ sessions: 2, seed: 2, efforts: ['low'] }));
    const m = mergeRebuilt([await rebuildRun(path.join(root, 'a')), await rebuildRun(path.join(root, 'b'))], ['a', 'b'], root);
    expect(new Set(m.sessions.map((s) => s.sessionIndex))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(m.summary.merged_from!.map((x) => [x.dir, x.session_index_offset, x.turns])).toEqual([
      ['a', 0, 12],
      ['b', 3, 8],
    ]);
    expect(m.summary.provenance.workers).toBe(2);
  });

  it('is invalid when any input was, naming the input', async () => {
    const root = await tempDir();
    await writeRunDir(path.join(root, 'ok'), syntheticRun({ sessions: 2, seed: 1, efforts: ['low'] }));
    await writeRunDir(path.join(root, 'bad'), syntheticRun({ sessions: 2, seed: 2, efforts: ['low'] }), { sendLagUs: Array.from({ length: 50 }, () => 20_000) });
    const m = mergeRebuilt([await rebuildRun(path.join(root, 'ok')), await rebuildRun(path.join(root, 'bad'))], ['ok', 'bad'], root);
    expect(m.summary.valid).toBe(false);
    expect(m.summary.invalid_reasons).toEqual([expect.stringMatching(/^bad: send lag p99/)]);
  });
});

describe('mergeRuns', () => {
  it('writes a merged run directory that can itself be reported again', async () => {
    const root = await tempDir();
    await writeRunDir(path.join(root, 'a'), syntheticRun({ sessions: 4, seed: 1, efforts: ['low', 'high'] }));
    await writeRunDir(path.join(root, 'b'), syntheticRun({ sessions: 2, seed: 2, efforts: ['medium'] }));
    const out = path.join(root, 'merged');
    const res = await mergeRuns([path.join(root, 'a'), path.join(root, 'b')], out);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.merged_from).toHaveLength(2);
    expect(summary.efforts).toEqual(['low', 'medium', 'high']);
    expect(summary.conformance.findings).toBe(4);
    expect(res.histograms.some((h) => h.endsWith('send_lag.hgrm'))).toBe(true);
    expect(await readFile(res.report, 'utf8')).toContain('Merged from');

    const again = await rebuildRun(out);
    expect(again.summary.metrics.ttfa_ms).toEqual(summary.metrics.ttfa_ms);
    expect(again.summary.merged_from).toEqual(summary.merged_from);
    expect(again.timeBaseUs).toBe(0);
  });

  it('refuses to merge into one of its inputs', async () => {
    const root = await tempDir();
    await writeRunDir(path.join(root, 'a'), syntheticRun({ sessions: 2 }));
    await expect(mergeRuns([path.join(root, 'a')], path.join(root, 'a'))).rejects.toBeInstanceOf(ConfigError);
  });
});
