/**
 * The corpus manifest (`audio-corpus/manifest.json`): schema, parsing with errors that name the
 * manifest file, the clip (index and id) and the field, and serialization.
 */
import { z } from 'zod';
import { ConfigError } from '../../common/errors.ts';

/** Current manifest format version. */
export const MANIFEST_VERSION = 1;

/** File name of the manifest inside a corpus directory. */
export const MANIFEST_FILE = 'manifest.json';

/** A language tag as the manifest accepts it (BCP 47 shape: `en`, `uk`, `en-GB`, `und`). */
export const LANGUAGE_TAG_PATTERN = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

const ms = z.number().finite().nonnegative();

const sourceFormatSchema = z.strictObject({
  sample_rate_hz: z.number().int().positive(),
  channels: z.number().int().positive(),
  encoding: z.enum(['pcm', 'float', 'mulaw', 'alaw']),
  bit_depth: z.number().int().positive(),
  wave_format: z.enum(['PCM', 'IEEE_FLOAT', 'ALAW', 'MULAW', 'EXTENSIBLE']).optional(),
});

const clipSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected letters, digits, ".", "_" or "-" (starting with a letter or digit)'),
  file: z
    .string()
    .min(1)
    .refine((f) => !f.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(f) && !f.split(/[\\/]/).includes('..'), {
      message: 'expected a path relative to the manifest, inside its directory',
    }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  transcript: z.string(),
  language: z.string().regex(LANGUAGE_TAG_PATTERN, 'expected a BCP 47 language tag such as "en", "uk", "en-GB" or "und"'),
  /** TTS voice or speaker; optional for users' own recordings. */
  voice: z.string().optional(),
  source_format: sourceFormatSchema,
  duration_ms: ms,
  speech_start_ms: ms,
  speech_end_ms: ms,
});

const manifestSchema = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  clips: z.array(z.unknown()),
});

/** How a clip's WAV stores its samples (the decoder's `SourceFormat`). */
export type ManifestSourceFormat = z.infer<typeof sourceFormatSchema>;

/** One clip of the manifest. */
export type ClipEntry = z.infer<typeof clipSchema>;

/** The whole manifest. */
export interface Manifest {
  version: typeof MANIFEST_VERSION;
  clips: ClipEntry[];
}

/**
 * Parses and validates manifest JSON text. Checks each clip's fields, unique ids and files, and
 * `speech_start_ms < speech_end_ms ≤ duration_ms`.
 * @param file the manifest's path, used in messages
 * @throws ConfigError `E_MANIFEST` listing every problem, each naming the file, clip and field
 */
export function parseManifest(text: string, file: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('E_MANIFEST', `${file}: not valid JSON (${(err as Error).message})`);
  }
  const top = manifestSchema.safeParse(json);
  if (!top.success) {
    throw new ConfigError(
      'E_MANIFEST',
      top.error.issues.map((i) => `${file}: ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`),
    );
  }
  const problems: string[] = [];
  const clips: ClipEntry[] = [];
  const ids = new Map<string, number>();
  const files = new Map<string, number>();
  top.data.clips.forEach((raw, index) => {
    const where = clipLabel(file, index, raw);
    const parsed = clipSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`${where}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
      }
      return;
    }
    const clip = parsed.data;
    const dupId = ids.get(clip.id);
    if (dupId !== undefined) problems.push(`${where}: id: duplicate of clips[${dupId}]`);
    else ids.set(clip.id, index);
    const dupFile = files.get(clip.file);
    if (dupFile !== undefined) problems.push(`${where}: file: ${clip.file} is also used by clips[${dupFile}]`);
    else files.set(clip.file, index);
    if (clip.speech_start_ms >= clip.speech_end_ms) {
      problems.push(`${where}: speech_start_ms: ${clip.speech_start_ms} must be less than speech_end_ms ${clip.speech_end_ms}`);
    }
    if (clip.speech_end_ms > clip.duration_ms) {
      problems.push(`${where}: speech_end_ms: ${clip.speech_end_ms} exceeds duration_ms ${clip.duration_ms}`);
    }
    clips.push(clip);
  });
  if (problems.length) throw new ConfigError('E_MANIFEST', problems);
  return { version: MANIFEST_VERSION, clips };
}

/** `manifest.json: clips[3] (id "x")`, the prefix of every clip problem. */
export function clipLabel(file: string, index: number, clip: unknown): string {
  const id = typeof clip === 'object' && clip !== null ? (clip as { id?: unknown }).id : undefined;
  return `${file}: clips[${index}]${typeof id === 'string' ? ` (id ${JSON.stringify(id)})` : ''}`;
}

/** Manifest JSON text: two-space indent, clips in the given order, keys in schema order, trailing newline. */
export function serializeManifest(manifest: Manifest): string {
  const clips = manifest.clips.map((c) => {
    const sf = c.source_format;
    return {
      id: c.id,
      file: c.file,
      sha256: c.sha256,
      transcript: c.transcript,
      language: c.language,
      ...(c.voice !== undefined ? { voice: c.voice } : {}),
      source_format: {
        sample_rate_hz: sf.sample_rate_hz,
        channels: sf.channels,
        encoding: sf.encoding,
        bit_depth: sf.bit_depth,
        ...(sf.wave_format !== undefined ? { wave_format: sf.wave_format } : {}),
      },
      duration_ms: c.duration_ms,
      speech_start_ms: c.speech_start_ms,
      speech_end_ms: c.speech_end_ms,
    };
  });
  return `${JSON.stringify({ version: manifest.version, clips }, null, 2)}\n`;
}
