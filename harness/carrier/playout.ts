/**
 * The carrier's playback of what the bridge sends: `media` is queued and played in order against the
 * clock at the codec's byte rate (8 bytes per ms for G.711), a `mark` is echoed when the audio queued
 * before it has played (at once when nothing is queued), and `clear` drops the queue and echoes every
 * pending mark at once. Time is injected, so tests drive it with a manual clock.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';

/** A mark waiting for its audio to play. */
interface PendingMark {
  name: string | null;
  dueUs: number;
  receivedUs: number;
}

/** Called when a mark is echoed: `onClear` true when a `clear` flushed it. */
export type MarkEcho = (name: string | null, receivedUs: number, echoedUs: number, onClear: boolean) => void;

/** Playback of one call's outbound audio. */
export class Playout {
  readonly #clock: Clock;
  readonly #bytesPerMs: number;
  readonly #echo: MarkEcho;
  /** When everything queued so far will have played, µs (≤ now: nothing queued). */
  #endUs = 0;
  #pending: PendingMark[] = [];
  #timer: TimerHandle | null = null;
  #queuedMs = 0;
  #droppedMs = 0;
  #closed = false;

  /** @param bytesPerMs audio bytes per ms of the codec (8 for G.711 8 kHz) */
  constructor(clock: Clock, bytesPerMs: number, echo: MarkEcho) {
    this.#clock = clock;
    this.#bytesPerMs = bytesPerMs;
    this.#echo = echo;
  }

  /** Queues `bytes` of audio; returns when it starts playing, µs. */
  media(bytes: number): number {
    const now = this.#clock.nowUs();
    const startUs = Math.max(now, this.#endUs);
    const ms = bytes / this.#bytesPerMs;
    this.#endUs = startUs + ms * 1000;
    this.#queuedMs += ms;
    return startUs;
  }

  /** A `mark` from the bridge: echoed now if nothing is queued, else when the queued audio has played. */
  mark(name: string | null): void {
    const now = this.#clock.nowUs();
    if (this.#endUs <= now) {
      this.#echo(name, now, now, false);
      return;
    }
    this.#pending.push({ name, dueUs: this.#endUs, receivedUs: now });
    if (this.#timer === null) this.#arm();
  }

  /** `clear`: drops the queued audio and echoes every pending mark. Returns the audio dropped, ms. */
  clear(): number {
    const now = this.#clock.nowUs();
    const droppedMs = Math.max(0, this.#endUs - now) / 1000;
    this.#droppedMs += droppedMs;
    this.#endUs = now;
    this.#disarm();
    const marks = this.#pending;
    this.#pending = [];
    for (const m of marks) this.#echo(m.name, m.receivedUs, now, true);
    return droppedMs;
  }

  /** Audio still queued, ms. */
  queuedMs(): number {
    return Math.max(0, this.#endUs - this.#clock.nowUs()) / 1000;
  }

  /** Audio played so far (queued minus dropped minus still queued), ms. */
  playedMs(): number {
    return this.#queuedMs - this.#droppedMs - this.queuedMs();
  }

  /** Audio dropped by `clear` so far, ms. */
  get droppedMs(): number {
    return this.#droppedMs;
  }

  /** Marks not yet echoed. */
  get pendingMarks(): number {
    return this.#pending.length;
  }

  /** Stops echoing (the call ended); pending marks are dropped. */
  close(): void {
    this.#closed = true;
    this.#disarm();
    this.#pending = [];
  }

  #arm(): void {
    if (this.#closed || this.#pending.length === 0) return;
    const delayMs = (this.#pending[0]!.dueUs - this.#clock.nowUs()) / 1000;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, delayMs));
  }

  #disarm(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #fire(): void {
    this.#timer = null;
    const now = this.#clock.nowUs();
    // Marks are due in the order they came (each is due when all audio before it has played).
    while (this.#pending.length > 0 && this.#pending[0]!.dueUs <= now) {
      const m = this.#pending.shift()!;
      this.#echo(m.name, m.receivedUs, now, false);
    }
    this.#arm();
  }
}
