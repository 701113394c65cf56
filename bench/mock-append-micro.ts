/**
 * Micro-benchmark of the mock's append path without sockets: JSON.parse of a 20 ms
 * `input_audio_buffer.append` frame and the realtime session's handler (base64 decode, VAD),
 * on a scripted context. Prints µs per append. `npx tsx bench/mock-append-micro.ts [--frames 20000]`.
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedMockOptions, WireEvent } from '../mock-server/contract.ts';
import { DEFAULT_LATENCY_PROFILE } from '../mock-server/latency-profile.ts';
import { createRealtimeSession } from '../mock-server/realtime/session.ts';
import { FakeContext } from '../mock-server/testing/fake-context.ts';

const i = process.argv.indexOf('--frames');
const frames = i >= 0 ? Number(process.argv[i + 1]) : 20_000;
const pcm = Buffer.alloc(48 * 20);
for (let k = 0; k < pcm.length; k += 2) pcm.writeInt16LE(Math.round(100 * Math.sin(k / 7)), k);
const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio: pcm.toString('base64') });

const ctx = new FakeContext({ model: 'gpt-realtime' });
(ctx.options as ResolvedMockOptions).latencyProfile = DEFAULT_LATENCY_PROFILE;
ctx.start(createRealtimeSession());
const run = (n: number): number => {
  const t0 = performance.now();
  for (let k = 0; k < n; k++) ctx.receive(JSON.parse(frame) as WireEvent);
  return ((performance.now() - t0) * 1000) / n;
};
run(2000);
const parseOnly = (() => {
  const t0 = performance.now();
  for (let k = 0; k < frames; k++) JSON.parse(frame);
  return ((performance.now() - t0) * 1000) / frames;
})();
console.log(JSON.stringify({ benchmark: 'mock-append-micro', frames, us_per_append: Math.round(run(frames) * 100) / 100, us_json_parse_only: Math.round(parseOnly * 100) / 100, errors: ctx.ofType('error').length }));
