/**
 * Micro-benchmark of the per-delta cost that audio-onset detection adds to the harness's WebSocket
 * hot path (harness/session/turn-engine.ts, `response.output_audio.delta`), without sockets. Each
 * frame is an output-audio delta of 100 ms of 24 kHz PCM16 (4,800 bytes → 6,400 base64 chars, the
 * mock's default), parsed with the harness's parser (which cuts the base64 out of the frame without
 * copying it) and handed to a TurnTracker. Prints one JSON line, µs per delta (median of rounds):
 *
 * - `parse_us`: parseServerEvent alone (the cost already paid per delta, for scale);
 * - `before_us`: parse + `audioDelta` with its base64 duration (the path without onset detection);
 * - `searching_us`: parse + `audioDelta` + `detectOnset` while the onset is still unknown (the
 *   delta is base64-decoded into a reused buffer and run through the energy detector);
 * - `after_onset_us`: the same once the onset is known (detection returns at once, no decoding);
 * - `per_answer_us`: mean cost per delta over whole answers of `--deltas` deltas led by
 *   `--lead-ms` of silence (the onset is found in the first few deltas; the rest cost nothing).
 *
 *   node --import tsx bench/onset-micro.ts [--rounds 7] [--answers 300] [--deltas 40] [--lead-ms 300]
 */
import { performance } from 'node:perf_hooks';
import { onsetOptionsFor } from '../common/audio/onset.ts';
import { parseServerEvent } from '../harness/protocol/server-events.ts';
import { base64AudioMs } from '../harness/session/playback.ts';
import { TurnTracker } from '../harness/session/turn-tracker.ts';
import type { PlannedTurn } from '../harness/contract.ts';
import { arg, medianOf } from './bench-util.ts';

const ROUNDS = Number(arg('rounds', '7'));
const ANSWERS = Number(arg('answers', '300'));
const DELTAS = Number(arg('deltas', '40'));
const LEAD_MS = Number(arg('lead-ms', '300'));
const DELTA_MS = 100;
const BYTES_PER_MS = 48;
const OPTIONS = onsetOptionsFor({ type: 'audio/pcm', rate: 24000 });

/** `DELTAS` frames: `LEAD_MS` of digital silence, then a −12 dBFS 180 Hz tone. */
function answerFrames(): string[] {
  const pcm = Buffer.alloc(DELTAS * DELTA_MS * BYTES_PER_MS);
  const leadSamples = LEAD_MS * 24;
  for (let i = leadSamples; i < pcm.length / 2; i++) pcm.writeInt16LE(Math.round(11_600 * Math.sin((2 * Math.PI * 180 * i) / 24000)), 2 * i);
  const frames: string[] = [];
  for (let k = 0; k < DELTAS; k++) {
    const delta = pcm.subarray(k * DELTA_MS * BYTES_PER_MS, (k + 1) * DELTA_MS * BYTES_PER_MS).toString('base64');
    frames.push(JSON.stringify({ type: 'response.output_audio.delta', event_id: `event_${k}`, response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0, delta }));
  }
  return frames;
}

const FRAMES = answerFrames();
const SPEECH_FRAME = FRAMES[FRAMES.length - 1]!;
/** 100 ms of digital silence: the detector never finds an onset in it, so it keeps decoding. */
const SILENT_FRAME = JSON.stringify({ type: 'response.output_audio.delta', event_id: 'event_s', response_id: 'resp_1', item_id: 'item_1', output_index: 0, content_index: 0, delta: Buffer.alloc(DELTA_MS * BYTES_PER_MS).toString('base64') });
const TURN = { clip: { id: 'c', speechStartMs: 0, speechEndMs: 1000 }, bargeInAfterAudioMs: null } as unknown as PlannedTurn;
let sink = 0;

function handle(t: TurnTracker, raw: string, i: number, detect: boolean): void {
  const p = parseServerEvent(raw, i, i);
  if (p.kind !== 'known') throw new Error('unexpected parse');
  const e = p.event as unknown as Record<string, unknown>;
  const delta = e.delta as string;
  t.audioDelta('resp_1', i, base64AudioMs(delta, BYTES_PER_MS), 'item_1');
  if (detect && t.audioOnsetMs === null) t.detectOnset(delta, OPTIONS);
  sink += t.audioDeltas.length;
}

/** µs per delta over `n` deltas handled in `mode`. */
function perDelta(n: number, mode: 'parse' | 'before' | 'searching' | 'after'): number {
  let t = new TurnTracker(1, TURN);
  if (mode === 'after') t.detectOnset(SPEECH_FRAME.slice(SPEECH_FRAME.indexOf('"delta":"') + 9, -2), OPTIONS);
  if (mode === 'after' && t.audioOnsetMs === null) throw new Error('no onset in the speech frame');
  // Searching: keep feeding digital silence so the onset is never found.
  const raw = mode === 'searching' ? SILENT_FRAME : SPEECH_FRAME;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    if (mode === 'parse') {
      sink += (parseServerEvent(raw, i, i) as { index: number }).index;
      continue;
    }
    if ((i & 1023) === 0 && mode !== 'after') t = new TurnTracker(1, TURN); // bound the arrival list
    handle(t, raw, i, mode !== 'before');
  }
  return ((performance.now() - start) * 1000) / n;
}

function perAnswerDelta(): number {
  const start = performance.now();
  for (let a = 0; a < ANSWERS; a++) {
    const t = new TurnTracker(1, TURN);
    FRAMES.forEach((raw, i) => handle(t, raw, i, true));
    if (t.audioOnsetMs === null || Math.abs(t.audioOnsetMs - LEAD_MS) > 10) throw new Error(`onset ${t.audioOnsetMs} ms, expected ${LEAD_MS}`);
  }
  return ((performance.now() - start) * 1000) / (ANSWERS * DELTAS);
}

const n = ANSWERS * DELTAS;
const rounds: Record<string, number[]> = { parse_us: [], before_us: [], searching_us: [], after_onset_us: [], per_answer_us: [] };
perDelta(2000, 'parse');
perDelta(2000, 'before');
perDelta(2000, 'searching');
perAnswerDelta(); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  rounds.parse_us!.push(perDelta(n, 'parse'));
  rounds.before_us!.push(perDelta(n, 'before'));
  rounds.searching_us!.push(perDelta(n, 'searching'));
  rounds.after_onset_us!.push(perDelta(n, 'after'));
  rounds.per_answer_us!.push(perAnswerDelta());
}
const round3 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1000) / 1000);
console.log(JSON.stringify({ bench: 'onset-micro', delta_bytes: DELTA_MS * BYTES_PER_MS, deltas_per_answer: DELTAS, lead_ms: LEAD_MS, rounds: ROUNDS, ...Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, round3(medianOf(v))])) }));
if (sink === 42) console.log('');
