/**
 * Small helpers for the rules: defensive field access on untrusted JSON, a cheap base64 check,
 * bounded sets/maps (memory per session stays bounded however long it runs), and a text
 * accumulator that compares "done equals the concatenated deltas" without keeping huge strings.
 */
import { createHash, type Hash } from 'node:crypto';

/** A JSON object as the rules see it: anything may be missing or of the wrong type. */
export type Obj = Record<string, unknown>;

/** `v` when it is a plain object, else undefined. */
export function asObj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** `o[k]` when it is a string. */
export function str(o: Obj | undefined, k: string): string | undefined {
  const v = o?.[k];
  return typeof v === 'string' ? v : undefined;
}

/** `o[k]` when it is a finite number. */
export function num(o: Obj | undefined, k: string): number | undefined {
  const v = o?.[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Short JSON rendering of a value for messages. */
export function show(v: unknown): string {
  if (v === undefined) return 'absent';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

/** Any character outside the standard base64 alphabet and its padding. */
const NOT_BASE64_CHAR = /[^A-Za-z0-9+/=]/;

/** Largest decoded size checked by native decoding into {@link scratch}; longer strings take the regex path. */
const SCRATCH_MAX_BYTES = 1024 * 1024;
/** Reused target of the native decoder (grown on demand up to {@link SCRATCH_MAX_BYTES}). */
let scratch = Buffer.allocUnsafe(0);

/**
 * Decoded byte length of a standard (padded) base64 string, or -1 when it is not valid base64.
 *
 * Cheap on 6 KB audio deltas (about 1 µs instead of ~5 µs for an anchored regex; see
 * bench/conformance-micro.ts): the length is arithmetic, `=` may only be the last one or two
 * characters (`indexOf`), then Node's native decoder writes into a reused scratch buffer. That
 * decoder skips characters outside the alphabet, so any such character makes it write fewer bytes
 * than the arithmetic says; what it would wrongly accept is ruled out first: the base64url
 * characters `-` and `_` (`indexOf`) and non-ASCII characters (a two-byte string's code units
 * could alias alphabet bytes), found because their UTF-8 length differs from the string length.
 */
export function base64DecodedBytes(s: string): number {
  const n = s.length;
  if (n % 4 !== 0) return -1;
  if (n === 0) return 0;
  const eq = s.indexOf('=');
  let pad = 0;
  if (eq >= 0) {
    pad = n - eq;
    // Padding is `=` or `==` at the very end: nothing but `=` may follow the first one.
    if (pad > 2 || (pad === 2 && s.charCodeAt(n - 1) !== 61)) return -1;
  }
  const bytes = (n / 4) * 3 - pad;
  if (bytes > SCRATCH_MAX_BYTES) return NOT_BASE64_CHAR.test(s) ? -1 : bytes;
  if (Buffer.byteLength(s, 'utf8') !== n || s.indexOf('-') >= 0 || s.indexOf('_') >= 0) return -1;
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, 2 * scratch.length));
  return scratch.write(s, 'base64') === bytes ? bytes : -1;
}

/** Slots a ring starts with before it grows. */
const RING_INITIAL_SLOTS = 8;

/**
 * Insertion order of a bounded collection: a ring of keys, so evicting the oldest is O(1)
 * (iterating a JS Set/Map from the front after many deletions is not). The ring grows lazily
 * (doubling, so amortised O(1) per push) up to its capacity: a short session with a large window
 * costs a few slots, not the whole window. Nothing is evicted before the ring is at capacity, so
 * while it grows the keys sit in order from slot 0.
 */
class KeyRing {
  private keys: (string | undefined)[] = [];
  private head = 0;
  private count = 0;
  readonly capacity: number;
  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }
  /** Slots allocated so far (≤ capacity). */
  get allocatedSlots(): number {
    return this.keys.length;
  }
  /** Appends `k`; returns the evicted oldest key when the ring was full. */
  push(k: string): string | undefined {
    const cap = this.capacity;
    if (this.count < cap) {
      if (this.count === this.keys.length) this.grow();
      this.keys[this.count++] = k;
      return undefined;
    }
    const old = this.keys[this.head];
    this.keys[this.head] = k;
    this.head = this.head + 1 === cap ? 0 : this.head + 1;
    return old;
  }
  private grow(): void {
    const size = Math.min(this.capacity, Math.max(RING_INITIAL_SLOTS, this.keys.length * 2));
    const next = new Array<string | undefined>(size).fill(undefined);
    for (let i = 0; i < this.count; i++) next[i] = this.keys[i];
    this.keys = next;
  }
}

/** A set that remembers only its last `capacity` insertions (FIFO eviction). */
export class BoundedSet {
  private readonly set = new Set<string>();
  private readonly ring: KeyRing;
  /** Whether anything was ever evicted (then "absent" no longer proves "never seen"). */
  overflowed = false;
  constructor(capacity: number) {
    this.ring = new KeyRing(capacity);
  }
  /** Ring slots allocated so far: grows with use up to the capacity, never allocated up front. */
  get allocatedSlots(): number {
    return this.ring.allocatedSlots;
  }
  has(k: string): boolean {
    return this.set.has(k);
  }
  add(k: string): void {
    if (this.set.has(k)) return;
    this.set.add(k);
    const evicted = this.ring.push(k);
    if (evicted !== undefined) {
      this.set.delete(evicted);
      this.overflowed = true;
    }
  }
  /** Forgets `k` (its ring slot is reclaimed when it comes up for eviction). */
  delete(k: string): void {
    this.set.delete(k);
  }
}

/** A map that keeps only its last `capacity` inserted keys (FIFO eviction). */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  private readonly ring: KeyRing;
  /** Whether anything was ever evicted. */
  overflowed = false;
  constructor(capacity: number) {
    this.ring = new KeyRing(capacity);
  }
  /** Ring slots allocated so far: grows with use up to the capacity, never allocated up front. */
  get allocatedSlots(): number {
    return this.ring.allocatedSlots;
  }
  get(k: string): V | undefined {
    return this.map.get(k);
  }
  has(k: string): boolean {
    return this.map.has(k);
  }
  set(k: string, v: V): void {
    if (!this.map.has(k)) {
      const evicted = this.ring.push(k);
      if (evicted !== undefined && this.map.delete(evicted)) this.overflowed = true;
    }
    this.map.set(k, v);
  }
  delete(k: string): void {
    this.map.delete(k);
  }
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
  get size(): number {
    return this.map.size;
  }
}

/** Concatenated text kept verbatim up to this many chars; beyond, only a hash is kept. */
const TEXT_KEEP_CHARS = 64 * 1024;

/** Accumulates deltas and answers whether a `done` value equals their concatenation. */
export class TextAccumulator {
  private text = '';
  private hash: Hash | null = null;
  private length = 0;
  /** Number of deltas appended. */
  deltas = 0;

  append(delta: string): void {
    this.deltas++;
    this.length += delta.length;
    if (this.hash) {
      this.hash.update(delta);
      return;
    }
    this.text += delta;
    if (this.text.length > TEXT_KEEP_CHARS) {
      this.hash = createHash('sha256').update(this.text);
      this.text = '';
    }
  }

  /** null when `full` equals the concatenation; otherwise a short description of the difference. */
  mismatch(full: string): string | null {
    if (this.hash) {
      if (full.length !== this.length) return `length ${full.length} ≠ ${this.length} chars of deltas`;
      const digest = this.hash.copy().digest('hex');
      return createHash('sha256').update(full).digest('hex') === digest ? null : `content differs from the ${this.deltas} deltas (same length ${this.length})`;
    }
    if (full === this.text) return null;
    let i = 0;
    while (i < full.length && i < this.text.length && full[i] === this.text[i]) i++;
    return `differs at char ${i}: done has ${show(full.slice(i, i + 24))}, deltas have ${show(this.text.slice(i, i + 24))} (lengths ${full.length} vs ${this.length}, ${this.deltas} deltas)`;
  }
}
