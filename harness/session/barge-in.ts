/**
 * Barge-in (PlannedTurn.bargeInAfterAudioMs, §3.8): once that much of the assistant's audio has
 * been "played" by the simulated 1× player, the user starts speaking the next clip over it, the
 * player stops, and — as a WebSocket client must, since only WebRTC/SIP servers know what was
 * played — the client sends `conversation.item.truncate{item_id, content_index:0, audio_end_ms}`
 * with the played duration (never more than received). On server-VAD sessions the server cancels
 * the response when it hears the speech (`response.done` cancelled, reason `turn_detected`); on
 * manual sessions the client sends `response.cancel` itself. Audio is generated faster than real
 * time, so the response is often already done: then the turn ends `completed` with `bargedIn`.
 *
 * A barge-in on the last planned turn is skipped (there is no next clip to speak).
 */
import type { Clock } from '../../common/clock.ts';
import type { TurnStatus } from '../contract.ts';
import type { ClientEventBuilder } from '../protocol/client-events.ts';
import type { TurnTracker } from './turn-tracker.ts';

/** What barge-in needs from the turn engine. */
export interface BargeInHost {
  readonly clock: Clock;
  readonly builder: ClientEventBuilder;
  /** Manual turns cancel the response themselves. */
  readonly manual: boolean;
  /**
   * The server truncates the assistant item itself (WebRTC: it knows what was played), so no
   * `conversation.item.truncate` is sent. Default false (WebSocket: the client must).
   */
  readonly serverTruncates?: boolean;
  /** Whether the turn has a successor that may start now. */
  canStartSuccessor(t: TurnTracker): boolean;
  /** Starts speaking the successor's clip now (its turn begins). */
  startSuccessor(t: TurnTracker): void;
  send(event: object): void;
  end(t: TurnTracker, status: TurnStatus, errorCode: string | null): void;
}

/** Whether this turn will barge in (planned, has a successor). */
export function plansBargeIn(t: TurnTracker, host: BargeInHost): boolean {
  return t.playback !== null && t.turn.bargeInAfterAudioMs !== null && !t.bargedIn && host.canStartSuccessor(t);
}

/** After an audio delta: arm the barge-in timer once enough audio is buffered to reach the threshold. */
export function armBargeIn(t: TurnTracker, host: BargeInHost): void {
  if (t.bargeTimer !== null || t.finished || !plansBargeIn(t, host)) return;
  const dueUs = t.playback!.dueUs(t.turn.bargeInAfterAudioMs!);
  if (dueUs === null) return;
  const delayMs = Math.max(0, (dueUs - host.clock.nowUs()) / 1000);
  t.bargeTimer = host.clock.setTimeout(() => bargeIn(t, host), delayMs);
}

/**
 * At the final `response.done` (completed): whether the turn must stay open until its barge-in
 * moment (the player will reach the threshold). If not, the turn ends now as usual.
 */
export function deferEndForBargeIn(t: TurnTracker, host: BargeInHost): boolean {
  if (!plansBargeIn(t, host)) return false;
  if (t.playback!.receivedMs < t.turn.bargeInAfterAudioMs!) return false; // the answer is shorter than the threshold
  armBargeIn(t, host);
  t.awaitingBargeIn = true;
  return true;
}

/** The barge-in moment. */
export function bargeIn(t: TurnTracker, host: BargeInHost): void {
  t.bargeTimer = null;
  if (t.finished) return;
  if (!host.canStartSuccessor(t)) {
    // Stopping (no new turns): nobody interrupts; a finished answer ends the turn as usual.
    if (t.awaitingBargeIn) host.end(t, 'completed', null);
    return;
  }
  const cut = t.playback!.stop(host.clock.nowUs());
  t.bargedIn = true;
  host.startSuccessor(t);
  if (cut && !host.serverTruncates) host.send(host.builder.truncate(cut.itemId, cut.audioEndMs));
  if (t.awaitingBargeIn) {
    host.end(t, 'completed', null);
    return;
  }
  if (host.manual && t.openResponseId !== null) host.send(host.builder.responseCancel(t.openResponseId));
}
