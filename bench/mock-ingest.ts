/**
 * How many sessions the mock can ingest paced audio from. The mock runs in a child process; this
 * process opens N realtime sessions (server_vad on, the default) and streams one 20 ms
 * `input_audio_buffer.append` per session per chunk period, on deadlines (`t0 + i × chunk`, never
 * chained), spread over 1 ms slots like `../shared/bench/ws-floor.mjs`, so the two compare as a ratio.
 * A level passes when the sender's p99 lag stays within the budget and the mock has processed every
 * frame within one second after the last one was sent (it kept up). Prints one JSON line per level.
 *
 *   npx tsx bench/mock-ingest.ts [--sessions 200,400,800] [--seconds 8] [--chunk-ms 20] [--p99-budget-ms 5] [--speech]
 *
 * `--cpu-prof DIR` writes a V8 CPU profile of the mock process into DIR.
 * `--speech` streams a speech-like frame (the VAD then sees turns and the mock answers) instead of
 * low-level noise. Quote medians of several runs on a quiet machine, next to ws-floor's figure.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

type FromChild = { kind: 'ready'; url: string } | { kind: 'stats'; framesIn: number; elu: number; cpuMs: number };

async function child(): Promise<void> {
  const { startMockServer } = await import('../mock-server/server.ts');
  const server = await startMockServer({ port: 0, latencyScale: 0.05 });
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

async function parent(): Promise<void> {
  const levels = opt('sessions', '100,200,400').split(',').map(Number);
  const seconds = Number(opt('seconds', '8'));
  const chunkMs = Number(opt('chunk-ms', '20'));
  const budgetMs = Number(opt('p99-budget-ms', '5'));
  const speech = process.argv.includes('--speech');
  const profDir = process.argv.includes('--cpu-prof') ? opt('cpu-prof', 'reports/mock-ingest-prof') : null;
  const execArgv = ['--import', 'tsx', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
  const proc = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <K extends FromChild['kind']>(kind: K): Promise<Extract<FromChild, { kind: K }>> =>
    new Promise((resolve) => {
      const on = (m: FromChild): void => {
        if (m.kind === kind) {
          proc.off('message', on);
          resolve(m as Extract<FromChild, { kind: K }>);
        }
      };
      proc.on('message', on);
    });
  const stats = async (): Promise<Extract<FromChild, { kind: 'stats' }>> => {
    const p = next('stats');
    proc.send({ kind: 'stats' });
    return p;
  };
  const { url } = await next('ready');

  const pcm = Buffer.alloc(48 * chunkMs);
  // Low-level noise (about -50 dBFS: below the VAD threshold) or a loud tone burst pattern.
  for (let i = 0; i < pcm.length; i += 2) pcm.writeInt16LE(Math.round((speech ? 9000 : 100) * Math.sin(i / 7)), i);
  const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio: pcm.toString('base64') });

  let passed = 0;
  for (const n of levels) {
    const socks = await Promise.all(
      Array.from({ length: n }, () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${url}/v1/realtime?model=gpt-realtime`, { headers: { Authorization: 'Bearer sk-bench' }, perMessageDeflate: false });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
          ws.on('message', () => undefined);
        }),
      ),
    );
    const before = (await stats()).framesIn;
    proc.send({ kind: 'mark' });
    const lags: number[] = [];
    let slot = 0;
    let sent = 0;
    const t0 = performance.now() + 50;
    const end = t0 + seconds * 1000;
    const cpu0 = process.cpuUsage();
    await new Promise<void>((done) => {
      const wake = (): void => {
        const now = performance.now();
        while (t0 + slot <= now && t0 + slot < end) {
          const lagMs = performance.now() - (t0 + slot);
          for (let i = slot % chunkMs; i < n; i += chunkMs) {
            socks[i]!.send(frame);
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
    const mockAtEnd = await stats();
    const deadline = performance.now() + 1000;
    let s = mockAtEnd;
    while (s.framesIn - before < sent && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      s = await stats();
    }
    lags.sort((a, b) => a - b);
    const pct = (p: number): number => Math.round((lags[Math.min(lags.length - 1, Math.floor((lags.length * p) / 100))] ?? 0) * 1000) / 1000;
    const keptUp = s.framesIn - before >= sent;
    const ok = keptUp && pct(99) <= budgetMs;
    if (ok) passed = n;
    console.log(
      JSON.stringify({
        sessions: n,
        chunk_ms: chunkMs,
        sent,
        processed: s.framesIn - before,
        mock_kept_up: keptUp,
        lag_ms_p50: pct(50),
        lag_ms_p99: pct(99),
        mock_event_loop_utilization: Math.round(mockAtEnd.elu * 1000) / 1000,
        mock_cpu_pct: Math.round(mockAtEnd.cpuMs / (seconds * 10)),
        sender_cpu_pct: Math.round((senderCpu.user + senderCpu.system) / 1000 / (seconds * 10)),
        ok,
      }),
    );
    for (const w of socks) w.terminate();
    await new Promise((r) => setTimeout(r, 500));
    if (!ok) break;
  }
  console.log(JSON.stringify({ mock_ingest_sessions: passed, chunk_ms: chunkMs, p99_budget_ms: budgetMs, seconds, speech }));
  proc.send({ kind: 'exit' });
}

if (process.argv.includes('--child')) await child();
else await parent();
