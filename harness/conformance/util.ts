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

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decoded byte length of a standard (padded) base64 string, or -1 when it is not valid base64.
 * Linear in the string; nothing is decoded.
 */
export function base64DecodedBytes(s: string): number {
  if (s.length % 4 !== 0 || !BASE64_RE.test(s)) return -1;
  if (s.length === 0) return 0;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return (s.length / 4) * 3 - pad;
}

/**
 * Insertion order of a bounded collection: a ring of keys, so evicting the oldest is O(1)
 * (iterating a JS Set/Map from the front after many deletions is not).
 */
class KeyRing {
  private readonly keys: (string | undefined)[];
  private head = 0;
  private count = 0;
  constructor(readonly capacity: number) {
    this.keys = new Array<string | undefined>(Math.max(1, capacity));
  }
  /** Appends `k`; returns the evicted oldest key when the ring was full. */
  push(k: string): string | undefined {
    const cap = this.keys.length;
    if (this.count < cap) {
      this.keys[(this.head + this.count++) % cap] = k;
      return undefined;
    }
    const old = this.keys[this.head];
    this.keys[this.head] = k;
    this.head = (this.head + 1) % cap;
    return old;
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
