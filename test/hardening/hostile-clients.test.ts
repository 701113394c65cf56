/**
 * Hardening (issue 7): slow and hostile clients. A handshake that never finishes is timed out; a
 * client that never reads is closed 1008 once the mock's send buffer bound is reached, instead of
 * the mock buffering everything it was asked for; a flood of connects and disconnects leaves no
 * session behind and the mock answering. Assertions are on behaviour and byte counts; the memory
 * checks run the mock in its own process and use bounds far from the unbounded outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../../mock-server/connection.ts';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, type MockServerHandle } from '../../mock-server/server.ts';
import { startMockProcess, type MockProcess } from '../../harness/runner/mock-process.ts';
import { speakTurn, startFastServer, TestClient } from '../mock/helpers.ts';
import { isAlive, rssBytes } from './proc.ts';
import { clientFrame, lastCloseCode, rawUpgrade, tcpConnect, upgradeRequest, whenClosed } from './raw-ws.ts';

const REALTIME = '/v1/realtime?model=gpt-realtime';

function portOf(url: string): number {
  return Number(new URL(url).port);
}

async function waitUntil(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `n` connections, 50 at a time, cycling through five ways to come and go; three in five upgrade.
 */
async function flood(url: string, n: number): Promise<void> {
  const port = portOf(url);
  const one = async (i: number): Promise<void> => {
    switch (i % 5) {
      case 0: {
        // A full session, closed politely.
        const c = await TestClient.connect(url);
        await c.waitFor('session.created');
        c.close();
        await c.closed;
        return;
      }
      case 1: {
        // A full upgrade, then the TCP connection vanishes.
        const r = await rawUpgrade(port, REALTIME);
        r.socket.destroy();
        return;
      }
      case 2: {
        // Connect and leave.
        const s = await tcpConnect(port);
        s.destroy();
        return;
      }
      case 3: {
        // Half a handshake, then leave.
        const s = await tcpConnect(port);
        s.on('error', () => undefined);
        s.write(upgradeRequest(REALTIME).slice(0, 40));
        s.destroy();
        return;
      }
      default: {
        // Upgrade, half a frame, then leave.
        const r = await rawUpgrade(port, REALTIME);
        r.send(clientFrame('{"type":"input_audio_buffer.clear"}').subarray(0, 10));
        r.socket.destroy();
      }
    }
  };
  for (let start = 0; start < n; start += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - start) }, (_, k) => one(start + k)));
  }
}

describe('a handshake that never finishes', () => {
  let mock: MockServerHandle;
  beforeAll(async () => {
    mock = await startFastServer({ handshakeTimeoutMs: 300 });
  });
  afterAll(() => mock.close());

  it('has a default of 10 s (Node alone would wait up to 90 s)', () => {
    expect(DEFAULT_HANDSHAKE_TIMEOUT_MS).toBe(10_000);
  });

  it('closes a half-sent upgrade request, a silent connection and a slowloris trickle', async () => {
    const half = await tcpConnect(mock.port);
    half.on('error', () => undefined);
    half.write(upgradeRequest(REALTIME).split('\r\n').slice(0, 3).join('\r\n') + '\r\n');
    const silent = await tcpConnect(mock.port);
    silent.on('error', () => undefined);
    const trickle = await tcpConnect(mock.port);
    trickle.on('error', () => undefined);
    const req = upgradeRequest(REALTIME);
    let i = 0;
    const drip = setInterval(() => {
      if (!trickle.destroyed && i < req.length - 4) trickle.write(req[i++]!);
    }, 20);
    const got: string[] = [];
    half.on('data', (d) => got.push(d.toString()));
    try {
      await Promise.all([whenClosed(half), whenClosed(silent), whenClosed(trickle)]);
    } finally {
      clearInterval(drip);
    }
    // Never upgraded: no 101, no session.
    expect(got.join('')).not.toContain('101 Switching Protocols');
    expect(mock.stats().total).toBe(0);
    // And it still serves a client that completes its handshake.
    const ok = await TestClient.connect(mock.url);
    await ok.waitFor('session.created');
    ok.close();
  });

  it('ends every session of a connection flood and keeps answering', async () => {
    const before = mock.stats().total;
    await flood(mock.url, 200);
    // Three in five connections upgraded; every one of them has ended (timers cleared, session disposed).
    await waitUntil(() => mock.stats().open === 0, 10_000, 'every flooded session to end');
    expect(mock.stats().total - before).toBe(120);
    expect(mock.stats().handlerErrors).toBe(0);
    const client = await TestClient.connect(mock.url);
    await client.waitFor('session.created');
    client.send({ type: 'input_audio_buffer.clear' });
    await client.waitFor('input_audio_buffer.cleared');
    client.close();
  });

  it('does not time out an upgraded session that is merely idle', async () => {
    const client = await TestClient.connect(mock.url);
    await client.waitFor('session.created');
    await new Promise((r) => setTimeout(r, 1000));
    client.send({ type: 'input_audio_buffer.clear', event_id: 'still-there' });
    await client.waitFor('input_audio_buffer.cleared');
    client.close();
  });
});

describe('the mock in its own process', () => {
  let mock: MockProcess;
  beforeAll(async () => {
    mock = await startMockProcess({ seed: 1, latencyScale: 0.01 });
  }, 30_000);
  afterAll(() => mock.stop());

  it('closes a client that never reads with 1008 once 8 MiB wait, instead of buffering what it was asked for', async () => {
    const raw = await rawUpgrade(portOf(mock.url), REALTIME, { keep: true });
    // A 1 MiB user audio item with a known id; each retrieve answers with all of it (~1.4 MB of JSON).
    const pcm = Buffer.alloc(1024 * 1024);
    raw.send(clientFrame(JSON.stringify({ type: 'conversation.item.create', item: { id: 'item_big', type: 'message', role: 'user', content: [{ type: 'input_audio', audio: pcm.toString('base64') }] } })));
    const rssBefore = rssBytes(mock.pid);
    raw.socket.pause();
    const retrieves = 300;
    for (let i = 0; i < retrieves; i++) raw.send(clientFrame(JSON.stringify({ type: 'conversation.item.retrieve', item_id: 'item_big' })));
    const askedBytes = retrieves * Math.ceil(pcm.length / 3) * 4;
    // Sample the mock's memory while it works through the retrieves; then read everything.
    let rssPeak = rssBefore ?? 0;
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rssPeak = Math.max(rssPeak, rssBytes(mock.pid) ?? 0);
    }
    raw.socket.resume();
    let code: number | null = null;
    await waitUntil(() => (code = lastCloseCode(raw.bytes())) !== null, 30_000, 'the close frame');
    raw.socket.destroy();
    expect(code).toBe(1008);
    // What reached the client: the bound, one frame over it and the kernel's socket buffers.
    expect(raw.received()).toBeLessThan(DEFAULT_MAX_BUFFERED_BYTES + 24 * 1024 * 1024);
    expect(raw.received()).toBeLessThan(askedBytes / 5);
    // Unbounded, the mock would hold all of it (askedBytes, ~420 MB) at once; bounded, it holds at
    // most the 8 MiB send buffer plus garbage not yet collected, which rth's latency GC settings
    // (heap up to ~4× live before a full GC, harness/gc-tuning.ts) let reach 209 MiB in one
    // fresh-clone run (the bound was askedBytes / 2 then). 0.8 × askedBytes still fails a mock that
    // buffers what it was asked for.
    if (rssBefore !== null) expect(rssPeak - rssBefore).toBeLessThan(askedBytes * 0.8);
    expect(isAlive(mock.pid)).toBe(true);
  }, 60_000);

  /** The lowest RSS of ten samples 100 ms apart (null where /proc cannot be read). */
  async function settledRss(pid: number): Promise<number | null> {
    let low: number | null = null;
    for (let i = 0; i < 10; i++) {
      const v = rssBytes(pid);
      if (v !== null) low = low === null ? v : Math.min(low, v);
      await new Promise((r) => setTimeout(r, 100));
    }
    return low;
  }

  it('survives a flood of connects and disconnects of every kind, with bounded memory, and keeps answering', async () => {
    await flood(mock.url, 300); // warm-up round: code loaded, heaps sized
    const rssWarm = await settledRss(mock.pid);
    await flood(mock.url, 300);
    await flood(mock.url, 300);
    // Every session has ended: a fresh client's turn is answered in full.
    const client = await TestClient.connect(mock.url);
    await client.waitFor('session.created');
    speakTurn(client);
    await client.waitFor('response.done', { timeoutMs: 20_000 });
    expect(client.events.filter((e) => e.type === 'error')).toEqual([]);
    client.close();
    const rssAfter = await settledRss(mock.pid);
    // 600 more connections; a leaked session each with its socket buffers (≥ ~110 KiB) would show.
    // The bound leaves room for heap the GC has not collected yet: rth's latency GC settings
    // (harness/gc-tuning.ts, which the mock process runs with too) let the heap grow to ~4× its
    // live size before a full GC, and a fresh-clone run on Node 24 grew 50.2 MiB with no leak
    // (48 MiB was the bound then). Each reading is the lowest of a second's samples, so a burst
    // of garbage just before the next young-generation GC does not count.
    if (rssWarm !== null && rssAfter !== null) expect(rssAfter - rssWarm).toBeLessThan(64 * 1024 * 1024);
    expect(isAlive(mock.pid)).toBe(true);
  }, 90_000);
});
