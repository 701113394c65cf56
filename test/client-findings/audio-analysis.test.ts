/**
 * The audio rules judged from the signal: each mistake fires on speech, and NO rule fires on
 * correct audio: the project's whole corpus (PCM16 24 kHz, μ-law and A-law declared as such), the
 * mock's speech synthesizer, espeak-ng speech, noise (white at three levels, pink, brown) and
 * music-like signals (a chord, a melody with drums, a bright arpeggio).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { WireAudioFormat } from '../../common/audio/formats.ts';
import * as S from './signals.ts';
import { InputAudioAnalysis, type AudioVerdict } from '../../mock-server/client-findings/audio-analysis.ts';

const PCM: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };
const PCMU: WireAudioFormat = { type: 'audio/pcmu' };
const PCMA: WireAudioFormat = { type: 'audio/pcma' };

/** Feeds `bytes` in 20 ms appends of the declared format, as a client streams. */
function judge(bytes: Buffer, format: WireAudioFormat): AudioVerdict[] {
  const a = new InputAudioAnalysis();
  const chunk = format.type === 'audio/pcm' ? 960 : 160;
  for (let i = 0; i < bytes.length; i += chunk) a.push(bytes.subarray(i, i + chunk), format);
  return a.verdicts();
}

/** Several clips back to back (a session is longer than one 3-second clip). */
function concat(signals: readonly S.Signal[]): Float32Array {
  const out = new Float32Array(signals.reduce((n, s) => n + s.samples.length, 0));
  let at = 0;
  for (const s of signals) {
    out.set(s.samples, at);
    at += s.samples.length;
  }
  return out;
}

let correct24k: S.Signal[] = [];
let correct8k: S.Signal[] = [];
let speech24k: S.Signal[] = [];
let speech8k: S.Signal[] = [];

beforeAll(async () => {
  const corpus24 = await S.corpusSignals(24000);
  const corpus8 = await S.corpusSignals(8000);
  const espeak24 = await S.espeakSignals(24000);
  const espeak8 = await S.espeakSignals(8000);
  speech24k = [...corpus24, ...S.synthSignals(), ...espeak24];
  speech8k = [...corpus8, ...espeak8];
  correct24k = [...speech24k, ...S.noiseSignals(24000), ...S.musicSignals(24000)];
  correct8k = [...speech8k, ...S.noiseSignals(8000), ...S.musicSignals(8000)];
}, 120_000);

describe('no false positives on correct audio', () => {
  it('PCM16 24 kHz: corpus, synthesized speech, espeak-ng, noise and music each give no verdict', () => {
    expect(correct24k.length).toBeGreaterThanOrEqual(13 + 3 + 3 + 5 + 3);
    const flagged = correct24k.map((s) => [s.name, judge(S.pcm16le(s.samples), PCM).map((v) => v.rule)] as const).filter(([, rules]) => rules.length > 0);
    expect(flagged).toEqual([]);
  });

  it('the same signals as one long session (all clips back to back) give no verdict', () => {
    expect(judge(S.pcm16le(concat(correct24k)), PCM)).toEqual([]);
  });

  it('G.711 declared as such (μ-law and A-law at 8 kHz) gives no verdict', () => {
    const flagged = correct8k.flatMap((s) => [
      [`ulaw ${s.name}`, judge(S.mulaw(s.samples), PCMU).map((v) => v.rule)] as const,
      [`alaw ${s.name}`, judge(S.alaw(s.samples), PCMA).map((v) => v.rule)] as const,
    ]).filter(([, rules]) => rules.length > 0);
    expect(flagged).toEqual([]);
  });
});

describe('each mistake fires, with the evidence', () => {
  it('μ-law and A-law declared as PCM16 (a session of speech clips)', () => {
    const session = concat(speech8k);
    const mu = judge(S.mulaw(session), PCM);
    expect(mu.map((v) => v.rule)).toEqual(['audio.g711_as_pcm16']);
    expect(mu[0]!.evidence).toMatch(/read as μ-law .*lag-1 autocorrelation 0\.\d\d\) against 0\.\d\d as declared/);
    const a = judge(S.alaw(session), PCM);
    expect(a.map((v) => v.rule)).toEqual(['audio.g711_as_pcm16']);
    expect(a[0]!.evidence).toContain('A-law');
  });

  it('μ-law declared as PCM16 fires on most single corpus clips too (≥ 10 of 13)', () => {
    const hits = speech8k.filter((s) => s.name.startsWith('corpus:') && judge(S.mulaw(s.samples), PCM).some((v) => v.rule === 'audio.g711_as_pcm16'));
    expect(hits.length).toBeGreaterThanOrEqual(10);
  });

  it('big-endian PCM16: every speech signal', () => {
    for (const s of speech24k) expect(judge(S.pcm16be(s.samples), PCM).map((v) => v.rule), s.name).toEqual(['audio.big_endian']);
  });

  it('interleaved stereo: near-identical channels (every speech signal) and independent channels', () => {
    for (const s of speech24k) {
      const right = s.samples.map((x) => x * 0.8);
      expect(judge(S.stereoLe(s.samples, right), PCM).map((v) => v.rule), s.name).toEqual(['audio.stereo_interleaved']);
    }
    const [a, b] = [speech24k[0]!.samples, speech24k[5]!.samples];
    const v = judge(S.stereoLe(a, b), PCM);
    expect(v.map((x) => x.rule)).toEqual(['audio.stereo_interleaved']);
  });

  it("the corpus's real stereo clip sent interleaved", async () => {
    const { channels } = await S.corpusClipChannels('en-flight-status');
    expect(channels).toHaveLength(2);
    expect(judge(S.stereoLe(channels[0]!, channels[1]!), PCM).map((v) => v.rule)).toEqual(['audio.stereo_interleaved']);
  });

  it('clipping: speech driven 8× into the rails', () => {
    const s = speech24k[0]!.samples.map((x) => Math.max(-1, Math.min(1, x * 8)));
    const v = judge(S.pcm16le(s), PCM);
    expect(v.map((x) => x.rule)).toEqual(['audio.clipping']);
    expect(v[0]!.evidence).toMatch(/sit at full scale in \d+ runs/);
  });

  it('DC offset: speech + a constant 0.1 of full scale (PCM16 and μ-law)', () => {
    const s = speech24k[1]!.samples.map((x) => x * 0.5 + 0.1);
    expect(judge(S.pcm16le(s), PCM).map((x) => x.rule)).toEqual(['audio.dc_offset']);
    const s8 = speech8k[0]!.samples.map((x) => x * 0.5 + 0.1);
    expect(judge(S.mulaw(s8), PCMU).map((x) => x.rule)).toEqual(['audio.dc_offset']);
  });

  it('all silence: digital zeros, and a −70 dBFS hiss', () => {
    const zeros = judge(Buffer.alloc(48 * 3000), PCM);
    expect(zeros.map((x) => x.rule)).toEqual(['audio.all_silence']);
    expect(zeros[0]!.evidence).toContain('every sample is 0');
    const hiss = S.noiseSignals(24000, 3)[0]!.samples.map((x) => x * 0.016);
    expect(judge(S.pcm16le(hiss), PCM).map((x) => x.rule)).toEqual(['audio.all_silence']);
  });

  it('too little audio gives no verdict at all', () => {
    expect(judge(S.mulaw(speech8k[0]!.samples.subarray(0, 4000)), PCM)).toEqual([]);
  });
});
