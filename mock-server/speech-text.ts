/**
 * The text side of the mock's speech synthesizer: speaking-rate arithmetic, word timing
 * (`planSpeech`, also used for transcript timing), tokens and a rough syllabification with
 * consonant classes. `speech-synth.ts` turns these into audio.
 */

/** Speaking rate used for durations: characters per second, spaces and punctuation included. */
export const SPEECH_CHARS_PER_S = 14;
/** Shortest duration of non-empty text, ms. */
export const MIN_SPEECH_MS = 200;

/** A word of a {@link SpeechPlan} and when it is spoken. */
export interface PlannedWord {
  text: string;
  startMs: number;
  endMs: number;
}

/** Where the words of a text fall in its synthesized audio. */
export interface SpeechPlan {
  durationMs: number;
  words: PlannedWord[];
}

export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count each surrogate pair once
  }
  return n;
}

/**
 * Speaking time of `text`: {@link SPEECH_CHARS_PER_S} (14) characters per second after collapsing
 * whitespace runs, spaces and punctuation included (a typical assistant voice speaks ~150 words/min
 * ≈ 13–15 chars/s), at least {@link MIN_SPEECH_MS} (200) ms for non-empty text, 0 for blank text.
 */
export function speechDurationMs(text: string): number {
  const n = codePoints(normalizeText(text));
  if (n === 0) return 0;
  return Math.max(MIN_SPEECH_MS, Math.round((n * 1000) / SPEECH_CHARS_PER_S));
}

/** 32-bit FNV-1a of a string. */
export function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Base pitch of a voice: a stable hash of its name mapped to 100–220 Hz. */
export function voicePitchHz(voice: string): number {
  return 100 + (fnv1a(voice) % 121);
}

// ---- text → timed tokens -------------------------------------------------------------------

export interface Token {
  kind: 'word' | 'space' | 'punct';
  text: string;
  weight: number;
  startMs: number;
  endMs: number;
  /** Word tokens: sentence number, and whether that sentence ends in a question mark. */
  sentence: number;
}

const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|\s|[^\s\p{L}\p{N}]/gu;
const LEAD_IN_WEIGHT = 0.6;

function punctWeight(ch: string): number {
  if (',;:'.includes(ch)) return 2.5;
  if ('.!?…。！？'.includes(ch)) return 4;
  if ('-–—'.includes(ch)) return 1;
  return 0.5;
}

export function tokenize(norm: string, durationMs: number): { tokens: Token[]; questions: boolean[]; leadMs: number } {
  const tokens: Token[] = [];
  const questions: boolean[] = [];
  let sentence = 0;
  let total = LEAD_IN_WEIGHT;
  for (const m of norm.matchAll(TOKEN_RE)) {
    const text = m[0];
    const kind = text === ' ' ? 'space' : /[\p{L}\p{N}]/u.test(text) ? 'word' : 'punct';
    const weight = kind === 'word' ? codePoints(text) : kind === 'space' ? 0.5 : punctWeight(text);
    total += weight;
    tokens.push({ kind, text, weight, startMs: 0, endMs: 0, sentence });
    if (kind === 'punct' && '.!?…。！？'.includes(text)) {
      questions[sentence] = text === '?' || text === '？';
      sentence++;
    }
  }
  const unitMs = durationMs / total;
  let t = LEAD_IN_WEIGHT * unitMs;
  for (const tok of tokens) {
    tok.startMs = t;
    t += tok.weight * unitMs;
    tok.endMs = t;
  }
  return { tokens, questions, leadMs: LEAD_IN_WEIGHT * unitMs };
}

/** Word timing of `text` as {@link synthesizeSpeech} speaks it (for aligning transcript deltas). */
export function planSpeech(text: string): SpeechPlan {
  const norm = normalizeText(text);
  const durationMs = speechDurationMs(norm);
  const { tokens } = tokenize(norm, durationMs);
  const words = tokens.filter((t) => t.kind === 'word').map((t) => ({ text: t.text, startMs: t.startMs, endMs: t.endMs }));
  return { durationMs, words };
}

// ---- words → phones ------------------------------------------------------------------------

export type ConsClass = 'sib' | 'weak' | 'stop' | 'affricate' | 'nasal' | 'liquid';
export interface Cons {
  cls: ConsClass;
  /** Noise centre frequency (fricatives, bursts), Hz. */
  noiseHz: number;
  voiced: boolean;
}
export interface Syllable {
  onset: Cons[];
  nucleus: string;
  coda: Cons[];
  chars: number;
}

const C = (cls: ConsClass, noiseHz = 0, voiced = false): Cons => ({ cls, noiseHz, voiced });
const LETTER: Record<string, Cons> = {
  s: C('sib', 5500), z: C('sib', 5000, true), x: C('sib', 5200), c: C('stop', 2200), k: C('stop', 2200),
  q: C('stop', 2000), p: C('stop', 1000), t: C('stop', 4000), b: C('stop', 900, true), d: C('stop', 3500, true),
  g: C('stop', 1800, true), f: C('weak', 4500), v: C('weak', 4000, true), h: C('weak', 1800), j: C('affricate', 2600, true),
  m: C('nasal'), n: C('nasal'), l: C('liquid'), r: C('liquid', 1), w: C('liquid'), y: C('liquid'),
};
const DIGRAPH: Record<string, Cons> = {
  sh: C('sib', 2800), ch: C('affricate', 2600), th: C('weak', 5000), ph: LETTER.f!, ck: LETTER.k!, ng: LETTER.n!, wh: LETTER.w!, gh: LETTER.g!,
};
const LIQUID = LETTER.l!;
const VOWELS = 'aeiou';

function consonants(cluster: string): Cons[] {
  const out: Cons[] = [];
  for (let i = 0; i < cluster.length; ) {
    const pair = DIGRAPH[cluster.slice(i, i + 2)];
    if (pair) {
      out.push(pair);
      i += 2;
      continue;
    }
    const ch = cluster[i]!;
    if (!VOWELS.includes(ch) && ch !== cluster[i - 1]) out.push(LETTER[ch] ?? LIQUID);
    i++;
  }
  return out;
}

export function syllabify(word: string): Syllable[] {
  const isV = (j: number): boolean => VOWELS.includes(word[j]!) || (word[j] === 'y' && j > 0);
  const groups: { cons: string; vow: string }[] = [];
  let cons = '';
  for (let i = 0; i < word.length; ) {
    if (isV(i)) {
      let vow = '';
      while (i < word.length && isV(i)) vow += word[i++];
      groups.push({ cons, vow });
      cons = '';
    } else cons += word[i++];
  }
  if (groups.length === 0) {
    // No Latin vowels (digits, CJK, "hmm"): one pseudo-syllable per two characters.
    const out: Syllable[] = [];
    for (let i = 0; i < word.length; i += 2) {
      const code = word.charCodeAt(i) + (word.charCodeAt(i + 1) || 0);
      const onset = LETTER[word[i]!] ?? LETTER['tnskml'[code % 6]!]!;
      out.push({ onset: [onset], nucleus: VOWELS[code % 5]!, coda: [], chars: Math.min(2, word.length - i) });
    }
    return out;
  }
  let tail = cons;
  const last = groups[groups.length - 1]!;
  if (groups.length > 1 && tail === '' && last.vow === 'e' && last.cons !== '') {
    groups.pop(); // silent final e ("make")
    tail = last.cons + 'e';
  }
  // A consonant run between two vowels gives its first letter to the left syllable when it has two or more.
  const onsets = groups.map((g, k) => (k > 0 && g.cons.length >= 2 ? g.cons.slice(1) : g.cons));
  const codas = groups.map((_, k) => {
    if (k === groups.length - 1) return tail;
    const nextCons = groups[k + 1]!.cons;
    return nextCons.length >= 2 ? nextCons[0]! : '';
  });
  return groups.map((g, k) => ({
    onset: consonants(onsets[k]!),
    nucleus: g.vow,
    coda: consonants(codas[k]!),
    chars: onsets[k]!.length + g.vow.length + codas[k]!.length,
  }));
}

// ---- phones → segments ---------------------------------------------------------------------
