import { describe, expect, it } from 'vitest';
import { SERVER_VAD_DEFAULTS, SEMANTIC_VAD_WAITS_MS, TurnDetector, type TurnDetectionConfig, type VadEvent } from './turn-detector.ts';

const RATE = 24000;

/** Piecewise synthetic signal: each segment is a sine at an RMS level in dBFS, white noise, or silence. */
type Segment = { ms: number; toneDbfs?: number; noiseDbfs?: number };

function synth(segments: Segment[], rateHz = RATE): Int16Array {
  const total = segments.reduce((n, s) => n + Math.round((s.ms * rateHz) / 1000), 0);
  const out = new Int16Array(total);
  let pos = 0;
  let lcg = 12345;
  for (const seg of segments) {
    const n = Math.round((seg.ms * rateHz) / 1000);
    const toneAmp = seg.toneDbfs === undefined ? 0 : 32768 * Math.SQRT2 * 10 ** (seg.toneDbfs / 20);
    // Uniform noise in [−a, a] has RMS a/√3.
    const noiseAmp = seg.noiseDbfs === undefined ? 0 : 32768 * Math.sqrt(3) * 10 ** (seg.noiseDbfs / 20);
    for (let i = 0; i < n; i++, pos++) {
      lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0;
      const noise = noiseAmp * (lcg / 2 ** 31 - 1);
      const tone = toneAmp * Math.sin((2 * Math.PI * 220 * pos) / rateHz);
      out[pos] = Math.max(-32768, Math.min(32767, Math.round(tone + noise)));
    }
  }
  return out;
}

function run(config: TurnDetectionConfig, samples: Int16Array, chunkSamples = 480, rateHz = RATE): VadEvent[] {
  const detector = new TurnDetector(config, rateHz);
  const events: VadEvent[] = [];
  for (let i = 0; i < samples.length; i += chunkSamples) events.push(...detector.push(samples.subarray(i, i + chunkSamples)));
  return events;
}

const server = (over: Partial<Omit<typeof SERVER_VAD_DEFAULTS, 'type'>> = {}): TurnDetectionConfig => ({ ...SERVER_VAD_DEFAULTS, ...over });

describe('TurnDetector, server_vad', () => {
  it('uses the §5 defaults', () => {
    expect(SERVER_VAD_DEFAULTS).toEqual({ type: 'server_vad', threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 });
  });

  it('reports onset − prefix padding and last speech + silence duration for a tone burst', () => {
    const audio = synth([{ ms: 1000 }, { ms: 800, toneDbfs: -20 }, { ms: 1000 }]);
    expect(run(server(), audio)).toEqual([
      { type: 'speech_started', audioStartMs: 700 },
      { type: 'speech_stopped', audioEndMs: 2300 },
    ]);
  });

  it('is exact within one frame when the burst is not frame-aligned', () => {
    const audio = synth([{ ms: 1005 }, { ms: 800, toneDbfs: -20 }, { ms: 1000 }]);
    const [start, stop] = run(server(), audio);
    expect(start?.type).toBe('speech_started');
    expect(Math.abs((start as { audioStartMs: number }).audioStartMs - 705)).toBeLessThanOrEqual(10);
    expect(Math.abs((stop as { audioEndMs: number }).audioEndMs - 2305)).toBeLessThanOrEqual(10);
  });

  it('honours prefix padding and silence duration settings, including non-multiples of the frame', () => {
    const audio = synth([{ ms: 1000 }, { ms: 600, toneDbfs: -20 }, { ms: 1500 }]);
    expect(run(server({ prefixPaddingMs: 120, silenceDurationMs: 905 }), audio)).toEqual([
      { type: 'speech_started', audioStartMs: 880 },
      { type: 'speech_stopped', audioEndMs: 2505 },
    ]);
  });

  it('emits speech_stopped only once the silence has been received', () => {
    const detector = new TurnDetector(server(), RATE);
    expect(detector.push(synth([{ ms: 500 }, { ms: 500, toneDbfs: -20 }]))).toEqual([{ type: 'speech_started', audioStartMs: 200 }]);
    expect(detector.speaking).toBe(true);
    expect(detector.push(synth([{ ms: 490 }]))).toEqual([]);
    expect(detector.speaking).toBe(true);
    expect(detector.push(synth([{ ms: 10 }]))).toEqual([{ type: 'speech_stopped', audioEndMs: 1500 }]);
    expect(detector.speaking).toBe(false);
  });

  it('clamps the prefix-padded start at 0', () => {
    const audio = synth([{ ms: 100 }, { ms: 400, toneDbfs: -20 }, { ms: 600 }]);
    expect(run(server(), audio)[0]).toEqual({ type: 'speech_started', audioStartMs: 0 });
  });

  it('does not let a turn start before the previous one ended', () => {
    const audio = synth([{ ms: 1000 }, { ms: 500, toneDbfs: -20 }, { ms: 600 }, { ms: 500, toneDbfs: -20 }, { ms: 600 }]);
    expect(run(server(), audio)).toEqual([
      { type: 'speech_started', audioStartMs: 700 },
      { type: 'speech_stopped', audioEndMs: 2000 },
      { type: 'speech_started', audioStartMs: 2000 }, // onset 2100 − 300 would overlap the previous turn
      { type: 'speech_stopped', audioEndMs: 3100 },
    ]);
  });

  it('keeps one turn across pauses shorter than the silence duration', () => {
    const audio = synth([{ ms: 500 }, { ms: 400, toneDbfs: -20 }, { ms: 400 }, { ms: 400, toneDbfs: -20 }, { ms: 700 }]);
    expect(run(server(), audio)).toEqual([
      { type: 'speech_started', audioStartMs: 200 },
      { type: 'speech_stopped', audioEndMs: 2200 },
    ]);
  });

  it('maps threshold to level: 0.5 ≈ −40 dBFS, higher thresholds need louder audio', () => {
    const quiet = synth([{ ms: 500 }, { ms: 500, toneDbfs: -45 }, { ms: 700 }]);
    expect(run(server(), quiet)).toEqual([]);
    expect(run(server({ threshold: 0.3 }), quiet)).toHaveLength(2); // −52 dBFS activation
    const moderate = synth([{ ms: 500 }, { ms: 500, toneDbfs: -35 }, { ms: 700 }]);
    expect(run(server(), moderate)).toHaveLength(2);
    expect(run(server({ threshold: 0.6 }), moderate)).toEqual([]); // −34 dBFS activation
    const loud = synth([{ ms: 500 }, { ms: 500, toneDbfs: -5 }, { ms: 700 }]);
    expect(run(server({ threshold: 1 }), loud)).toHaveLength(2); // −10 dBFS activation
  });

  it('ignores clicks and bursts shorter than the minimum speech duration', () => {
    const click = (ms: number) => synth([{ ms: 500 }, { ms, toneDbfs: -6 }, { ms: 500 }, { ms, toneDbfs: -6 }, { ms: 700 }]);
    expect(run(server(), click(20))).toEqual([]);
    expect(run(server(), click(40))).toEqual([]);
    expect(run(server(), click(60)).length).toBeGreaterThan(0);
  });

  it('a click in the trailing silence does not prolong the turn', () => {
    const audio = synth([{ ms: 500 }, { ms: 500, toneDbfs: -20 }, { ms: 200 }, { ms: 20, toneDbfs: -6 }, { ms: 600 }]);
    expect(run(server(), audio)).toEqual([
      { type: 'speech_started', audioStartMs: 200 },
      { type: 'speech_stopped', audioEndMs: 1500 },
    ]);
  });

  it('finds speech in background noise below the threshold, and not in the noise alone', () => {
    const noisy = synth([{ ms: 1000, noiseDbfs: -60 }, { ms: 800, toneDbfs: -20 }, { ms: 1000, noiseDbfs: -60 }]);
    expect(run(server(), noisy)).toEqual([
      { type: 'speech_started', audioStartMs: 700 },
      { type: 'speech_stopped', audioEndMs: 2300 },
    ]);
    expect(run(server(), synth([{ ms: 3000, noiseDbfs: -50 }]))).toEqual([]);
    expect(run(server(), synth([{ ms: 3000, noiseDbfs: -30 }]))).toEqual([{ type: 'speech_started', audioStartMs: 0 }]);
  });

  it('gives the same events however the audio is split into pushes', () => {
    const audio = synth([{ ms: 730 }, { ms: 610, toneDbfs: -25 }, { ms: 330 }, { ms: 270, toneDbfs: -18 }, { ms: 1200, noiseDbfs: -65 }]);
    const reference = run(server(), audio, audio.length);
    expect(reference).toHaveLength(2);
    for (const chunk of [1, 7, 239, 240, 241, 480, 4800]) expect(run(server(), audio, chunk), `chunk ${chunk}`).toEqual(reference);
    // Irregular sizes too.
    const detector = new TurnDetector(server(), RATE);
    const events: VadEvent[] = [];
    let pos = 0;
    let size = 1;
    while (pos < audio.length) {
      events.push(...detector.push(audio.subarray(pos, pos + size)));
      pos += size;
      size = (size * 7 + 13) % 1500 + 1;
    }
    expect(events).toEqual(reference);
  });

  it('works at 8 kHz (G.711 sessions) with the same ms positions', () => {
    const audio = synth([{ ms: 1000 }, { ms: 800, toneDbfs: -20 }, { ms: 1000 }], 8000);
    expect(run(server(), audio, 160, 8000)).toEqual([
      { type: 'speech_started', audioStartMs: 700 },
      { type: 'speech_stopped', audioEndMs: 2300 },
    ]);
  });

  it('counts audioMs across partial frames', () => {
    const detector = new TurnDetector(server(), RATE);
    detector.push(new Int16Array(100));
    detector.push(new Int16Array(380));
    expect(detector.audioMs).toBe(20);
    detector.push(new Int16Array(12));
    expect(detector.audioMs).toBe(20.5);
  });

  it('reset() drops a turn in progress silently and keeps counting', () => {
    const detector = new TurnDetector(server(), RATE);
    expect(detector.push(synth([{ ms: 1000 }, { ms: 300, toneDbfs: -20 }]))).toHaveLength(1);
    detector.reset();
    expect(detector.speaking).toBe(false);
    expect(detector.audioMs).toBe(1300);
    expect(detector.push(synth([{ ms: 1000 }]))).toEqual([]);
    expect(detector.push(synth([{ ms: 100 }, { ms: 300, toneDbfs: -20 }, { ms: 500 }]))).toEqual([
      { type: 'speech_started', audioStartMs: 2100 },
      { type: 'speech_stopped', audioEndMs: 3200 },
    ]);
  });

  it('reset() while speech is still arriving restarts the turn at the reset point', () => {
    const detector = new TurnDetector(server(), RATE);
    detector.push(synth([{ ms: 1000 }, { ms: 300, toneDbfs: -20 }]));
    detector.reset();
    expect(detector.push(synth([{ ms: 300, toneDbfs: -20 }, { ms: 500 }]))).toEqual([
      { type: 'speech_started', audioStartMs: 1300 },
      { type: 'speech_stopped', audioEndMs: 2100 },
    ]);
  });

  it('configure() switches settings mid-stream', () => {
    const detector = new TurnDetector(server(), RATE);
    detector.push(synth([{ ms: 500 }, { ms: 500, toneDbfs: -20 }]));
    detector.configure(server({ silenceDurationMs: 200 }));
    expect(detector.push(synth([{ ms: 300 }]))).toEqual([{ type: 'speech_stopped', audioEndMs: 1200 }]);
  });
});

describe('TurnDetector, semantic_vad', () => {
  const utterance = (speechMs: number) => synth([{ ms: 1000 }, { ms: speechMs, toneDbfs: -20 }, { ms: 5000 }]);

  it('waits per eagerness after a full utterance (auto = medium)', () => {
    for (const [eagerness, waitMs] of [['high', 300], ['medium', 800], ['auto', 800], ['low', 1500]] as const) {
      expect(run({ type: 'semantic_vad', eagerness }, utterance(1200)), eagerness).toEqual([
        { type: 'speech_started', audioStartMs: 700 },
        { type: 'speech_stopped', audioEndMs: 2200 + waitMs },
      ]);
    }
  });

  it('waits longer after a very short utterance, never beyond the documented maximum', () => {
    for (const eagerness of ['high', 'medium', 'low'] as const) {
      const w = SEMANTIC_VAD_WAITS_MS[eagerness];
      expect(w.shortWait).toBeGreaterThan(w.wait);
      expect(w.shortWait).toBeLessThanOrEqual(w.maxWait);
      expect(run({ type: 'semantic_vad', eagerness }, utterance(300))[1]).toEqual({ type: 'speech_stopped', audioEndMs: 1300 + w.shortWait });
    }
    expect([SEMANTIC_VAD_WAITS_MS.low.maxWait, SEMANTIC_VAD_WAITS_MS.medium.maxWait, SEMANTIC_VAD_WAITS_MS.high.maxWait]).toEqual([8000, 4000, 2000]);
  });

  it('high eagerness ends turns sooner than low', () => {
    const high = run({ type: 'semantic_vad', eagerness: 'high' }, utterance(900))[1] as { audioEndMs: number };
    const low = run({ type: 'semantic_vad', eagerness: 'low' }, utterance(900))[1] as { audioEndMs: number };
    expect(high.audioEndMs).toBeLessThan(low.audioEndMs);
  });
});
