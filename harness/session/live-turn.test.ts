import { describe, expect, it } from 'vitest';
import type { PlannedTurn, PreparedClip } from '../contract.ts';
import { ANSWER_END_SILENCE_MS, LiveTurn } from './live-turn.ts';
import { TurnTracker } from './turn-tracker.ts';

const RATE = 24000;
/** A 100 ms PCM16 24 kHz delta: silence, or a 220 Hz tone at -12 dBFS starting `fromMs` into it. */
function delta(voicedFromMs: number | null): string {
  const pcm = new Int16Array(RATE / 10);
  if (voicedFromMs !== null) for (let i = Math.round((voicedFromMs * RATE) / 1000); i < pcm.length; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / RATE));
  return Buffer.from(pcm.buffer).toString('base64');
}

function turn(): LiveTurn {
  const planned = { clip: { id: 'c', speechStartMs: 0, speechEndMs: 1000 } as unknown as PreparedClip, thinkTimeMs: 0, bargeInAfterAudioMs: null } as PlannedTurn;
  return new LiveTurn(new TurnTracker(1, planned), { encoding: 'pcm16le', sampleRateHz: RATE }, 48);
}

describe('LiveTurn on a continuous stream', () => {
  it('ignores audio before the speech end, finds the onset inside the delta that holds it, and ends after the answer', () => {
    const t = turn();
    expect(t.audio(delta(0), 1_000)).toBeNull(); // before speech end: not the answer
    t.tracker.milestones.speechEndSentUs = 10_000;
    let us = 10_000;
    for (let i = 0; i < 5; i++) expect(t.audio(delta(null), (us += 100_000))).toBeNull();
    const onsetDeltaUs = (us += 100_000);
    expect(t.audio(delta(40), onsetDeltaUs)).toBeNull();
    expect(t.tracker.milestones.firstAudioUs).toBe(onsetDeltaUs);
    expect(t.tracker.audioOnsetMs).toBe(40);
    for (let i = 0; i < 10; i++) expect(t.audio(delta(0), (us += 100_000))).toBeNull();
    const lastVoicedUs = us;
    let status = null;
    let silentMs = 0;
    while (status === null && silentMs < 5000) {
      status = t.audio(delta(null), (us += 100_000));
      silentMs += 100;
    }
    expect(status).toBe('completed');
    expect(silentMs).toBe(ANSWER_END_SILENCE_MS);
    expect(t.tracker.milestones.responseDoneUs).toBe(lastVoicedUs);
  });

  it('a delegated turn waits for the acknowledgement and the spoken result before it ends', () => {
    const t = turn();
    t.tracker.milestones.speechEndSentUs = 0;
    let us = 0;
    t.audio(delta(0), (us += 100_000)); // the spoken acknowledgement
    t.delegated('item_1', 'rth_commentary_1');
    expect(t.tracker.toolCalls).toBe(1);
    for (let i = 0; i < 30; i++) expect(t.audio(delta(null), (us += 100_000))).toBeNull(); // pending: never ends
    expect(t.acknowledged('other')).toBe(false);
    expect(t.acknowledged('rth_commentary_1')).toBe(true);
    for (let i = 0; i < 30; i++) expect(t.audio(delta(null), (us += 100_000))).toBeNull(); // acked, result not yet spoken
    t.audio(delta(0), (us += 100_000)); // the result
    const resultUs = us;
    let status = null;
    while (status === null) status = t.audio(delta(null), (us += 100_000));
    expect(status).toBe('completed');
    expect(t.tracker.milestones.responseDoneUs).toBe(resultUs);
  });
});
