/**
 * Helpers of the end-to-end tier: scenario files in a temporary folder that point the embedded mock
 * at a fast latency profile (the default profile scaled down), so each run takes seconds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { CliIo, StopSignal } from '../../harness/cli/io.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import type { ResolvedScenario, ScenarioOverrides } from '../../harness/scenario/types.ts';
import { DEFAULT_LATENCY_PROFILE, scaleLatencyProfile, type LatencyProfile } from '../../mock-server/latency-profile.ts';

/** Delay scale of the fast profile: TTFA medians 336 ms (minimal) … 893 ms (xhigh). */
export const FAST_SCALE = 0.3;

/** A temporary folder with a fast profile; `cleanup()` removes it. */
export interface E2eDir {
  readonly dir: string;
  /** The scaled profile as written to `fast-latency.json`. */
  readonly profile: LatencyProfile;
  /** Writes `<name>.yaml` (the mock's latency profile set to the fast one unless given) and loads it. */
  scenario(name: string, fields: Record<string, unknown>, overrides?: ScenarioOverrides): Promise<ResolvedScenario>;
  /** Reads a JSONL file of the run. */
  jsonl<T = Record<string, unknown>>(file: string): T[];
  cleanup(): void;
}

/**
 * Creates the folder and the fast profile.
 * @param audioRealtimeFactor overrides how much faster than real time the mock streams its audio
 *   (the scaled profile streams it `4 / FAST_SCALE` times faster; barge-in wants real time, 1)
 */
export function e2eDir(audioRealtimeFactor?: number): E2eDir {
  const dir = mkdtempSync(path.join(tmpdir(), 'rth-e2e-'));
  const scaled = scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, FAST_SCALE);
  const profile: LatencyProfile = audioRealtimeFactor === undefined ? scaled : { ...scaled, audio: { ...scaled.audio, realtimeFactor: audioRealtimeFactor } };
  writeFileSync(path.join(dir, 'fast-latency.json'), JSON.stringify({ ...profile, name: 'fast' }));
  return {
    dir,
    profile,
    async scenario(name, fields, overrides = {}) {
      const file = path.join(dir, `${name}.yaml`);
      const mock = { latency_profile: './fast-latency.json', ...((fields.mock as object | undefined) ?? {}) };
      writeFileSync(file, stringify({ name, target: 'mock', seed: 3, ...fields, mock, out: path.join(dir, `out-${name}`) }));
      return loadScenario(file, overrides, { cwd: dir });
    },
    jsonl<T>(file: string): T[] {
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as T);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A stop signal the test fires: `soft()` then `hard()`. */
export function manualStop(): { signal: StopSignal; soft: () => void; hard: () => void } {
  let soft!: () => void;
  let hard!: () => void;
  const signal: StopSignal = { soft: new Promise((r) => (soft = r)), hard: new Promise((r) => (hard = r)) };
  return { signal, soft: () => soft(), hard: () => hard() };
}

/** A CliIo that records output. */
export function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (l) => void stdout.push(l), err: (l) => void stderr.push(l), env, isTty: false, stopSignal: manualStop().signal, stdout, stderr };
}

/** Median of numbers (mean of the middle two for even counts). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
