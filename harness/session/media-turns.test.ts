import { describe, expect, it } from 'vitest';
import type { PlannedTurn, PreparedClip, TurnStatus } from '../contract.ts';
import type { ReceivedAudio } from '../transport/media.ts';
import { MediaTurns, mediaOf } from './media-turns.ts';
import { TurnTracker } from './turn-tracker.ts';

const clip = { id: 'c', speechStartMs: 300, speechEndMs: 2000, durationMs: 2500 } as PreparedClip;
const planned: PlannedTurn = { clip, thinkTimeMs: 0, bargeInAfterAudioMs: null };

function packet(us: number, seq: number): ReceivedAudio {
  return { receivedUs: us, sequence: seq, rtpTimestamp: seq * 960, durationMs: 20, decode: () => null };
}

function setup() {
  const open: TurnTracker[] = [];
  const byResponse = new Map<string, TurnTracker>();
  const ended: { t: TurnTracker; status: TurnStatus }[] = [];
  const heard: TurnTracker[] = [];
  const media = new MediaTurns({
    byResponse: (id) => byResponse.get(id) ?? null,
    openTurns: () => open,
    end: (t, status) => {
      if (media.deferEnd(t, status, null)) return;
      ended.push({ t, status });
      open.splice(open.indexOf(t), 1);
      media.forget(t);
    },
    audio: (t) => heard.push(t),
  });
  const turn = (i: number, responseId: string): TurnTracker => {
    const t = new TurnTracker(i, planned);
    t.openResponseId = responseId;
    t.responseIds.push(responseId);
    byResponse.set(responseId, t);
    open.push(t);
    return t;
  };
  return { media, turn, ended, heard, open };
}

describe('MediaTurns: WebRTC audio and playback events to turns', () => {
  it('a packet before output_audio_buffer.started goes to the turn with a response in progress', () => {
    const { media, turn, heard } = setup();
    const t = turn(1, 'r1');
    media.packet(packet(1000, 1));
    expect(heard).toEqual([t]);
    expect(t.media!.arrivals.packets).toBe(1);
  });

  it('packets with no turn to own them are counted, not attributed', () => {
    const { media, heard } = setup();
    media.packet(packet(1000, 1));
    expect(heard).toEqual([]);
    expect(media.unattributedPackets).toBe(1);
  });

  it('a turn that completes while its audio plays ends at output_audio_buffer.stopped, with the status it had', () => {
    const { media, turn, ended } = setup();
    const t = turn(1, 'r1');
    media.started('r1', 900);
    media.packet(packet(1000, 1));
    t.openResponseId = null; // response.done
    expect(media.deferEnd(t, 'completed', null)).toBe(true);
    expect(ended).toEqual([]);
    media.packet(packet(21_000, 2)); // still playing: still this turn's
    expect(t.media!.arrivals.packets).toBe(2);
    media.stopped('r1', 40_000);
    expect(ended).toEqual([{ t, status: 'completed' }]);
    expect(t.media!.playbackStoppedUs).toBe(40_000);
  });

  it('failures and timeouts never wait for the audio', () => {
    const { media, turn } = setup();
    const t = turn(1, 'r1');
    media.started('r1', 900);
    media.packet(packet(1000, 1));
    expect(media.deferEnd(t, 'failed', 'x')).toBe(false);
    expect(media.deferEnd(t, 'timeout', 'turn_timeout')).toBe(false);
  });

  it('after the wait timed out, the turn ends without waiting again', () => {
    const { media, turn } = setup();
    const t = turn(1, 'r1');
    media.packet(packet(1000, 1));
    mediaOf(t).waitedOut = true;
    expect(media.deferEnd(t, 'completed', null)).toBe(false);
  });

  it('barge-in: time from the successor’s speech start to the interrupted turn’s last packet', () => {
    const { media, turn } = setup();
    const t = turn(1, 'r1');
    media.started('r1', 0);
    const successor = new TurnTracker(2, planned);
    successor.milestones.turnStartUs = 1_000_000; // its speech starts 300 ms later (speechStartMs)
    mediaOf(t).bargeSuccessor = successor;
    media.packet(packet(1_500_000, 1));
    media.packet(packet(1_700_000, 2));
    media.stopped(null, 1_710_000); // output_audio_buffer.cleared names no response here
    expect(t.media!.stats().bargeInStopMs).toBeCloseTo(400, 6);
  });
});
