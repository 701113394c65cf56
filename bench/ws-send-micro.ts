/**
 * Cost of one paced append frame in the sending process, by how the frame is handed to `ws`:
 * a string (`ws` UTF-8-encodes it, masks it in place and writes header and payload with
 * cork/writev), a prebuilt Buffer (`ws` masks it into one new header+payload buffer and makes a
 * single write), or a Buffer encoded from the string at each send (what WsTransport does). 100
 * client sockets on loopback to a `ws` server in a child process; each round sends one 20 ms PCM16
 * append frame per socket; prints µs per frame (CPU of the sending process) and the JS heap
 * allocated per frame (V8's sampling heap profiler, garbage included: what drives young-generation
 * collections).
 *
 *   node --import tsx bench/ws-send-micro.ts [--sockets 100] [--rounds 400]
 */
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

if (process.argv[2] === '--server') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('message', () => {}));
  wss.on('listening', () => process.send!({ port: (wss.address() as { port: number }).port }));
} else {
  const SOCKETS = arg('sockets', 100);
  const ROUNDS = arg('rounds', 400);
  const server = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => server.once('message', (m: { port: number }) => resolve(m.port)));
  const sockets = await Promise.all(
    Array.from({ length: SOCKETS }, () => new Promise<WebSocket>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
      ws.once('open', () => resolve(ws));
    })),
  );
  const pcm = Buffer.alloc(960);
  for (let i = 0; i < pcm.length; i++) pcm[i] = (i * 37) & 0xff;
  const text = JSON.stringify({ type: 'input_audio_buffer.append', audio: pcm.toString('base64') });
  const bytes = Buffer.from(text);
  // Every allocation, collected or not, sampled by V8's heap profiler (1 sample per 4 KiB).
  const inspector = new Session();
  inspector.connect();
  await inspector.post('HeapProfiler.enable');
  const allocatedBytes = (node: { selfSize: number; children: unknown[] }): number =>
    node.selfSize + node.children.reduce<number>((sum, c) => sum + allocatedBytes(c as typeof node), 0);
  const measure = async (label: string, send: (ws: WebSocket) => void): Promise<void> => {
    await inspector.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    const cpu0 = process.cpuUsage();
    let wallUs = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      for (const ws of sockets) send(ws);
      wallUs += (performance.now() - t) * 1000;
      await new Promise((res) => setTimeout(res, 2));
    }
    const cpu = process.cpuUsage(cpu0);
    const { profile } = await inspector.post('HeapProfiler.stopSampling');
    const frames = ROUNDS * SOCKETS;
    console.log(JSON.stringify({
      frame: label,
      bytes: bytes.length,
      frames,
      send_call_us_per_frame: Math.round((wallUs / frames) * 100) / 100,
      process_cpu_us_per_frame: Math.round(((cpu.user + cpu.system) / frames) * 100) / 100,
      heap_allocated_bytes_per_frame: Math.round(allocatedBytes(profile.head as never) / frames),
    }));
  };
  for (let rep = 0; rep < 3; rep++) {
    await measure('string', (ws) => ws.send(text));
    await measure('buffer (prebuilt)', (ws) => ws.send(bytes, { binary: false }));
    await measure('buffer (encoded per send)', (ws) => ws.send(Buffer.from(text), { binary: false }));
  }
  for (const ws of sockets) ws.terminate();
  server.kill();
}
