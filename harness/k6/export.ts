/**
 * `exportK6`: writes a scenario as a k6 test — `script.js`, `clips/`, `scenario.json`,
 * `testrun.yaml`, `README.md` — and computes what it costs in memory per VU and per k6 instance.
 * Nothing secret is written: no headers, no key (the script reads `OPENAI_API_KEY` at run time),
 * and a target URL carrying credentials is refused.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus, readManifest } from '../corpus/load-corpus.ts';
import { clipIdsNeeded } from '../runner/plans.ts';
import { MOCK_API_KEY, OPENAI_REALTIME_BASE, sessionUrl } from '../runner/target.ts';
import { validateClipIds } from '../scenario/clips.ts';
import type { ResolvedScenario } from '../scenario/types.ts';
import { buildK6Options } from './k6-options.ts';
import { CONFIGMAP_LIMIT_BYTES, estimateArchiveBytes, exportReadme, testRunManifest, type TestRunSpec } from './manifests.ts';
import { renderScript } from './render.ts';
import { buildScriptConfig } from './script-config.ts';
import { DEFAULT_MOCK_URL, type K6AudioMode, type K6ExportOptions, type K6ExportResult, type K6ScriptConfig } from './types.ts';

/** Query parameters that look like credentials (Azure's `api-key`, signed URLs, tokens). */
const SECRET_PARAM = /key|token|secret|signature|sig|password|auth/i;

/** The script's default session URL for a target (`mock`, `openai` or a ws(s) URL). @throws ConfigError `E_FLAG` */
export function defaultSessionUrl(target: string, scenario: Pick<ResolvedScenario, 'kind' | 'model'>): string {
  if (target === 'mock') return sessionUrl(DEFAULT_MOCK_URL, scenario.kind, scenario.model, false);
  if (target === 'openai') return sessionUrl(OPENAI_REALTIME_BASE, scenario.kind, scenario.model, false);
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new ConfigError('E_FLAG', `--target: expected mock, openai or a ws:// or wss:// URL, got '${target}'`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new ConfigError('E_FLAG', `--target: expected a ws:// or wss:// URL, got ${u.protocol}//`);
  const secret = [...u.searchParams.keys()].filter((k) => SECRET_PARAM.test(k));
  if (u.username || u.password || secret.length > 0) {
    throw new ConfigError(
      'E_FLAG',
      `--target: the URL carries credentials (${u.username || u.password ? 'user:password' : secret.join(', ')}); it would be written into script.js. Export without them and pass the full URL at run time in RTH_TARGET_URL`,
    );
  }
  return sessionUrl(target, scenario.kind, scenario.model, true);
}

/** Base64 length of `n` bytes. */
function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/** Audio held per VU and per instance (see {@link K6AudioMode}); frames as the script builds them. */
export function audioFootprint(config: K6ScriptConfig): { perVu: number; perInstance: number } {
  const framePrefix = `{"type":"${config.appendType}","audio":""}`.length;
  const silenceFrame = framePrefix + base64Length(config.frameBytes);
  let frames = 0;
  for (const c of config.clips) {
    for (let at = 0; at < c.bytes; at += config.frameBytes) frames += base64Length(Math.min(config.frameBytes, c.bytes - at));
  }
  const clipBytes = config.clips.reduce((sum, c) => sum + c.bytes, 0);
  return config.audioMode === 'shared' ? { perVu: silenceFrame, perInstance: frames } : { perVu: clipBytes + silenceFrame, perInstance: 0 };
}

/**
 * Exports `scenario` to `opts.outDir`.
 * @throws ConfigError `E_FLAG` (bad target / parallelism), `E_SCENARIO` (unknown clip ids), `E_MANIFEST` / `E_CORPUS` / `E_WAV` (corpus)
 */
export async function exportK6(scenario: ResolvedScenario, opts: K6ExportOptions): Promise<K6ExportResult> {
  if (scenario.carrier !== null) {
    throw new ConfigError(
      'E_SCENARIO',
      `${scenario.sourceLabel}: transport: the k6 export writes transport websocket scenarios only, got ${scenario.transport}. A k6 script could play the carrier over k6/websockets, but this export has no k6 counterpart of the call engine (20 ms media for the whole call from never-early deadlines, the mark play-out clock, speech-onset TTFA, the mock-trace split, --bridge-cmd); run the calls with 'rth run' (docs/readme/telephony.md, "k6")`,
    );
  }
  if (scenario.transport !== 'websocket') {
    // k6 speaks HTTP and WebSocket only: there is no WebRTC (ICE, DTLS, SRTP, SCTP) in k6.
    throw new ConfigError('E_SCENARIO', `${scenario.sourceLabel}: transport: k6 has no WebRTC, so a scenario with transport ${scenario.transport} cannot be exported; run it with rth run (or export it with transport: websocket)`);
  }
  const audioMode: K6AudioMode = opts.audioMode ?? 'shared';
  if (audioMode !== 'shared' && audioMode !== 'per-vu') throw new ConfigError('E_FLAG', `--audio: expected shared or per-vu, got '${String(audioMode)}'`);
  const parallelism = opts.parallelism ?? Math.max(1, Math.min(4, scenario.sessions));
  if (!Number.isInteger(parallelism) || parallelism < 1) throw new ConfigError('E_FLAG', `--parallelism: expected a whole number ≥ 1, got ${String(parallelism)}`);
  const target = opts.target ?? scenario.target;
  const defaultUrl = defaultSessionUrl(target, scenario);

  const corpusDir = resolve(opts.corpusDir ?? BUNDLED_CORPUS_DIR);
  const { manifest } = await readManifest(corpusDir);
  const corpusIds = manifest.clips.map((c) => c.id);
  validateClipIds(scenario, corpusIds);
  const clips = await loadCorpus(corpusDir, { format: scenario.wireFormat, chunkMs: scenario.chunkMs, ids: clipIdsNeeded(scenario, corpusIds) });
  const durations = [...clips.values()].map((c) => c.durationMs);
  const { options, plan } = buildK6Options(scenario, {
    meanMs: durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length),
    maxMs: Math.max(0, ...durations),
  });
  const { config, clipAudio } = buildScriptConfig(scenario, {
    clips,
    corpusIds,
    defaultUrl,
    fallbackKey: target === 'mock' ? MOCK_API_KEY : null,
    audioMode,
    startSpacingMs: plan.startSpacingMs,
  });
  const script = renderScript(config, options);

  const outDir = resolve(opts.outDir);
  await mkdir(join(outDir, 'clips'), { recursive: true });
  const files = ['script.js', 'scenario.json', 'testrun.yaml', 'README.md'];
  await writeFile(join(outDir, 'script.js'), script);
  for (const [i, c] of config.clips.entries()) {
    await writeFile(join(outDir, c.file), clipAudio[i]!);
    files.push(c.file.replace(/^\.\//, ''));
  }
  const { headers: _headers, ...withoutHeaders } = scenario;
  await writeFile(join(outDir, 'scenario.json'), JSON.stringify(withoutHeaders, null, 2) + '\n');

  const notes = [...plan.notes];
  if (Object.keys(scenario.headers).length > 0) notes.push('scenario headers were not exported (they may hold credentials); pass them at run time as RTH_HEADERS (a JSON object)');
  if (target === 'mock') notes.push(`target mock: k6 cannot start the embedded mock; run \`rth mock --port 8080\` (default URL ${DEFAULT_MOCK_URL}) or set RTH_TARGET_URL`);
  if (scenario.mock.faults.length > 0 && target === 'mock') notes.push(`mock faults (${scenario.mock.faults.join(', ')}) are options of the mock: pass them to rth mock --fault`);
  if (scenario.mock.priority === 'idle' && target === 'mock') notes.push('mock.priority idle: start the mock under SCHED_IDLE yourself (`chrt --idle 0 npx rth mock --port 8080`)');
  if (scenario.pacing.busyPoll) notes.push('pacing.busy_poll applies to rth run only: k6 paces frames with its own timers');
  notes.push('the script does not retry rate-limited or failed responses and does not reconnect (the harness does): such turns count as failed');
  const archiveBytes = estimateArchiveBytes([Buffer.byteLength(script), ...clipAudio.map((b) => b.length)]);
  if (archiveBytes > CONFIGMAP_LIMIT_BYTES) {
    notes.push(`archive.tar will be about ${archiveBytes} bytes, more than a Kubernetes ConfigMap holds (${CONFIGMAP_LIMIT_BYTES}): use a volumeClaim (testrun.yaml says how) or a shorter clips: list`);
  }
  const footprint = audioFootprint(config);
  const result: K6ExportResult = {
    outDir,
    files: files.sort(),
    clipIds: config.clips.map((c) => c.id),
    clipBytes: clipAudio.reduce((sum, b) => sum + b.length, 0),
    scriptBytes: Buffer.byteLength(script),
    audioBytesPerVu: footprint.perVu,
    audioBytesPerInstance: footprint.perInstance,
    audioMode,
    defaultUrl,
    executor: plan.executor,
    notes,
  };
  const spec: TestRunSpec = { scenario: scenario.name, parallelism, secret: opts.secret ?? { name: 'rth-openai', key: 'api-key' }, targetUrl: defaultUrl, archiveBytes };
  await writeFile(join(outDir, 'testrun.yaml'), testRunManifest(spec));
  await writeFile(join(outDir, 'README.md'), exportReadme(result, scenario.name, spec));
  return result;
}
