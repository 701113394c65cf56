/**
 * What the mock "says": answer texts picked, seeded, from small fixed sets (the spoken audio is
 * synthesized from the chosen text, so its duration fits the transcript by construction), the
 * placeholder transcripts of user audio (the mock cannot recognise words), and function-call
 * arguments generated from a tool's JSON Schema.
 */
import type { Rng } from '../contract.ts';

/** Final answers to a user turn. */
export const ANSWER_TEXTS: readonly string[] = [
  'Sure. This is the mock server answering your question with a short spoken reply.',
  'Good question. The short answer is yes, and I can go into more detail if you like.',
  'I understand. Let me summarise: everything you described sounds reasonable to me.',
  'Thanks for asking. Here is a brief answer, spoken at a natural pace, from the mock server.',
  'Of course. The main point is that it depends on the details, but usually it works well.',
  'Okay. I heard you, and my answer is a placeholder, because this is a test server.',
  'Absolutely. Let me know if you would like me to repeat that or explain it differently.',
  'Here is what I think: start small, measure carefully, and then adjust step by step.',
];

/** Answers after a tool result (the model speaks about the result). */
export const TOOL_FOLLOWUP_TEXTS: readonly string[] = [
  'I checked that for you. The tool returned a result, and everything looks fine.',
  'Done. According to the tool, the answer is ready, and there is nothing else to do.',
  'I looked it up. The result came back successfully, so you are all set.',
  'Thanks for waiting. The tool finished, and here is a short summary of what it found.',
];

/** Spoken preambles of reasoning models (`phase: "commentary"`, §3.9). */
export const COMMENTARY_TEXTS: readonly string[] = [
  'Let me think about that for a moment.',
  'Okay, give me a second to work that out.',
  'Good question, let me check.',
  'One moment while I look into it.',
];

/** Words of placeholder transcripts (documented: the mock does not recognise speech). */
const PLACEHOLDER_WORDS: readonly string[] = [
  'hello', 'can', 'you', 'tell', 'me', 'about', 'the', 'weather', 'today', 'please', 'what', 'is',
  'a', 'good', 'time', 'to', 'call', 'I', 'would', 'like', 'know', 'more', 'this', 'and', 'that',
];

/** Speaking rate assumed for placeholder transcripts: one word per this many ms of user speech. */
export const PLACEHOLDER_MS_PER_WORD = 350;

/**
 * A deterministic stand-in transcript for `durationMs` of user speech: about one word per
 * {@link PLACEHOLDER_MS_PER_WORD} ms (at least one), drawn from a fixed vocabulary, capitalised, with a full stop.
 */
export function placeholderTranscript(durationMs: number, rng: Rng): string {
  const n = Math.max(1, Math.round(durationMs / PLACEHOLDER_MS_PER_WORD));
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(rng.pick(PLACEHOLDER_WORDS));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

/** Splits text into deltas of whole words, each with its leading space (so concatenation restores it). */
export function wordDeltas(text: string): string[] {
  return text.match(/\s*\S+/g) ?? (text ? [text] : []);
}

const SAMPLE_STRINGS: readonly string[] = ['Paris', 'London', 'example', 'blue', 'tomorrow', 'order-1234', 'Ada Lovelace'];

function schemaOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function sampleString(schema: Record<string, unknown>, name: string, rng: Rng): string {
  const format = schema['format'];
  if (format === 'date') return '2026-01-15';
  if (format === 'date-time') return '2026-01-15T10:30:00Z';
  if (format === 'email') return 'user@example.com';
  if (format === 'uri' || format === 'url') return 'https://example.com/';
  if (format === 'uuid') return '123e4567-e89b-12d3-a456-426614174000';
  const lower = name.toLowerCase();
  if (lower.includes('city') || lower.includes('location')) return rng.pick(['Paris', 'London', 'Tokyo', 'San Francisco']);
  if (lower.includes('name')) return rng.pick(['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
  let s = rng.pick(SAMPLE_STRINGS);
  const max = typeof schema['maxLength'] === 'number' ? schema['maxLength'] : undefined;
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  while (s.length < min) s += 'x';
  if (max !== undefined) s = s.slice(0, Math.max(min, max));
  return s;
}

/** A JSON value satisfying (the common subset of) JSON Schema `schema`. */
export function sampleFromSchema(schemaValue: unknown, rng: Rng, name = '', depth = 0): unknown {
  const schema = schemaOf(schemaValue);
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return rng.pick(schema['enum'] as unknown[]);
  if ('const' in schema) return schema['const'];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) {
      const nonNull = options.filter((o) => schemaOf(o)['type'] !== 'null');
      return sampleFromSchema(nonNull[0] ?? options[0], rng, name, depth + 1);
    }
  }
  let type = schema['type'];
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined && typeof schema['properties'] === 'object') type = 'object';
  switch (type) {
    case 'string':
      return sampleString(schema, name, rng);
    case 'integer':
    case 'number': {
      const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : 0;
      const max = typeof schema['maximum'] === 'number' ? schema['maximum'] : Math.max(min + 100, 100);
      return type === 'integer' ? rng.int(Math.ceil(min), Math.floor(max) + 1) : Math.round((min + rng.next() * (max - min)) * 100) / 100;
    }
    case 'boolean':
      return rng.next() < 0.5;
    case 'null':
      return null;
    case 'array': {
      if (depth > 6) return [];
      const minItems = typeof schema['minItems'] === 'number' ? schema['minItems'] : 1;
      return Array.from({ length: Math.max(1, minItems) }, () => sampleFromSchema(schema['items'], rng, name, depth + 1));
    }
    case 'object': {
      if (depth > 6) return {};
      const props = schemaOf(schema['properties']);
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries(props)) out[key] = sampleFromSchema(sub, rng, key, depth + 1);
      return out;
    }
    default:
      return depth === 0 ? {} : sampleString({}, name, rng);
  }
}

/** Function-call arguments (a JSON object string) for a tool's `parameters` schema. */
export function argumentsFor(parameters: unknown, rng: Rng): string {
  const value = sampleFromSchema(parameters ?? { type: 'object', properties: {} }, rng);
  return JSON.stringify(typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});
}
