/**
 * Loads a corpus directory for a run: validates the manifest and every selected file's sha256
 * first (all problems in one ConfigError, before any decoding), then decodes, converts and
 * slices each clip once. Converted audio is cached per clip content and rate, so preparing the same
 * clips for another format or chunk size in the same process does not decode them again.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../common/errors.ts';
import type { PreparedClip } from '../contract.ts';
import { sampleRateHz } from '../../common/audio/formats.ts';
import { prepareClip, samplesPerFrame, type FrameOptions } from '../audio/prepare-clip.ts';
import { toMonoAt } from '../audio/resample.ts';
import { decodeWav } from '../audio/wav-decode.ts';
import { MANIFEST_FILE, parseManifest, type ClipEntry, type Manifest } from './manifest.ts';

/** The corpus shipped with the package (`audio-corpus/` at the repository root). */
export const BUNDLED_CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../audio-corpus');

/** Mono float audio of clips keyed by content hash and rate; share one instance per process. */
export class ClipAudioCache {
  readonly #entries = new Map<string, Promise<Float32Array>>();

  /** The clip's mono audio at `rateHz`, computed once by `make`. A failed computation is not kept. */
  get(sha256: string, rateHz: number, make: () => Promise<Float32Array>): Promise<Float32Array> {
    const key = `${sha256}@${rateHz}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = make();
      this.#entries.set(key, entry);
      entry.catch(() => this.#entries.delete(key));
    }
    return entry;
  }

  /** Number of cached (clip, rate) entries. */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The process-wide cache used when none is passed. */
export const sharedClipAudioCache = new ClipAudioCache();

/** Options of {@link loadCorpus}. */
export interface LoadCorpusOptions extends FrameOptions {
  /** Clip ids to load, in this order; default every clip in manifest order. */
  readonly ids?: readonly string[];
  /** Default {@link sharedClipAudioCache}. */
  readonly cache?: ClipAudioCache;
}

/** Reads and validates `<dir>/manifest.json`. @throws ConfigError `E_MANIFEST` */
export async function readManifest(dir: string): Promise<{ manifest: Manifest; manifestFile: string }> {
  const manifestFile = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestFile, 'utf8');
  } catch (err) {
    throw new ConfigError('E_MANIFEST', `${manifestFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return { manifest: parseManifest(text, manifestFile), manifestFile };
}

/** Lowercase hex sha256 of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads a clip's file and checks its hash; returns the bytes or the problem (naming the file).
 */
export async function readClipFile(dir: string, clip: ClipEntry): Promise<{ bytes: Buffer } | { problem: string }> {
  const path = join(dir, clip.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return { problem: `${path}: cannot read clip ${JSON.stringify(clip.id)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  const actual = sha256Hex(bytes);
  if (actual !== clip.sha256) {
    return { problem: `${path}: sha256 ${actual} does not match the manifest's ${clip.sha256} (clip ${JSON.stringify(clip.id)})` };
  }
  return { bytes };
}

/**
 * Loads clips as prepared append frames for one wire format and chunk size.
 * @param dir corpus directory containing `manifest.json`
 * @returns clips by id, in the order of `ids` (or the manifest)
 * @throws ConfigError `E_MANIFEST` (manifest), `E_CORPUS` (unknown ids, missing files, hash mismatch, bad chunk_ms), `E_WAV` (decoding)
 */
export async function loadCorpus(dir: string, opts: LoadCorpusOptions): Promise<Map<string, PreparedClip>> {
  samplesPerFrame(opts.format, opts.chunkMs); // fail on a bad chunk size before any I/O
  const { manifest, manifestFile } = await readManifest(dir);
  const byId = new Map(manifest.clips.map((c) => [c.id, c]));
  const ids = opts.ids ?? manifest.clips.map((c) => c.id);
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length) {
    throw new ConfigError(
      'E_CORPUS',
      unknown.map((id) => `${manifestFile}: no clip with id ${JSON.stringify(id)} (known: ${[...byId.keys()].join(', ')})`),
    );
  }
  const selected = [...new Set(ids)].map((id) => byId.get(id)!);
  const files = await Promise.all(selected.map((clip) => readClipFile(dir, clip)));
  const problems = files.flatMap((f) => ('problem' in f ? [f.problem] : []));
  if (problems.length) throw new ConfigError('E_CORPUS', problems);

  const cache = opts.cache ?? sharedClipAudioCache;
  const rateHz = sampleRateHz(opts.format);
  const out = new Map<string, PreparedClip>();
  // Sequential on purpose: decoding is CPU-bound and the machine is shared; order stays stable.
  for (const [i, clip] of selected.entries()) {
    const { bytes } = files[i] as { bytes: Buffer };
    const samples = await cache.get(clip.sha256, rateHz, async () => toMonoAt(await decodeWav(bytes, join(dir, clip.file)), rateHz));
    out.set(clip.id, prepareClip(clip, { sampleRateHz: rateHz, channels: [samples] }, opts));
  }
  return out;
}
