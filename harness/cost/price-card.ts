/**
 * The dated price card: USD list prices per model, by token class or per audio minute
 * (docs/realtime-protocol.md §7). A JSON file validated with zod; users can pass their own with
 * `--price-card FILE`. A price the card does not know is `null`, and any figure that needs it is
 * reported as `null` with the reason — a price is never guessed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';
import { closest, formatPath, issuesToProblems } from '../scenario/problems.ts';

/** The eight token classes of a response's usage (§6.1); cached classes are subsets of their input class. */
export const TOKEN_CLASSES = ['audio_in', 'cached_audio_in', 'text_in', 'cached_text_in', 'image_in', 'cached_image_in', 'audio_out', 'text_out'] as const;
/** One token class. */
export type TokenClass = (typeof TOKEN_CLASSES)[number];

/** The price card bundled with the harness (`price-cards/openai-2026-11-24.json`). */
export const BUNDLED_PRICE_CARD_PATH = join(dirname(fileURLToPath(import.meta.url)), 'price-cards', 'openai-2026-11-24.json');

const price = z.number().nonnegative().finite().nullable();
const confidence = z.enum(['primary', 'secondary']).default('primary');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

const tokenModel = z.strictObject({
  kind: z.literal('tokens'),
  source_url: z.url(),
  usd_per_1m: z.strictObject(Object.fromEntries(TOKEN_CLASSES.map((c) => [c, price])) as Record<TokenClass, typeof price>),
  /** Whether the model takes `reasoning.effort` (projections only model reasoning tokens for these). */
  reasoning: z.boolean().default(false),
  confidence,
  secondary_fields: z.array(z.enum(TOKEN_CLASSES)).default([]),
  note: z.string().optional(),
});

const perMinuteModel = z.strictObject({
  kind: z.literal('per_minute'),
  source_url: z.url(),
  /** USD per minute; for GPT-Live models, per **active** minute. */
  usd_per_minute: price,
  /**
   * GPT-Live models: USD per standby minute (WebRTC sessions paused for standby,
   * docs/live-protocol.md §6); null = no standby price found; absent for other models.
   */
  usd_per_standby_minute: price.optional(),
  confidence,
  secondary_fields: z.array(z.enum(['usd_per_minute', 'usd_per_standby_minute'])).default([]),
  note: z.string().optional(),
});

const priceCardSchema = z.strictObject({
  schema_version: z.literal(1),
  as_of: isoDate,
  currency: z.literal('USD'),
  source_note: z.string().min(1),
  models: z.record(z.string().min(1), z.discriminatedUnion('kind', [tokenModel, perMinuteModel])),
  aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
});

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks across fields, run on the raw JSON so they are reported together with the schema's problems. */
function crossFieldProblems(json: unknown): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  if (!isObj(json)) return out;
  const models = isObj(json['models']) ? json['models'] : {};
  if (isObj(json['aliases'])) {
    for (const [alias, target] of Object.entries(json['aliases'])) {
      if (typeof target === 'string' && !(target in models)) out.push({ path: `aliases.${alias}`, message: `names no model of 'models' (got '${target}')` });
      if (alias in models) out.push({ path: `aliases.${alias}`, message: 'is also a model name; an alias must not shadow a model' });
    }
  }
  for (const [name, m] of Object.entries(models)) {
    if (isObj(m) && (m['confidence'] ?? 'primary') === 'primary' && Array.isArray(m['secondary_fields']) && m['secondary_fields'].length > 0)
      out.push({ path: `models.${name}.confidence`, message: "expected 'secondary' when secondary_fields is not empty" });
  }
  return out;
}

/** Known field names for an unknown field the generic helper cannot list (inside the `models` record). */
function knownFieldsFor(path: readonly PropertyKey[]): readonly string[] {
  if (path[0] !== 'models') return [];
  if (path.length === 4 && path[2] === 'usd_per_1m') return TOKEN_CLASSES;
  if (path.length === 3) return [...new Set([...Object.keys(tokenModel.shape), ...Object.keys(perMinuteModel.shape)])];
  return [];
}

/** A validated price card. */
export type PriceCard = z.output<typeof priceCardSchema>;
/** A model priced by token class (USD per 1M tokens). */
export type TokenModelPrice = z.output<typeof tokenModel>;
/** A model priced per minute of audio. */
export type PerMinuteModelPrice = z.output<typeof perMinuteModel>;
/** Either kind of model price. */
export type ModelPrice = TokenModelPrice | PerMinuteModelPrice;

/**
 * Parses and validates a price card.
 * @param text the JSON text
 * @param label the file name used in error messages
 * @throws ConfigError `E_PRICE_CARD` listing every problem as `FILE: field.path: what was expected`
 */
export function parsePriceCard(text: string, label: string): PriceCard {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('E_PRICE_CARD', `${label}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = priceCardSchema.safeParse(json, { reportInput: true });
  const cross = crossFieldProblems(json).map((p) => `${label}: ${p.path}: ${p.message}`);
  if (parsed.success && cross.length === 0) return parsed.data;
  const problems: string[] = [];
  if (!parsed.success) {
    for (const p of issuesToProblems(parsed.error.issues, priceCardSchema)) {
      const known = p.message === 'unknown field' ? knownFieldsFor(p.path) : [];
      const guess = known.length ? closest(String(p.path.at(-1)), known) : null;
      const hint = guess ? `; did you mean '${guess}'?` : known.length ? ` (expected one of: ${known.join(', ')})` : '';
      problems.push(`${label}: ${formatPath(p.path)}: ${p.message}${hint}`);
    }
  }
  throw new ConfigError('E_PRICE_CARD', [...problems, ...cross]);
}

/**
 * Reads and validates a price card file.
 * @param path the card's path; default {@link BUNDLED_PRICE_CARD_PATH}
 * @throws ConfigError `E_PRICE_CARD` when the file cannot be read or is invalid
 */
export function loadPriceCard(path: string = BUNDLED_PRICE_CARD_PATH): PriceCard {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('E_PRICE_CARD', `${path}: cannot read the price card (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parsePriceCard(text, path);
}

/** A model found on the card (under its own name or an alias), or why not. */
export type ModelLookup = { ok: true; name: string; price: ModelPrice } | { ok: false; reason: string };

/** Finds `model` on the card, following `aliases` (exact names only: a snapshot needs an alias entry). */
export function lookupModel(card: PriceCard, model: string): ModelLookup {
  const name = card.aliases[model] ?? model;
  const price = card.models[name];
  if (price) return { ok: true, name, price };
  return { ok: false, reason: `model '${model}' is not on the price card of ${card.as_of} (add it, or an alias, to a card passed with --price-card)` };
}
