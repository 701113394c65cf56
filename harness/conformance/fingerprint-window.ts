/**
 * A FIFO window of ids kept as fingerprints (no strings retained): the server `event_id` window of
 * the uniqueness rule RT-ID-002, which sees every event of a session.
 */

/** Ring slots a window starts with before it grows (doubling, up to the capacity). */
const FP_INITIAL_RING_SLOTS = 8;
/** Smallest probe table of a {@link FingerprintWindow} (slots; a power of two). */
const FP_INITIAL_SLOTS = 16;

/**
 * A set of the last `capacity` strings added (FIFO eviction, like `BoundedSet` in util.ts) that keeps
 * no string: each is stored as a 64-bit fingerprint (two independent 32-bit hashes) in typed
 * arrays, with an open-addressing probe table over them.
 *
 * Why: the server `event_id` window (RT-ID-002) sees every event of a session. As a `Set` of
 * strings it kept every id alive until evicted, so each one was copied by the young-generation
 * collector and promoted (about a quarter of what a 200-session run promoted, which lengthens the
 * collector's pauses and with them the late first-audio stamps), and a full window held ~0.7 MiB.
 * Here a full 8,192-id window is 128 KiB and adding an id allocates nothing.
 *
 * The price is a false "already seen" when two different ids share all 64 bits: for a window of
 * 8,192 that is about 8,192 / 2^64 ≈ 4·10^-16 per added id.
 */
export class FingerprintWindow {
  /** Fingerprint halves by insertion slot: a ring, grown by doubling up to the capacity. */
  private hi = new Uint32Array(0);
  private lo = new Uint32Array(0);
  /** Probe table: insertion slot + 1, or 0 for empty; linear probing from `lo & mask`. */
  private table = new Int32Array(FP_INITIAL_SLOTS);
  private head = 0;
  private count = 0;
  readonly capacity: number;
  /** Whether anything was ever evicted. */
  overflowed = false;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  /** Bytes of typed-array storage held now (grows with use up to ~16 bytes per capacity slot). */
  get allocatedBytes(): number {
    return this.hi.byteLength + this.lo.byteLength + this.table.byteLength;
  }

  has(k: string): boolean {
    fingerprint(k);
    return this.find(fpHi, fpLo) >= 0;
  }

  /** Adds `k`; returns false (and changes nothing) when it is already in the window. One hash either way. */
  add(k: string): boolean {
    fingerprint(k);
    const h = fpHi;
    const l = fpLo;
    if (this.find(h, l) >= 0) return false;
    let slot: number;
    if (this.count < this.capacity) {
      if (this.count === this.hi.length) this.growRing();
      slot = this.count++;
      if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    } else {
      slot = this.head;
      this.unlink(slot);
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
      this.overflowed = true;
    }
    this.hi[slot] = h;
    this.lo[slot] = l;
    this.link(slot);
    return true;
  }

  /** Table index of the entry with this fingerprint, or -1. */
  private find(h: number, l: number): number {
    const t = this.table;
    const mask = t.length - 1;
    for (let i = l & mask; ; i = (i + 1) & mask) {
      const e = t[i]!;
      if (e === 0) return -1;
      if (this.lo[e - 1] === l && this.hi[e - 1] === h) return i;
    }
  }

  private link(slot: number): void {
    const t = this.table;
    const mask = t.length - 1;
    let i = this.lo[slot]! & mask;
    while (t[i] !== 0) i = (i + 1) & mask;
    t[i] = slot + 1;
  }

  /** Removes `slot`'s table entry, shifting later entries of its probe run back (no tombstones). */
  private unlink(slot: number): void {
    const t = this.table;
    const mask = t.length - 1;
    let i = this.lo[slot]! & mask;
    while (t[i] !== slot + 1) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; t[j] !== 0; j = (j + 1) & mask) {
      const home = this.lo[t[j]! - 1]! & mask;
      // t[j] may move into the hole at i only if its home is not in the cyclic range (i, j].
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!inRange) {
        t[i] = t[j]!;
        i = j;
      }
    }
    t[i] = 0;
  }

  private growRing(): void {
    const size = Math.min(this.capacity, Math.max(FP_INITIAL_RING_SLOTS, this.hi.length * 2));
    const hi = new Uint32Array(size);
    const lo = new Uint32Array(size);
    hi.set(this.hi);
    lo.set(this.lo);
    this.hi = hi;
    this.lo = lo;
  }

  private rehash(slots: number): void {
    this.table = new Int32Array(slots);
    // Only called while filling (nothing evicted yet), so the live slots are 0..count-2 in order.
    for (let s = 0; s < this.count - 1; s++) this.link(s);
  }
}

/** Results of {@link fingerprint} (module-level so hashing a string allocates nothing). */
let fpHi = 0;
let fpLo = 0;

/**
 * Two 32-bit hashes of `k`'s UTF-16 code units into {@link fpHi}/{@link fpLo}: FNV-1a and a
 * multiply–rotate hash with another constant, each finished with murmur3's avalanche step so that
 * the low bits (the probe table's index) depend on every character.
 */
function fingerprint(k: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ k.length;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b = (b << 13) | (b >>> 19);
  }
  fpLo = avalanche(a) >>> 0;
  fpHi = avalanche(b ^ 0x68e31da4) >>> 0;
}

function avalanche(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
