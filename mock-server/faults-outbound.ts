/**
 * The outbound half of the fault injector: a filter every server frame of a connection passes
 * through, implementing `drop`, `stall`, `malformed` and `disorder` (grammar in faults.ts).
 *
 * Faults act per "unit", the stretch of frames a fault speaks of as "a response". The session kind
 * is read from the `session.created` frame that passes first:
 * - realtime: `response.created` … `response.done`;
 * - transcription: the first `input_audio_buffer.committed` or transcription `delta` … the
 *   transcription `completed`/`failed` (a transcription turn);
 * - translation: the first streamed delta … `session.closed` (the whole stream).
 *
 * Pipeline per frame: unit bookkeeping and decisions → disorder (may hold one frame back) →
 * malformed (may inject a broken frame first) → stall gate (queues while stalled) → drop (counts
 * written unit frames; cuts the socket after the Nth). Order is preserved except by `disorder`; a
 * stall never loses frames.
 */
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { OutboundFilter, Rng, WireEvent, WriteHook } from './contract.ts';
import type { DisorderFault, DisorderKind, DropFault, MalformedFault, MalformedKind, StallFault } from './faults.ts';

/** A spec with its own seeded stream for this connection. */
export interface ArmedFault<S> {
  readonly spec: S;
  readonly rng: Rng;
}

/** The outbound fault specs of one connection. */
export interface OutboundFaultRules {
  readonly drop: readonly ArmedFault<DropFault>[];
  readonly stall: readonly ArmedFault<StallFault>[];
  readonly malformed: readonly ArmedFault<MalformedFault>[];
  readonly disorder: readonly ArmedFault<DisorderFault>[];
}

/** The filter, plus the hooks a connection needs to close cleanly under faults. */
export interface FaultyOutboundFilter extends OutboundFilter {
  /**
   * Calls `cb` once nothing is held back: immediately when idle, else after the current stall ends.
   * A frame held by `disorder` is released at once. Use before a close frame so no frame is lost.
   */
  whenIdle(cb: () => void): void;
  /** The connection ended: cancel timers and discard whatever is queued. */
  dispose(): void;
}

type SessionType = 'realtime' | 'transcription' | 'translation';

const TRANSCRIPTION_DELTA = 'conversation.item.input_audio_transcription.delta';
const TRANSCRIPTION_COMPLETED = 'conversation.item.input_audio_transcription.completed';

const UNIT_TYPES: Record<SessionType, { start: readonly string[]; end: readonly string[] }> = {
  realtime: { start: ['response.created'], end: ['response.done'] },
  transcription: {
    start: ['input_audio_buffer.committed', TRANSCRIPTION_DELTA],
    end: [TRANSCRIPTION_COMPLETED, 'conversation.item.input_audio_transcription.failed'],
  },
  translation: {
    start: ['session.output_audio.delta', 'session.output_transcript.delta', 'session.input_transcript.delta'],
    end: ['session.closed'],
  },
};

/** What each reordering holds back and what it lets pass first (an empty list = the next frame). */
const DISORDERS: Record<DisorderKind, { session: SessionType; hold: string; releaseAfter: readonly string[] }> = {
  // §3.4: content_part.added must precede the part's deltas.
  part_after_delta: {
    session: 'realtime',
    hold: 'response.content_part.added',
    releaseAfter: ['response.output_audio.delta', 'response.output_audio_transcript.delta', 'response.output_text.delta'],
  },
  // §3.4 steps 9–11: output_item.done precedes response.done.
  done_before_item: { session: 'realtime', hold: 'response.output_item.done', releaseAfter: ['response.done'] },
  // response.created opens the response.
  created_late: { session: 'realtime', hold: 'response.created', releaseAfter: ['response.output_item.added'] },
  // §3.10: deltas precede their completed.
  delta_after_completed: { session: 'transcription', hold: TRANSCRIPTION_DELTA, releaseAfter: [TRANSCRIPTION_COMPLETED] },
  committed_late: {
    session: 'transcription',
    hold: 'input_audio_buffer.committed',
    releaseAfter: ['conversation.item.added', TRANSCRIPTION_DELTA, TRANSCRIPTION_COMPLETED],
  },
  // §2.5: elapsed_ms never goes backwards.
  audio_swapped: { session: 'translation', hold: 'session.output_audio.delta', releaseAfter: ['session.output_audio.delta'] },
};

/**
 * Longest time a `disorder` fault holds a frame when the release event never comes, ms. Longer than
 * the slowest default first-audio delay (xhigh p95 ≈ 5.7 s), so `created_late` really reorders at the
 * default latency profile instead of timing out first.
 */
export const DISORDER_MAX_HOLD_MS = 10_000;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

interface Unit {
  /** Frames of the unit seen on arrival (1-based index of the latest). */
  arrived: number;
  /** Frames of the unit handed to the socket. */
  written: number;
  dropAfter: number | null;
  stalls: { at: number; ms: number; done: boolean }[];
  disorder: { kind: DisorderKind; state: 'armed' | 'holding' | 'done' } | null;
}

interface Out {
  frame: string;
  /** The unit whose event this is (null for frames outside units and injected frames). */
  unit: Unit | null;
  /** The sender's write hook, settled by the raw send (none for injected frames). */
  onWritten?: WriteHook | undefined;
}

/** A fresh `event_…` id for an injected frame, so it never duplicates a real event's id. */
function injectedEventId(rng: Rng): string {
  let id = 'event_';
  for (let i = 0; i < 21; i++) id += BASE62[rng.int(0, 62)];
  return id;
}

/** A value of a different JSON type than `value`. */
function wrongTyped(value: unknown): unknown {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return 'not-a-' + (value === null ? 'null' : typeof value);
  if (Array.isArray(value)) return 0;
  return 'not-an-object';
}

/** Builds the broken frame injected before `event` (whose serialized form is `frame`). */
export function malformedFrame(kind: MalformedKind, event: WireEvent, frame: string, rng: Rng): string {
  if (kind === 'json') return frame.slice(0, Math.max(1, Math.floor(frame.length / 2))); // a strict prefix of an object is never valid JSON
  const { type: _type, ...rest } = event;
  if (kind === 'no_type') return JSON.stringify({ ...rest, event_id: injectedEventId(rng) });
  const copy: Record<string, unknown> = { ...event, event_id: injectedEventId(rng) };
  const keys = Object.keys(copy).filter((k) => k !== 'type' && k !== 'event_id');
  const key = keys.length > 0 ? rng.pick(keys) : 'event_id';
  copy[key] = wrongTyped(copy[key]);
  return JSON.stringify(copy);
}

/**
 * Builds the outbound filter of one connection. With no rules it is a plain pass-through.
 * @param rawSend writes one text frame to the socket and settles its write hook. Frames this filter
 *   discards (drop, dispose) never reach it: their hooks are the connection's to settle when it ends.
 * @param terminate cuts the TCP connection without a close frame (client sees 1006).
 */
export function wrapOutboundWithFaults(
  rules: OutboundFaultRules,
  rawSend: (frame: string, onWritten?: WriteHook) => void,
  terminate: () => void,
  clock: Clock,
): FaultyOutboundFilter {
  if (rules.drop.length + rules.stall.length + rules.malformed.length + rules.disorder.length === 0) {
    // No outbound faults: a bare pass-through on the hot path.
    return Object.assign((_event: WireEvent, frame: string, onWritten?: WriteHook): void => rawSend(frame, onWritten), {
      whenIdle: (cb: () => void) => cb(),
      dispose: () => {},
    });
  }
  let sessionType: SessionType = 'realtime';
  let firstFrame = true;
  let dead = false;
  let unit: Unit | null = null;
  let stallDepth = 0;
  const queue: Out[] = [];
  let held: { out: Out; unit: Unit; releaseAfter: readonly string[]; timer: TimerHandle } | null = null;
  const timers = new Set<TimerHandle>();
  let idleWaiters: (() => void)[] = [];

  const after = (ms: number, fn: () => void): TimerHandle => {
    const handle = clock.setTimeout(() => {
      timers.delete(handle);
      fn();
    }, ms);
    timers.add(handle);
    return handle;
  };
  const cancel = (handle: TimerHandle): void => {
    timers.delete(handle);
    clock.clearTimeout(handle);
  };

  const kill = (): void => {
    dead = true;
    queue.length = 0;
    for (const t of timers) clock.clearTimeout(t);
    timers.clear();
    held = null;
    terminate();
    notifyIdle();
  };

  const write = (out: Out): void => {
    if (dead) return;
    const u = out.unit;
    if (u && u.dropAfter !== null && u.written >= u.dropAfter) return kill();
    rawSend(out.frame, out.onWritten);
    if (u) {
      u.written++;
      if (u.dropAfter !== null && u.written >= u.dropAfter) kill();
    }
  };

  const gate = (out: Out): void => {
    if (stallDepth > 0) queue.push(out);
    else write(out);
  };

  const flush = (): void => {
    while (stallDepth === 0 && queue.length > 0 && !dead) write(queue.shift()!);
    notifyIdle();
  };

  const stall = (ms: number): void => {
    stallDepth++;
    after(ms, () => {
      stallDepth--;
      if (stallDepth === 0) flush();
    });
  };

  /** Stage 3: maybe a malformed frame first, then the real one, into the gate. */
  const forward = (event: WireEvent, out: Out): void => {
    if (!firstFrame) {
      for (const { spec, rng } of rules.malformed) {
        if (rng.next() >= spec.p) continue;
        const kind = spec.kind === 'any' ? rng.pick(['json', 'no_type', 'wrong_type'] as const) : spec.kind;
        gate({ frame: malformedFrame(kind, event, out.frame, rng), unit: null });
      }
    }
    firstFrame = false;
    gate(out);
  };

  const release = (): void => {
    if (!held) return;
    const h = held;
    held = null;
    cancel(h.timer);
    if (h.unit.disorder) h.unit.disorder.state = 'done';
    forward(heldEvent(h.out), h.out);
  };
  // The held frame's event object is only needed for malformed copies; keep it alongside.
  const heldEvents = new WeakMap<Out, WireEvent>();
  const heldEvent = (out: Out): WireEvent => heldEvents.get(out) ?? { type: 'unknown' };

  function notifyIdle(): void {
    if ((stallDepth > 0 && !dead) || held) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const cb of waiters) cb();
  }

  const openUnit = (): Unit => {
    const u: Unit = { arrived: 0, written: 0, dropAfter: null, stalls: [], disorder: null };
    for (const { spec, rng } of rules.drop) {
      if (rng.next() < spec.p) u.dropAfter = Math.min(u.dropAfter ?? Number.POSITIVE_INFINITY, spec.afterEvents);
    }
    for (const { spec, rng } of rules.stall) {
      const hit = rng.next() < spec.p;
      const at = spec.atEvent ?? rng.int(2, 13);
      if (hit) u.stalls.push({ at, ms: spec.ms, done: false });
    }
    const candidates = (Object.keys(DISORDERS) as DisorderKind[]).filter((k) => DISORDERS[k].session === sessionType);
    for (const { spec, rng } of rules.disorder) {
      const hit = rng.next() < spec.p;
      const drawn = candidates.length > 0 ? rng.pick(candidates) : null;
      const kind = spec.kind === 'any' ? drawn : spec.kind;
      if (hit && kind && !u.disorder) u.disorder = { kind, state: 'armed' };
    }
    return u;
  };

  const filter = (event: WireEvent, frame: string, onWritten?: WriteHook): void => {
    if (dead) return;
    const type = event.type;
    if (type === 'session.created') {
      const t = (event.session as { type?: unknown } | undefined)?.type;
      if (t === 'transcription' || t === 'translation') sessionType = t;
    }
    const rulesOf = UNIT_TYPES[sessionType];
    if (!unit && rulesOf.start.includes(type)) unit = openUnit();
    const u = unit;
    const isEnd = u !== null && rulesOf.end.includes(type);
    if (isEnd) unit = null;
    const out: Out = { frame, unit: u, onWritten };

    if (u) {
      u.arrived++;
      for (const s of u.stalls) {
        if (!s.done && (u.arrived === s.at || isEnd)) {
          s.done = true;
          stall(s.ms);
        }
      }
      const d = u.disorder;
      if (d && d.state === 'armed' && type === DISORDERS[d.kind].hold && !held) {
        d.state = 'holding';
        heldEvents.set(out, event);
        held = { out, unit: u, releaseAfter: DISORDERS[d.kind].releaseAfter, timer: after(DISORDER_MAX_HOLD_MS, release) };
        if (isEnd) release(); // an end event is never held past its own unit
        return;
      }
    }
    const releaseNow = held !== null && (held.releaseAfter.length === 0 || held.releaseAfter.includes(type) || (isEnd && held.unit === u));
    forward(event, out);
    if (releaseNow) release();
  };

  return Object.assign(filter, {
    whenIdle(cb: () => void): void {
      idleWaiters.push(cb);
      if (held) release();
      notifyIdle();
    },
    dispose(): void {
      dead = true;
      queue.length = 0;
      for (const t of timers) clock.clearTimeout(t);
      timers.clear();
      held = null;
      notifyIdle();
    },
  });
}
