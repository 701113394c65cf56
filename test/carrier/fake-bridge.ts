/**
 * A scripted fake bridge for the carrier tests: a WebSocket server on 127.0.0.1 port 0 that records
 * every message the carrier sends (with receive stamps) and lets a test script what it sends back.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeMulaw, encodeMulaw } from '../../common/audio/g711.ts';
import { hrtimeUs } from '../../common/clock.ts';
import type { CarrierClip } from '../../harness/carrier/audio.ts';

/** A message the carrier sent, parsed, with when it arrived (µs, monotonic). */
export interface Received {
  msg: Record<string, any>;
  atUs: number;
}

/** One connection as the script sees it. */
export interface FakeCall {
  ws: WebSocket;
  received: Received[];
  /** Sends a JSON object (or raw text). */
  send(m: object | string): void;
  closed: Promise<void>;
}

export interface FakeBridge {
  url: string;
  port: number;
  calls: FakeCall[];
  close(): Promise<void>;
}

/** Starts the fake bridge; `script` runs for each connection and on each message. */
export async function startFakeBridge(
  script: { onMessage?: (c: FakeCall, m: Record<string, any>) => void; onConnection?: (c: FakeCall) => void } = {},
  /** Plain HTTP requests (TwiML); default 404. */
  onHttp?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<FakeBridge> {
  const http = createServer(onHttp ?? ((_req, res) => res.writeHead(404).end()));
  const wss = new WebSocketServer({ server: http, path: '/media-stream' });
  const calls: FakeCall[] = [];
  wss.on('connection', (ws) => {
    let closedResolve!: () => void;
    const c: FakeCall = { ws, received: [], send: (m) => ws.readyState === ws.OPEN && ws.send(typeof m === 'string' ? m : JSON.stringify(m)), closed: new Promise((r) => (closedResolve = r)) };
    ws.on('close', () => closedResolve());
    calls.push(c);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, any>;
      c.received.push({ msg, atUs: hrtimeUs() });
      script.onMessage?.(c, msg);
    });
    script.onConnection?.(c);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}/media-stream`,
    port,
    calls,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

/** μ-law of a 300 Hz tone at telephone speech level, `ms` long. */
export function toneMulaw(ms: number): Buffer {
  const pcm = Int16Array.from({ length: 8 * ms }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 8000)));
  return Buffer.from(encodeMulaw(pcm));
}

/** Whether a μ-law payload holds sound (any sample above ~−30 dBFS). */
export function hasSound(b64: string): boolean {
  return decodeMulaw(Buffer.from(b64, 'base64')).some((s) => Math.abs(s) > 1000);
}

/** A synthetic clip: `leadFrames` of silence, `speechFrames` of tone, `tailFrames` of silence (20 ms frames). */
export function toneClip(id: string, leadFrames: number, speechFrames: number, tailFrames: number, codec: 'PCMU' | 'L16' = 'PCMU'): CarrierClip {
  const frameBytes = codec === 'L16' ? 640 : 160;
  const silence = Buffer.alloc(frameBytes, codec === 'L16' ? 0 : 0xff).toString('base64');
  let speech: string;
  if (codec === 'L16') {
    const b = Buffer.alloc(640);
    for (let i = 0; i < 320; i++) b.writeInt16BE(Math.round(6000 * Math.sin((2 * Math.PI * 300 * i) / 16000)), i * 2);
    speech = b.toString('base64');
  } else speech = toneMulaw(20).toString('base64');
  const payloads = [...Array(leadFrames).fill(silence), ...Array(speechFrames).fill(speech), ...Array(tailFrames).fill(silence)];
  return { id, payloads, speechStartFrame: leadFrames, speechEndFrame: leadFrames + speechFrames - 1 };
}
