/**
 * Translation-session rules (§2.5, §3.11): `session.closed` ends the stream, `session.close` is
 * answered, output audio deltas are PCM16 with their format fields, `elapsed_ms` never goes back.
 */
import type { RuleId } from './catalogue.ts';
import type { EventRef } from './findings.ts';
import { base64DecodedBytes, show, type Obj } from './util.ts';

const DELTA_TYPES = new Set(['session.input_transcript.delta', 'session.output_transcript.delta', 'session.output_audio.delta']);

/** Close codes the SDK treats as clean after `session.closed` (§3.11). */
const CLEAN_CLOSES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

function positiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Tracks one translation session. */
export class TranslationTracker {
  private closedSeen = false;
  private closeRequested = false;
  private readonly lastElapsed = new Map<string, number>();

  constructor(private readonly report: (ruleId: RuleId, message: string, at: EventRef) => void) {}

  /** The client sent `session.close`. */
  noteCloseRequested(): void {
    this.closeRequested = true;
  }

  /** Every server event of the session (malformed ones with `ev` undefined). */
  onEvent(type: string, ev: Obj | undefined, at: EventRef): void {
    if (this.closedSeen) this.report('RT-TRANSLATE-001', `${type || 'a frame'} after session.closed`, at);
    if (type === 'session.closed') this.closedSeen = true;
    if (!ev || !DELTA_TYPES.has(type)) return;
    const elapsed = ev['elapsed_ms'];
    if (elapsed !== undefined && elapsed !== null) {
      const last = this.lastElapsed.get(type);
      if (typeof elapsed !== 'number' || !Number.isFinite(elapsed) || elapsed < 0) {
        this.report('RT-TRANSLATE-005', `${type} elapsed_ms is ${show(elapsed)}, expected a non-negative number`, at);
      } else {
        if (last !== undefined && elapsed < last) this.report('RT-TRANSLATE-005', `${type} elapsed_ms went back from ${last} to ${elapsed}`, at);
        this.lastElapsed.set(type, elapsed);
      }
    }
    if (type === 'session.output_audio.delta') this.checkAudio(ev, at);
  }

  private checkAudio(ev: Obj, at: EventRef): void {
    const problems: string[] = [];
    const delta = ev['delta'];
    if (typeof delta !== 'string') problems.push(`delta is ${show(delta)}, expected a base64 string`);
    else {
      const bytes = base64DecodedBytes(delta);
      if (bytes < 0) problems.push(`delta of ${delta.length} chars is not valid base64`);
      else if (bytes % 2 !== 0) problems.push(`delta decodes to ${bytes} bytes, odd for PCM16`);
    }
    const format = ev['format'];
    const rate = ev['sample_rate'];
    const channels = ev['channels'];
    if (format !== undefined && format !== 'pcm16') problems.push(`format is ${show(format)}, expected "pcm16"`);
    if (rate !== undefined && !positiveInt(rate)) problems.push(`sample_rate is ${show(rate)}, expected a positive integer`);
    if (channels !== undefined && !positiveInt(channels)) problems.push(`channels is ${show(channels)}, expected a positive integer`);
    if (problems.length > 0) this.report('RT-TRANSLATE-003', `session.output_audio.delta: ${problems.join('; ')}`, at);
    const missing = (['format', 'sample_rate', 'channels'] as const).filter((k) => ev[k] === undefined);
    if (missing.length > 0) this.report('RT-TRANSLATE-004', `session.output_audio.delta lacks ${missing.join(', ')}`, at);
  }

  /** The socket closed: judge its code after `session.closed` (RT-CLOSE-002). */
  onClose(code: number, reason: string, at: EventRef): void {
    if (this.closedSeen && !CLEAN_CLOSES.has(code)) {
      this.report('RT-CLOSE-002', `socket closed with ${code} ${show(reason)} after session.closed, expected 1000, 1001 or 1005`, at);
    }
  }

  /** End of session: an unanswered `session.close` (only when `obligations` apply). */
  finish(obligations: boolean, at: EventRef): void {
    if (obligations && this.closeRequested && !this.closedSeen) {
      this.report('RT-TRANSLATE-002', 'client sent session.close but no session.closed arrived before the session ended', at);
    }
  }
}
