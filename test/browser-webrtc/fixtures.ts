/**
 * Fixtures of the browser WebRTC test: the fake-microphone WAV made from a corpus clip, the page
 * bundle (esbuild's JS API over agent-page.js and the Agents SDK), and a static HTTP server for the
 * page on its own 127.0.0.1 port (so the page's POSTs to the mock are cross-origin and preflighted).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { toMonoAt } from '../../harness/audio/resample.ts';
import { decodeWav } from '../../harness/audio/wav-decode.ts';
import { encodeWav } from '../../harness/audio/wav-encode.ts';
import { projectRoot } from '../../harness/version.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Rate of the fake-capture WAV: Chromium's capture rate, so its file reader does not resample. */
export const FAKE_MIC_RATE_HZ = 48_000;

/** Layout of the fake-microphone file, ms. */
export interface FakeMicLayout {
  /** Silence before the clip: covers the call setup, so the first pass of the clip is heard whole. */
  readonly leadSilenceMs: number;
  /** Silence after the clip: ≥ 2 s, so server VAD ends the turn well before Chromium loops the file. */
  readonly tailSilenceMs: number;
}

/**
 * Writes `<dir>/fake-mic.wav`: `leadSilenceMs` of silence, the corpus clip `clipId` (mono,
 * {@link FAKE_MIC_RATE_HZ}, PCM16), then `tailSilenceMs` of silence. Returns its path.
 */
export async function writeFakeMicWav(dir: string, clipId: string, layout: FakeMicLayout): Promise<string> {
  const file = path.join(projectRoot, 'audio-corpus', `${clipId}.wav`);
  const decoded = await decodeWav(await readFile(file), file);
  const clip = await toMonoAt(decoded, FAKE_MIC_RATE_HZ);
  const lead = Math.round((layout.leadSilenceMs * FAKE_MIC_RATE_HZ) / 1000);
  const tail = Math.round((layout.tailSilenceMs * FAKE_MIC_RATE_HZ) / 1000);
  const samples = new Float32Array(lead + clip.length + tail);
  samples.set(clip, lead);
  const out = path.join(dir, 'fake-mic.wav');
  await writeFile(out, encodeWav([samples], { sampleRateHz: FAKE_MIC_RATE_HZ, encoding: 'pcm', bitDepth: 16 }));
  return out;
}

/** Bundles agent-page.js and the SDK into one browser ES module (esbuild JS API, in memory). */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(HERE, 'agent-page.js')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  const js = result.outputFiles[0];
  if (!js) throw new Error('esbuild produced no output for agent-page.js');
  return js.text;
}

/** A running page server. */
export interface PageServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `/` (an HTML shell), `/app.js` (the bundle) and an empty `/favicon.ico` on 127.0.0.1 port 0; anything else is 404. */
export async function servePage(bundle: string): Promise<PageServer> {
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>rth WebRTC agent</title></head><body><script type="module" src="/app.js"></script></body></html>';
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    else if (url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    // No icon: answered so the browser's automatic /favicon.ico request is not a console error.
    else if (url === '/favicon.ico') res.writeHead(204).end();
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
