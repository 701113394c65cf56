/**
 * Micro-benchmark of the passive conformance checker's per-event cost, without sockets: one checker
 * fed long conforming audio responses, each event parsed just before it is fed (the session driver hands the
 * checker its already-parsed events), so the figures are the checker's own work. Prints one JSON
 * line with µs per event for
 * - `response.output_audio.delta` carrying 100 ms of 24 kHz PCM16 (4,800 bytes → 6,400 base64
 *   chars, the mock's default delta);
 * - small events (the rest of each response: created, item/part added/done, transcript deltas, done);
 * - the base64 check alone on that delta, and the anchored regular expression it replaced, for
 *   comparison;
 * and the heap a fresh checker holds after `session.created` (forced GC; KiB).
 *
 *   node --import tsx bench/conformance-micro.ts [--responses 400] [--deltas 20]
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createConformanceChecker } from '../harness/conformance/checker.ts';
import { classifyServerFrame } from '../harness/conformance/replay.ts';
import type { ConformanceChecker, InputEvent } from '../harness/conformance/types.ts';
import { base64DecodedBytes } from '../harness/conformance/util.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

const RESPONSES = arg('responses', 400);
const DELTAS = arg('deltas', 20);

const pcm = Buffer.alloc(4800);
for (let k = 0; k < pcm.length; k += 2) pcm.writeInt16LE(Math.round(3000 * Math.sin(k / 11)), k);
const AUDIO_B64 = pcm.toString('base64');

let seq = 0;
const eid = (): string => `event_${String(seq++).padStart(21, '0')}`;

/** One conforming audio response, as raw frames tagged audio/small. */
function response(n: number, prevItem: string | null): { raw: string; audio: boolean }[] {
  const rid = `resp_${String(n).padStart(21, '0')}`;
  const iid = `item_${String(n).padStart(21, '0')}`;
  const ids = { response_id: rid, item_id: iid, output_index: 0, content_index: 0 };
  const item = { id: iid, type: 'message', role: 'assistant', status: 'in_progress', content: [] };
  const done = { ...item, status: 'completed', content: [{ type: 'output_audio', transcript: 'hello there' }] };
  const small = (e: Record<string, unknown>): { raw: string; audio: boolean } => ({ raw: JSON.stringify(e), audio: false });
  const out = [
    small({ type: 'response.created', event_id: eid(), response: { id: rid, object: 'realtime.response', status: 'in_progress', status_details: null, conversation_id: 'conv_1', output: [], usage: null } }),
    small({ type: 'response.output_item.added', event_id: eid(), response_id: rid, output_index: 0, item }),
    small({ type: 'conversation.item.added', event_id: eid(), previous_item_id: prevItem, item }),
    small({ type: 'response.content_part.added', event_id: eid(), ...ids, part: { type: 'audio', transcript: '' } }),
  ];
  for (let i = 0; i < DELTAS; i++) {
    out.push({ raw: JSON.stringify({ type: 'response.output_audio.delta', event_id: eid(), ...ids, delta: AUDIO_B64 }), audio: true });
    if (i < 2) out.push(small({ type: 'response.output_audio_transcript.delta', event_id: eid(), ...ids, delta: i === 0 ? 'hello' : ' there' }));
  }
  out.push(
    small({ type: 'response.output_audio.done', event_id: eid(), ...ids }),
    small({ type: 'response.output_audio_transcript.done', event_id: eid(), ...ids, transcript: 'hello there' }),
    small({ type: 'response.content_part.done', event_id: eid(), ...ids, part: { type: 'audio', transcript: 'hello there' } }),
    small({ type: 'response.output_item.done', event_id: eid(), response_id: rid, output_index: 0, item: done }),
    small({ type: 'conversation.item.done', event_id: eid(), previous_item_id: prevItem, item: done }),
    small({
      type: 'response.done',
      event_id: eid(),
      response: { id: rid, object: 'realtime.response', status: 'completed', status_details: null, conversation_id: 'conv_1', output: [done], usage: { total_tokens: 3, input_tokens: 1, output_tokens: 2 } },
    }),
  );
  return out;
}

/**
 * Feeds `RESPONSES` responses to a fresh checker, parsing each response's frames just before it
 * (outside the timed spans, and never holding the whole stream); returns ns spent on audio deltas
 * and on the rest, and their counts.
 */
function feedTimed(): { audioNs: number; smallNs: number; audio: number; small: number; findings: number } {
  const checker: ConformanceChecker = createConformanceChecker({ sessionKind: 'realtime' });
  let index = 0;
  let audioNs = 0;
  let smallNs = 0;
  let audio = 0;
  let small = 0;
  const feed = (raw: string, isAudio: boolean): void => {
    const e: InputEvent = classifyServerFrame(raw, 0, index++);
    const t = process.hrtime.bigint();
    checker.onServerEvent(e);
    const dt = Number(process.hrtime.bigint() - t);
    if (isAudio) {
      audioNs += dt;
      audio++;
    } else {
      smallNs += dt;
      small++;
    }
  };
  feed(JSON.stringify({ type: 'session.created', event_id: eid(), session: { id: 'sess_1', type: 'realtime' } }), false);
  let prev: string | null = null;
  for (let n = 0; n < RESPONSES; n++) {
    for (const f of response(n, prev)) feed(f.raw, f.audio);
    prev = `item_${String(n).padStart(21, '0')}`;
  }
  return { audioNs, smallNs, audio, small, findings: checker.finish().length };
}

const ANCHORED_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function usPerCall(fn: (s: string) => number, n: number): number {
  let sink = 0;
  const t = performance.now();
  for (let i = 0; i < n; i++) sink += fn(AUDIO_B64);
  const us = ((performance.now() - t) * 1000) / n;
  if (sink === 42) console.log('');
  return Math.round(us * 100) / 100;
}

function freshCheckerKiB(): number {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  const n = 500;
  const keep: ConformanceChecker[] = [];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) {
    const c = createConformanceChecker({ sessionKind: 'realtime' });
    c.onServerEvent(classifyServerFrame(JSON.stringify({ type: 'session.created', event_id: `event_${i}`, session: { id: 'sess_1', type: 'realtime' } }), 0, 0));
    keep.push(c);
  }
  gc();
  const kib = (process.memoryUsage().heapUsed - before) / n / 1024;
  return keep.length === n ? Math.round(kib * 10) / 10 : -1;
}

feedTimed(); // warm-up
const runs = [feedTimed(), feedTimed(), feedTimed()];
const best = (pick: (r: (typeof runs)[number]) => number): number => Math.min(...runs.map(pick));
const audioCount = runs[0]!.audio;
const smallCount = runs[0]!.small;
console.log(
  JSON.stringify({
    benchmark: 'conformance-micro',
    responses: RESPONSES,
    audio_deltas: audioCount,
    small_events: smallCount,
    findings: runs[0]!.findings,
    us_per_audio_delta: Math.round(best((r) => r.audioNs) / audioCount / 10) / 100,
    us_per_small_event: Math.round(best((r) => r.smallNs) / smallCount / 10) / 100,
    us_base64_check: usPerCall(base64DecodedBytes, 20_000),
    us_base64_anchored_regex: usPerCall((s) => (s.length % 4 === 0 && ANCHORED_RE.test(s) ? 1 : 0), 20_000),
    fresh_checker_kib: freshCheckerKiB(),
  }),
);
