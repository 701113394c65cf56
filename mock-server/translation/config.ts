/**
 * Configuration of a translation session (§2.5, `/v1/realtime/translations`): defaults and
 * `session.update` validation. Only `audio` may change; `type` and `model` are fixed at creation
 * (the same value again is accepted, another one is rejected; §8.3 leaves open whether a repeated
 * `type` is an error).
 */
import type { RealtimeTranslationSession } from 'openai/resources/realtime/realtime';
import { invalidValue, modelImmutable } from '../errors.ts';
import type { NoiseReductionWire } from '../realtime/config.ts';
import { parseNoiseReduction } from '../realtime/session-update.ts';
import { asObject, asString, at, fail, onlyKeys, required } from '../realtime/validate.ts';

/** Model of a translation session whose URL names none. */
export const DEFAULT_TRANSLATION_MODEL = 'gpt-realtime-translate';

/** Output language of a fresh session (not documented; mock choice). */
export const DEFAULT_OUTPUT_LANGUAGE = 'es';

/** An ISO-639 code with an optional region/script subtag (`es`, `pt-BR`, `zh-Hant`). */
const LANGUAGE_CODE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$/;

/** The effective config of a translation session (wire shape, with `null` where the mock sends it). */
export interface EffectiveTranslationSession {
  id: string;
  type: 'translation';
  model: string;
  /** Unix seconds. */
  expires_at: number;
  audio: {
    input: {
      noise_reduction: NoiseReductionWire;
      transcription: { model: string } | null;
    };
    output: { language: string };
  };
}

/** Compile-time proof that the effective config is what the SDK's session type accepts. */
const _sdkShape = (s: EffectiveTranslationSession): RealtimeTranslationSession => s;
void _sdkShape;

/** A fresh session: no noise reduction, no input transcription, output language {@link DEFAULT_OUTPUT_LANGUAGE}. */
export function defaultTranslationSession(id: string, model: string, expiresAtS: number): EffectiveTranslationSession {
  return {
    id,
    type: 'translation',
    model,
    expires_at: expiresAtS,
    audio: { input: { noise_reduction: null, transcription: null }, output: { language: DEFAULT_OUTPUT_LANGUAGE } },
  };
}

/**
 * Validates `raw` (the event's `session`) and returns the merged config. Noise reduction without
 * `strength` keeps the current strength, or 1 when first enabled (SDK docs).
 * Throws `ValidationFailure` (realtime/validate.ts) on the first problem.
 */
export function applyTranslationUpdate(raw: unknown, current: EffectiveTranslationSession): EffectiveTranslationSession {
  const path = 'session';
  const o = asObject(required({ session: raw }, 'session', ''), path);
  onlyKeys(o, path, ['type', 'model', 'audio']);
  if (o['type'] !== undefined && o['type'] !== 'translation') {
    fail(invalidValue(at(path, 'type'), o['type'], undefined, "The type of a translation session is 'translation' and cannot be changed."));
  }
  if (o['model'] !== undefined && o['model'] !== current.model) fail(modelImmutable(current.model, o['model']));
  const next = structuredClone(current);
  if (o['audio'] === undefined) return next;
  const ap = at(path, 'audio');
  const audio = asObject(o['audio'], ap);
  onlyKeys(audio, ap, ['input', 'output']);
  if (audio['input'] !== undefined) {
    const ip = at(ap, 'input');
    const input = asObject(audio['input'], ip);
    onlyKeys(input, ip, ['noise_reduction', 'transcription']);
    if (input['noise_reduction'] !== undefined) {
      const nr = parseNoiseReduction(input['noise_reduction'], at(ip, 'noise_reduction'));
      if (nr) nr.strength ??= current.audio.input.noise_reduction?.strength ?? 1;
      next.audio.input.noise_reduction = nr;
    }
    if (input['transcription'] !== undefined) {
      const tp = at(ip, 'transcription');
      if (input['transcription'] === null) next.audio.input.transcription = null;
      else {
        const t = asObject(input['transcription'], tp);
        onlyKeys(t, tp, ['model']);
        next.audio.input.transcription = { model: asString(required(t, 'model', tp), at(tp, 'model')) };
      }
    }
  }
  if (audio['output'] !== undefined) {
    const op = at(ap, 'output');
    const output = asObject(audio['output'], op);
    onlyKeys(output, op, ['language']);
    if (output['language'] !== undefined) {
      const lp = at(op, 'language');
      const language = asString(output['language'], lp);
      if (!LANGUAGE_CODE.test(language)) fail(invalidValue(lp, language, undefined, 'Expected an ISO-639-1 language code such as \'es\' or \'pt-BR\'.'));
      next.audio.output.language = language;
    }
  }
  return next;
}

/** A deep copy for `session.created` / `session.updated`. */
export function toWireTranslationSession(s: EffectiveTranslationSession): RealtimeTranslationSession {
  return structuredClone(s);
}
