/**
 * Seeded generator of hostile client frames for the mock (issue 7): invalid JSON, wrong types for
 * every field of the client events, huge strings, deep nesting, invalid base64, odd-length PCM16,
 * binary frames, unknown types, valid events out of order, and random mutations of valid events.
 *
 * Each frame says what the mock must do with it (`expect`) and, for a bad one, how the `error` must
 * name the problem ({@link Naming}), so the driver (fuzz-run.ts) can check every answer. Shared by
 * the short test (fuzz-mock.test.ts) and the long benchmark (bench/fuzz-mock.ts).
 */

/** The session kinds of the mock. */
export type FuzzKind = 'realtime' | 'transcription' | 'translation';

/** What the mock must answer: an `error` for this frame, no `error`, or anything (never a crash). */
export type Expect = 'error' | 'no_error' | 'any';

/** How an `error` must name the problem (every given field must match). */
export interface Naming {
  /** `error.param` equals this. */
  readonly param?: string;
  /** `error.code` is one of these. */
  readonly codes?: readonly string[];
  /** `error.message` contains this (case-insensitive). */
  readonly messageIncludes?: string;
}

/** One frame to send. */
export interface FuzzFrame {
  /** Text (sent as a text frame) or bytes (sent as a binary frame). */
  readonly data: string | Buffer;
  /** The `event_id` the frame carries (the mock must echo it in `error.event_id`), or null. */
  readonly eventId: string | null;
  readonly expect: Expect;
  /** Family, for the figures (`wrong_type`, `deep`, `invalid_json`, …). */
  readonly family: string;
  /** For `expect: 'error'`. */
  readonly naming?: Naming;
}

/** A small seeded PRNG (mulberry32): fast, and the same seed gives the same frames. */
export class FuzzRng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';
const JSON_TYPES: readonly JsonType[] = ['string', 'number', 'boolean', 'null', 'array', 'object'];

/** A field of a template event: its dotted path (as the mock names it) and the JSON types it accepts. */
interface FieldSpec {
  readonly path: string;
  readonly types: readonly JsonType[];
}

/** A valid client event and the fields whose type is checked. */
interface Template {
  readonly event: Record<string, unknown>;
  readonly fields: readonly FieldSpec[];
}

/** Base64 of `ms` of PCM16 24 kHz silence. */
export function silenceB64(ms: number): string {
  return Buffer.alloc(Math.round(ms * 24) * 2).toString('base64');
}

/** `null` is accepted by some optional fields (clears them, §2.2); fields listed here never get a `null` mutation. */
const S: JsonType[] = ['string'];
const N: JsonType[] = ['number'];
const O: JsonType[] = ['object'];
const A: JsonType[] = ['array'];

const REALTIME_TEMPLATES: readonly Template[] = [
  {
    event: {
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        output_modalities: ['audio'],
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null },
          output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
        },
        tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
        tool_choice: 'auto',
        max_output_tokens: 200,
      },
    },
    fields: [
      { path: 'session', types: O },
      { path: 'session.type', types: S },
      { path: 'session.instructions', types: S },
      { path: 'session.output_modalities', types: A },
      { path: 'session.output_modalities[0]', types: S },
      { path: 'session.audio', types: O },
      { path: 'session.audio.input', types: O },
      { path: 'session.audio.input.format', types: O },
      { path: 'session.audio.input.format.type', types: S },
      { path: 'session.audio.input.format.rate', types: N },
      { path: 'session.audio.input.turn_detection', types: ['object', 'null'] },
      { path: 'session.audio.output', types: O },
      { path: 'session.audio.output.format', types: O },
      { path: 'session.audio.output.voice', types: ['string', 'object'] },
      { path: 'session.audio.output.speed', types: N },
      { path: 'session.tools', types: A },
      { path: 'session.tools[0]', types: O },
      { path: 'session.tools[0].type', types: S },
      { path: 'session.tools[0].name', types: S },
      { path: 'session.tools[0].description', types: S },
      { path: 'session.tools[0].parameters', types: O },
      { path: 'session.tool_choice', types: ['string', 'object'] },
      { path: 'session.max_output_tokens', types: ['number', 'string'] },
    ],
  },
  { event: { type: 'input_audio_buffer.append', audio: silenceB64(20) }, fields: [{ path: 'audio', types: S }] },
  {
    event: { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello there.' }] } },
    fields: [
      { path: 'item', types: O },
      { path: 'item.type', types: S },
      { path: 'item.role', types: S },
      { path: 'item.content', types: A },
      { path: 'item.content[0]', types: O },
      { path: 'item.content[0].type', types: S },
      { path: 'item.content[0].text', types: S },
    ],
  },
  { event: { type: 'conversation.item.retrieve', item_id: 'item_fuzz_missing' }, fields: [{ path: 'item_id', types: S }] },
  { event: { type: 'conversation.item.delete', item_id: 'item_fuzz_missing' }, fields: [{ path: 'item_id', types: S }] },
  {
    event: { type: 'conversation.item.truncate', item_id: 'item_fuzz_missing', content_index: 0, audio_end_ms: 0 },
    fields: [
      { path: 'item_id', types: S },
      { path: 'content_index', types: N },
      { path: 'audio_end_ms', types: N },
    ],
  },
  {
    event: { type: 'response.create', response: { output_modalities: ['text'], instructions: 'Say hi.', max_output_tokens: 16, metadata: { k: 'v' } } },
    fields: [
      { path: 'response', types: ['object', 'null'] },
      { path: 'response.output_modalities', types: A },
      { path: 'response.instructions', types: S },
      { path: 'response.max_output_tokens', types: ['number', 'string'] },
      { path: 'response.metadata', types: ['object', 'null'] },
      { path: 'response.metadata.k', types: S },
    ],
  },
  { event: { type: 'input_audio_buffer.clear' }, fields: [] },
  { event: { type: 'response.cancel', response_id: 'resp_fuzz_missing' }, fields: [{ path: 'response_id', types: S }] },
];

const TRANSCRIPTION_TEMPLATES: readonly Template[] = [
  {
    event: {
      type: 'session.update',
      session: {
        type: 'transcription',
        audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' }, turn_detection: null } },
      },
    },
    fields: [
      { path: 'session', types: O },
      { path: 'session.type', types: S },
      { path: 'session.audio', types: O },
      { path: 'session.audio.input', types: O },
      { path: 'session.audio.input.format', types: O },
      { path: 'session.audio.input.format.type', types: S },
      { path: 'session.audio.input.transcription', types: ['object', 'null'] },
      { path: 'session.audio.input.transcription.model', types: S },
      { path: 'session.audio.input.transcription.language', types: S },
      { path: 'session.audio.input.turn_detection', types: ['object', 'null'] },
    ],
  },
  { event: { type: 'input_audio_buffer.append', audio: silenceB64(20) }, fields: [{ path: 'audio', types: S }] },
  { event: { type: 'input_audio_buffer.clear' }, fields: [] },
];

const TRANSLATION_TEMPLATES: readonly Template[] = [
  {
    event: { type: 'session.update', session: { audio: { output: { language: 'es' } } } },
    fields: [
      { path: 'session', types: O },
      { path: 'session.audio', types: O },
      { path: 'session.audio.output', types: O },
      { path: 'session.audio.output.language', types: S },
    ],
  },
  { event: { type: 'session.input_audio_buffer.append', audio: silenceB64(20) }, fields: [{ path: 'audio', types: S }] },
];

const TEMPLATES: Record<FuzzKind, readonly Template[]> = { realtime: REALTIME_TEMPLATES, transcription: TRANSCRIPTION_TEMPLATES, translation: TRANSLATION_TEMPLATES };

/** The append event name of a kind. */
function appendType(kind: FuzzKind): string {
  return kind === 'translation' ? 'session.input_audio_buffer.append' : 'input_audio_buffer.append';
}

/** Dotted path (`a.b[0].c`) → keys. */
function splitPath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part)!;
    if (m[1]) keys.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) keys.push(Number(idx[1]));
  }
  return keys;
}

/** Sets the value at `path` in a deep copy of `event`. */
function withValue(event: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(event);
  const keys = splitPath(path);
  let node: any = copy;
  for (const k of keys.slice(0, -1)) node = node[k];
  node[keys[keys.length - 1]!] = value;
  return copy;
}

/** A value of JSON type `t` (never valid as any other type). */
function valueOfType(rng: FuzzRng, t: JsonType): unknown {
  switch (t) {
    case 'string':
      return rng.pick(['', 'x', 'true', '42', 'null', '\u0000\u202e\ud83d\ude00', 'a'.repeat(rng.int(1, 300))]);
    case 'number':
      return rng.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, 42]);
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array':
      return rng.pick([[], [1, 2], ['x'], [{}], [null]]);
    case 'object':
      return rng.pick([{}, { a: 1 }, { type: 'x' }, { '': null }]);
  }
}

/** Any JSON value, possibly nested a little. */
function randomJson(rng: FuzzRng, depth = 0): unknown {
  const t = rng.pick(JSON_TYPES);
  if (depth < 3 && (t === 'array' || t === 'object')) {
    const n = rng.int(0, 3);
    if (t === 'array') return Array.from({ length: n }, () => randomJson(rng, depth + 1));
    return Object.fromEntries(Array.from({ length: n }, (_, i) => [rng.pick(['type', 'audio', 'item', 'session', `k${i}`, 'event_id']), randomJson(rng, depth + 1)]));
  }
  return valueOfType(rng, t);
}

/** `[[[…]]]` or `{"a":{"a":…}}` `levels` deep, as JSON text. */
export function deepJson(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '0' + '}'.repeat(levels);
}

/** Options of {@link FuzzGenerator}. */
export interface FuzzGeneratorOptions {
  /** Nesting depth of the deep-nesting family. Default 10,000. */
  readonly deepLevels?: number;
  /** Length of the huge strings, chars. Default 1 MiB. */
  readonly hugeChars?: number;
  /** Weight of the expensive families (huge strings, deep nesting), relative. Default 1. */
  readonly heavyWeight?: number;
}

/** Frames for one session of one kind; see the module comment. */
export class FuzzGenerator {
  private n = 0;
  private readonly templates: readonly Template[];
  private readonly deepLevels: number;
  private readonly hugeChars: number;
  private readonly families: readonly [string, number, () => FuzzFrame[]][];

  constructor(
    readonly kind: FuzzKind,
    private readonly rng: FuzzRng,
    private readonly idPrefix: string,
    opts: FuzzGeneratorOptions = {},
  ) {
    this.templates = TEMPLATES[kind];
    this.deepLevels = opts.deepLevels ?? 10_000;
    this.hugeChars = opts.hugeChars ?? 1024 * 1024;
    const heavy = opts.heavyWeight ?? 1;
    this.families = [
      ['valid', 12, () => this.valid()],
      ['wrong_type', 24, () => this.wrongType()],
      ['invalid_json', 7, () => this.invalidJson()],
      ['not_object', 3, () => this.notObject()],
      ['bad_type_field', 3, () => this.badTypeField()],
      ['bad_event_id', 2, () => this.badEventId()],
      ['unknown_type', 5, () => this.unknownType()],
      ['huge_string', 1 * heavy, () => this.hugeString()],
      ['deep', 1 * heavy, () => this.deep()],
      ['invalid_base64', 5, () => this.invalidBase64()],
      ['odd_pcm16', 3, () => this.oddPcm()],
      ['binary', 3, () => this.binary()],
      ['out_of_order', 8, () => this.outOfOrder()],
      ['mutation', 20, () => this.mutation()],
    ];
  }

  /** The next frames (usually one; an out-of-order pair is two). */
  next(): FuzzFrame[] {
    const total = this.families.reduce((s, f) => s + f[1], 0);
    let r = this.rng.next() * total;
    for (const [, w, make] of this.families) {
      if ((r -= w) < 0) return make();
    }
    return this.families[0]![2]();
  }

  /**
   * Valid events out of order that must each get an error on a fresh session (cancel before any
   * response, commit without audio, truncate/retrieve/delete of unknown items, …). Send first.
   */
  opening(): FuzzFrame[] {
    const frames: FuzzFrame[] = [];
    if (this.kind === 'realtime') {
      frames.push(this.event({ type: 'response.cancel' }, 'error', 'out_of_order', { codes: ['response_cancel_not_active'] }));
      frames.push(this.event({ type: 'input_audio_buffer.commit' }, 'error', 'out_of_order', { codes: ['input_audio_buffer_commit_empty'] }));
    } else if (this.kind === 'transcription') {
      frames.push(this.event({ type: 'input_audio_buffer.commit' }, 'error', 'out_of_order', { codes: ['input_audio_buffer_commit_empty'] }));
    }
    frames.push(...this.outOfOrder(), ...this.outOfOrder());
    return frames;
  }

  private id(): string {
    return `${this.idPrefix}_${(this.n++).toString(36)}`;
  }

  /** A JSON event with a fresh `event_id` (after `type`). */
  private event(e: Record<string, unknown>, expect: Expect, family: string, naming?: Naming): FuzzFrame {
    const eventId = this.id();
    const { type, ...rest } = e;
    const withId = type === undefined ? { event_id: eventId, ...rest } : { type, event_id: eventId, ...rest };
    return { data: JSON.stringify(withId), eventId, expect, family, ...(naming ? { naming } : {}) };
  }

  private valid(): FuzzFrame[] {
    if (this.kind === 'translation' || this.rng.chance(0.8)) {
      return [this.event({ type: appendType(this.kind), audio: silenceB64(this.rng.pick([10, 20, 40, 100])) }, 'no_error', 'valid')];
    }
    return [this.event({ type: 'input_audio_buffer.clear' }, 'no_error', 'valid')];
  }

  private wrongType(): FuzzFrame[] {
    const withFields = this.templates.filter((t) => t.fields.length > 0);
    const t = this.rng.pick(withFields);
    const f = this.rng.pick(t.fields);
    const wrong = JSON_TYPES.filter((x) => !f.types.includes(x) && !(x === 'null' && f.types.length > 0));
    // `null` clears optional fields on the real service (§2.2), so it is only a wrong type where
    // the spec says so explicitly; the mock decides per field, hence `any` for null.
    const useNull = this.rng.chance(0.1) && !f.types.includes('null');
    const type = useNull ? 'null' : this.rng.pick(wrong);
    const e = withValue(t.event, f.path, valueOfType(this.rng, type));
    if (useNull) return [this.event(e, 'any', 'wrong_type_null')];
    return [this.event(e, 'error', 'wrong_type', { param: f.path })];
  }

  private invalidJson(): FuzzFrame[] {
    const base = JSON.stringify({ ...this.rng.pick(this.templates).event, event_id: 'x' });
    const variants = [
      () => base.slice(0, this.rng.int(1, base.length - 1)),
      () => base.replace(/"/, "'"),
      () => base.slice(0, -1) + ',}',
      () => '',
      () => ' ',
      () => 'NaN',
      () => '{type: "session.update"}',
      () => '{"type":"input_audio_buffer.clear"}{"type":"input_audio_buffer.clear"}',
      () => `{"type":"x","n":${'1'.repeat(400)}e999999}`.replace('e999999', 'ee'),
      () => '\ufeff' + base,
      () => Array.from({ length: this.rng.int(1, 64) }, () => String.fromCharCode(this.rng.int(1, 0x7e))).join('') + '{',
    ];
    return [{ data: this.rng.pick(variants)(), eventId: null, expect: 'error', family: 'invalid_json', naming: { codes: ['invalid_json'] } }];
  }

  private notObject(): FuzzFrame[] {
    const data = this.rng.pick(['42', '"session.update"', 'null', 'true', '[]', '[{"type":"input_audio_buffer.clear"}]', '-0.5e3']);
    return [{ data, eventId: null, expect: 'error', family: 'not_object', naming: { codes: ['invalid_type'] } }];
  }

  private badTypeField(): FuzzFrame[] {
    if (this.rng.chance(0.5)) return [this.event({ audio: silenceB64(10) }, 'error', 'bad_type_field', { param: 'type', codes: ['missing_required_parameter'] })];
    const type = valueOfType(this.rng, this.rng.pick(['number', 'boolean', 'null', 'array', 'object'] as const));
    return [this.event({ type }, 'error', 'bad_type_field', { param: 'type' })];
  }

  /** A wrong-typed `event_id`: it cannot be echoed, so the error carries `event_id: null`. */
  private badEventId(): FuzzFrame[] {
    const t = this.rng.pick(this.templates);
    const value = valueOfType(this.rng, this.rng.pick(['number', 'boolean', 'array', 'object'] as const));
    return [{ data: JSON.stringify({ ...t.event, event_id: value }), eventId: null, expect: 'error', family: 'bad_event_id', naming: { param: 'event_id', codes: ['invalid_type'] } }];
  }

  private unknownType(): FuzzFrame[] {
    const type = this.rng.pick([
      'session.updat',
      'transcription_session.update',
      'response.audio.delta',
      'SESSION.UPDATE',
      ' session.update',
      'input_audio_buffer.append ',
      '',
      '\u0000',
      'x'.repeat(this.rng.int(1, 5000)),
      `fuzz.${this.rng.int(0, 1e9)}`,
      this.kind === 'realtime' ? 'session.input_audio_buffer.append' : 'response.create',
    ]);
    return [this.event({ type }, 'error', 'unknown_type', { param: 'type', codes: ['invalid_value'] })];
  }

  private hugeString(): FuzzFrame[] {
    const huge = this.rng.pick(['x', 'ü', '\ud83d\ude00', 'A']).repeat(this.hugeChars);
    const pick = this.rng.int(0, 3);
    if (pick === 0) return [this.event({ type: huge }, 'error', 'huge_string', { param: 'type', codes: ['invalid_value'] })];
    if (pick === 1 && this.kind === 'realtime') return [this.event({ type: 'conversation.item.retrieve', item_id: huge }, 'error', 'huge_string')];
    // A huge string in a random string field: the mock may accept it (long instructions are legal).
    const t = this.rng.pick(this.templates.filter((x) => x.fields.some((f) => f.types.includes('string'))));
    const f = this.rng.pick(t.fields.filter((x) => x.types.includes('string')));
    return [this.event(withValue(t.event, f.path, huge), 'any', 'huge_string')];
  }

  private deep(): FuzzFrame[] {
    const t = this.rng.pick(this.templates.filter((x) => x.fields.length > 0));
    const f = this.rng.pick(t.fields);
    const marker = '"__DEEP__"';
    const text = JSON.stringify({ ...withValue(t.event, f.path, '__DEEP__'), event_id: this.id() });
    const eventId = (JSON.parse(text) as { event_id: string }).event_id;
    const data = text.replace(marker, deepJson(this.deepLevels, this.rng.chance(0.5) ? 'array' : 'object'));
    return [{ data, eventId, expect: 'error', family: 'deep', naming: { codes: ['invalid_value'], messageIncludes: 'nested more than' } }];
  }

  private invalidBase64(): FuzzFrame[] {
    const good = silenceB64(20);
    const audio = this.rng.pick([
      '!!!!',
      'abc',
      'AAAA=',
      'AA==AA==',
      good.slice(0, 10) + ' ' + good.slice(10),
      good.slice(0, 10) + '\n' + good.slice(10),
      'data:audio/pcm;base64,' + good,
      good.replace(/A/g, '-'),
      '====',
      'A===',
      '\u00e9' + good.slice(1),
    ]);
    return [this.event({ type: appendType(this.kind), audio }, 'error', 'invalid_base64', { param: 'audio' })];
  }

  private oddPcm(): FuzzFrame[] {
    const bytes = Buffer.alloc(this.rng.int(0, 200) * 2 + 1, 0);
    return [this.event({ type: appendType(this.kind), audio: bytes.toString('base64') }, 'error', 'odd_pcm16', { param: 'audio' })];
  }

  private binary(): FuzzFrame[] {
    const pick = this.rng.int(0, 2);
    const data =
      pick === 0
        ? Buffer.from(JSON.stringify({ type: appendType(this.kind), audio: silenceB64(10) }))
        : pick === 1
          ? Buffer.alloc(this.rng.int(0, 4096), this.rng.int(0, 255))
          : Buffer.alloc(960 * 2);
    return [{ data, eventId: null, expect: 'error', family: 'binary', naming: { codes: ['invalid_json'] } }];
  }

  /** Valid-shaped events that name things that do not exist, or come at the wrong moment. */
  private outOfOrder(): FuzzFrame[] {
    const missing = `item_missing_${this.rng.int(0, 1e9)}`;
    if (this.kind === 'realtime') {
      const variants: (() => FuzzFrame[])[] = [
        () => [this.event({ type: 'conversation.item.truncate', item_id: missing, content_index: 0, audio_end_ms: 100 }, 'error', 'out_of_order', { param: 'item_id' })],
        () => [this.event({ type: 'conversation.item.retrieve', item_id: missing }, 'error', 'out_of_order', { param: 'item_id' })],
        () => [this.event({ type: 'conversation.item.delete', item_id: missing }, 'error', 'out_of_order', { param: 'item_id' })],
        () => [
          this.event(
            { type: 'conversation.item.create', previous_item_id: missing, item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } },
            'error',
            'out_of_order',
            { param: 'previous_item_id' },
          ),
        ],
        () => [this.event({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: `call_${missing}`, output: '{}' } }, 'error', 'out_of_order', { param: 'item.call_id' })],
        () => [
          this.event({ type: 'input_audio_buffer.clear' }, 'no_error', 'out_of_order'),
          this.event({ type: 'input_audio_buffer.commit' }, 'error', 'out_of_order', { codes: ['input_audio_buffer_commit_empty'] }),
        ],
        () => [this.event({ type: 'output_audio_buffer.clear' }, 'error', 'out_of_order')],
        () => [this.event({ type: 'response.cancel', response_id: `resp_${missing}` }, 'error', 'out_of_order')],
      ];
      return this.rng.pick(variants)();
    }
    if (this.kind === 'transcription') {
      return this.rng.pick<() => FuzzFrame[]>([
        () => [this.event({ type: 'response.create' }, 'error', 'out_of_order', { param: 'type' })],
        () => [this.event({ type: 'conversation.item.truncate', item_id: missing, content_index: 0, audio_end_ms: 0 }, 'error', 'out_of_order', { param: 'type' })],
        () => [
          this.event({ type: 'input_audio_buffer.clear' }, 'no_error', 'out_of_order'),
          this.event({ type: 'input_audio_buffer.commit' }, 'error', 'out_of_order', { codes: ['input_audio_buffer_commit_empty'] }),
        ],
      ])();
    }
    return this.rng.pick<() => FuzzFrame[]>([
      () => [this.event({ type: 'input_audio_buffer.append', audio: silenceB64(20) }, 'error', 'out_of_order', { param: 'type' })],
      () => [this.event({ type: 'response.create' }, 'error', 'out_of_order', { param: 'type' })],
      () => [this.event({ type: 'conversation.item.retrieve', item_id: missing }, 'error', 'out_of_order', { param: 'type' })],
    ])();
  }

  /** 1–3 random edits of a valid event; the mock may accept or reject it, but must not break. */
  private mutation(): FuzzFrame[] {
    let e: any = structuredClone(this.rng.pick(this.templates).event);
    const edits = this.rng.int(1, 3);
    for (let i = 0; i < edits; i++) {
      const paths = collectPaths(e).filter((p) => p.length > 0 && !(p.length === 1 && p[0] === 'type'));
      const op = this.rng.int(0, 4);
      if (op === 0 || paths.length === 0) {
        // Add a random key somewhere.
        const objs = collectPaths(e).filter((p) => isPlainObject(getAt(e, p)));
        const target = getAt(e, this.rng.pick(objs)) as Record<string, unknown>;
        target[this.rng.pick(['extra', 'type', 'audio', 'session', 'item', 'id', 'format', 'voice'])] = randomJson(this.rng);
        continue;
      }
      const p = this.rng.pick(paths);
      const parent = getAt(e, p.slice(0, -1)) as any;
      const key = p[p.length - 1]!;
      if (op === 1) {
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
      } else if (op === 2) parent[key] = randomJson(this.rng);
      else if (op === 3) parent[key] = mutateScalar(this.rng, parent[key]);
      else e = { ...e, type: this.rng.pick(this.templates).event['type'] };
    }
    if (typeof e !== 'object' || e === null) e = { value: e };
    return [this.event(e as Record<string, unknown>, 'any', 'mutation')];
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type Path = (string | number)[];

function collectPaths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => collectPaths(x, [...prefix, i], out));
  else if (isPlainObject(v)) for (const [k, x] of Object.entries(v)) collectPaths(x, [...prefix, k], out);
  return out;
}

function getAt(v: unknown, p: Path): unknown {
  let node: any = v;
  for (const k of p) node = node[k];
  return node;
}

function mutateScalar(rng: FuzzRng, v: unknown): unknown {
  if (typeof v === 'number') return rng.pick([-v, v * 1000, v + 0.5, Number.MAX_SAFE_INTEGER, -1, 0]);
  if (typeof v === 'string') {
    return rng.pick([
      v.toUpperCase(),
      v + v,
      v.slice(1),
      `${v}\u0000`,
      v.split('').reverse().join(''),
      '',
    ]);
  }
  if (typeof v === 'boolean') return !v;
  return randomJson(rng);
}
