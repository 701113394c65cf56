/**
 * Judges a session's input audio from the signal itself: the bytes of every
 * `input_audio_buffer.append` are read under the declared format and under the formats a client
 * most often sends by mistake (G.711 μ-law / A-law, big-endian PCM16, interleaved stereo), and the
 * statistics of each reading are compared. Memory is constant (running sums and two byte
 * histograms); the cost is a few operations per byte.
 *
 * Why these statistics: real audio (speech, music, coloured noise) is smooth at the right reading,
 * so its lag-1 autocorrelation (mean removed, energy weighted over the session) is high; a wrong
 * reading turns it into something close to white noise. White noise itself is low under every
 * reading, so it never points to another format: a mismatch is reported only when another
 * reading is clearly smooth AND the declared one is clearly not. Interleaved stereo shows as
 * samples two apart being more alike than neighbours (independent channels) or as pairs of almost
 * equal samples (near-identical channels).
 */
import { decodeAlaw, decodeMulaw } from '../../common/audio/g711.ts';
import type { WireAudioFormat } from '../../common/audio/formats.ts';

/** Running sums of one reading of the byte stream as a sequence of samples. */
class ReadingStats {
  n = 0;
  sum = 0;
  sumSq = 0;
  sumLag1 = 0;
  sumLag2 = 0;
  /** Σx[2k]x[2k+1] and Σx[2k+1]x[2k+2] (pairs from the stream's first sample), Σx[2k]², Σx[2k+1]². */
  prodInPair = 0;
  prodAcrossPair = 0;
  sumSqEven = 0;
  sumSqOdd = 0;
  private prev1 = 0;
  private prev2 = 0;

  push(x: number): void {
    if (this.n >= 1) {
      this.sumLag1 += x * this.prev1;
      if ((this.n & 1) === 1) this.prodInPair += x * this.prev1;
      else this.prodAcrossPair += x * this.prev1;
    }
    if ((this.n & 1) === 0) this.sumSqEven += x * x;
    else this.sumSqOdd += x * x;
    if (this.n >= 2) this.sumLag2 += x * this.prev2;
    this.sum += x;
    this.sumSq += x * x;
    this.prev2 = this.prev1;
    this.prev1 = x;
    this.n += 1;
  }

  get mean(): number {
    return this.n > 0 ? this.sum / this.n : 0;
  }

  /** Variance (mean removed). */
  get variance(): number {
    return this.n > 0 ? Math.max(0, this.sumSq / this.n - this.mean ** 2) : 0;
  }

  /** Normalised autocorrelation at lag 1 or 2 (mean removed); 0 for a constant signal. */
  rho(lag: 1 | 2): number {
    const m = this.n - lag;
    const v = this.variance;
    if (m <= 0 || v <= 1e-9) return 0;
    const s = lag === 1 ? this.sumLag1 : this.sumLag2;
    return (s / m - this.mean ** 2) / v;
  }

  /**
   * 1 − correlation inside sample pairs over 1 − correlation across pairs: about 1 for mono audio
   * (which pair a neighbour belongs to does not matter), near 0 when each pair is one instant of
   * two near-identical channels (any gain between them).
   */
  get pairRatio(): number {
    const norm = Math.sqrt(this.sumSqEven * this.sumSqOdd);
    if (norm <= 0) return 1;
    const inPair = 1 - this.prodInPair / norm;
    const across = 1 - this.prodAcrossPair / norm;
    return across > 1e-6 ? Math.max(0, inPair) / across : 1;
  }

  /** RMS in dBFS of a 16-bit reading (mean included). */
  get rmsDbfs(): number {
    return this.n > 0 ? 20 * Math.log10(Math.max(1e-9, Math.sqrt(this.sumSq / this.n) / 32768)) : -Infinity;
  }
}

function entropyBits(hist: Uint32Array): number {
  let total = 0;
  for (const c of hist) total += c;
  if (total === 0) return 0;
  let h = 0;
  for (const c of hist) if (c > 0) h -= (c / total) * Math.log2(c / total);
  return h;
}

/** A 20 ms frame is "sound" above this RMS (−60 dBFS of full scale). */
export const SILENCE_RMS_DBFS = -60;
/** A sample at or beyond this magnitude is at the rail. */
const RAIL = 32700;
/** Analyse at most this many seconds of audio per session (the first ones); the verdicts need far less. */
export const MAX_ANALYSED_S = 600;

/** One audio verdict: the rule id and the evidence in words. */
export interface AudioVerdict {
  readonly rule: 'audio.g711_as_pcm16' | 'audio.big_endian' | 'audio.stereo_interleaved' | 'audio.clipping' | 'audio.dc_offset' | 'audio.all_silence';
  readonly evidence: string;
}

/** Thresholds (see the file comment); exported so tests and docs state the same numbers. */
export const AUDIO_THRESHOLDS = {
  /** Big-endian: the swapped reading is smooth (lag-1 autocorrelation at least this)… */
  smoothRho: 0.6,
  /** …the declared reading is noise-like (at most this)… */
  roughRho: 0.3,
  /** …and the swapped one beats it by this much; the low-entropy byte comes first. */
  rhoMargin: 0.4,
  /** G.711: a G.711 reading has lag-1 autocorrelation at least this… */
  g711Rho: 0.5,
  /** …beats the declared PCM16 reading by this much… */
  g711Margin: 0.1,
  /** …and even and odd bytes have entropies within this many bits (both are G.711 codes; PCM16 has a low-entropy high byte). */
  g711EntropyGap: 0.3,
  /** Independent stereo channels: ρ(2) − ρ(1) at least this, with ρ(2) ≥ smoothRho. */
  stereoLagGap: 0.3,
  /** Near-identical stereo channels: {@link ReadingStats.pairRatio} at most this. */
  stereoPairRatio: 0.5,
  /** Bytes needed before a G.711 / big-endian verdict (0.25 s of PCM16 24 kHz). */
  minFormatBytes: 12_000,
  /** Seconds of sound (frames above −60 dBFS) needed before a stereo verdict. */
  minSoundS: 0.5,
  /** Clipping: share of sound samples in runs of ≥ 3 at the rail, and at least this many runs. */
  clippedShare: 0.001,
  clippedRuns: 5,
  /** DC offset: |mean| at least this (int16 units, ≈ −30 dBFS) over at least 1 s… */
  dcOffset: 1000,
  /** …and this share of 250 ms segments has a mean of the same sign of at least half of it (a steady offset, not low-frequency noise). */
  dcSteadyShare: 0.9,
  /** All-silence: at least this many seconds of audio, no 20 ms frame above −60 dBFS. */
  silenceMinS: 1,
} as const;

/**
 * Accumulates one session's input audio. Feed the raw bytes of each append with the format in
 * force, then ask for {@link verdicts}.
 */
export class InputAudioAnalysis {
  /** Declared reading, little-endian PCM16 (or decoded G.711 when G.711 was declared). */
  private readonly declared = new ReadingStats();
  private readonly swapped = new ReadingStats();
  private readonly mulaw = new ReadingStats();
  private readonly alaw = new ReadingStats();
  private readonly evenBytes = new Uint32Array(256);
  private readonly oddBytes = new Uint32Array(256);
  private bytePos = 0;
  private pcmOddByte: number | null = null;
  private frameSq = 0;
  private frameN = 0;
  private frameLen = 480;
  private maxFrameDbfs = -Infinity;
  private soundSamples = 0;
  private totalSamples = 0;
  private run = 0;
  private segSum = 0;
  private segN = 0;
  private readonly segmentMeans: number[] = [];
  private clippedSamples = 0;
  private clippedRuns = 0;
  private sampleRateHz = 24000;
  private declaredKind: WireAudioFormat['type'] = 'audio/pcm';
  /** Seconds of audio analysed so far. */
  analysedS = 0;

  /** Adds one append's bytes, read under `format`. */
  push(bytes: Uint8Array, format: WireAudioFormat): void {
    if (this.analysedS >= MAX_ANALYSED_S) return;
    this.declaredKind = format.type;
    if (format.type === 'audio/pcm') {
      this.sampleRateHz = 24000;
      this.frameLen = 480;
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i]!;
        const even = (this.bytePos & 1) === 0;
        (even ? this.evenBytes : this.oddBytes)[b]! += 1;
        this.mulaw.push(MULAW[b]!);
        this.alaw.push(ALAW[b]!);
        if (even) this.pcmOddByte = b;
        else {
          const lo = this.pcmOddByte!;
          const le = ((b << 8) | lo) << 16 >> 16;
          const be = ((lo << 8) | b) << 16 >> 16;
          this.declared.push(le);
          this.swapped.push(be);
          this.level(le);
        }
        this.bytePos += 1;
      }
    } else {
      this.sampleRateHz = 8000;
      this.frameLen = 160;
      const pcm = format.type === 'audio/pcmu' ? decodeMulaw(bytes) : decodeAlaw(bytes);
      for (const x of pcm) {
        this.declared.push(x);
        this.level(x);
      }
    }
    this.analysedS = this.totalSamples / this.sampleRateHz;
  }

  private level(x: number): void {
    this.totalSamples += 1;
    this.frameSq += x * x;
    this.frameN += 1;
    if (this.frameN === this.frameLen) {
      const dbfs = 20 * Math.log10(Math.max(1e-9, Math.sqrt(this.frameSq / this.frameN) / 32768));
      if (dbfs > this.maxFrameDbfs) this.maxFrameDbfs = dbfs;
      if (dbfs > SILENCE_RMS_DBFS) this.soundSamples += this.frameN;
      this.frameSq = 0;
      this.frameN = 0;
    }
    this.segSum += x;
    this.segN += 1;
    if (this.segN === this.frameLen * 12) {
      this.segmentMeans.push(this.segSum / this.segN);
      this.segSum = 0;
      this.segN = 0;
    }
    if (x >= RAIL || x <= -RAIL) {
      this.run += 1;
      if (this.run === 3) {
        this.clippedRuns += 1;
        this.clippedSamples += 3;
      } else if (this.run > 3) this.clippedSamples += 1;
    } else this.run = 0;
  }

  /** The verdicts on everything pushed so far (empty when nothing is wrong or too little was sent). */
  verdicts(): AudioVerdict[] {
    const T = AUDIO_THRESHOLDS;
    const out: AudioVerdict[] = [];
    const soundS = this.soundSamples / this.sampleRateHz;
    const f = (x: number): string => x.toFixed(2);
    const db = (x: number): string => `${x.toFixed(1)} dBFS`;
    const d = this.declared;
    let formatWrong = false;
    if (this.declaredKind === 'audio/pcm' && this.bytePos >= T.minFormatBytes) {
      const rhoDecl = d.rho(1);
      const hEven = entropyBits(this.evenBytes);
      const hOdd = entropyBits(this.oddBytes);
      const bytes = this.bytePos;
      const entropyText = `byte entropy even/odd ${f(hEven)}/${f(hOdd)} bits`;
      const g711 = this.mulaw.rho(1) >= this.alaw.rho(1) ? { name: 'μ-law (G.711, 8 kHz)', stats: this.mulaw } : { name: 'A-law (G.711, 8 kHz)', stats: this.alaw };
      const rhoG711 = g711.stats.rho(1);
      const rhoSwapped = this.swapped.rho(1);
      if (rhoG711 >= T.g711Rho && rhoG711 - rhoDecl >= T.g711Margin && Math.abs(hEven - hOdd) <= T.g711EntropyGap) {
        formatWrong = true;
        out.push({
          rule: 'audio.g711_as_pcm16',
          evidence: `${bytes} bytes declared as PCM16 24 kHz read as ${g711.name} give a smooth signal (lag-1 autocorrelation ${f(rhoG711)}) against ${f(rhoDecl)} as declared (RMS ${db(d.rmsDbfs)}); even and odd bytes are alike (${entropyText}), as in one-byte G.711 codes, where PCM16 has a low-entropy high byte`,
        });
      } else if (rhoSwapped >= T.smoothRho && rhoDecl <= T.roughRho && rhoSwapped - rhoDecl >= T.rhoMargin && hEven < hOdd) {
        formatWrong = true;
        out.push({
          rule: 'audio.big_endian',
          evidence: `${bytes} bytes read with each sample's bytes swapped give a smooth signal (lag-1 autocorrelation ${f(rhoSwapped)}) against ${f(rhoDecl)} as declared little-endian; the low-entropy (high) byte comes first (${entropyText})`,
        });
      }
      if (!formatWrong && soundS >= T.minSoundS) {
        const r1 = d.rho(1);
        const r2 = d.rho(2);
        const pairRatio = d.pairRatio;
        if (r2 >= T.smoothRho && r2 - r1 >= T.stereoLagGap) {
          formatWrong = true;
          out.push({ rule: 'audio.stereo_interleaved', evidence: `samples two apart are more alike than neighbours (autocorrelation lag 2 ${f(r2)} vs lag 1 ${f(r1)}): two interleaved channels` });
        } else if (pairRatio <= T.stereoPairRatio) {
          formatWrong = true;
          out.push({
            rule: 'audio.stereo_interleaved',
            evidence: `samples come in near-equal pairs: 1 − correlation inside pairs is ${f(pairRatio)} × that across pairs (about 1 for mono audio): two interleaved, near-identical channels (or every sample written twice)`,
          });
        }
      }
    }
    if (formatWrong) return out;
    if (this.analysedS >= T.silenceMinS && this.maxFrameDbfs <= SILENCE_RMS_DBFS) {
      const what = d.variance === 0 && d.mean === 0 ? 'every sample is 0 (a muted or unconnected input)' : `the loudest 20 ms frame is ${db(this.maxFrameDbfs)}`;
      out.push({ rule: 'audio.all_silence', evidence: `${this.analysedS.toFixed(1)} s of audio and ${what}; nothing above ${SILENCE_RMS_DBFS} dBFS` });
      return out;
    }
    if (soundS > 0 && this.clippedRuns >= T.clippedRuns && this.clippedSamples >= T.clippedShare * this.soundSamples) {
      out.push({
        rule: 'audio.clipping',
        evidence: `${this.clippedSamples} samples (${((100 * this.clippedSamples) / this.soundSamples).toFixed(2)} % of ${soundS.toFixed(1)} s of sound) sit at full scale in ${this.clippedRuns} runs of 3 or more`,
      });
    }
    const sign = Math.sign(d.mean);
    const steady = this.segmentMeans.filter((m) => Math.sign(m) === sign && Math.abs(m) >= T.dcOffset / 2).length;
    if (this.analysedS >= 1 && Math.abs(d.mean) >= T.dcOffset && this.segmentMeans.length >= 4 && steady >= T.dcSteadyShare * this.segmentMeans.length) {
      out.push({ rule: 'audio.dc_offset', evidence: `mean sample value ${d.mean.toFixed(0)} (${db(20 * Math.log10(Math.abs(d.mean) / 32768))}) over ${this.analysedS.toFixed(1)} s, steady in ${steady} of ${this.segmentMeans.length} segments of 250 ms; audio should average 0` });
    }
    return out;
  }
}

/** Decoded value of every G.711 byte (tables built once from the shared codec). */
const MULAW = decodeMulaw(Uint8Array.from({ length: 256 }, (_, i) => i));
const ALAW = decodeAlaw(Uint8Array.from({ length: 256 }, (_, i) => i));
