/**
 * `rth corpus annotate` as a library: manifest entries for users' own recordings, and merging
 * them into a manifest file.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { decodeWav } from '../audio/wav-decode.ts';
import { annotate, annotationWarnings } from './annotate.ts';
import { sha256Hex } from './load-corpus.ts';
import { MANIFEST_VERSION, parseManifest, serializeManifest, type ClipEntry, type Manifest } from './manifest.ts';

/** Options of {@link annotateFile}. */
export interface AnnotateFileOptions {
  /** Directory the entry's `file` is relative to; default the WAV's own directory. */
  readonly relativeTo?: string;
  /** `language` of new entries; default `und` (undetermined). */
  readonly language?: string;
}

/** An entry for one recording, with warnings about its fitness as a turn. */
export interface AnnotatedFile {
  readonly entry: ClipEntry;
  readonly warnings: readonly string[];
}

/**
 * Decodes, hashes and annotates one WAV. The id is the file name without extension, the transcript
 * empty (fill it in).
 * @throws ConfigError `E_WAV` (cannot read/decode), `E_CORPUS` (no speech, or outside `relativeTo`)
 */
export async function annotateFile(path: string, opts: AnnotateFileOptions = {}): Promise<AnnotatedFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ConfigError('E_WAV', `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const decoded = await decodeWav(bytes, path);
  const a = await annotate(decoded);
  if (a.speechStartMs === null || a.speechEndMs === null) throw new ConfigError('E_CORPUS', `${path}: ${annotationWarnings(a)[0]}`);
  const base = resolve(opts.relativeTo ?? dirname(path));
  const rel = relative(base, resolve(path));
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ConfigError('E_CORPUS', `${path}: must be inside ${base}, the manifest's directory (manifest paths are relative)`);
  }
  const id = basename(path, extname(path)).replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'clip';
  return {
    entry: {
      id,
      file: rel.split(sep).join('/'),
      sha256: sha256Hex(bytes),
      transcript: '',
      language: opts.language ?? 'und',
      source_format: decoded.sourceFormat,
      duration_ms: a.durationMs,
      speech_start_ms: a.speechStartMs,
      speech_end_ms: a.speechEndMs,
    },
    warnings: annotationWarnings(a),
  };
}

/**
 * Adds entries to a manifest, replacing those with the same id. A replaced entry keeps its
 * transcript, language and voice (what a person wrote) and takes the new hash, format and bounds.
 */
export function mergeEntries(manifest: Manifest, entries: readonly ClipEntry[]): Manifest {
  const clips = [...manifest.clips];
  for (const e of entries) {
    const at = clips.findIndex((c) => c.id === e.id);
    if (at < 0) clips.push(e);
    else {
      const old = clips[at]!;
      clips[at] = { ...e, transcript: old.transcript, language: old.language, ...(old.voice !== undefined ? { voice: old.voice } : {}) };
    }
  }
  return { version: MANIFEST_VERSION, clips };
}

/**
 * Merges entries into `manifestFile` (created if missing) and writes it; validates the result.
 * @throws ConfigError when two entries share an id, or the manifest is invalid
 * @returns the manifest written
 */
export async function writeEntries(manifestFile: string, entries: readonly ClipEntry[]): Promise<Manifest> {
  const seen = new Map<string, string>();
  for (const e of entries) {
    const other = seen.get(e.id);
    if (other !== undefined) throw new ConfigError('E_CORPUS', `${e.file}: id ${JSON.stringify(e.id)} is also the id of ${other}; rename one file`);
    seen.set(e.id, e.file);
  }
  let existing: Manifest = { version: MANIFEST_VERSION, clips: [] };
  let text: string | null = null;
  try {
    text = await readFile(manifestFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError('E_MANIFEST', `${manifestFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (text !== null) existing = parseManifest(text, manifestFile);
  const merged = mergeEntries(existing, entries);
  const out = serializeManifest(merged);
  parseManifest(out, manifestFile); // catches e.g. two new files mapping to one id
  await writeFile(manifestFile, out);
  return merged;
}
