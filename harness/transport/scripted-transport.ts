/**
 * The test seam (like the Agents SDK's fake transport): a {@link Transport} with no socket and no
 * sleeps. It records every frame the client sends; a test pushes server events and closes, or
 * installs a `respond` script that answers client events.
 *
 * Delivery: {@link ScriptedTransport.push} delivers at once (the test is outside the driver);
 * answers from the `respond` script are delivered in a microtask after `send` returns, because a
 * real socket never delivers inside `send` and a driver need not be re-entrant.
 */
import type { Clock } from '../../common/clock.ts';
import type { TransportError, CloseListener, MessageListener, Transport } from './transport.ts';

/** What a `respond` script gets: the parsed client event and a way to answer. */
export interface ScriptedServerContext {
  /** Sends a server event (object → JSON text) or a raw text/binary frame to the client. */
  push(event: object | string | Buffer): void;
  /** Closes the connection from the server side. */
  close(code: number, reason?: string): void;
  /** The transport itself (for its records). */
  transport: ScriptedTransport;
}

/** Answers one client event (called once per sent frame that is valid JSON). */
export type RespondScript = (event: Record<string, unknown>, ctx: ScriptedServerContext) => void;

/** Options of {@link ScriptedTransport}. */
export interface ScriptedTransportOptions {
  /** Stamps receive times of pushed events. */
  clock: Clock;
  /** `connect()` rejects with this error. Default: connect succeeds. */
  failConnect?: TransportError;
  /** If true, `connect()` stays pending until {@link ScriptedTransport.open} is called. Default false. */
  manualOpen?: boolean;
  /** Server script answering client events. Default none. */
  respond?: RespondScript;
  /** Called in a microtask once the connection is open (e.g. to push `session.created`). Default none. */
  onOpen?: (ctx: ScriptedServerContext) => void;
  /** Record `input_audio_buffer.append` frames in `sent` too. Default false (only counted). */
  recordAppends?: boolean;
}

/** A scripted, in-memory connection. */
export class ScriptedTransport implements Transport {
  /** Frames sent by the client, in order (append frames only if `recordAppends`). */
  readonly sent: string[] = [];
  /** Receive stamps of the frames in {@link sent} (clock time when `send` was called). */
  readonly sentAtUs: number[] = [];
  /** Audio append frames sent (`input_audio_buffer.append` and `session.input_audio_buffer.append`). */
  appendCount = 0;
  /** State of the connection. */
  state: 'new' | 'connecting' | 'open' | 'closed' = 'new';
  /** Close the client asked for, if it did. */
  clientClose: { code: number; reason: string } | null = null;
  /** Frames sent while not open. */
  droppedFrames = 0;
  /** Set by tests to report back-pressure. */
  bufferedBytes = 0;

  private messageListener: MessageListener = () => {};
  private closeListener: CloseListener = () => {};
  private pendingOpen: (() => void) | null = null;
  private pushed = 0;

  constructor(private readonly opts: ScriptedTransportOptions) {}

  connect(): Promise<void> {
    if (this.opts.failConnect) {
      this.state = 'closed';
      return Promise.reject(this.opts.failConnect);
    }
    this.state = 'connecting';
    if (this.opts.manualOpen) return new Promise((resolve) => (this.pendingOpen = resolve));
    this.markOpen();
    return Promise.resolve();
  }

  /** Completes a `manualOpen` connect. */
  open(): void {
    const resolve = this.pendingOpen;
    this.pendingOpen = null;
    this.markOpen();
    resolve?.();
  }

  private markOpen(): void {
    this.state = 'open';
    const onOpen = this.opts.onOpen;
    if (onOpen) queueMicrotask(() => this.state === 'open' && onOpen(this.context()));
  }

  send(frame: string): void {
    if (this.state !== 'open') {
      this.droppedFrames += 1;
      return;
    }
    const isAppend = frame.startsWith('{"type":"input_audio_buffer.append"') || frame.startsWith('{"type":"session.input_audio_buffer.append"');
    if (isAppend) this.appendCount += 1;
    if (!isAppend || this.opts.recordAppends) {
      this.sent.push(frame);
      this.sentAtUs.push(this.opts.clock.nowUs());
    }
    const script = this.opts.respond;
    if (!script) return;
    let event: unknown;
    try {
      event = JSON.parse(frame);
    } catch {
      return;
    }
    queueMicrotask(() => {
      if (this.state === 'open') script(event as Record<string, unknown>, this.context());
    });
  }

  close(code = 1000, reason = 'OK'): void {
    if (this.state === 'closed') return;
    this.clientClose = { code, reason };
    this.state = 'closed';
    queueMicrotask(() => this.closeListener(code, reason));
  }

  onMessage(cb: MessageListener): void {
    this.messageListener = cb;
  }

  onClose(cb: CloseListener): void {
    this.closeListener = cb;
  }

  /** Delivers a server event now (object → JSON text), stamped with the clock. Ignored when closed. */
  push(event: object | string | Buffer, receivedUs = this.opts.clock.nowUs()): void {
    if (this.state !== 'open') return;
    this.pushed += 1;
    const raw = typeof event === 'string' || Buffer.isBuffer(event) ? event : JSON.stringify(event);
    this.messageListener(raw, receivedUs);
  }

  /** Closes from the server side now (e.g. 1001 after `session_expired`, 1006 for a dropped socket). */
  serverClose(code: number, reason = ''): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeListener(code, reason);
  }

  /** Number of events pushed so far. */
  get pushedCount(): number {
    return this.pushed;
  }

  /** Client events sent, parsed (appends included only if recorded). */
  sentEvents(): Record<string, unknown>[] {
    return this.sent.map((f) => JSON.parse(f) as Record<string, unknown>);
  }

  /** `type` of every recorded client event, in order. */
  sentTypes(): string[] {
    return this.sentEvents().map((e) => String(e.type));
  }

  private context(): ScriptedServerContext {
    return {
      push: (e) => this.push(e),
      close: (code, reason) => this.serverClose(code, reason ?? ''),
      transport: this,
    };
  }
}

/** A transport factory handing out scripted transports, one per connection, and keeping them. */
export function scriptedTransportFactory(make: (connection: number) => ScriptedTransportOptions): {
  factory: () => ScriptedTransport;
  transports: ScriptedTransport[];
} {
  const transports: ScriptedTransport[] = [];
  return {
    transports,
    factory: () => {
      const t = new ScriptedTransport(make(transports.length));
      transports.push(t);
      return t;
    },
  };
}
