import { readFileSync, existsSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import type { TurnResult } from '../contract.ts';

/** The harness's measurement error against the mock's ground truth (docs/measurement.md, "Ground truth from the mock"). */
export interface MeasurementError {
  /** Turns whose response was found in the trace. */
  matched: number;
  /** Turns with a first-audio stamp whose response was not in the trace. */
  unmatched: number;
  /** Harness `first_audio` stamp minus the mock's send stamp, ms. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /**
   * Smallest difference seen, ms. The mock stamps `first_audio_sent_us` immediately before it hands
   * the frame to its socket, so a negative value means the stamps are not comparable (a bug).
   */
  minMs: number | null;
  /** Matched responses whose harness stamp came before the mock's stamp (recorded as 0 in the percentiles). */
  negative: number;
}

/** Reads the mock's `--trace` JSONL into response id → first audio sent (µs, monotonic). Tolerates a torn last line. */
export function readTraceFirstAudio(path: string): Map<string, number> {
  const map = new Map<string, number>();
  if (!existsSync(path)) return map;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as { response_id?: unknown; first_audio_sent_us?: unknown };
      if (typeof rec.response_id === 'string' && typeof rec.first_audio_sent_us === 'number') {
        map.set(rec.response_id, rec.first_audio_sent_us);
      }
    } catch {
      // a line torn by an interrupted mock: skip it
    }
  }
  return map;
}

/**
 * Compares each turn's `firstAudioUs` (stamped by the harness when the first delta arrived) with
 * the instant the mock handed that delta to its socket. Both are CLOCK_MONOTONIC, shared by all
 * processes on one machine, so the difference is the harness's own delay in noticing the event.
 */
export function computeMeasurementError(turns: Iterable<Pick<TurnResult, 'responseId' | 'milestones'>>, firstAudioSentUs: Map<string, number>): MeasurementError {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let matched = 0;
  let unmatched = 0;
  let negative = 0;
  let minUs = Infinity;
  for (const t of turns) {
    const harnessUs = t.milestones.firstAudioUs;
    if (harnessUs === null || t.responseId === null) continue;
    const mockUs = firstAudioSentUs.get(t.responseId);
    if (mockUs === undefined) {
      unmatched += 1;
      continue;
    }
    const diffUs = harnessUs - mockUs;
    minUs = Math.min(minUs, diffUs);
    if (diffUs < 0) negative += 1;
    h.recordValue(Math.max(1, Math.round(diffUs)));
    matched += 1;
  }
  const ms = (us: number): number => Math.round(us) / 1000;
  const result: MeasurementError = {
    matched,
    unmatched,
    p50Ms: matched ? ms(h.getValueAtPercentile(50)) : null,
    p99Ms: matched ? ms(h.getValueAtPercentile(99)) : null,
    maxMs: matched ? ms(h.maxValue) : null,
    minMs: matched ? ms(minUs) : null,
    negative,
  };
  h.destroy();
  return result;
}
