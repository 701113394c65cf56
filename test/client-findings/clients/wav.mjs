// Reads the raw bytes of a WAV file's data chunk (the corpus clips used here are already in a wire
// format: es-restaurant is PCM16 24 kHz mono, en-set-timer is μ-law 8 kHz mono).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function corpusData(name) {
  const buf = readFileSync(fileURLToPath(new URL(`../../../audio-corpus/${name}`, import.meta.url)));
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'data') return buf.subarray(at + 8, at + 8 + size);
    at += 8 + size + (size & 1);
  }
  throw new Error(`${name}: no data chunk`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls send(chunk) for each `chunkBytes` of `bytes`, one every `intervalMs` (real time). */
export async function streamRealtime(bytes, chunkBytes, intervalMs, send) {
  const t0 = performance.now();
  for (let i = 0, k = 0; i < bytes.length; i += chunkBytes, k++) {
    const due = t0 + k * intervalMs - performance.now();
    if (due > 0) await sleep(due);
    send(bytes.subarray(i, i + chunkBytes));
  }
}

/** Fails the process after `ms` (a client that hangs must not hang the test). */
export function deadline(ms, what) {
  const t = setTimeout(() => {
    console.error(`${what}: timed out after ${ms} ms`);
    process.exit(3);
  }, ms);
  t.unref();
}
