/**
 * `rth conform` as a library: validate the options (before any socket opens), start the bundled
 * mock when no target is given, run the probes and (with `recovery`) the recovery suite, write
 * `conformance.json`, `summary.json` and optionally JUnit XML, and return the exit code.
 * Library code: never calls `process.exit`, never prints keys.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProbeResult } from '../conformance/report.ts';
import { summarizeRules, writeConformanceJson, type ConformanceReport } from '../conformance/report.ts';
import { toJunitXml } from '../conformance/junit.ts';
import type { Finding } from '../conformance/types.ts';
import type { PreparedClip } from '../contract.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus } from '../corpus/load-corpus.ts';
import { ConfigError } from '../../common/errors.ts';
import { startMockProcess, type MockProcess } from '../runner/mock-process.ts';
import { toolVersion } from '../version.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/index.ts';
import { buildConformSummary, formatConformText, type ConformSummary } from './conform-report.ts';
import { PROBE_CHUNK_MS } from './probe-helpers.ts';
import { selectProbes } from './probes.ts';
import { runRecoverySuite, type RecoverySuiteResult } from './recovery-suite.ts';
import { runProbes } from './run-probes.ts';
import { DEFAULT_PROBE_MODELS, mockProbeTarget, parseHeaderFlags, resolveRemoteTarget } from './target.ts';
import type { ProbeClips, ProbeTarget } from './types.ts';

/** Corpus clips the probes and recovery sessions speak (English, for real targets). */
export const PROBE_CLIP_IDS = ['en-weather-paris', 'en-cancel-order'] as const;

/** Maximum session of the side mock the expiry probe connects to, s. */
export const EXPIRY_MOCK_MAX_SESSION_S = 1;

/** Options of {@link runConform}; every field but `env` is optional. */
export interface ConformOptions {
  /** `mock` (default: the bundled mock in its own process), `openai`, or a `ws://`/`wss://` URL. */
  readonly target?: string;
  /** `--header 'Name: value'` flags (never printed). Default none. */
  readonly headers?: readonly string[];
  /** Environment variable holding the API key. Default `OPENAI_API_KEY` for `openai`, none for URLs. */
  readonly apiKeyEnv?: string;
  /** Realtime model. Default `gpt-realtime-2` (a URL's own `?model=` when it has one). */
  readonly model?: string;
  /** `--probes` list (ids or short names, comma-separated). Default every probe. */
  readonly probes?: string;
  /** Write JUnit XML here. Default none. */
  readonly junitPath?: string | null;
  /** Output folder. Default `reports/<YYYYMMDD-HHMMSS>-conform/` under `cwd`. */
  readonly outDir?: string;
  /** Run the recovery suite (bundled mocks with faults). Default false. */
  readonly recovery?: boolean;
  /** Seed of the bundled mocks and the recovery suite. Default 1. */
  readonly seed?: number;
  /** Latency profile file for the bundled mocks (`rth mock --latency`). Default the mock's own. */
  readonly mockLatencyFile?: string | null;
  /** Longest wait for one answer, ms. Default 15000. */
  readonly stepTimeoutMs?: number;
  /** Probes run at the same time. Default 3. */
  readonly concurrency?: number;
  /** Environment (API keys are read from here). */
  readonly env: NodeJS.ProcessEnv;
  /** Base of the default output folder. Default `process.cwd()`. */
  readonly cwd?: string;
  /** Told each probe result as it ends (progress). Default none. */
  readonly onProbe?: (r: ProbeResult) => void;
  /** Told when a phase starts (progress). Default none. */
  readonly onPhase?: (phase: 'mock' | 'probes' | 'recovery' | 'write') => void;
}

/** What {@link runConform} returns. */
export interface ConformResult {
  /** 0 when every probe passed and no error finding was made, else 1. */
  readonly exitCode: 0 | 1;
  readonly report: ConformanceReport;
  readonly summary: ConformSummary;
  readonly recovery: RecoverySuiteResult | null;
  /** The text to print. */
  readonly text: string;
  readonly files: ConformSummary['files'];
}

/** `YYYYMMDD-HHMMSS`, local time. */
function stamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

interface Validated {
  readonly probes: ReturnType<typeof selectProbes>;
  readonly remote: ProbeTarget | null;
  readonly seed: number;
}

/** Checks every option and resolves a remote target; `problems` collects what is wrong. */
function check(o: ConformOptions, problems: string[]): Validated {
  const headers = parseHeaderFlags(o.headers ?? [], problems);
  let probes: ReturnType<typeof selectProbes> = [];
  try {
    probes = selectProbes(o.probes);
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...err.problems);
    else throw err;
  }
  const seed = o.seed ?? 1;
  if (!Number.isSafeInteger(seed)) problems.push(`--seed ${JSON.stringify(String(o.seed))}: expected an integer`);
  if (o.junitPath === '') problems.push('--junit "": expected a file path');
  if (o.apiKeyEnv !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.apiKeyEnv)) problems.push(`--api-key-env ${JSON.stringify(o.apiKeyEnv)}: expected an environment variable name`);
  if (o.model !== undefined && o.model.trim() === '') problems.push('--model "": expected a model name');
  const target = o.target ?? 'mock';
  let remote: ProbeTarget | null = null;
  if (target !== 'mock') {
    try {
      remote = resolveRemoteTarget({
        target,
        headers,
        ...(o.apiKeyEnv !== undefined ? { apiKeyEnv: o.apiKeyEnv } : {}),
        env: o.env,
        models: { ...DEFAULT_PROBE_MODELS, ...(o.model !== undefined ? { realtime: o.model } : {}) },
        modelGiven: o.model !== undefined,
      });
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  return { probes, remote, seed };
}

/** Every problem with `o` (flag-named), empty when it can run. Opens no socket. */
export function conformOptionProblems(o: ConformOptions): string[] {
  const problems: string[] = [];
  check(o, problems);
  return problems;
}

function validate(o: ConformOptions): Validated {
  const problems: string[] = [];
  const v = check(o, problems);
  if (problems.length > 0) throw new ConfigError('E_FLAG', problems);
  return v;
}

/** The bundled mock and its side mocks, started for a run. */
interface BundledMocks {
  readonly target: ProbeTarget;
  stop(): Promise<void>;
}

async function startBundledMocks(o: ConformOptions, seed: number, probeIds: ReadonlySet<string>, model: string): Promise<BundledMocks> {
  const started: { proc: MockProcess | null; side: MockServerHandle[] } = { proc: null, side: [] };
  const stop = async (): Promise<void> => {
    await Promise.all([started.proc?.stop(), ...started.side.map((m) => m.close())]);
  };
  try {
    started.proc = await startMockProcess({ seed, ...(o.mockLatencyFile ? { latencyFile: o.mockLatencyFile } : {}) });
    let badKey: string | null = null;
    let expiry: { url: string; maxSessionS: number } | null = null;
    if (probeIds.has('PROBE-BAD-KEY')) {
      // A mock that demands a key nobody is told: the probe's key must be refused (§1.2).
      const m = await startMockServer({ port: 0, seed, apiKey: `sk-rth-side-${randomBytes(12).toString('hex')}` });
      started.side.push(m);
      badKey = m.url;
    }
    if (probeIds.has('PROBE-SESSION-EXPIRY')) {
      const m = await startMockServer({ port: 0, seed, maxSessionS: EXPIRY_MOCK_MAX_SESSION_S });
      started.side.push(m);
      expiry = { url: m.url, maxSessionS: EXPIRY_MOCK_MAX_SESSION_S };
    }
    return { target: mockProbeTarget({ main: started.proc.url, badKey, expiry }, { ...DEFAULT_PROBE_MODELS, realtime: model }), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function loadClips(): Promise<{ probe: ProbeClips; all: PreparedClip[] }> {
  const clips = await loadCorpus(BUNDLED_CORPUS_DIR, { format: { type: 'audio/pcm', rate: 24000 }, chunkMs: PROBE_CHUNK_MS, ids: [...PROBE_CLIP_IDS] });
  const first = clips.get(PROBE_CLIP_IDS[0])!;
  const second = clips.get(PROBE_CLIP_IDS[1])!;
  return { probe: { first, second }, all: [first, second] };
}

/**
 * Runs `rth conform`. Resolves with the exit code and what was written; rejects only for
 * configuration errors (ConfigError, before any socket opens) or when the bundled mock cannot start.
 */
export async function runConform(o: ConformOptions): Promise<ConformResult> {
  const v = validate(o);
  const startedAt = new Date();
  const t0 = performance.now();
  const outDir = path.resolve(o.outDir ?? path.join(o.cwd ?? process.cwd(), 'reports', `${stamp(startedAt)}-conform`));
  const clips = await loadClips();
  const model = o.model ?? DEFAULT_PROBE_MODELS.realtime;
  let mocks: BundledMocks | null = null;
  let probeResults: ProbeResult[] = [];
  const findings: Finding[] = [];
  let recovery: RecoverySuiteResult | null = null;
  try {
    let target = v.remote;
    if (target === null) {
      o.onPhase?.('mock');
      mocks = await startBundledMocks(o, v.seed, new Set(v.probes.map((p) => p.id)), model);
      target = mocks.target;
    }
    o.onPhase?.('probes');
    const run = await runProbes({
      target,
      clips: clips.probe,
      probes: v.probes,
      ...(o.stepTimeoutMs !== undefined ? { stepTimeoutMs: o.stepTimeoutMs } : {}),
      ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
      ...(o.onProbe ? { onResult: o.onProbe } : {}),
    });
    probeResults = run.results;
    findings.push(...run.findings);
  } finally {
    await mocks?.stop();
  }
  if (o.recovery) {
    o.onPhase?.('recovery');
    recovery = await runRecoverySuite({ clips: clips.all, seed: v.seed, model, ...(o.mockLatencyFile ? { latencyFile: o.mockLatencyFile } : {}) });
    findings.push(...recovery.findings);
  }
  o.onPhase?.('write');
  await mkdir(outDir, { recursive: true });
  const files = {
    conformance: path.join(outDir, 'conformance.json'),
    summary: path.join(outDir, 'summary.json'),
    junit: o.junitPath ? path.resolve(o.cwd ?? process.cwd(), o.junitPath) : null,
  };
  const report = await writeConformanceJson(findings, files.conformance, probeResults);
  if (files.junit) {
    await mkdir(path.dirname(files.junit), { recursive: true });
    await writeFile(files.junit, toJunitXml({ rules: summarizeRules(findings), probes: probeResults }), 'utf8');
  }
  const summary = buildConformSummary({
    report,
    target: v.remote?.label ?? 'mock',
    startedAt,
    durationMs: performance.now() - t0,
    version: toolVersion(),
    recovery,
    files,
  });
  await writeFile(files.summary, `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
  return { exitCode: summary.exitCode, report, summary, recovery, text: formatConformText(summary, report, recovery), files };
}
