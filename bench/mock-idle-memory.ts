/**
 * Memory held by idle mock sessions. Starts the mock in a child process (so the clients' memory
 * does not count), measures it after a forced GC, opens N realtime sessions that stay idle after
 * `session.created` (optionally after one short manual turn each), measures again and prints JSON:
 * RSS and heap per idle session. Run: `npx tsx bench/mock-idle-memory.ts [--sessions 500] [--turn]`.
 * The issue's budget is 256 KiB per idle session.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

type Mem = { rss: number; heapUsed: number; external: number; arrayBuffers: number };
type FromChild = { kind: 'ready'; url: string } | { kind: 'mem'; mem: Mem };

async function child(): Promise<void> {
  const { startMockServer } = await import('../mock-server/server.ts');
  const server = await startMockServer({ port: 0, latencyScale: 0.01 });
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m: { kind: string }) => {
    if (m.kind === 'mem') {
      for (let i = 0; i < 3; i++) gc?.();
      const u = process.memoryUsage();
      process.send!({ kind: 'mem', mem: { rss: u.rss, heapUsed: u.heapUsed, external: u.external, arrayBuffers: u.arrayBuffers } } satisfies FromChild);
    } else if (m.kind === 'exit') {
      void server.close().then(() => process.exit(0));
    }
  });
  process.send!({ kind: 'ready', url: server.url } satisfies FromChild);
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function parent(): Promise<void> {
  const sessions = arg('--sessions', 500);
  const withTurn = process.argv.includes('--turn');
  const proc = fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
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
  const measure = async (): Promise<Mem> => {
    const p = next('mem');
    proc.send({ kind: 'mem' });
    return (await p).mem;
  };
  const { url } = await next('ready');
  // Warm up code paths (one session through a turn) so JIT and caches are not billed to the sessions.
  await openSessions(url, 5, true);
  const before = await measure();
  const sockets = await openSessions(url, sessions, withTurn);
  await new Promise((r) => setTimeout(r, 500));
  const after = await measure();
  const per = (k: keyof Mem): number => Math.round((after[k] - before[k]) / sessions);
  console.log(
    JSON.stringify(
      {
        benchmark: 'mock-idle-memory',
        sessions,
        afterOneTurn: withTurn,
        perSessionBytes: { rss: per('rss'), heapUsed: per('heapUsed'), external: per('external'), arrayBuffers: per('arrayBuffers') },
        perSessionKiB: { rss: Math.round(per('rss') / 1024), heapUsed: Math.round(per('heapUsed') / 1024) },
        budgetKiB: 256,
        before,
        after,
      },
      null,
      2,
    ),
  );
  for (const s of sockets) s.terminate();
  proc.send({ kind: 'exit' });
}

/** Opens `n` realtime sessions (20 at a time), each idle after session.created (or after one short turn). */
async function openSessions(url: string, n: number, turn: boolean): Promise<WebSocket[]> {
  const out: WebSocket[] = [];
  const one = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url}/v1/realtime?model=gpt-realtime`, { headers: { Authorization: 'Bearer sk-bench' } });
      ws.on('error', reject);
      ws.on('message', (data) => {
        const e = JSON.parse(data.toString()) as { type: string };
        if (e.type === 'session.created') {
          if (!turn) return resolve(ws);
          ws.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } }));
          ws.send(JSON.stringify({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello there' }] } }));
          ws.send(JSON.stringify({ type: 'response.create' }));
        } else if (e.type === 'response.done') resolve(ws);
      });
    });
  for (let i = 0; i < n; i += 20) out.push(...(await Promise.all(Array.from({ length: Math.min(20, n - i) }, one))));
  return out;
}

if (process.argv.includes('--child')) await child();
else await parent();
