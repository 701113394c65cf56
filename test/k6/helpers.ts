/**
 * Shared setup of the k6 tests: short fixture clips (tests stream audio in real time), a mock
 * latency profile without spread (so TTFA is known up to the VAD wait and the loop's overhead),
 * and export directories under the project's git-ignored `tmp/` (so `tsc` and `vitest` resolve
 * `node_modules` from them).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeFixtureCorpus, type FixtureClip } from '../../harness/corpus/fixture-corpus.test-util.ts';
import { projectRoot } from '../../harness/version.ts';
import { DEFAULT_LATENCY_PROFILE, type LatencyProfile } from '../../mock-server/latency-profile.ts';

/** Fixture scenarios of these tests. */
export const FIXTURES_DIR = join(projectRoot, 'test/k6/fixtures');

/** Two short clips (0.9 s and 1.0 s, speech 100–500 ms / 150–550 ms). */
export const SHORT_CLIPS: readonly FixtureClip[] = [
  { id: 'short-a', format: { sampleRateHz: 16000, encoding: 'pcm', bitDepth: 16 }, totalMs: 900, speech: [100, 500] },
  { id: 'short-b', format: { sampleRateHz: 24000, encoding: 'pcm', bitDepth: 16 }, totalMs: 1000, speech: [150, 550] },
];

/** A corpus directory of {@link SHORT_CLIPS}. */
export async function shortCorpus(): Promise<string> {
  return (await makeFixtureCorpus(SHORT_CLIPS)).dir;
}

/** First audio exactly this long after the end of the user's turn, per effort (no spread). */
export const FIXED_FIRST_AUDIO_MS = { minimal: 100, low: 150, medium: 300, high: 450, xhigh: 600 } as const;

const fixed = (ms: number) => ({ medianMs: ms, p95Ms: ms });

/** The default profile with fixed delays, no later-turn speed-up, no commentary preambles, fast audio. */
export const FIXED_LATENCY_PROFILE: LatencyProfile = {
  ...DEFAULT_LATENCY_PROFILE,
  name: 'k6-tests-fixed',
  responseCreatedMs: fixed(10),
  firstAudio: {
    default: fixed(100),
    efforts: {
      minimal: fixed(FIXED_FIRST_AUDIO_MS.minimal),
      low: fixed(FIXED_FIRST_AUDIO_MS.low),
      medium: fixed(FIXED_FIRST_AUDIO_MS.medium),
      high: fixed(FIXED_FIRST_AUDIO_MS.high),
      xhigh: fixed(FIXED_FIRST_AUDIO_MS.xhigh),
    },
  },
  laterTurnFactor: 1,
  commentaryProbability: { minimal: 0, low: 0, medium: 0, high: 0, xhigh: 0 },
  // Answers stream 20× faster than real time: turns end soon after first audio (fast tests).
  audio: { ...DEFAULT_LATENCY_PROFILE.audio, realtimeFactor: 20 },
};

const TMP_ROOT = join(projectRoot, 'tmp');

/** A fresh directory under `<project>/tmp/`; {@link removeTemp} deletes it. */
export function tempUnderProject(prefix: string): string {
  mkdirSync(TMP_ROOT, { recursive: true });
  return mkdtempSync(join(TMP_ROOT, prefix));
}

/** Deletes directories made by {@link tempUnderProject} (or anywhere). */
export function removeTemp(dirs: string[]): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Files under `dir` (recursively) whose bytes contain `needle`, relative to `dir`. */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const abs = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(abs).isDirectory()) walk(abs, r);
      else if (readFileSync(abs).includes(Buffer.from(needle))) hits.push(r);
    }
  };
  walk(dir, '');
  return hits;
}

/** Median of numbers (mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
