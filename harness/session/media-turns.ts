/**
 * The WebRTC side of a realtime session's turns: audio arrives on the call's RTP track (no
 * `response.output_audio.delta` on the channel) and the server reports playback with
 * `output_audio_buffer.started {response_id}`, `.stopped {response_id}` (drained, after
 * `response.done`) and `.cleared` (cut on interruption). docs/realtime-protocol.md §1.1.
 *
 * - Attribution: a packet belongs to the turn whose response is playing (`started`), or, when it
 *   arrives before that event (the channel and the track are separate paths), to the newest turn
 *   with a response in progress. Packets with no such turn are counted, not attributed.
 * - A turn is not over before its audio is: the listener waits for the assistant to finish
 *   speaking, as a person does. So a turn that would end while its audio still plays (its final
 *   `response.done`, or a cancel on barge-in) ends at `stopped`/`cleared`; if neither comes within
 *   the turn timeout it ends then with the status it had.
 * - Barge-in: the server truncates the item itself (it knows what was played), so the client
 *   sends no `conversation.item.truncate`; what is measured is how long the assistant kept talking
 *   after the user started: {@link TurnMediaStats.bargeInStopMs}.
 */
import type { TurnMediaStats, TurnStatus } from '../contract.ts';
import { RtpArrivalStats } from '../transport/media.ts';
import type { ReceivedAudio } from '../transport/media.ts';
import type { TurnTracker } from './turn-tracker.ts';

/** Per-turn media state (kept on the tracker). */
export class TurnMedia {
  readonly arrivals = new RtpArrivalStats();
  playbackStartedUs: number | null = null;
  playbackStoppedUs: number | null = null;
  lastPacketUs: number | null = null;
  /** The end the turn reached while its audio still played; applied when playback stops. */
  pendingEnd: { status: TurnStatus; errorCode: string | null } | null = null;
  /** The wait for the audio to stop timed out: the turn ends without waiting again. */
  waitedOut = false;
  /** The turn started by this turn's barge-in (its speech start is the barge-in moment). */
  bargeSuccessor: TurnTracker | null = null;

  /** Whether audio of this turn is playing: it started (event or packet) and has not stopped. */
  get playing(): boolean {
    return (this.playbackStartedUs !== null || this.lastPacketUs !== null) && this.playbackStoppedUs === null;
  }

  /** The result's figures. */
  stats(): TurnMediaStats {
    let bargeInStopMs: number | null = null;
    const s = this.bargeSuccessor;
    if (s && s.milestones.turnStartUs !== null) {
      const speechUs = s.milestones.turnStartUs + s.turn.clip.speechStartMs * 1000;
      bargeInStopMs = this.lastPacketUs === null ? 0 : Math.max(0, (this.lastPacketUs - speechUs) / 1000);
    }
    return {
      packets: this.arrivals.packets,
      lost: this.arrivals.lost,
      jitterMs: this.arrivals.jitterMs,
      maxGapMs: this.arrivals.maxGapMs,
      playbackStartedUs: this.playbackStartedUs,
      playbackStoppedUs: this.playbackStoppedUs,
      lastPacketUs: this.lastPacketUs,
      bargeInStopMs,
    };
  }
}

/** What {@link MediaTurns} needs from the turn engine. */
export interface MediaTurnsHost {
  /** The open turn owning a response id. */
  byResponse(responseId: string): TurnTracker | null;
  /** Open turns, oldest first. */
  openTurns(): readonly TurnTracker[];
  /** Ends a turn for real (the engine's end). */
  end(t: TurnTracker, status: TurnStatus, errorCode: string | null): void;
  /** A packet of the turn was attributed (barge-in arming, onset). */
  audio(t: TurnTracker, audio: ReceivedAudio): void;
}

/** Routes one WebRTC session's received audio and playback events to its turns. */
export class MediaTurns {
  /** The turn whose response audio is playing (from `output_audio_buffer.started`). */
  private playing: TurnTracker | null = null;
  /** Packets that arrived with no turn to own them (between turns, or a response not ours). */
  unattributedPackets = 0;

  constructor(private readonly host: MediaTurnsHost) {}

  /** One received packet. */
  packet(audio: ReceivedAudio): void {
    const t = this.owner();
    if (!t) {
      this.unattributedPackets += 1;
      return;
    }
    const m = mediaOf(t);
    m.arrivals.add(audio.receivedUs, audio.sequence, audio.rtpTimestamp);
    m.lastPacketUs = audio.receivedUs;
    this.host.audio(t, audio);
  }

  /** `output_audio_buffer.started`. */
  started(responseId: string | null, us: number): void {
    const t = responseId === null ? null : this.host.byResponse(responseId);
    if (!t) return;
    this.playing = t;
    const m = mediaOf(t);
    m.playbackStartedUs ??= us;
    m.playbackStoppedUs = null;
  }

  /** `output_audio_buffer.stopped` or `.cleared` (the latter may name no response). */
  stopped(responseId: string | null, us: number): void {
    const t = (responseId === null ? null : this.host.byResponse(responseId)) ?? this.playing;
    if (!t) return;
    if (this.playing === t) this.playing = null;
    const m = mediaOf(t);
    m.playbackStoppedUs = us;
    const pending = m.pendingEnd;
    if (pending) {
      m.pendingEnd = null;
      this.host.end(t, pending.status, pending.errorCode);
    }
  }

  /**
   * The engine is about to end `t`: true when the end must wait for the audio to stop (it is
   * recorded and applied at `stopped`/`cleared`). Failures and timeouts end at once.
   */
  deferEnd(t: TurnTracker, status: TurnStatus, errorCode: string | null): boolean {
    if (status !== 'completed' && status !== 'cancelled' && status !== 'incomplete') return false;
    const m = t.media;
    if (!m || !m.playing || m.pendingEnd || m.waitedOut) return false;
    m.pendingEnd = { status, errorCode };
    return true;
  }

  /** The turn is gone (ended or connection lost): forget it. */
  forget(t: TurnTracker): void {
    if (this.playing === t) this.playing = null;
  }

  private owner(): TurnTracker | null {
    if (this.playing && !this.playing.finished) return this.playing;
    const open = this.host.openTurns();
    for (let i = open.length - 1; i >= 0; i--) {
      const t = open[i]!;
      if (t.openResponseId !== null) return t;
    }
    return null;
  }
}

/** The tracker's media state, created on first use. */
export function mediaOf(t: TurnTracker): TurnMedia {
  return (t.media ??= new TurnMedia());
}
