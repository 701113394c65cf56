import { HistogramLogReader, listTags } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { buildHlog, readHlogTotals } from './hlog.ts';
import { recordRun } from './rebuild.ts';
import { syntheticRun } from './test-fixtures.ts';
import { turnEndUs } from './turn-times.ts';

describe('latency.hlog', () => {
  const r = syntheticRun({ sessions: 12, turnsPerSession: 4, efforts: ['low', 'high', null] });
  const base = Math.min(...r.turns.map((t) => t.milestones.turnStartUs!));
  const log = buildHlog(r.turns, base, { intervalS: 5, startTime: new Date('2026-11-30T10:00:00Z') });
  const recorder = recordRun(r.turns, r.sessions);

  it('reads back with HdrHistogram\'s own log reader: per tag, the intervals add up to the run\'s histogram', () => {
    const totals = readHlogTotals(log.text);
    expect([...totals.keys()].sort()).toEqual(log.tags);
    expect(log.tags).toContain('ttfa.none');
    let checked = 0;
    for (const [metric, effort, bucket, h] of recorder.entries()) {
      if (bucket !== 'all' || metric === 'audio_rtf' || metric === 'connect' || metric === 'configure') continue;
      const back = totals.get(`${metric}.${effort}`)!;
      expect(back.totalCount, `${metric}.${effort}`).toBe(h.totalCount);
      for (const p of [50, 90, 99, 100]) expect(back.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
      checked++;
    }
    expect(checked).toBe(15);
  });

  it('puts each turn in the interval of its completion time', () => {
    const reader = new HistogramLogReader(log.text, 'packed');
    const perInterval = new Map<number, number>();
    for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
      if (!h.tag.startsWith('ttfa.')) continue;
      const startS = (h.startTimeStampMsec - Date.parse('2026-11-30T10:00:00Z')) / 1000;
      expect(h.endTimeStampMsec - h.startTimeStampMsec).toBe(5000);
      perInterval.set(startS, (perInterval.get(startS) ?? 0) + h.totalCount);
    }
    const expected = new Map<number, number>();
    for (const t of r.turns) {
      if (t.milestones.firstAudioUs === null) continue;
      const i = Math.floor((turnEndUs(t)! - base) / 5e6) * 5;
      expected.set(i, (expected.get(i) ?? 0) + 1);
    }
    expect(perInterval).toEqual(expected);
  });

  it('writes the 1.3 log format: version, start time, legend, tagged interval lines, max in ms', () => {
    const lines = log.text.trimEnd().split('\n');
    expect(lines[0]).toBe('#[Histogram log format version 1.3]');
    expect(lines[1]).toMatch(/^#\[StartTime: 1796032800\.000 \(seconds since epoch\), 2026-11-30T10:00:00\.000Z\]$/);
    expect(lines).toContain('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
    expect(lines.every((l) => l !== '')).toBe(true);
    const data = lines.filter((l) => l.startsWith('Tag='));
    expect(data).toHaveLength(log.intervals);
    for (const l of data) expect(l).toMatch(/^Tag=[a-z_]+\.[a-z]+,\d+\.\d{3},5\.000,\d+\.\d{3},[A-Za-z0-9+/]+=*$/);
    // Interval max is in ms: TTFA in the fixture is hundreds of ms, never hundreds of thousands.
    const maxes = data.filter((l) => l.startsWith('Tag=ttfa.')).map((l) => Number(l.split(',')[3]));
    expect(Math.max(...maxes)).toBeLessThan(10_000);
    expect(Math.max(...maxes)).toBeGreaterThan(100);
    expect(listTags(log.text).sort()).toEqual(log.tags);
  });

  it('is empty but well-formed with no turns', () => {
    const empty = buildHlog([], null);
    expect(empty.intervals).toBe(0);
    expect(readHlogTotals(empty.text).size).toBe(0);
  });
});
