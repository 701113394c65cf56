/**
 * Soak (issue 7): the harness against the mock for a long time (default 10 min) with sessions
 * opening and closing all the time (open arrival model: a new session every `1 / rate` s, each
 * doing a few turns and closing). The mock and the harness run in two child processes of this
 * one; every `--sample-s` each is asked (over IPC) for `process.memoryUsage()` after a forced full
 * GC (`--expose-gc`), so heap figures are live data, not garbage. RSS is taken as is. Prints one
 * JSON object: the samples, and the growth of RSS and heap from the first samples after warm-up
 * to the last ones (target < 10 %).
 *
 *   node --import tsx bench/soak.ts [--minutes 10] [--rate 1] [--turns 3] [--sample-s 10]
 *                                   [--warmup-s 120] [--latency-scale 0.3] [--out reports/soak-…]
 *
 * The same file is the children's entry point (`--role mock|harness`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'parent' },
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1' },
    turns: { type: 'string', default: '3' },
    'sample-s': { type: 'string', default: '10' },
    'warmup-s': { type: 'string' },
    'latency-scale': { type: 'string', default: '0.3' },
    out: { type: 'string' },
    url: { type: 'string' },
  },
});

/** A memory sample of one process, bytes. */
interface Mem {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

type ParentMessage = { type: 'sample'; id: number } | { type: 'stop' };
type ChildMessage = { type: 'ready'; url?: string } | { type: 'sample'; id: number; mem: Mem; extra?: Record<string, number> } | { type: 'done'; result: Record<string, unknown> };

/** Answers sample requests with memory after a full GC. */
function serveSamples(extra: () => Record<string, number> = () => ({})): void {
  process.on('message', (m: ParentMessage) => {
    if (m.type !== 'sample') return;
    (globalThis as { gc?: () => void }).gc?.();
    const u = process.memoryUsage();
    const mem: Mem = { rss: u.rss, heapUsed: u.heapUsed, heapTotal: u.heapTotal, external: u.external, arrayBuffers: u.arrayBuffers };
    process.send!({ type: 'sample', id: m.id, mem, extra: extra() } satisfies ChildMessage);
  });
}

async function mockRole(): Promise<void> {
  const { startMockServer } = await import('../mock-server/server.ts');
  const mock = await startMockServer({ latencyScale: Number(values['latency-scale']) });
  serveSamples(() => {
    const s = mock.stats();
    return { open: s.open, total: s.total, handlerErrors: s.handlerErrors };
  });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stop') void mock.close().then(() => process.exit(0));
  });
  process.send!({ type: 'ready', url: mock.url } satisfies ChildMessage);
}

async function harnessRole(): Promise<void> {
  const { loadScenario } = await import('../harness/scenario/index.ts');
  const { runScenario } = await import('../harness/runner/run-scenario.ts');
  const outDir = values.out!;
  const durationS = Math.round(Number(values.minutes) * 60);
  const rate = Number(values.rate);
  const file = path.join(outDir, 'soak.yaml');
  writeFileSync(
    file,
    stringify({
      name: 'soak',
      target: `${values.url!}/v1/realtime`,
      headers: { Authorization: 'Bearer sk-soak' },
      arrival: { type: 'rate', per_s: rate },
      sessions: Math.max(1, Math.floor(durationS * rate)),
      duration_s: durationS,
      turns_per_session: Number(values.turns),
      think_time_ms: { min: 200, max: 800 },
      efforts: ['low', 'high'],
      clips: { random: true },
      out: path.join(outDir, 'run'),
    }),
  );
  const scenario = await loadScenario(file, {}, { cwd: outDir });
  let turns = 0;
  let sessionsEnded = 0;
  let active = 0;
  serveSamples(() => ({ turns, sessionsEnded, active }));
  process.send!({ type: 'ready' } satisfies ChildMessage);
  const result = await runScenario(scenario, {
    onEvent: (e) => {
      if (e.type === 'turn') turns++;
      else if (e.type === 'session-start') active++;
      else if (e.type === 'session-end') {
        active--;
        sessionsEnded++;
      }
    },
  });
  const s = result.summary;
  process.send!({
    type: 'done',
    result: { exitCode: result.exitCode, valid: s?.valid ?? null, invalid_reasons: s?.invalid_reasons ?? [], sessions: s?.sessions ?? null, turns: s?.turns ?? null, errors: s?.errors ?? null },
  } satisfies ChildMessage);
}

/** One child of this file with an IPC channel and `--expose-gc`. */
function spawnRole(role: string, args: string[]): ChildProcess {
  return fork(fileURLToPath(import.meta.url), ['--role', role, ...args], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage(child: ChildProcess, pred: (m: ChildMessage) => boolean): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage): void => {
      if (!pred(m)) return;
      child.off('message', onMessage);
      resolve(m);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before answering`)));
  });
}

const mib = (b: number): number => Math.round((b / 1048576) * 10) / 10;
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function parent(): Promise<void> {
  const minutes = Number(values.minutes);
  const sampleS = Number(values['sample-s']);
  const warmupS = values['warmup-s'] !== undefined ? Number(values['warmup-s']) : Math.min(120, minutes * 60 * 0.2);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.resolve(values.out ?? path.join('reports', `soak-${stamp}`));
  mkdirSync(outDir, { recursive: true });

  const mock = spawnRole('mock', ['--latency-scale', String(values['latency-scale'])]);
  const ready = (await nextMessage(mock, (m) => m.type === 'ready')) as { type: 'ready'; url: string };
  const harness = spawnRole('harness', ['--url', ready.url, '--out', outDir, '--minutes', String(minutes), '--rate', String(values.rate), '--turns', String(values.turns)]);
  await nextMessage(harness, (m) => m.type === 'ready');
  const done = nextMessage(harness, (m) => m.type === 'done') as Promise<{ type: 'done'; result: Record<string, unknown> }>;
  let finished = false;
  void done.then(() => (finished = true));

  const t0 = Date.now();
  const samples: { t_s: number; mock: Mem & Record<string, number>; harness: Mem & Record<string, number> }[] = [];
  let id = 0;
  const sample = async (): Promise<void> => {
    const n = id++;
    const [m, h] = (await Promise.all([
      nextMessage(mock, (x) => x.type === 'sample' && x.id === n).then((x) => x),
      nextMessage(harness, (x) => x.type === 'sample' && x.id === n).then((x) => x),
      (mock.send({ type: 'sample', id: n } satisfies ParentMessage), harness.send({ type: 'sample', id: n } satisfies ParentMessage)),
    ])) as [Extract<ChildMessage, { type: 'sample' }>, Extract<ChildMessage, { type: 'sample' }>, unknown];
    samples.push({ t_s: Math.round((Date.now() - t0) / 100) / 10, mock: { ...m.mem, ...m.extra }, harness: { ...h.mem, ...h.extra } });
    process.stderr.write(`soak ${samples.at(-1)!.t_s}s: mock rss ${mib(m.mem.rss)} heap ${mib(m.mem.heapUsed)} MiB · harness rss ${mib(h.mem.rss)} heap ${mib(h.mem.heapUsed)} MiB · ${JSON.stringify(h.extra)}\n`);
  };
  while (!finished) {
    await sample();
    await Promise.race([new Promise((r) => setTimeout(r, sampleS * 1000)), done]);
  }
  const { result } = await done;
  mock.send({ type: 'stop' } satisfies ParentMessage);
  harness.kill('SIGTERM');

  // Growth: mean of the first three samples after warm-up against the mean of the last three.
  const after = samples.filter((s) => s.t_s >= warmupS);
  const first = after.slice(0, 3);
  const last = after.slice(-3);
  const growth = (who: 'mock' | 'harness', k: keyof Mem): { from_mib: number; to_mib: number; pct: number } | null => {
    if (after.length < 6) return null;
    const a = mean(first.map((s) => s[who][k]));
    const b = mean(last.map((s) => s[who][k]));
    return { from_mib: mib(a), to_mib: mib(b), pct: Math.round(((b - a) / a) * 1000) / 10 };
  };
  const out = {
    bench: 'soak',
    node: process.version,
    minutes,
    rate_per_s: Number(values.rate),
    turns_per_session: Number(values.turns),
    warmup_s: warmupS,
    sample_s: sampleS,
    run: result,
    growth_after_warmup: {
      mock: { rss: growth('mock', 'rss'), heap_used: growth('mock', 'heapUsed') },
      harness: { rss: growth('harness', 'rss'), heap_used: growth('harness', 'heapUsed') },
    },
    samples: samples.map((s) => ({
      t_s: s.t_s,
      mock: { rss_mib: mib(s.mock.rss), heap_mib: mib(s.mock.heapUsed), open: s.mock['open'] },
      harness: { rss_mib: mib(s.harness.rss), heap_mib: mib(s.harness.heapUsed), active: s.harness['active'], turns: s.harness['turns'] },
    })),
    out_dir: outDir,
  };
  const text = JSON.stringify(out, null, 2);
  writeFileSync(path.join(outDir, 'soak.json'), text);
  console.log(text);
}

if (values.role === 'mock') await mockRole();
else if (values.role === 'harness') await harnessRole();
else await parent();
