/**
 * The Node side of agent-page.js: its `window.rth` calls, typed reads of `window.rth.log`, and waits
 * that poll the log with a deadline and fail with a message naming what did not arrive and what did.
 */
import type { Page } from 'playwright-core';

/** A server event as the page logged it. */
export interface LoggedEvent {
  type: string;
  atMs: number;
  responseId?: string;
  itemId?: string;
  status?: string;
  /** Output item types of a `response.done` (e.g. `function_call`, `message`). */
  output?: string[];
  name?: string;
  error?: unknown;
}

/** The page's log (see agent-page.js for the meaning of each field). */
export interface ClientLog {
  events: LoggedEvent[];
  errors: { source: string; atMs: number; message: string }[];
  toolRuns: { atMs: number; args: unknown }[];
  toolEvents: { kind: 'start' | 'end'; atMs: number; name: string; result?: unknown }[];
  sent: { type: string; atMs: number }[];
  candidates: (string | null)[];
  states: { atMs: number; what: string; state: string }[];
  levels: { atMs: number; dbfs: number; ctx: string }[];
  mutedAtMs: number | null;
  callId: string | null;
}

/** Counters of the inbound audio RTP stream (a subset of RTCInboundRtpStreamStats). */
export interface InboundAudio {
  atMs: number;
  packetsReceived: number;
  packetsLost: number;
  /** Interarrival jitter (RFC 3550), seconds. */
  jitterS: number;
  jitterBufferDelayS: number;
  jitterBufferTargetDelayS: number;
  jitterBufferEmittedCount: number;
  concealedSamples: number;
  totalSamplesReceived: number;
}

/** What `start` takes (see agent-page.js). */
export interface StartConfig {
  callsUrl: string;
  key: string;
  model: string;
  muteAfterFirstTurn: boolean;
}

/** `window.rth` as agent-page.js defines it. */
interface PageApi {
  log: ClientLog;
  start(cfg: StartConfig): Promise<void>;
  say(text: string): void;
  interrupt(): void;
  close(): void;
  inboundAudio(): Promise<InboundAudio | null>;
  selectedPair(): Promise<{ local: string; remote: string } | null>;
}

/** How often a wait reads the page's log, ms. */
const POLL_MS = 50;

/** Reads and waits on the log of one page; also collects the page's console messages. */
export class PageLog {
  /** Console messages as `<type>: <text>`, plus uncaught page errors as `pageerror: …`. */
  readonly console: string[] = [];

  constructor(private readonly page: Page) {
    page.on('console', (m) => this.console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => this.console.push(`pageerror: ${String(e)}`));
  }

  /** Waits for the bundle to define `window.rth`. */
  async loaded(timeoutMs: number): Promise<void> {
    await this.page.waitForFunction(() => 'rth' in globalThis, undefined, { timeout: timeoutMs }).catch(() => {
      throw new Error(`the page bundle did not load within ${timeoutMs} ms (window.rth missing); console: ${this.console.join(' | ') || '(none)'}`);
    });
  }

  /**
   * Builds the agent and runs `session.connect()` in the page. Fails with the page's state when it
   * rejects or has not resolved within `timeoutMs` (the SDK itself never times out ICE or DTLS).
   */
  async start(cfg: StartConfig, timeoutMs: number): Promise<void> {
    // The page functions below run in the browser: they may only use their argument and globals.
    const connecting = this.page.evaluate((c) => (globalThis as unknown as { rth: PageApi }).rth.start(c), cfg);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const outcome = await Promise.race([connecting.then(() => 'connected' as const), expired]);
      if (outcome === 'timeout') throw new Error(`session.connect() did not resolve within ${timeoutMs} ms; ${await this.summary()}`);
    } catch (err) {
      if ((err as Error).message.startsWith('session.connect() did not resolve')) throw err;
      throw new Error(`session.connect() failed: ${(err as Error).message}; ${await this.summary()}`);
    } finally {
      clearTimeout(timer);
      connecting.catch(() => undefined);
    }
  }

  /** Sends a typed user message through the session. */
  say(text: string): Promise<void> {
    return this.page.evaluate((t) => (globalThis as unknown as { rth: PageApi }).rth.say(t), text);
  }

  /** `session.interrupt()`. */
  interrupt(): Promise<void> {
    return this.page.evaluate(() => (globalThis as unknown as { rth: PageApi }).rth.interrupt());
  }

  /** `session.close()`; ignores a page that is already gone. */
  async close(): Promise<void> {
    await this.page.evaluate(() => (globalThis as unknown as { rth?: PageApi }).rth?.close()).catch(() => undefined);
  }

  /** The ICE candidate pair in use (`<protocol> <address> <type>` each side), or null. */
  selectedPair(): Promise<{ local: string; remote: string } | null> {
    return this.page.evaluate(() => (globalThis as unknown as { rth: PageApi }).rth.selectedPair());
  }

  /** A snapshot of the page's log. */
  read(): Promise<ClientLog> {
    return this.page.evaluate(() => (globalThis as unknown as { rth: PageApi }).rth.log);
  }

  /** The inbound audio stream's counters now (null before the remote track exists). */
  inboundAudio(): Promise<InboundAudio | null> {
    return this.page.evaluate(() => (globalThis as unknown as { rth: PageApi }).rth.inboundAudio());
  }

  /** Resolves with the first log for which `pred` holds; after `timeoutMs`, fails naming `what`. */
  async waitFor(pred: (log: ClientLog) => boolean, what: string, timeoutMs: number): Promise<ClientLog> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const log = await this.read();
      if (pred(log)) return log;
      if (Date.now() >= deadline) throw new Error(`${what} did not arrive within ${timeoutMs} ms; ${describeLog(log, this.console)}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** The first event (by index) matching `pred`, waiting up to `timeoutMs`. */
  async waitForEvent(pred: (e: LoggedEvent, index: number) => boolean, what: string, timeoutMs: number): Promise<LoggedEvent> {
    const log = await this.waitFor((l) => l.events.some(pred), what, timeoutMs);
    return log.events.find(pred)!;
  }

  /** A one-paragraph account of the page's state, for failure messages. */
  async summary(): Promise<string> {
    try {
      return describeLog(await this.read(), this.console);
    } catch (err) {
      return `page log unreadable (${(err as Error).message}); console: ${this.console.join(' | ')}`;
    }
  }
}

function describeLog(log: ClientLog, consoleLines: readonly string[]): string {
  const loud = log.levels.filter((l) => l.dbfs > -40).length;
  return [
    `events: ${log.events.map((e) => e.type).join(', ') || '(none)'}`,
    `errors: ${JSON.stringify(log.errors)}`,
    `tool runs: ${log.toolRuns.length}`,
    `ICE candidates: ${JSON.stringify(log.candidates)}`,
    `states: ${log.states.map((s) => `${s.what}=${s.state}`).join(', ')}`,
    `remote level frames: ${log.levels.length} (${loud} above -40 dBFS, audio context ${log.levels.at(-1)?.ctx ?? 'n/a'})`,
    `console: ${consoleLines.slice(-20).join(' | ') || '(none)'}`,
  ].join('; ');
}
