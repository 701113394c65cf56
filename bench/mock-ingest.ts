/**
 * How many sessions the mock can ingest paced audio from. The mock runs in a child process; this
 * process opens N realtime sessions (server_vad on, the default) and streams one 20 ms
 * `input_audio_buffer.append` per session per chunk period, on deadlines (`t0 + i × chunk`, never
 * chained), spread over 1 ms slots like bench/ws-floor.ts, so the two compare as a ratio.
 * A level passes when the sender's p99 lag stays within the budget and the mock has processed every
 * frame within one second after the last one was sent (it kept up). Prints one JSON line per level.
 *
 *   npx tsx bench/mock-ingest.ts [--sessions 200,400,800] [--seconds 8] [--chunk-ms 20] [--p99-budget-ms 5] [--speech] [--compare-sink] [--rounds 1]
 *
 * `--compare-sink` also starts ws-floor's counting sink (a `ws` server that only counts frames) and, for
 * every level and round, streams into the sink and into the mock back to back with the same sender,
 * alternating which goes first. On a machine whose load swings from one minute to the next this is
 * the fair comparison: both see the same minute. With `--rounds R` it prints, per level and target,
 * the median p99 lag over the rounds, and the capacity (largest level whose median p99 is within the
 * budget and, for the mock, kept up) of each, with their ratio (issue 2: ≥ 0.7).
 *
 * `--cpu-prof DIR` writes a V8 CPU profile of the mock process into DIR.
 * `--speech` streams a speech-like frame (the VAD then sees turns and the mock answers) instead of
 * low-level noise. Quote medians of several runs on a quiet machine, next to ws-floor's figure
 * (`node --import tsx bench/ws-floor.ts`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { listenCountingSink } from './ws-floor.ts';

type FromChild = { kind: 'ready'; url: string } | { kind: 'stats'; framesIn: number; elu: number; cpuMs: number };

async function child(): Promise<void> {
  const server = process.argv.includes('--sink')
    ? await (async () => {
        // ws-floor's counting sink, with the mock's `stats().framesIn` shape.
        const sink = await listenCountingSink();
        return { url: sink.url, stats: () => ({ framesIn: sink.framesIn() }), close: () => sink.close() };
      })()
    : await (await import('../mock-server/index.ts')).startMockServer({ port: 0, latencyScale: 0.05 });
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  process.on('message', (m: { kind: string }) => {
    if (m.kind === 'mark') {
      elu = performance.eventLoopUtilization();
      cpu = process.cpuUsage();
    } else if (m.kind === 'stats') {
      const e = performance.eventLoopUtilization(elu);
      const c = process.cpuUsage(cpu);
      process.send!({ kind: 'stats', framesIn: server.stats().framesIn, elu: e.utilization, cpuMs: (c.user + c.system) / 1000 } satisfies FromChild);
    } else if (m.kind === 'exit') void server.close().then(() => process.exit(0));
  });
  process.send!({ kind: 'ready', url: server.url } satisfies FromChild);
}

function opt(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}

interface LevelResult {
  target: 'mock' | 'sink';
  sessions: number;
  sent: number;
  processed: number;
  kept_up: boolean;
  lag_ms_p50: number;
  lag_ms_p99: number;
  receiver_cpu_pct: number;
  sender_cpu_pct: number;
  ok: boolean;
}

/** One receiver child process (the mock or the bare sink) and its control channel. */
class Receiver {
  private constructor(
    readonly target: 'mock' | 'sink',
    private readonly proc: ChildProcess,
    readonly url: string,
  ) {}

  static async start(target: 'mock' | 'sink', profDir: string | null): Promise<Receiver> {
    const execArgv = ['--import', 'tsx', ...(profDir && target === 'mock' ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
    const args = ['--child', ...(target === 'sink' ? ['--sink'] : [])];
    const proc = fork(fileURLToPath(import.meta.url), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const { url } = await Receiver.next(proc, 'ready');
    return new Receiver(target, proc, url);
  }

  private static next<K extends FromChild['kind']>(proc: ChildProcess, kind: K): Promise<Extract<FromChild, { kind: K }>> {
    return new Promise((resolve) => {
      const on = (m: FromChild): void => {
        if (m.kind === kind) {
          proc.off('message', on);
          resolve(m as Extract<FromChild, { kind: K }>);
        }
      };
      proc.on('message', on);
    });
  }

  stats(): Promise<Extract<FromChild, { kind: 'stats' }>> {
    const p = Receiver.next(this.proc, 'stats');
    this.proc.send({ kind: 'stats' });
    return p;
  }

  mark(): void {
    this.proc.send({ kind: 'mark' });
  }

  exit(): void {
    this.proc.send({ kind: 'exit' });
  }
}

interface LevelOptions {
  sessions: number;
  seconds: number;
  chunkMs: number;
  budgetMs: number;
  frame: string;
}

/** Streams `sessions` paced sessions into `rx` for `seconds` (ws-floor's sender) and judges the level. */
async function runLevel(rx: Receiver, o: LevelOptions): Promise<LevelResult> {
  const n = o.sessions;
  const path = rx.target === 'mock' ? '/v1/realtime?model=gpt-realtime' : '/v1/realtime';
  const socks = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${rx.url}${path}`, { headers: { Authorization: 'Bearer sk-bench' }, perMessageDeflate: false });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
        ws.on('message', () => undefined);
      }),
    ),
  );
  const before = (await rx.stats()).framesIn;
  rx.mark();
  const lags: number[] = [];
  let slot = 0;
  let sent = 0;
  const t0 = performance.now() + 50;
  const end = t0 + o.seconds * 1000;
  const cpu0 = process.cpuUsage();
  await new Promise<void>((done) => {
    const wake = (): void => {
      const now = performance.now();
      while (t0 + slot <= now && t0 + slot < end) {
        const lagMs = performance.now() - (t0 + slot);
        for (let i = slot % o.chunkMs; i < n; i += o.chunkMs) {
          socks[i]!.send(o.frame);
          sent++;
          lags.push(lagMs);
        }
        slot++;
      }
      if (t0 + slot >= end) return done();
      setTimeout(wake, Math.max(0, t0 + slot - performance.now()));
    };
    setTimeout(wake, Math.max(0, t0 - performance.now()));
  });
  const senderCpu = process.cpuUsage(cpu0);
  const atEnd = await rx.stats();
  const deadline = performance.now() + 1000;
  let s = atEnd;
  while (s.framesIn - before < sent && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    s = await rx.stats();
  }
  lags.sort((a, b) => a - b);
  const pct = (p: number): number => Math.round((lags[Math.min(lags.length - 1, Math.floor((lags.length * p) / 100))] ?? 0) * 1000) / 1000;
  const keptUp = s.framesIn - before >= sent;
  for (const w of socks) w.terminate();
  await new Promise((r) => setTimeout(r, 500));
  return {
    target: rx.target,
    sessions: n,
    sent,
    processed: s.framesIn - before,
    kept_up: keptUp,
    lag_ms_p50: pct(50),
    lag_ms_p99: pct(99),
    receiver_cpu_pct: Math.round(atEnd.cpuMs / (o.seconds * 10)),
    sender_cpu_pct: Math.round((senderCpu.user + senderCpu.system) / 1000 / (o.seconds * 10)),
    ok: keptUp && pct(99) <= o.budgetMs,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function parent(): Promise<void> {
  const levels = opt('sessions', '100,200,400').split(',').map(Number);
  const seconds = Number(opt('seconds', '8'));
  const chunkMs = Number(opt('chunk-ms', '20'));
  const budgetMs = Number(opt('p99-budget-ms', '5'));
  const rounds = Number(opt('rounds', '1'));
  const speech = process.argv.includes('--speech');
  const compare = process.argv.includes('--compare-sink');
  const profDir = process.argv.includes('--cpu-prof') ? opt('cpu-prof', 'reports/mock-ingest-prof') : null;

  const pcm = Buffer.alloc(48 * chunkMs);
  // Low-level noise (about -50 dBFS: below the VAD threshold) or a loud tone burst pattern.
  for (let i = 0; i < pcm.length; i += 2) pcm.writeInt16LE(Math.round((speech ? 9000 : 100) * Math.sin(i / 7)), i);
  const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio: pcm.toString('base64') });

  const receivers = [await Receiver.start('mock', profDir), ...(compare ? [await Receiver.start('sink', null)] : [])];
  const results: LevelResult[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const n of levels) {
      // Alternate which target goes first, so neither always gets the calmer half of the minute.
      const order = round % 2 === 0 ? receivers : [...receivers].reverse();
      for (const rx of order) {
        const r = await runLevel(rx, { sessions: n, seconds, chunkMs, budgetMs, frame });
        results.push(r);
        console.log(JSON.stringify({ round, ...r }));
      }
      // Without a comparison and a single round, stop at the first failed level (as before).
      if (!compare && rounds === 1 && !results[results.length - 1]!.ok) break;
    }
  }
  const capacity = (target: 'mock' | 'sink'): { sessions: number; median_p99_ms: Record<string, number> } => {
    const med: Record<string, number> = {};
    let best = 0;
    for (const n of levels) {
      const rs = results.filter((r) => r.target === target && r.sessions === n);
      if (rs.length === 0) continue;
      const m = median(rs.map((r) => r.lag_ms_p99));
      med[String(n)] = Math.round(m * 1000) / 1000;
      const keptUp = rs.filter((r) => r.kept_up).length * 2 >= rs.length;
      if (m <= budgetMs && keptUp && n > best) best = n;
    }
    return { sessions: best, median_p99_ms: med };
  };
  const mock = capacity('mock');
  const sink = compare ? capacity('sink') : null;
  console.log(
    JSON.stringify({
      mock_ingest_sessions: mock.sessions,
      mock_median_p99_ms: mock.median_p99_ms,
      ...(sink ? { sink_sessions: sink.sessions, sink_median_p99_ms: sink.median_p99_ms, ratio: sink.sessions ? Math.round((mock.sessions / sink.sessions) * 100) / 100 : null } : {}),
      rounds,
      chunk_ms: chunkMs,
      p99_budget_ms: budgetMs,
      seconds,
      speech,
    }),
  );
  for (const rx of receivers) rx.exit();
}

if (process.argv.includes('--child')) await child();
else await parent();
