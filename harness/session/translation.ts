/**
 * Turns of translation sessions (§2.5, §3.11). The microphone streams continuously (clips with
 * silence between them, as `session.input_audio_buffer.append`); the server streams translated
 * audio and transcript deltas independently of the client's pacing, with no per-utterance "done".
 *
 * A turn is one clip. Output is attributed to the latest turn whose speech has started; a turn
 * ends when the next clip's first frame is sent, or, for the last turn, at `session.closed` after
 * the client's `session.close`. Milestones: `firstAudioUs` = first output audio delta received
 * after the clip's speech end was sent (so TTFA = translation lag after the utterance), `firstTextUs`
 * = first output transcript delta of the turn, `responseDoneUs` = last output audio delta of the
 * turn. A turn with no output audio at all ends `failed` with `no_output`.
 */
import type { ParsedEvent } from '../protocol/server-events.ts';
import { base64AudioMs } from './playback.ts';
import { obj, str, type SessionHost } from './session-host.ts';
import { TurnTracker } from './turn-tracker.ts';

/** Drives the turns of one translation session. */
export class TranslationEngine {
  /** Index (0-based) of the next planned turn to start. */
  nextTurn = 0;
  private readonly open: TurnTracker[] = [];
  private closedWaiters: (() => void)[] = [];

  constructor(private readonly host: SessionHost) {}

  /** Turns started and not finished. */
  get openTurns(): readonly TurnTracker[] {
    return this.open;
  }

  /**
   * Schedules the next clip at `atUs` (default now; silence streams until then). The returned
   * promise resolves when its last frame was sent, when it is dropped, or at once without a
   * microphone.
   */
  startNext(atUs?: number): { tracker: TurnTracker; clipEnd: Promise<void> } {
    const k = this.nextTurn++;
    const turn = this.host.plan.turns[k];
    if (!turn) throw new Error(`no planned turn ${k + 1}`);
    const t = new TurnTracker(k + 1, turn);
    this.open.push(t);
    const mic = this.host.mic();
    if (!mic) {
      this.end(t, 'failed', 'not_connected');
      return { tracker: t, clipEnd: Promise.resolve() };
    }
    const clipEnd = new Promise<void>((resolveClip) => {
      const resolve = (): void => {
        this.closedWaiters = this.closedWaiters.filter((w) => w !== resolve);
        resolveClip();
      };
      this.closedWaiters.push(resolve); // a lost connection also ends the wait
      mic.speak(turn.clip, {
        onFirstFrameSent: (us) => {
          t.milestones.turnStartUs = us;
          for (const prev of this.open.filter((x) => x !== t)) this.endByOutput(prev);
        },
        onSpeechEndSent: (us) => {
          t.milestones.speechEndSentUs = us;
        },
        onClipEnd: () => resolve(),
      }, atUs);
    });
    return { tracker: t, clipEnd };
  }

  /** Handles one server event. */
  dispatch(p: ParsedEvent): void {
    if (p.kind !== 'known') return;
    const e = p.event as unknown as Record<string, unknown>;
    const t = this.current();
    switch (p.type) {
      case 'session.output_audio.delta': {
        if (!t) return;
        const rate = typeof e.sample_rate === 'number' && e.sample_rate > 0 ? e.sample_rate : 24000;
        const channels = typeof e.channels === 'number' && e.channels > 0 ? e.channels : 1;
        const durationMs = base64AudioMs(str(e, 'delta') ?? '', (rate * channels * 2) / 1000);
        t.audioDeltas.push({ receivedUs: p.receivedUs, durationMs });
        const speechEnd = t.milestones.speechEndSentUs;
        if (t.milestones.firstAudioUs === null && speechEnd !== null && p.receivedUs >= speechEnd) t.milestones.firstAudioUs = p.receivedUs;
        t.milestones.responseDoneUs = p.receivedUs;
        return;
      }
      case 'session.output_transcript.delta':
        t?.textDelta(p.receivedUs, str(e, 'delta') ?? '');
        return;
      case 'error':
        this.host.errorSeen(str(obj(e, 'error'), 'code') ?? str(obj(e, 'error'), 'type') ?? 'unknown');
        return;
      default:
        return;
    }
  }

  /** Stopping: a clip not yet started is withdrawn (never reported); waits on it end. */
  dropUnstarted(): void {
    for (const t of [...this.open]) {
      if (t.milestones.turnStartUs !== null) continue;
      this.host.mic()?.cancelPending();
      this.open.splice(this.open.indexOf(t), 1);
      this.nextTurn = Math.min(this.nextTurn, t.turnIndex - 1);
      t.finish('aborted', 'stopped', this.host.turnContext());
      for (const w of this.closedWaiters.splice(0)) w();
    }
  }

  /** Ends every open turn by its output (at `session.closed`, or when giving up waiting for it). */
  finishAll(): void {
    for (const t of [...this.open]) this.endByOutput(t);
  }

  /** The connection is gone: open turns fail with `code`. Returns how many were lost. */
  connectionLost(code: string): number {
    this.dropUnstarted();
    const lost = [...this.open];
    for (const t of lost) this.end(t, 'failed', code);
    for (const w of this.closedWaiters.splice(0)) w();
    return lost.length;
  }

  private current(): TurnTracker | null {
    for (let i = this.open.length - 1; i >= 0; i--) if (this.open[i]!.milestones.turnStartUs !== null) return this.open[i]!;
    return null;
  }

  private endByOutput(t: TurnTracker): void {
    if (t.audioDeltas.length > 0) this.end(t, 'completed', null);
    else this.end(t, 'failed', 'no_output');
  }

  private end(t: TurnTracker, status: 'completed' | 'failed', code: string | null): void {
    const i = this.open.indexOf(t);
    if (i >= 0) this.open.splice(i, 1);
    const result = t.finish(status, code, this.host.turnContext());
    if (result) this.host.report(result, t);
  }
}
