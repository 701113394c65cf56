import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { parseLatencyProfile, scaleLatencyProfile, DEFAULT_LATENCY_PROFILE } from '../latency-profile.ts';
import { LIVE_FRAME_MS, OutputTrack, type TrackSink } from './output-track.ts';

function capture(): { sink: TrackSink; frames: { bytes: Buffer; startMs: number; firsts: number; lasts: number }[]; text: { text: string; startMs: number; endMs: number }[] } {
  const frames: { bytes: Buffer; startMs: number; firsts: number; lasts: number }[] = [];
  const text: { text: string; startMs: number; endMs: number }[] = [];
  return {
    frames,
    text,
    sink: {
      frame: (bytes, startMs, firsts, lasts) => {
        frames.push({ bytes, startMs, firsts: firsts.length, lasts: lasts.length });
        firsts.forEach((h) => h(1));
        lasts.forEach((h) => h(2));
      },
      transcript: (t, startMs, endMs) => text.push({ text: t, startMs, endMs }),
    },
  };
}

describe('OutputTrack', () => {
  it('emits one 100 ms frame per 100 ms of track, digital silence between utterances, speech where placed', () => {
    const c = capture();
    const track = new OutputTrack({ type: 'audio/pcm', rate: 24000 }, 'marin', c.sink);
    track.releaseUntil(450);
    expect(c.frames.map((f) => f.startMs)).toEqual([0, 100, 200, 300]);
    expect(c.frames.every((f) => f.bytes.length === 4800 && f.bytes.every((b) => b === 0))).toBe(true);
    const written: string[] = [];
    const hooks = (n: string) => ({ onFirstFrame: (us: number | null) => written.push(`${n} first ${us}`), onLastFrame: (us: number | null) => written.push(`${n} last ${us}`) });
    const u = track.speak('Okay, checking now.', 520, 1, hooks('u'));
    expect(u.startMs).toBe(520);
    const v = track.speak('Second.', 0, 2, hooks('v')); // never overlaps the one before
    expect(v.startMs).toBe(u.endMs);
    track.releaseUntil(Math.ceil(v.endMs / LIVE_FRAME_MS) * LIVE_FRAME_MS + 400);
    const voiced = c.frames.filter((f) => f.bytes.some((b) => b !== 0));
    expect(voiced[0]!.startMs).toBe(500);
    expect(c.frames.filter((f) => f.firsts > 0).map((f) => f.startMs)).toEqual([500, Math.floor(v.startMs / 100) * 100]);
    expect(c.frames.filter((f) => f.lasts > 0)).toHaveLength(2);
    expect([...written].sort()).toEqual(['u first 1', 'u last 2', 'v first 1', 'v last 2']);
    expect(c.text.map((t) => t.text).join('')).toBe('Okay, checking now. Second.');
    for (const t of c.text) {
      expect(t.endMs - t.startMs).toBe(200);
      expect(t.startMs % 200).toBe(0);
    }
  });

  it('encodes G.711 frames at 8 kHz (800 bytes per 100 ms, µ-law silence 0xFF)', () => {
    const c = capture();
    new OutputTrack({ type: 'audio/pcmu', rate: 8000 }, 'marin', c.sink).releaseUntil(100);
    expect(c.frames[0]!.bytes.length).toBe(800);
    expect(c.frames[0]!.bytes.every((b) => b === 0xff)).toBe(true);
  });
});

describe('latency profile live section', () => {
  it('is in the default profile, scales its delays, and refuses unknown fields with their path', () => {
    expect(DEFAULT_LATENCY_PROFILE.live.outputLagTimelineMs).toBe(750);
    const s = scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, 0.1);
    expect(s.live.firstAudioTimelineMs.medianMs).toBeCloseTo(35, 9);
    expect(s.live.turnSilenceMs).toBe(300);
    expect(parseLatencyProfile({ live: { ...DEFAULT_LATENCY_PROFILE.live, delegationProbability: 1 } }, 'p.json').live.delegationProbability).toBe(1);
    try {
      parseLatencyProfile({ live: { lagMs: 3 } }, 'p.json');
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.join('\n')).toMatch(/p\.json: live\.lagMs: unknown field/);
    }
  });
});
