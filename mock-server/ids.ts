/**
 * Ids in the real service's formats (§8.1), deterministic for a seed and sortable in minting order.
 *
 * Real ids minted close in time share a leading prefix (`event_Cdul…`, `resp_CdulS…`): they are
 * time-ordered. The mock reproduces the ordering without wall time: every base62 id starts with a
 * fixed-width base62 counter shared by all kinds of one factory, followed by seeded random
 * characters. The base62 alphabet is taken in ASCII order (`0-9A-Za-z`), so plain string comparison
 * (`<`, `Array.prototype.sort`) orders ids of one kind by minting time. Client secrets
 * (`ek_` + 32 hex) start with 8 hex digits of their own counter, the way real ones start with a
 * hex Unix timestamp (`ek_68af296e…` = 2025-08-27).
 */
import type { IdFactory, Rng } from './contract.ts';

/** ASCII-ordered base62 alphabet: lexicographic order of strings equals numeric order of digits. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';

/** Width of the ordering counter inside base62 ids: 62^6 ≈ 5.7e10 values. */
const COUNTER_WIDTH = 6;
const COUNTER_SPACE = 62 ** COUNTER_WIDTH;
/** Width of the ordering counter inside client secrets, hex digits. */
const SECRET_COUNTER_WIDTH = 8;

/** Regular expressions matching each kind of id this factory mints (for tests and checkers). */
export const ID_PATTERNS: Readonly<Record<keyof IdFactory, RegExp>> = Object.freeze({
  event: /^event_[0-9A-Za-z]{21}$/,
  response: /^resp_[0-9A-Za-z]{21}$/,
  item: /^item_[0-9A-Za-z]{21}$/,
  session: /^sess_[0-9A-Za-z]{21}$/,
  conversation: /^conv_[0-9A-Za-z]{21}$/,
  call: /^call_[0-9A-Za-z]{16}$/,
  clientSecret: /^ek_[0-9a-f]{32}$/,
});

/** Fixed-width digits of `value` in the given alphabet (most significant first). */
function fixedWidth(value: number, width: number, alphabet: string): string {
  const base = alphabet.length;
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = alphabet[v % base]! + out;
    v = Math.floor(v / base);
  }
  return out;
}

/**
 * Deterministic {@link IdFactory}. Same rng seed and the same sequence of calls give the same ids.
 * Give it a dedicated stream (e.g. `rng.fork('ids')`) so that minting ids never shifts other seeded
 * choices; two factories on the same stream still never repeat an id, because each draw advances it.
 */
export class SeededIdFactory implements IdFactory {
  readonly #rng: Rng;
  #counter: number;
  #secretCounter: number;

  /** @param rng source of the random characters and of the counters' seeded starting points. */
  constructor(rng: Rng) {
    this.#rng = rng;
    // Seeded starting points so ids do not all begin with `000000`; each leaves room for billions of ids.
    this.#counter = rng.int(COUNTER_SPACE / 8, COUNTER_SPACE / 2);
    this.#secretCounter = rng.int(0x60000000, 0x70000000);
  }

  #random(count: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < count; i++) out += alphabet[this.#rng.int(0, alphabet.length)]!;
    return out;
  }

  /** Counter prefix (advanced on every call) followed by random base62 up to `length` characters. */
  #base62(prefix: string, length: number): string {
    // Wrapping would break ordering; 5.7e10 - 2.8e10 ids per factory is beyond any mock run.
    const n = this.#counter++ % COUNTER_SPACE;
    return prefix + fixedWidth(n, COUNTER_WIDTH, BASE62) + this.#random(length - COUNTER_WIDTH, BASE62);
  }

  /** `event_` + 21 base62. */
  event(): string {
    return this.#base62('event_', 21);
  }

  /** `resp_` + 21 base62. */
  response(): string {
    return this.#base62('resp_', 21);
  }

  /** `item_` + 21 base62. */
  item(): string {
    return this.#base62('item_', 21);
  }

  /** `sess_` + 21 base62. */
  session(): string {
    return this.#base62('sess_', 21);
  }

  /** `conv_` + 21 base62. */
  conversation(): string {
    return this.#base62('conv_', 21);
  }

  /** `call_` + 16 base62. */
  call(): string {
    return this.#base62('call_', 16);
  }

  /** `ek_` + 32 lowercase hex: 8 hex digits of an increasing counter, then 24 random. */
  clientSecret(): string {
    const n = this.#secretCounter++ % 0x100000000;
    return 'ek_' + fixedWidth(n, SECRET_COUNTER_WIDTH, HEX) + this.#random(32 - SECRET_COUNTER_WIDTH, HEX);
  }
}
