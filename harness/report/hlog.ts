/**
 * `.hlog` interval logs in the HdrHistogram log format (version 1.3, as jHiccup and
 * HdrHistogram's `HistogramLogProcessor` read them): one compressed histogram per metric × effort
 * per interval of the run, `Tag=<metric>.<effort>`. A turn falls in the interval of its completion
 * time (`response_done`, else its last stamp) since the run's start. Values are µs; the
 * `Interval_Max` column is ms (max value ÷ 1000). The same recording rules as the run's recorder
 * apply (turn time for completed turns only; negatives recorded as 0), so adding every interval of
 * a tag gives the run's histogram of that metric and effort.
 */
import { writeFile } from 'node:fs/promises';
import { HistogramLogReader, HistogramLogWriter } from 'hdr-histogram-js';
import type { TurnResult } from '../contract.ts';
import { createHistogram, recordClamped, type Histogram } from '../metrics/histogram.ts';
import { deriveTurnMetrics } from '../metrics/turn-metrics.ts';
import { turnEndUs } from './turn-times.ts';

/** Default interval length, s. */
export const DEFAULT_HLOG_INTERVAL_S = 5;

/** Options of {@link buildHlog}. */
export interface HlogOptions {
  /** Interval length, s. Default {@link DEFAULT_HLOG_INTERVAL_S}. */
  intervalS?: number;
  /** Wall-clock start of the run, written as `#[StartTime: …]` so timestamps read as relative to it. Default none. */
  startTime?: Date | null;
}

/** What {@link buildHlog} produced. */
export interface HlogResult {
  text: string;
  /** Tags present, sorted. */
  tags: string[];
  /** Interval lines written. */
  intervals: number;
  /** Turns with no stamp at all (not placed in any interval). */
  unplacedTurns: number;
}

/** The metric values a turn contributes, as the recorder records them (ms). */
function turnValues(t: TurnResult): [string, number][] {
  const m = deriveTurnMetrics(t);
  const out: [string, number | null][] = [
    ['ttfa', m.ttfaMs],
    ['ttfa_onset', m.ttfaOnsetMs],
    ['vad_delay', m.vadDelayMs],
    ['response_start', m.responseStartMs],
    ['first_text', m.firstTextMs],
  ];
  if (t.status === 'completed') out.push(['turn', m.turnMs]);
  return out.filter((e): e is [string, number] => e[1] !== null);
}

function fixed3(x: number): string {
  return x.toFixed(3);
}

/** Builds the interval log text of a run's turns. `timeBaseUs` null = the earliest completion time. */
export function buildHlog(turns: readonly TurnResult[], timeBaseUs: number | null, opts: HlogOptions = {}): HlogResult {
  const intervalUs = (opts.intervalS ?? DEFAULT_HLOG_INTERVAL_S) * 1e6;
  const placed = turns.map((t) => [t, turnEndUs(t)] as const);
  const ends = placed.map(([, e]) => e).filter((e): e is number => e !== null);
  const base = timeBaseUs ?? (ends.length > 0 ? Math.min(...ends) : 0);
  const intervals = new Map<number, Map<string, Histogram>>();
  let unplacedTurns = 0;
  for (const [t, end] of placed) {
    if (end === null) {
      unplacedTurns++;
      continue;
    }
    const i = Math.max(0, Math.floor((end - base) / intervalUs));
    let byTag = intervals.get(i);
    if (!byTag) intervals.set(i, (byTag = new Map()));
    for (const [metric, ms] of turnValues(t)) {
      const tag = `${metric}.${t.arm ?? t.effort ?? 'none'}`;
      let h = byTag.get(tag);
      if (!h) byTag.set(tag, (h = createHistogram(true)));
      recordClamped(h, ms * 1000);
    }
  }

  const chunks: string[] = [];
  const writer = new HistogramLogWriter((s) => chunks.push(s));
  writer.outputLogFormatVersion();
  if (opts.startTime) {
    // Written by hand: the library's outputStartTime adds a blank line that stricter readers reject.
    writer.outputComment(`[StartTime: ${fixed3(opts.startTime.getTime() / 1000)} (seconds since epoch), ${opts.startTime.toISOString()}]`);
  }
  writer.outputComment('[rth: values in microseconds, Interval_Max in milliseconds; Tag=<metric>.<effort>; turns placed by completion time since the run start]');
  writer.outputLegend();
  const tags = new Set<string>();
  let lines = 0;
  for (const i of [...intervals.keys()].sort((a, b) => a - b)) {
    const byTag = intervals.get(i)!;
    for (const tag of [...byTag.keys()].sort()) {
      const h = byTag.get(tag)!;
      h.tag = tag;
      const startS = (i * intervalUs) / 1e6;
      writer.outputIntervalHistogram(h, startS, startS + intervalUs / 1e6, 1000);
      tags.add(tag);
      lines++;
    }
  }
  return { text: chunks.join(''), tags: [...tags].sort(), intervals: lines, unplacedTurns };
}

/** Writes {@link buildHlog}'s text to `file`. */
export async function writeHlog(file: string, turns: readonly TurnResult[], timeBaseUs: number | null, opts: HlogOptions = {}): Promise<HlogResult> {
  const result = buildHlog(turns, timeBaseUs, opts);
  await writeFile(file, result.text);
  return result;
}

/** Sums an interval log by tag with hdr-histogram-js's own reader: tag → added histogram (µs). */
export function readHlogTotals(text: string): Map<string, Histogram> {
  const reader = new HistogramLogReader(text, 'packed');
  const totals = new Map<string, Histogram>();
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    let sum = totals.get(h.tag);
    if (!sum) totals.set(h.tag, (sum = createHistogram(true)));
    sum.add(h);
  }
  return totals;
}
