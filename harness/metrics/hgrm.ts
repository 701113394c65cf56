/**
 * `OUT/histograms/*.hgrm`: HdrHistogram percentile distributions (the text format of
 * `outputPercentileDistribution`, readable by HdrHistogram's plotter), values in ms.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Histogram } from './histogram.ts';
import { RTF_SCALE, type Recorder } from './recorder.ts';

/** Percentile ticks per half distance (HdrHistogram's default). */
const TICKS_PER_HALF = 5;

/** The file name of a histogram: `<metric>.<effort>.hgrm`, by-turn `ttfa.<effort>.turn1.hgrm`, `…turn3plus…`. */
export function hgrmFileName(metric: string, effort: string | null, bucket: string = 'all'): string {
  const turn = bucket === 'all' ? '' : `.turn${bucket.replace('+', 'plus')}`;
  return `${metric}${effort === null ? '' : `.${effort}`}${turn}.hgrm`;
}

/** A histogram's percentile distribution; recorded in µs, printed in ms (scaling ratio 1000). */
export function percentileDistribution(h: Histogram, scalingRatio = 1000): string {
  return h.outputPercentileDistribution(TICKS_PER_HALF, scalingRatio);
}

/**
 * Writes every non-empty histogram of the recorder to `dir/histograms/`: each metric per effort,
 * TTFA per effort and turn bucket, and `send_lag.hgrm`. `audio_rtf` files hold the ratio.
 * @returns the paths written
 */
export async function writeHgrm(recorder: Recorder, dir: string): Promise<string[]> {
  const outDir = path.join(dir, 'histograms');
  await mkdir(outDir, { recursive: true });
  const jobs: [string, string][] = [];
  for (const [metric, effort, bucket, h] of recorder.entries()) {
    if (h.totalCount === 0 || (bucket !== 'all' && metric !== 'ttfa')) continue;
    jobs.push([hgrmFileName(metric, effort, bucket), percentileDistribution(h, metric === 'audio_rtf' ? RTF_SCALE : 1000)]);
  }
  const lag = recorder.sendLagHistogram();
  if (lag.totalCount > 0) jobs.push([hgrmFileName('send_lag', null), percentileDistribution(lag)]);
  jobs.sort((a, b) => a[0].localeCompare(b[0]));
  const written: string[] = [];
  for (const [name, text] of jobs) {
    const file = path.join(outDir, name);
    await writeFile(file, text);
    written.push(file);
  }
  return written;
}
