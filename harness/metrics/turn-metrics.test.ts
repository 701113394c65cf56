import { describe, expect, it } from 'vitest';
import { turn } from './test-fixtures.ts';
import { deriveTurnMetrics, onsetHeardUs, simulatePlayback } from './turn-metrics.ts';

describe('simulatePlayback', () => {
  it('no underrun when every delta arrives before the player needs it', () => {
    // 100 ms deltas arriving every 50 ms: the buffer only grows.
    const deltas = [0, 50, 100, 150].map((ms) => ({ receivedUs: 1_000_000 + ms * 1000, durationMs: 100 }));
    expect(simulatePlayback(deltas, 1_000_000)).toEqual({ underruns: 0, silenceMs: 0, playbackEndUs: 1_400_000 });
  });
  it('counts late deltas and the silence inserted', () => {
    // Player starts at 0 with 100 ms; next delta at 130 ms (30 ms gap), then 200 ms (on time: buffer to 230),
    // then 400 ms (buffer ended at 330: 70 ms gap).
    const deltas = [
      { receivedUs: 0, durationMs: 100 },
      { receivedUs: 130_000, durationMs: 100 },
      { receivedUs: 200_000, durationMs: 100 },
      { receivedUs: 400_000, durationMs: 50 },
    ];
    expect(simulatePlayback(deltas, 0)).toEqual({ underruns: 2, silenceMs: 100, playbackEndUs: 450_000 });
  });
  it('a delta arriving exactly when needed is not an underrun', () => {
    expect(simulatePlayback([{ receivedUs: 0, durationMs: 20 }, { receivedUs: 20_000, durationMs: 20 }], 0).underruns).toBe(0);
  });
});

describe('deriveTurnMetrics', () => {
  it('VAD turn: everything measured from speech_end_sent', () => {
    const m = deriveTurnMetrics(
      turn({
        mode: 'server_vad',
        milestones: {
          speechEndSentUs: 10_000_000,
          speechStoppedUs: 10_512_000,
          responseCreatedUs: 10_530_000,
          firstTextUs: 11_100_000,
          firstAudioUs: 11_250_000,
          responseDoneUs: 11_750_000,
          commitSentUs: 9_000_000, // ignored for VAD turns
        },
        audioDeltas: [
          { receivedUs: 11_250_000, durationMs: 1000 },
          { receivedUs: 11_500_000, durationMs: 1000 },
        ],
      }),
    );
    expect(m).toEqual({
      ttfaMs: 1250,
      ttfaOnsetMs: null, // no onset detected (audioOnsetMs absent)
      leadingSilenceMs: null,
      vadDelayMs: 512,
      responseStartMs: 530,
      turnMs: 1750,
      firstTextMs: 1100,
      audioRealtimeFactor: 4, // 2000 ms of audio in 500 ms
      audioReceivedMs: 2000,
      playbackUnderruns: 0,
      underrunSilenceMs: 0,
    });
  });
  it('manual turn: measured from commit_sent, no VAD delay', () => {
    const m = deriveTurnMetrics(
      turn({
        mode: 'manual',
        milestones: { speechEndSentUs: 1_000_000, commitSentUs: 2_000_000, responseCreatedUs: 2_010_500, firstAudioUs: 2_800_000, responseDoneUs: 3_000_000 },
        audioDeltas: [
          { receivedUs: 2_800_000, durationMs: 100 },
          { receivedUs: 2_950_000, durationMs: 100 },
        ],
      }),
    );
    expect(m.ttfaMs).toBe(800);
    expect(m.vadDelayMs).toBeNull();
    expect(m.responseStartMs).toBe(10.5);
    expect(m.turnMs).toBe(1000);
    expect(m.firstTextMs).toBeNull();
    expect(m.audioRealtimeFactor).toBe(1); // 200 ms in 200 ms
    expect(m.playbackUnderruns).toBe(1);
    expect(m.underrunSilenceMs).toBe(50);
  });
  it('missing milestones give nulls; a text-only turn has no audio metrics', () => {
    const m = deriveTurnMetrics(turn({ milestones: { speechEndSentUs: 0, responseCreatedUs: 300_000, firstTextUs: 400_000, responseDoneUs: 900_000 } }));
    expect(m).toMatchObject({ ttfaMs: null, vadDelayMs: null, responseStartMs: 300, turnMs: 900, firstTextMs: 400, audioRealtimeFactor: null, playbackUnderruns: null, underrunSilenceMs: null });
    const none = deriveTurnMetrics(turn({ status: 'failed', milestones: { firstAudioUs: 5 } }));
    expect(none.ttfaMs).toBeNull();
  });
  it('a VAD delay can be negative (server ended the turn before the last speech frame was sent)', () => {
    expect(deriveTurnMetrics(turn({ milestones: { speechEndSentUs: 1_000_000, speechStoppedUs: 980_000 } })).vadDelayMs).toBe(-20);
  });
});

describe('TTFA to audio onset', () => {
  it('audio sent faster than real time: the onset is heard at first audio + its audio offset, not when its delta arrived', () => {
    // Four 100 ms deltas in 3 ms (a WebSocket burst); speech starts 300 ms into the audio.
    const deltas = [0, 1000, 2000, 3000].map((us) => ({ receivedUs: 5_000_000 + us, durationMs: 100 }));
    expect(onsetHeardUs(deltas, 5_000_000, 300)).toBe(5_300_000);
    expect(onsetHeardUs(deltas, 5_000_000, 0)).toBe(5_000_000);
    expect(onsetHeardUs(deltas, 5_000_000, 400)).toBeNull(); // beyond the audio received
  });

  it('a stall before the onset delays it: never before the receive stamp of the delta holding it', () => {
    // 100 ms played, then the player runs dry until the second delta arrives 250 ms after the first.
    const deltas = [
      { receivedUs: 0, durationMs: 100 },
      { receivedUs: 250_000, durationMs: 100 },
    ];
    expect(onsetHeardUs(deltas, 0, 130)).toBe(280_000);
    expect(onsetHeardUs(deltas, 0, 100)).toBe(250_000);
    expect(onsetHeardUs(deltas, 0, 99)).toBe(99_000);
  });

  it('derives ttfa_onset from the same reference as TTFA, and the leading silence as their gap', () => {
    const m = deriveTurnMetrics(
      turn({
        mode: 'manual',
        milestones: { commitSentUs: 1_000_000, firstAudioUs: 1_800_000, responseDoneUs: 1_900_000 },
        audioDeltas: [
          { receivedUs: 1_800_000, durationMs: 200 },
          { receivedUs: 1_801_000, durationMs: 200 },
        ],
        audioOnsetMs: 250,
      }),
    );
    expect(m.ttfaMs).toBe(800);
    expect(m.ttfaOnsetMs).toBe(1050);
    expect(m.leadingSilenceMs).toBe(250);
  });

  it('no audio, or audio without an onset, has no onset metrics', () => {
    expect(deriveTurnMetrics(turn({ milestones: { speechEndSentUs: 0, firstTextUs: 400_000 }, audioOnsetMs: null })).ttfaOnsetMs).toBeNull();
    const silent = deriveTurnMetrics(turn({ milestones: { speechEndSentUs: 0, firstAudioUs: 500_000 }, audioDeltas: [{ receivedUs: 500_000, durationMs: 100 }], audioOnsetMs: null }));
    expect(silent.ttfaMs).toBe(500);
    expect(silent.ttfaOnsetMs).toBeNull();
    expect(silent.leadingSilenceMs).toBeNull();
  });
});
