/**
 * The floor: how many sessions a bare `ws` client can stream in real time on this machine
 * (docs/measurement.md, "The floor"). A load generator cannot beat the machine it runs on, so the
 * harness's streaming capacity is quoted as a ratio to this figure, measured in the same run.
 *
 * What it does, per session count N ("a level"):
 * - a counting sink runs in a child process: a plain `ws` server on 127.0.0.1 that parses nothing
 *   and only counts the messages it receives (the cheapest receiver there is);
 * - this process opens N WebSocket connections to it and streams one prebuilt
 *   `input_audio_buffer.append` frame (24 kHz PCM16, `chunk_ms` of audio; the same string for every
 *   session, as a plain `ws` user would send it) per session per chunk period, for `seconds`;
 * - the sessions are spread over 1 ms slots of the chunk period (session i sends in slots
 *   i mod chunk_ms, i mod chunk_ms + chunk_ms, …), and one timer serves every slot that is due.
 *   Slot s is due at `t0 + s ms`, computed from the start, never from the previous wake;
 * - every frame's send lag (the clock after `send()` returned minus its slot's deadline, as the
 *   harness's pacer stamps it) goes into an HDR histogram with the project's ranges.
 * A level passes when its send-lag p99 is within the budget. The search doubles N from 100 while
 * levels pass (up to `--max`), then bisects between the last pass and the first failure until the
 * gap is at most 25 sessions or 5 %. The largest passing level is the floor. A 1 s level of 50
 * sessions runs first, unreported, so the sending code is compiled before it is measured.
 *
 *   node --import tsx bench/ws-floor.ts [--chunk-ms 20] [--seconds 8] [--p99-budget-ms 5] [--max 8000]
 *   node --import tsx bench/ws-floor.ts --sessions 500     # one fixed level, no search
 *
 * Prints one JSON line per level ({sessions, chunk_ms, sent, received, lag_ms_p50, lag_ms_p99,
 * lag_ms_max, client_cpu_pct, ok}), then {"floor_sessions": N, chunk_ms, p99_budget_ms, seconds,
 * gc}. The GC settings of `rth` (harness/gc-tuning.ts) apply, as they do to the harness it is
 * compared with, unless `RTH_DEFAULT_GC=1`. Bad flags: a message naming the flag, exit code 2.
 *
 * The module also exports its parts: {@link runSlotLoop} (the scheduling, on an injected clock),
 * {@link listenCountingSink} / {@link forkCountingSink} (the sink) and {@link searchCapacity}
 * (the search), which bench/harness-streaming.ts, bench/mock-ingest.ts and bench/pacer.ts reuse so
 * that their figures and this one are measured the same way.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { bytesForMs } from '../common/audio/formats.ts';
import { monotonicClock, type Clock } from '../common/clock.ts';
import { ConfigError } from '../common/errors.ts';
import { applyLatencyGcFlags } from '../harness/gc-tuning.ts';
import { createHistogram, histogramStats, recordClamped, type Histogram } from '../harness/metrics/histogram.ts';
import { projectRoot } from '../harness/version.ts';

const PCM16_24K = { type: 'audio/pcm', rate: 24000 } as const;

/** Options of {@link runSlotLoop}. */
export interface SlotLoopOptions {
  /** Clock the deadlines and lags are read from (monotonic µs) and the timer is armed on. */
  clock: Clock;
  /** Sessions to serve, numbered 0 … sessions − 1. */
  sessions: number;
  /** Chunk period, whole ms: each session sends once per period. */
  chunkMs: number;
  /** How long to stream, ms. */
  durationMs: number;
  /** Sends session `i`'s frame; the lag is stamped when it returns. */
  send: (session: number) => void;
  /** Delay between the call and the first slot, ms (lets the caller's setup settle). Default 50. */
  leadMs?: number;
}

/** What {@link runSlotLoop} did. */
export interface SlotLoopResult {
  /** Frames handed to `send`. */
  sent: number;
  /** Send lag of every frame, µs (`createHistogram(false)` layout, mergeable with the pacer's). */
  lagUs: Histogram;
  /** Timer firings. */
  wakeUps: number;
}

/**
 * Streams `sessions` sessions on 1 ms slots: session i is due in every slot s with
 * s ≡ i (mod chunkMs), slot s at `t0 + s ms`. One timer at a time; a wake serves every slot
 * already due (re-reading the clock after each slot, so a slow slot never hides the next one)
 * and re-arms for the next. A frame is never sent before its slot's deadline; a late process
 * sends late, never skips.
 */
export function runSlotLoop(opts: SlotLoopOptions): Promise<SlotLoopResult> {
  const { clock, sessions, chunkMs, send } = opts;
  if (!Number.isInteger(chunkMs) || chunkMs < 1) throw new RangeError(`runSlotLoop: chunkMs must be a whole number of ms ≥ 1, got ${chunkMs}`);
  const t0Us = clock.nowUs() + (opts.leadMs ?? 50) * 1000;
  const endUs = t0Us + opts.durationMs * 1000;
  const lagUs = createHistogram(false);
  let slot = 0;
  let sent = 0;
  let wakeUps = 0;
  const deadlineUs = (s: number): number => t0Us + s * 1000;
  return new Promise((resolve) => {
    const wake = (): void => {
      wakeUps++;
      while (deadlineUs(slot) < endUs && deadlineUs(slot) <= clock.nowUs()) {
        const dueUs = deadlineUs(slot);
        for (let i = slot % chunkMs; i < sessions; i += chunkMs) {
          send(i);
          sent++;
          recordClamped(lagUs, clock.nowUs() - dueUs);
        }
        slot++;
      }
      if (deadlineUs(slot) >= endUs) return resolve({ sent, lagUs, wakeUps });
      // Node timers may fire a little before the monotonic clock reaches the deadline; the loop
      // above then sends nothing and this simply re-arms.
      clock.setTimeout(wake, Math.max(0, (deadlineUs(slot) - clock.nowUs()) / 1000));
    };
    clock.setTimeout(wake, Math.max(0, (t0Us - clock.nowUs()) / 1000));
  });
}

/** A level passes when its p99 is within the budget; the search needs nothing else. */
export interface LevelVerdict {
  ok: boolean;
}

/** Options of {@link searchCapacity}. */
export interface SearchOptions {
  /** First level tried. Default 100. */
  startSessions?: number;
  /** Highest level tried. */
  maxSessions: number;
}

/**
 * The largest session count whose level passes: doubles from `startSessions` while levels pass
 * (never above `maxSessions`), then bisects between the last pass and the first failure until the
 * gap is at most max(25, 5 % of the pass). 0 when the first level fails. Levels run one at a time,
 * in the order a reader of the printed lines expects.
 */
export async function searchCapacity<L extends LevelVerdict>(measure: (sessions: number) => Promise<L>, opts: SearchOptions): Promise<number> {
  let pass = 0;
  let fail = 0;
  let n = opts.startSessions ?? 100;
  while (n <= opts.maxSessions) {
    if ((await measure(n)).ok) {
      pass = n;
      n *= 2;
    } else {
      fail = n;
      break;
    }
  }
  if (fail === 0) {
    // Every doubling passed: bisect towards the cap, unless the cap itself was the last level.
    if (pass === opts.maxSessions) return pass;
    fail = Math.min(n, opts.maxSessions + 1);
  }
  while (fail - pass > Math.max(25, pass * 0.05)) {
    const mid = Math.round((pass + fail) / 2);
    if ((await measure(mid)).ok) pass = mid;
    else fail = mid;
  }
  return pass;
}

/** A running counting sink. */
export interface CountingSink {
  /** `ws://127.0.0.1:PORT` (any path is accepted). */
  readonly url: string;
  readonly port: number;
  /** Messages received since the sink started. */
  framesIn(): number;
  close(): Promise<void>;
}

/** A `ws` server on 127.0.0.1 (port 0) that counts the messages it receives and does nothing else. */
export async function listenCountingSink(): Promise<CountingSink> {
  // No compression and a generous payload cap, so the sink never refuses what a sender sends.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 16 << 20 });
  let frames = 0;
  wss.on('connection', (ws) => ws.on('message', () => void frames++));
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    framesIn: () => frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** The sink in its own process (so its work is never charged to the sender), controlled over IPC. */
export interface ForkedSink {
  readonly url: string;
  readonly port: number;
  /** Messages the sink has received so far. */
  framesIn(): Promise<number>;
  /** Stops the child and waits for it to exit. */
  close(): Promise<void>;
}

type SinkMessage = { kind: 'ready'; port: number } | { kind: 'count'; frames: number };

function nextMessage<K extends SinkMessage['kind']>(child: ChildProcess, kind: K): Promise<Extract<SinkMessage, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: SinkMessage): void => {
      if (m.kind !== kind) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<SinkMessage, { kind: K }>);
    };
    const onExit = (code: number | null): void => {
      child.off('message', onMessage);
      reject(new Error(`ws-floor sink exited (code ${code}) before answering '${kind}'`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Forks this module as a counting sink (`--sink`) and waits until it listens. */
export async function forkCountingSink(): Promise<ForkedSink> {
  const child = fork(fileURLToPath(import.meta.url), ['--sink'], {
    cwd: projectRoot,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await nextMessage(child, 'ready');
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    framesIn: async () => {
      const answer = nextMessage(child, 'count');
      child.send({ kind: 'count' });
      return (await answer).frames;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ kind: 'exit' });
      }),
  };
}

/** Child side of {@link forkCountingSink}: answers `count`, exits on `exit` or when the parent goes away. */
async function sinkChild(): Promise<void> {
  const sink = await listenCountingSink();
  const quit = (): void => void sink.close().then(() => process.exit(0));
  process.on('message', (m: { kind?: string }) => {
    if (m.kind === 'count') process.send!({ kind: 'count', frames: sink.framesIn() } satisfies SinkMessage);
    else if (m.kind === 'exit') quit();
  });
  process.on('disconnect', quit);
  process.send!({ kind: 'ready', port: sink.port } satisfies SinkMessage);
}

/** One `input_audio_buffer.append` of `chunkMs` of a 440 Hz tone, 24 kHz PCM16 (the content does not matter to the sink; the size does). */
export function toneAppendFrame(chunkMs: number): string {
  const pcm = Buffer.alloc(bytesForMs(PCM16_24K, chunkMs));
  for (let i = 0; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 24000)), i * 2);
  return JSON.stringify({ type: 'input_audio_buffer.append', audio: pcm.toString('base64') });
}

/** One level of the floor, as printed. */
export interface FloorLevel extends LevelVerdict {
  sessions: number;
  chunk_ms: number;
  sent: number;
  /** Frames the sink had counted up to 1 s after the last send (a bare sink keeps up; this shows it). */
  received: number;
  lag_ms_p50: number | null;
  lag_ms_p99: number | null;
  lag_ms_max: number | null;
  /** CPU of this (sending) process over the streaming, % of one core. */
  client_cpu_pct: number;
}

/** Options of {@link measureFloorLevel}. */
export interface FloorLevelOptions {
  chunkMs: number;
  seconds: number;
  budgetMs: number;
  /** The prebuilt frame (default {@link toneAppendFrame} of `chunkMs`). */
  frame?: string;
  clock?: Clock;
}

/** Streams `sessions` bare `ws` sessions into the sink for `seconds` and judges the level. */
export async function measureFloorLevel(sink: ForkedSink, sessions: number, o: FloorLevelOptions): Promise<FloorLevel> {
  const clock = o.clock ?? monotonicClock;
  const frame = o.frame ?? toneAppendFrame(o.chunkMs);
  const sockets: WebSocket[] = [];
  // Connect in batches: thousands of simultaneous handshakes overflow the listen backlog.
  for (let i = 0; i < sessions; i += 200) {
    const batch = Array.from(
      { length: Math.min(200, sessions - i) },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${sink.url}/v1/realtime`, { perMessageDeflate: false });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  const before = await sink.framesIn();
  const cpu0 = process.cpuUsage();
  const loop = await runSlotLoop({ clock, sessions, chunkMs: o.chunkMs, durationMs: o.seconds * 1000, send: (i) => sockets[i]!.send(frame) });
  const cpu = process.cpuUsage(cpu0);
  const settleUntilUs = clock.nowUs() + 1_000_000;
  let received = (await sink.framesIn()) - before;
  while (received < loop.sent && clock.nowUs() < settleUntilUs) {
    await new Promise((r) => setTimeout(r, 20));
    received = (await sink.framesIn()) - before;
  }
  for (const ws of sockets) ws.terminate();
  const lag = histogramStats(loop.lagUs);
  return {
    sessions,
    chunk_ms: o.chunkMs,
    sent: loop.sent,
    received,
    lag_ms_p50: lag.p50,
    lag_ms_p99: lag.p99,
    lag_ms_max: lag.max,
    client_cpu_pct: Math.round((cpu.user + cpu.system) / 10 / (o.seconds * 1000)),
    ok: lag.p99 !== null && lag.p99 <= o.budgetMs,
  };
}

/** Command-line options of the floor. */
export interface FloorCliOptions {
  chunkMs: number;
  seconds: number;
  budgetMs: number;
  maxSessions: number;
  /** One fixed level instead of the search; null to search. */
  fixedSessions: number | null;
}

/**
 * Parses the floor's flags (defaults: `--chunk-ms 20 --seconds 8 --p99-budget-ms 5 --max 8000`).
 * @throws ConfigError (`E_FLAG`) listing every bad flag, each named with what was expected
 */
export function parseFloorArgs(argv: readonly string[]): FloorCliOptions {
  const problems: string[] = [];
  const known = new Set(['chunk-ms', 'seconds', 'p99-budget-ms', 'max', 'sessions']);
  for (const a of argv) if (a.startsWith('--') && !known.has(a.slice(2))) problems.push(`${a}: unknown flag (expected one of ${[...known].map((k) => `--${k}`).join(', ')})`);
  const num = (name: string, fallback: number | null, check: (x: number) => boolean, expected: string): number | null => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const raw = argv[i + 1];
    const x = Number(raw);
    if (raw === undefined || raw.trim() === '' || !check(x)) {
      problems.push(`--${name}: expected ${expected}, got ${raw === undefined ? 'nothing' : `'${raw}'`}`);
      return fallback;
    }
    return x;
  };
  const wholePositive = (x: number): boolean => Number.isInteger(x) && x >= 1;
  const positive = (x: number): boolean => Number.isFinite(x) && x > 0;
  const opts: FloorCliOptions = {
    chunkMs: num('chunk-ms', 20, wholePositive, 'a whole number of ms ≥ 1')!,
    seconds: num('seconds', 8, positive, 'a number of seconds > 0')!,
    budgetMs: num('p99-budget-ms', 5, positive, 'a number of ms > 0')!,
    maxSessions: num('max', 8000, wholePositive, 'a whole number of sessions ≥ 1')!,
    fixedSessions: num('sessions', null, wholePositive, 'a whole number of sessions ≥ 1'),
  };
  if (problems.length) throw new ConfigError('E_FLAG', problems);
  return opts;
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseFloorArgs(argv);
  const gcTuned = applyLatencyGcFlags();
  const sink = await forkCountingSink();
  try {
    const frame = toneAppendFrame(opts.chunkMs);
    const level = async (n: number): Promise<FloorLevel> => {
      const r = await measureFloorLevel(sink, n, { chunkMs: opts.chunkMs, seconds: opts.seconds, budgetMs: opts.budgetMs, frame });
      console.log(JSON.stringify(r));
      return r;
    };
    // Warm-up, not reported: the sending code is compiled by the JIT before the first level, as
    // bench/harness-streaming.ts does for the harness's sender.
    await measureFloorLevel(sink, 50, { chunkMs: opts.chunkMs, seconds: 1, budgetMs: opts.budgetMs, frame });
    const floorSessions =
      opts.fixedSessions !== null ? ((await level(opts.fixedSessions)).ok ? opts.fixedSessions : 0) : await searchCapacity(level, { maxSessions: opts.maxSessions });
    console.log(
      JSON.stringify({ floor_sessions: floorSessions, chunk_ms: opts.chunkMs, p99_budget_ms: opts.budgetMs, seconds: opts.seconds, gc: gcTuned ? 'rth' : 'v8-default' }),
    );
  } finally {
    await sink.close();
  }
}

const isMain = process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (isMain) {
  const argv = process.argv.slice(2);
  if (argv.includes('--sink')) await sinkChild();
  else {
    try {
      await main(argv);
    } catch (e) {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = e instanceof ConfigError ? 2 : 1;
    }
  }
}
