/**
 * How a session's audio arrived in time: stream segments (appends less than 1 s apart), their
 * speed against real time, chunk durations and gaps. Judged in live (VAD) sessions, except the
 * sample-rate check, which reads the speed of any steady stream: a client that streams its source
 * in real time while declaring 24 kHz reveals the true rate as a fixed ratio (8 kHz → 1/3,
 * 16 kHz → 2/3, 48 kHz → 2).
 */

/** A new segment starts after a gap of this many ms. */
export const SEGMENT_GAP_MS = 1000;

/** Thresholds (exported so tests and docs state the same numbers). */
export const PACING_THRESHOLDS = {
  /** Faster than real time: a VAD segment with ≥ this much audio… */
  fastMinAudioMs: 3000,
  /** …sent at ≥ this multiple of real time. */
  fastRatio: 1.5,
  /** Long gap (VAD on, no response active): at least this. */
  longGapMs: 2000,
  /** Chunk size: median chunk duration outside [min, max] ms, over ≥ minChunks VAD appends. */
  chunkMinMs: 10,
  chunkMaxMs: 500,
  minChunks: 10,
  /** Rate mismatch: a steady segment spanning ≥ this wall time with ≥ minAppends appends… */
  rateMinWallMs: 3000,
  rateMinAppends: 20,
  /** …whose speed is within this relative tolerance of 1/3, 2/3 or 2. */
  rateTolerance: 0.05,
} as const;

interface Segment {
  startUs: number;
  lastUs: number;
  lastChunkMs: number;
  audioMs: number;
  appends: number;
  allVad: boolean;
  firstIndex: number;
  /** Declared PCM16 24 kHz (the rate check applies to these only). */
  pcm: boolean;
}

/** One pacing verdict with the client event index that started what it judges. */
export interface PacingVerdict {
  readonly rule: 'pacing.faster_than_realtime' | 'pacing.long_gap' | 'pacing.chunk_size' | 'audio.rate_mismatch';
  readonly evidence: string;
  readonly eventIndex: number | null;
  /** For `audio.rate_mismatch`: the rate the audio really has. */
  readonly impliedRateHz?: number;
}

const RATES: readonly { ratio: number; hz: number }[] = [
  { ratio: 1 / 3, hz: 8000 },
  { ratio: 2 / 3, hz: 16000 },
  { ratio: 2, hz: 48000 },
];

/** Accumulates append times of one session. */
export class PacingTracker {
  private readonly segments: Segment[] = [];
  private readonly vadChunkMs: number[] = [];
  private longGap: { gapMs: number; index: number } | null = null;
  private lastUs: number | null = null;

  /**
   * One append: when it arrived, how much audio it carried in the declared format, whether VAD was
   * on, whether a response was active since the previous append (a pause while the agent speaks is
   * normal), and its index.
   */
  add(receivedUs: number, audioMs: number, vadOn: boolean, responseActive: boolean, index: number, declaredPcm24k: boolean): void {
    const T = PACING_THRESHOLDS;
    if (this.lastUs !== null) {
      const gapMs = (receivedUs - this.lastUs) / 1000;
      if (vadOn && !responseActive && gapMs >= T.longGapMs && (this.longGap === null || gapMs > this.longGap.gapMs)) this.longGap = { gapMs, index };
    }
    const seg = this.segments.at(-1);
    if (seg && this.lastUs !== null && (receivedUs - this.lastUs) / 1000 < SEGMENT_GAP_MS && seg.allVad === vadOn && seg.pcm === declaredPcm24k) {
      seg.lastUs = receivedUs;
      seg.lastChunkMs = audioMs;
      seg.audioMs += audioMs;
      seg.appends += 1;
    } else {
      if (this.segments.length < 10_000) this.segments.push({ startUs: receivedUs, lastUs: receivedUs, lastChunkMs: audioMs, audioMs, appends: 1, allVad: vadOn, firstIndex: index, pcm: declaredPcm24k });
    }
    if (vadOn && this.vadChunkMs.length < 100_000) this.vadChunkMs.push(audioMs);
    this.lastUs = receivedUs;
  }

  /** The verdicts on everything added so far. */
  verdicts(): PacingVerdict[] {
    const T = PACING_THRESHOLDS;
    const out: PacingVerdict[] = [];
    const wallMs = (s: Segment): number => (s.lastUs - s.startUs) / 1000 + s.lastChunkMs;
    let rate: PacingVerdict | null = null;
    for (const s of this.segments) {
      const wall = (s.lastUs - s.startUs) / 1000;
      if (!s.pcm || wall < T.rateMinWallMs || s.appends < T.rateMinAppends) continue;
      const ratio = s.audioMs / wallMs(s);
      const match = RATES.find((r) => Math.abs(ratio / r.ratio - 1) <= T.rateTolerance);
      if (match) {
        rate = {
          rule: 'audio.rate_mismatch',
          eventIndex: s.firstIndex,
          impliedRateHz: match.hz,
          evidence: `a steady stream of ${s.appends} appends over ${(wall / 1000).toFixed(1)} s carried ${(s.audioMs / 1000).toFixed(1)} s of audio at the declared 24 kHz: ${ratio.toFixed(3)} × real time, what ${match.hz / 1000} kHz audio streamed in real time gives${match.hz === 48000 ? ' (or a client streaming at exactly twice real time)' : ''}`,
        };
        break;
      }
    }
    if (rate) out.push(rate);
    if (!(rate && rate.impliedRateHz === 48000)) {
      const fast = this.segments.find((s) => s.allVad && s.audioMs >= T.fastMinAudioMs && s.audioMs / wallMs(s) >= T.fastRatio);
      if (fast) {
        out.push({
          rule: 'pacing.faster_than_realtime',
          eventIndex: fast.firstIndex,
          evidence: `${(fast.audioMs / 1000).toFixed(1)} s of audio arrived in ${(wallMs(fast) / 1000).toFixed(2)} s (${(fast.audioMs / wallMs(fast)).toFixed(1)} × real time) with turn detection on`,
        });
      }
    }
    if (this.longGap) {
      out.push({ rule: 'pacing.long_gap', eventIndex: this.longGap.index, evidence: `no audio for ${(this.longGap.gapMs / 1000).toFixed(1)} s in a live stream with turn detection on and no response active` });
    }
    if (this.vadChunkMs.length >= T.minChunks) {
      const sorted = [...this.vadChunkMs].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      if (median < T.chunkMinMs || median > T.chunkMaxMs) {
        out.push({ rule: 'pacing.chunk_size', eventIndex: null, evidence: `median append carries ${median.toFixed(1)} ms of audio over ${sorted.length} appends (usual: 20–100 ms)` });
      }
    }
    return out;
  }
}
