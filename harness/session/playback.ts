/**
 * A simulated 1× player of the assistant's audio (docs/measurement.md, "playback underruns"; §3.8 barge-in).
 * It starts at the first delta and plays at real time while it has audio; when the buffer runs dry
 * it stalls until the next delta. Only durations are kept, never audio.
 */

/** Base64 length of an audio delta → its duration, ms, for a format of `bytesPerMs`. */
export function base64AudioMs(base64: string, bytesPerMs: number): number {
  const len = base64.length;
  if (len === 0) return 0;
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  const bytes = Math.floor((len * 3) / 4) - padding;
  return bytes / bytesPerMs;
}

/** Playback of one turn's answer. */
export class PlaybackSimulator {
  /** Audio received so far, ms. */
  private bufferedMs = 0;
  /** Audio played at `lastUs`, ms. */
  private playedAtLastMs = 0;
  private lastUs: number | null = null;
  private stopped = false;
  /** Item id of the latest audio delta and the buffered ms at which that item's audio started. */
  private itemId: string | null = null;
  private itemStartMs = 0;

  /** A delta of `durationMs` arrived at `receivedUs` for item `itemId`. */
  onDelta(receivedUs: number, durationMs: number, itemId: string | null): void {
    if (this.stopped) return;
    this.advance(receivedUs);
    if (itemId !== this.itemId) {
      this.itemId = itemId;
      this.itemStartMs = this.bufferedMs;
    }
    this.bufferedMs += durationMs;
  }

  /** Audio played by `nowUs`, ms (never more than received). */
  playedMs(nowUs: number): number {
    if (this.lastUs === null) return 0;
    if (this.stopped) return this.playedAtLastMs;
    return Math.min(this.bufferedMs, this.playedAtLastMs + Math.max(0, nowUs - this.lastUs) / 1000);
  }

  /** Audio received, ms. */
  get receivedMs(): number {
    return this.bufferedMs;
  }

  /**
   * When `targetMs` of audio will have been played if no further delta arrives, µs; null if the
   * buffer holds less than that (more audio must arrive first).
   */
  dueUs(targetMs: number): number | null {
    if (this.lastUs === null || this.bufferedMs < targetMs) return null;
    return this.lastUs + Math.max(0, targetMs - this.playedAtLastMs) * 1000;
  }

  /**
   * Stops playback at `nowUs` (barge-in) and returns where to truncate: the item playing and its
   * played ms (≤ its received audio), or null when nothing has played.
   */
  stop(nowUs: number): { itemId: string; audioEndMs: number } | null {
    this.advance(nowUs);
    this.stopped = true;
    if (this.itemId === null) return null;
    return { itemId: this.itemId, audioEndMs: Math.max(0, this.playedAtLastMs - this.itemStartMs) };
  }

  private advance(nowUs: number): void {
    if (this.lastUs !== null) this.playedAtLastMs = this.playedMs(nowUs);
    this.lastUs = nowUs;
  }
}
