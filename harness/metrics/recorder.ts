/**
 * The run's numbers: one HDR histogram per metric per effort (and per turn-index bucket for turn
 * metrics), values in µs, plus counters. Reports are written from here, never from ad-hoc
 * counters. Snapshots are JSON-safe and merge by ADDING histograms (workers, shards), never by
 * averaging percentiles.
 */
import type { SessionResult, TurnResult } from '../contract.ts';
import { REASONING_EFFORTS } from '../../common/protocol/types.ts';
import { createHistogram, decodeHistogram, encodeHistogram, histogramStats, recordClamped, type Histogram, type HistogramStats } from './histogram.ts';
import { deriveTurnMetrics, type TurnMetrics } from './turn-metrics.ts';

/**
 * Latency metrics of a turn (µs in histograms, ms in reports). `ttfa_onset`: TTFA to the audio's
 * speech onset as a listener hears it (docs/measurement.md).
 */
export const TURN_METRICS = ['ttfa', 'ttfa_onset', 'vad_delay', 'response_start', 'turn', 'first_text'] as const;
/** Latency metrics of a session. */
export const SESSION_METRICS = ['connect', 'configure'] as const;
/** A latency metric. */
export type LatencyMetric = (typeof TURN_METRICS)[number] | (typeof SESSION_METRICS)[number];
/**
 * Every histogram family: latency metrics, `audio_rtf` (ratio × 1000) and `leading_silence`
 * (`ttfa_onset − ttfa` per turn, µs; not a latency from the turn's end, so not in {@link TURN_METRICS}).
 */
export type MetricName = LatencyMetric | 'audio_rtf' | 'leading_silence' | WebRtcMetric;

/**
 * WebRTC-only histograms (µs), recorded only when a turn or session has them: the received track's
 * RFC 3550 jitter and longest packet gap per turn, barge-in (user speech start → the assistant's
 * audio stops), and the setup phases from the start of setup (the key request) to each step.
 */
export const WEBRTC_METRICS = ['rtp_jitter', 'rtp_max_gap', 'barge_in_stop', 'setup_offer_posted', 'setup_answer', 'setup_ice_connected', 'setup_channel_open'] as const;
/** A WebRTC-only metric. */
export type WebRtcMetric = (typeof WEBRTC_METRICS)[number];
/** Turn-index buckets: turn 1 is slower than later turns (connection and context warm-up). */
export const TURN_BUCKETS = ['1', '2', '3+'] as const;
/** A turn-index bucket, or `all`. */
export type TurnBucket = (typeof TURN_BUCKETS)[number] | 'all';
/** Effort key of a turn or session: the effort, or `none` when no reasoning effort was sent. */
export type EffortLabel = string;

/** Scale of `audio_rtf` in its histogram (HDR holds integers). */
export const RTF_SCALE = 1000;

/** The bucket of a 1-based turn index. */
export function turnBucket(turnIndex: number): (typeof TURN_BUCKETS)[number] {
  return turnIndex <= 1 ? '1' : turnIndex === 2 ? '2' : '3+';
}

/** How a turn counts in `turns.completed / failed / aborted`. */
export function classifyTurn(t: Pick<TurnResult, 'status' | 'bargedIn'>): 'completed' | 'failed' | 'aborted' {
  // A response cancelled because the user barged in ended as the scenario intended.
  if (t.status === 'completed' || (t.status === 'cancelled' && t.bargedIn)) return 'completed';
  return t.status === 'aborted' ? 'aborted' : 'failed';
}

/**
 * How a session counts in `sessions.completed / failed / aborted`. `stopped` (the run's stop came
 * before the plan's last turn; the driver's normal end of a duration-bounded run) did what the run
 * asked, so it counts as completed; `sessions.by_outcome` still tells it apart.
 */
export function classifySession(outcome: string): 'completed' | 'failed' | 'aborted' {
  if (outcome === 'completed' || outcome === 'stopped') return 'completed';
  return outcome === 'aborted' ? 'aborted' : 'failed';
}

/** Counters kept next to the histograms; all additive. */
export interface RecorderCounters {
  turnsByStatus: Record<string, number>;
  turnsCompleted: number;
  turnsFailed: number;
  turnsAborted: number;
  /** `errorCode` of turns that did not complete, by code. */
  turnErrorCodes: Record<string, number>;
  /** Error events (from sessions) and harness/transport errors ({@link Recorder.recordError}), by code. */
  errors: Record<string, number>;
  sessionsByOutcome: Record<string, number>;
  sessionsCompleted: number;
  sessionsFailed: number;
  sessionsAborted: number;
  /** Completed turns with audio, for which playback was simulated. */
  turnsWithAudio: number;
  playbackUnderruns: number;
  underrunSilenceUs: number;
  toolCalls: number;
  bargeIns: number;
  userSpeechMs: number;
  audioReceivedMs: number;
  connectedMs: number;
  /** WebRTC: audio packets received for turns, and packets missing by sequence number. */
  rtpPackets: number;
  rtpLost: number;
  /** Values below zero recorded as 0 (HDR cannot hold negatives), by metric; e.g. early VAD decisions. */
  negativeClamped: Record<string, number>;
}

/** A recorder as JSON: histograms as base64 compressed HDR, keyed `metric|effort|bucket`. */
export interface RecorderSnapshot {
  schema: 'rth.recorder/1';
  histograms: Record<string, string>;
  sendLag: string;
  counters: RecorderCounters;
}

function emptyCounters(): RecorderCounters {
  return {
    turnsByStatus: {},
    turnsCompleted: 0,
    turnsFailed: 0,
    turnsAborted: 0,
    turnErrorCodes: {},
    errors: {},
    sessionsByOutcome: {},
    sessionsCompleted: 0,
    sessionsFailed: 0,
    sessionsAborted: 0,
    turnsWithAudio: 0,
    playbackUnderruns: 0,
    underrunSilenceUs: 0,
    toolCalls: 0,
    bargeIns: 0,
    userSpeechMs: 0,
    audioReceivedMs: 0,
    connectedMs: 0,
    rtpPackets: 0,
    rtpLost: 0,
    negativeClamped: {},
  };
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

function addCounters(into: RecorderCounters, from: RecorderCounters): void {
  for (const [k, v] of Object.entries(from) as [keyof RecorderCounters, RecorderCounters[keyof RecorderCounters]][]) {
    if (typeof v === 'number') (into[k] as number) += v;
    else for (const [code, n] of Object.entries(v)) bump(into[k] as Record<string, number>, code, n);
  }
}

/** Orders effort keys: the five efforts in increasing order, then `none`, then anything else. */
export function compareEfforts(a: string, b: string): number {
  const order = [...REASONING_EFFORTS, 'none'] as string[];
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || a.localeCompare(b);
}

/** Collects one run's (or one worker's) measurements. */
export class Recorder {
  private readonly hist = new Map<string, Histogram>();
  private lag: Histogram = createHistogram(false);
  private readonly c: RecorderCounters = emptyCounters();

  /** Counters so far (live object; do not mutate). */
  get counters(): Readonly<RecorderCounters> {
    return this.c;
  }

  private h(metric: MetricName, effort: EffortLabel, bucket: TurnBucket): Histogram {
    const key = `${metric}|${effort}|${bucket}`;
    let h = this.hist.get(key);
    if (!h) this.hist.set(key, (h = createHistogram(true)));
    return h;
  }

  private recordUs(metric: MetricName, effort: EffortLabel, bucket: TurnBucket | null, valueUs: number): void {
    if (valueUs < 0) bump(this.c.negativeClamped, metric);
    recordClamped(this.h(metric, effort, 'all'), valueUs);
    if (bucket) recordClamped(this.h(metric, effort, bucket), valueUs);
  }

  /**
   * Records a finished turn. Latencies to a milestone (TTFA, VAD delay, response start, first text)
   * are recorded whenever both stamps exist, whatever the status (a barged-in turn's TTFA is real);
   * turn time, audio real-time factor and playback only for completed turns.
   * @returns the turn's derived metrics (for turns.jsonl)
   */
  recordTurn(result: TurnResult): TurnMetrics {
    const m = deriveTurnMetrics(result);
    // GPT-Live results are grouped by their arm (`live:<model>`), never as an effort.
    const effort = result.arm ?? result.effort ?? 'none';
    const bucket = turnBucket(result.turnIndex);
    const cls = classifyTurn(result);
    bump(this.c.turnsByStatus, result.status);
    if (cls === 'completed') this.c.turnsCompleted++;
    else if (cls === 'failed') this.c.turnsFailed++;
    else this.c.turnsAborted++;
    if (cls !== 'completed' && result.errorCode) bump(this.c.turnErrorCodes, result.errorCode);
    this.c.toolCalls += result.toolCalls;
    if (result.bargedIn) this.c.bargeIns++;
    this.c.userSpeechMs += result.userSpeechMs;
    this.c.audioReceivedMs += m.audioReceivedMs;

    const ms: [LatencyMetric, number | null][] = [
      ['ttfa', m.ttfaMs],
      ['ttfa_onset', m.ttfaOnsetMs],
      ['vad_delay', m.vadDelayMs],
      ['response_start', m.responseStartMs],
      ['first_text', m.firstTextMs],
    ];
    if (result.status === 'completed') ms.push(['turn', m.turnMs]);
    for (const [metric, v] of ms) if (v !== null) this.recordUs(metric, effort, bucket, v * 1000);
    if (m.leadingSilenceMs !== null) this.recordUs('leading_silence', effort, null, m.leadingSilenceMs * 1000);
    const media = result.media;
    if (media) {
      this.c.rtpPackets += media.packets;
      this.c.rtpLost += media.lost;
      // Jitter and gaps need two packets to exist.
      if (media.packets >= 2) {
        this.recordUs('rtp_jitter', effort, null, media.jitterMs * 1000);
        this.recordUs('rtp_max_gap', effort, null, media.maxGapMs * 1000);
      }
      if (media.bargeInStopMs !== null) this.recordUs('barge_in_stop', effort, null, media.bargeInStopMs * 1000);
    }
    if (result.status === 'completed') {
      if (m.audioRealtimeFactor !== null) recordClamped(this.h('audio_rtf', effort, 'all'), m.audioRealtimeFactor * RTF_SCALE);
      if (m.playbackUnderruns !== null && result.audioDeltas.length > 0) {
        this.c.turnsWithAudio++;
        this.c.playbackUnderruns += m.playbackUnderruns;
        this.c.underrunSilenceUs += (m.underrunSilenceMs ?? 0) * 1000;
      }
    }
    return m;
  }

  /** Records a finished session: connect/configure latency, outcome, error events. */
  recordSession(result: SessionResult): void {
    const effort = result.arm ?? result.effort ?? 'none';
    if (result.connectMs !== null) this.recordUs('connect', effort, null, result.connectMs * 1000);
    if (result.configureMs !== null) this.recordUs('configure', effort, null, result.configureMs * 1000);
    const setup = result.setup;
    if (setup) {
      const phases: [WebRtcMetric, number | null][] = [
        ['setup_offer_posted', setup.offerPostedMs],
        ['setup_answer', setup.answerMs],
        ['setup_ice_connected', setup.iceConnectedMs],
        ['setup_channel_open', setup.channelOpenMs],
      ];
      for (const [metric, v] of phases) if (v !== null) this.recordUs(metric, effort, null, v * 1000);
    }
    bump(this.c.sessionsByOutcome, result.outcome);
    const cls = classifySession(result.outcome);
    if (cls === 'completed') this.c.sessionsCompleted++;
    else if (cls === 'failed') this.c.sessionsFailed++;
    else this.c.sessionsAborted++;
    this.c.connectedMs += result.connectedMs;
    for (const [code, n] of Object.entries(result.errors)) bump(this.c.errors, code, n);
  }

  /** Records one frame's send lag, µs (wire this to the pacer's `onLagUs`). */
  recordSendLagUs(us: number): void {
    recordClamped(this.lag, us);
  }

  /** Counts an error by code (transport failures, harness errors; `error` events come with sessions). */
  recordError(code: string, count = 1): void {
    bump(this.c.errors, code, count);
  }

  /** The histogram of a metric/effort/bucket, or undefined if nothing was recorded there. */
  histogram(metric: MetricName, effort: EffortLabel, bucket: TurnBucket = 'all'): Histogram | undefined {
    return this.hist.get(`${metric}|${effort}|${bucket}`);
  }

  /** The send-lag histogram (µs). */
  sendLagHistogram(): Histogram {
    return this.lag;
  }

  /** Statistics in ms (ratio for `audio_rtf`); count 0 when nothing was recorded. */
  stats(metric: MetricName, effort: EffortLabel, bucket: TurnBucket = 'all'): HistogramStats {
    const h = this.histogram(metric, effort, bucket) ?? createHistogram(true);
    return histogramStats(h, metric === 'audio_rtf' ? RTF_SCALE : 1000);
  }

  /** Send-lag statistics, ms. */
  sendLagStats(): HistogramStats {
    return histogramStats(this.lag);
  }

  /** Effort keys with at least one histogram, ordered minimal … xhigh, none. */
  efforts(): string[] {
    const set = new Set<string>();
    for (const key of this.hist.keys()) set.add(key.split('|')[1]!);
    return [...set].sort(compareEfforts);
  }

  /** Every recorded histogram as `[metric, effort, bucket, histogram]`. */
  *entries(): IterableIterator<[MetricName, EffortLabel, TurnBucket, Histogram]> {
    for (const [key, h] of this.hist) {
      const [metric, effort, bucket] = key.split('|') as [MetricName, string, TurnBucket];
      yield [metric, effort, bucket, h];
    }
  }

  /** A JSON-safe snapshot (for workers, shards and `rth report`). */
  encode(): RecorderSnapshot {
    const histograms: Record<string, string> = {};
    for (const [key, h] of this.hist) histograms[key] = encodeHistogram(h);
    return { schema: 'rth.recorder/1', histograms, sendLag: encodeHistogram(this.lag), counters: structuredClone(this.c) };
  }

  /** Adds a snapshot into this recorder (histograms added, counters summed). */
  add(snapshot: RecorderSnapshot): void {
    if (snapshot.schema !== 'rth.recorder/1') throw new Error(`recorder snapshot: unknown schema ${String(snapshot.schema)}`);
    for (const [key, b64] of Object.entries(snapshot.histograms)) {
      const [metric, effort, bucket] = key.split('|') as [MetricName, string, TurnBucket];
      this.h(metric, effort, bucket).add(decodeHistogram(b64));
    }
    this.lag.add(decodeHistogram(snapshot.sendLag));
    addCounters(this.c, snapshot.counters);
  }

  /** A recorder holding the sum of `snapshots`. */
  static merge(snapshots: Iterable<RecorderSnapshot>): Recorder {
    const r = new Recorder();
    for (const s of snapshots) r.add(s);
    return r;
  }
}
