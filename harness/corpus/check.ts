/**
 * `rth corpus check` as a library function: the manifest validates, every file exists and matches
 * its sha256, decodes, has the declared source format and duration, and the VAD still finds the
 * declared speech boundaries (so `speech_end_sent` stamps stay right if the detector or a file changes).
 */
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { decodeWav, durationMsOf, type DecodedAudio } from '../audio/wav-decode.ts';
import { annotate, annotationWarnings } from './annotate.ts';
import { readClipFile, readManifest } from './load-corpus.ts';
import { MANIFEST_FILE, type ClipEntry } from './manifest.ts';

/** Largest accepted difference between the manifest's and the re-computed speech boundaries, ms (two VAD frames). */
export const BOUNDARY_TOLERANCE_MS = 20;
/** Largest accepted difference between the manifest's and the decoded duration, ms. */
export const DURATION_TOLERANCE_MS = 1;

/** Result for one clip. */
export interface ClipCheck {
  readonly index: number;
  readonly id: string;
  readonly file: string;
  /** Problems that make the corpus unusable or wrong (exit 1). */
  readonly problems: readonly string[];
  /** Things worth knowing that do not fail the check. */
  readonly warnings: readonly string[];
  readonly entry: ClipEntry;
}

/** Result of checking a corpus directory. */
export interface CorpusCheck {
  readonly dir: string;
  readonly manifestFile: string;
  /** Manifest-level problems (then `clips` is empty). */
  readonly manifestProblems: readonly string[];
  readonly clips: readonly ClipCheck[];
  /** True when there is no problem anywhere. */
  readonly ok: boolean;
}

/** Checks a corpus directory; never throws for problems in the corpus (they are in the result). */
export async function checkCorpus(dir: string): Promise<CorpusCheck> {
  const manifestFile = join(dir, MANIFEST_FILE);
  let clips: ClipEntry[];
  try {
    clips = (await readManifest(dir)).manifest.clips;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { dir, manifestFile, manifestProblems: err.problems, clips: [], ok: false };
  }
  const results: ClipCheck[] = [];
  // One clip at a time: decoding and resampling are CPU-bound and the machine is shared.
  for (const [index, entry] of clips.entries()) results.push(await checkClip(dir, index, entry));
  return { dir, manifestFile, manifestProblems: [], clips: results, ok: results.length > 0 && results.every((r) => r.problems.length === 0) };
}

async function checkClip(dir: string, index: number, entry: ClipEntry): Promise<ClipCheck> {
  const path = join(dir, entry.file);
  const problems: string[] = [];
  const warnings: string[] = [];
  const result = (): ClipCheck => ({ index, id: entry.id, file: path, problems, warnings, entry });
  const read = await readClipFile(dir, entry);
  if ('problem' in read) {
    problems.push(read.problem);
    return result();
  }
  let decoded: DecodedAudio;
  try {
    decoded = await decodeWav(read.bytes, path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err.message);
    return result();
  }
  const declared = entry.source_format;
  const actual = decoded.sourceFormat;
  for (const key of ['sample_rate_hz', 'channels', 'encoding', 'bit_depth', 'wave_format'] as const) {
    if (declared[key] !== undefined && declared[key] !== actual[key]) {
      problems.push(`${path}: source_format.${key} is ${JSON.stringify(actual[key])}, the manifest says ${JSON.stringify(declared[key])}`);
    }
  }
  const durationMs = durationMsOf(decoded);
  if (Math.abs(durationMs - entry.duration_ms) > DURATION_TOLERANCE_MS) {
    problems.push(`${path}: duration is ${durationMs.toFixed(1)} ms, the manifest says duration_ms ${entry.duration_ms}`);
  }
  const a = await annotate(decoded);
  warnings.push(...annotationWarnings(a).map((w) => `${path}: ${w}`));
  for (const [field, found] of [
    ['speech_start_ms', a.speechStartMs],
    ['speech_end_ms', a.speechEndMs],
  ] as const) {
    if (found !== null && Math.abs(found - entry[field]) > BOUNDARY_TOLERANCE_MS) {
      problems.push(
        `${path}: the VAD finds ${field} ${found}, the manifest says ${entry[field]} (more than ${BOUNDARY_TOLERANCE_MS} ms apart; re-run \`rth corpus annotate\`)`,
      );
    }
  }
  if (a.speechEndMs === null) problems.push(`${path}: no speech detected`);
  return result();
}
