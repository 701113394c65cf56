/**
 * Passive conformance checking during a load run: one checker per connection of a session, fed
 * every parsed server event (the driver's `onEvent` hook), every client event the harness sent (a
 * transport wrapper) and the close. Audio appends are not shown to the checker: none of its rules
 * reads them, and skipping them keeps the per-frame path free of any parsing.
 */
import { createConformanceChecker } from '../conformance/checker.ts';
import type { ConformanceChecker, Finding } from '../conformance/types.ts';
import type { Clock } from '../../common/clock.ts';
import type { SessionPlan } from '../contract.ts';
import type { ParsedEvent } from '../protocol/server-events.ts';
import type { SessionEventContext } from '../session/driver.ts';
import type { MediaPath } from '../transport/media.ts';
import type { CloseListener, MessageListener, Transport } from '../transport/transport.ts';

/** A finding with the session and connection it came from. */
export interface RunFinding extends Finding {
  readonly sessionIndex: number;
  /** 0-based connection number within the session. */
  readonly connection: number;
}

const APPEND_PREFIXES = ['{"type":"input_audio_buffer.append"', '{"type":"session.input_audio_buffer.append"', '{"type":"session.input_audio.append"'];

function isAppend(frame: string): boolean {
  return frame.startsWith(APPEND_PREFIXES[0]!) || frame.startsWith(APPEND_PREFIXES[1]!) || frame.startsWith(APPEND_PREFIXES[2]!);
}

/** A transport that shows sent client events and the close to a checker. */
class TappedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly checker: ConformanceChecker,
    private readonly clock: Clock,
  ) {}

  connect(): Promise<void> {
    return this.inner.connect();
  }

  send(frame: string): void {
    this.inner.send(frame);
    if (isAppend(frame)) return;
    try {
      const event = JSON.parse(frame) as Record<string, unknown>;
      if (typeof event.type === 'string') this.checker.onClientEvent({ type: event.type, event, sentUs: this.clock.nowUs() });
    } catch {
      // the harness only sends JSON it built; nothing to check otherwise
    }
  }

  close(code?: number, reason?: string): void {
    this.checker.onClientClose?.();
    this.inner.close(code, reason);
  }

  onMessage(cb: MessageListener): void {
    this.inner.onMessage(cb);
  }

  onClose(cb: CloseListener): void {
    this.inner.onClose((code, reason) => {
      this.checker.onClose(code, reason);
      cb(code, reason);
    });
  }

  get bufferedBytes(): number {
    return this.inner.bufferedBytes;
  }

  get media(): MediaPath | undefined {
    return this.inner.media;
  }
}

/** The conformance checkers of one session (one per connection, in connection order). */
export class SessionConformance {
  private readonly checkers: ConformanceChecker[] = [];

  constructor(
    private readonly plan: SessionPlan,
    private readonly clock: Clock,
  ) {}

  /** Wraps the transport of the session's next connection (call from the transport factory). */
  wrap(transport: Transport): Transport {
    const checker = createConformanceChecker({ sessionKind: this.plan.kind, outputFormat: this.plan.format });
    this.checkers.push(checker);
    return new TappedTransport(transport, checker, this.clock);
  }

  /** The driver's `onEvent` hook. */
  onEvent(e: ParsedEvent, ctx: SessionEventContext): void {
    this.checkers[ctx.connection]?.onServerEvent(e);
  }

  /** End-of-session checks of every connection; findings tagged with session and connection. */
  finish(): RunFinding[] {
    const out: RunFinding[] = [];
    this.checkers.forEach((c, connection) => {
      for (const f of c.finish()) out.push({ ...f, sessionIndex: this.plan.index, connection });
    });
    return out;
  }
}
