/**
 * `rth calibrate RUN_DIR`: fits the mock's latency profile to a run (samples.ts says what is
 * measured and from where; fit.ts how it is fitted). Per model seen in the run: `responseCreatedMs`
 * (all efforts pooled: the profile has one), `firstAudio.efforts.<e>` per measured effort (or
 * `firstAudio.default` for a non-reasoning model), `laterTurnFactor`, and `audio` (delta size and
 * real-time factor). Not measurable from `turns.jsonl`, kept from the base profile: commentary
 * probabilities and text delta spacing. Efforts the run did not measure are placed between (or
 * beyond) the measured ones with the base profile's ratios, and measured medians that are not
 * strictly increasing are repaired by pooling (the profile format requires the order); both are
 * stated. The profile's top level is the model with the most samples; every fitted model also gets
 * its own `models.<name>` section. The run's provenance goes in `$provenance` and `sources`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { REASONING_EFFORTS, type ReasoningEffort } from '../../common/protocol/types.ts';
import { DEFAULT_LATENCY_PROFILE, parseLatencyProfile, type DelayDistribution, type LatencyProfile } from '../../mock-server/index.ts';
import { parseJsonlLines, readRunFiles } from '../report/read-run.ts';
import { fitLaterTurnFactor, fitLogNormal, increasingFit, median, type LogNormalFit } from './fit.ts';
import { traceCrossCheck, turnSamples, type TraceCrossCheck, type TraceTiming, type TurnSample } from './samples.ts';

/** What one fitted group (a model's effort, or its non-reasoning default) came to. */
export interface EffortFit {
  effort: ReasoningEffort | 'default';
  /** Fitted (from data), filled (from the base profile's ratios), or repaired (pooled to keep efforts increasing). */
  source: 'fitted' | 'filled' | 'repaired';
  /** First-audio fit (turn-1 equivalent: later turns divided by the factor); null when filled. */
  fit: LogNormalFit | null;
  delay: DelayDistribution;
}

/** One model's calibration. */
export interface ModelCalibration {
  model: string;
  samples: number;
  responseCreated: LogNormalFit | null;
  efforts: EffortFit[];
  laterTurnFactor: { value: number; source: 'fitted' | 'base'; nFirst: number; nLater: number };
  audio: { deltaMs: number; realtimeFactor: number; source: 'fitted' | 'base'; turns: number };
}

/** Everything `rth calibrate` learned. */
export interface Calibration {
  /** The profile JSON to write (passes `parseLatencyProfile`). */
  profileJson: Record<string, unknown>;
  /** The parsed profile (as the mock will use it). */
  profile: LatencyProfile;
  models: ModelCalibration[];
  excluded: Record<string, number>;
  /** Skipped lines of the run's files. */
  skippedLines: number;
  /** Present when the run's target was the embedded mock and it left a trace. */
  traceCheck: TraceCrossCheck | null;
  provenance: Record<string, unknown>;
}

/** Options of {@link calibrateRun}. */
export interface CalibrateOptions {
  /** Profile whose unmeasured fields are kept. Default the mock's default profile. */
  base?: LatencyProfile;
  /** When the calibration ran (provenance). Default now. */
  now?: Date;
  /** Where the profile will be written (names it in validation messages). Default `calibrated.json`. */
  outFile?: string;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const delayOf = (medianMs: number, p95Ms: number): DelayDistribution => ({ medianMs: round3(medianMs), p95Ms: round3(Math.max(p95Ms, medianMs)) });

/** A model's first-audio efforts: fitted where measured, filled and repaired elsewhere. */
function effortDelays(fits: Map<ReasoningEffort, LogNormalFit>, base: LatencyProfile): EffortFit[] {
  const measured = REASONING_EFFORTS.filter((e) => fits.has(e));
  // Pool adjacent violators in log space, weighted by sample size, so the order holds.
  const logs = increasingFit(
    measured.map((e) => Math.log(fits.get(e)!.medianMs)),
    measured.map((e) => fits.get(e)!.n),
    1e-6,
  );
  const med = new Map(measured.map((e, i) => [e, Math.exp(logs[i]!)]));
  const b = (e: ReasoningEffort): number => base.firstAudio.efforts[e].medianMs;
  const out: EffortFit[] = [];
  REASONING_EFFORTS.forEach((e, i) => {
    const f = fits.get(e);
    if (f) {
      const m = med.get(e)!;
      const repaired = Math.abs(m - f.medianMs) > 1e-9 * f.medianMs;
      out.push({ effort: e, source: repaired ? 'repaired' : 'fitted', fit: f, delay: delayOf(m, m * (f.p95Ms / f.medianMs)) });
      return;
    }
    const lo = [...REASONING_EFFORTS.slice(0, i)].reverse().find((x) => med.has(x));
    const hi = REASONING_EFFORTS.slice(i + 1).find((x) => med.has(x));
    let m: number;
    if (lo && hi) {
      const t = (Math.log(b(e)) - Math.log(b(lo))) / (Math.log(b(hi)) - Math.log(b(lo)));
      m = Math.exp(Math.log(med.get(lo)!) + t * (Math.log(med.get(hi)!) - Math.log(med.get(lo)!)));
    } else if (lo) m = med.get(lo)! * (b(e) / b(lo));
    else m = med.get(hi!)! * (b(e) / b(hi!));
    const ratio = base.firstAudio.efforts[e].p95Ms / b(e);
    out.push({ effort: e, source: 'filled', fit: null, delay: delayOf(m, m * ratio) });
  });
  // Rounding to µs must not undo the strict order.
  for (let i = 1; i < out.length; i++) {
    const prev = out[i - 1]!.delay;
    const cur = out[i]!.delay;
    if (cur.medianMs <= prev.medianMs) out[i]!.delay = delayOf(prev.medianMs + 0.001, Math.max(cur.p95Ms, prev.medianMs + 0.001));
  }
  return out;
}

/** Calibrates one model's samples. */
function calibrateModel(model: string, samples: readonly TurnSample[], base: LatencyProfile): ModelCalibration {
  const reasoning = samples.some((s) => s.effort !== null);
  const groups = new Map<string, TurnSample[]>();
  for (const s of samples) {
    const key = reasoning ? (s.effort ?? '') : 'default';
    if (key === '') continue;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const later = fitLaterTurnFactor([...groups.values()].map((g) => ({ first: g.filter((s) => s.turnIndex <= 1).map((s) => s.firstAudioMs), later: g.filter((s) => s.turnIndex > 1).map((s) => s.firstAudioMs) })));
  const factor = later.factor ?? base.laterTurnFactor;
  const fits = new Map<string, LogNormalFit>();
  for (const [key, g] of groups) fits.set(key, fitLogNormal(g.map((s) => (s.turnIndex > 1 ? s.firstAudioMs / factor : s.firstAudioMs))));
  const created = samples.map((s) => s.responseCreatedMs).filter((x): x is number => x !== null);
  const withAudio = samples.filter((s) => s.deltaMs !== null && s.deltaSpacingMs !== null);
  let audio: ModelCalibration['audio'] = { ...base.audio, source: 'base', turns: 0 };
  if (withAudio.length > 0) {
    const deltaMs = median(withAudio.map((s) => s.deltaMs!));
    const spacingMs = median(withAudio.map((s) => s.deltaSpacingMs!));
    // A spacing below the stamps' resolution means "as fast as the socket": capped, not infinite (JSON has no Infinity).
    if (deltaMs >= 1) audio = { deltaMs: round3(deltaMs), realtimeFactor: round3(Math.min(10_000, deltaMs / Math.max(spacingMs, 0.001))), source: 'fitted', turns: withAudio.length };
  }
  const efforts: EffortFit[] = reasoning
    ? effortDelays(new Map([...fits].filter(([k]) => k !== 'default') as [ReasoningEffort, LogNormalFit][]), base)
    : [{ effort: 'default', source: 'fitted', fit: fits.get('default')!, delay: delayOf(fits.get('default')!.medianMs, fits.get('default')!.p95Ms) }];
  return {
    model,
    samples: samples.length,
    responseCreated: created.length > 0 ? fitLogNormal(created) : null,
    efforts,
    laterTurnFactor: { value: round3(factor), source: later.factor === null ? 'base' : 'fitted', nFirst: later.nFirst, nLater: later.nLater },
    audio,
  };
}

/** A model's timing fields as a profile section. */
function timingFields(c: ModelCalibration): Record<string, unknown> {
  const def = c.efforts.find((e) => e.effort === 'default');
  const out: Record<string, unknown> = {};
  if (c.responseCreated) out.responseCreatedMs = delayOf(c.responseCreated.medianMs, c.responseCreated.p95Ms);
  out.firstAudio = def
    ? { default: def.delay }
    : { efforts: Object.fromEntries(c.efforts.map((e) => [e.effort, e.delay])) };
  out.laterTurnFactor = c.laterTurnFactor.value;
  out.audio = { deltaMs: c.audio.deltaMs, realtimeFactor: c.audio.realtimeFactor };
  return out;
}

async function readTrace(dir: string): Promise<TraceTiming[] | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'mock-trace.jsonl'), 'utf8');
  } catch {
    return null;
  }
  return parseJsonlLines(text, 'mock-trace.jsonl')
    .values.map((v) => v.value as TraceTiming)
    .filter((r) => typeof r === 'object' && r !== null && typeof r.response_id === 'string' && typeof r.delays_start_us === 'number');
}

/**
 * Reads a run directory and fits a profile to it.
 * @throws ConfigError `E_RUN_DIR` when `dir` is not a run directory, `E_CALIBRATE` when no turn
 *   gives a sample (the message says why turns were left out)
 */
export async function calibrateRun(dir: string, opts: CalibrateOptions = {}): Promise<Calibration> {
  const base = opts.base ?? DEFAULT_LATENCY_PROFILE;
  const run = await readRunFiles(dir);
  const { samples, excluded } = turnSamples(run.turns);
  if (samples.length === 0) {
    const why = Object.entries(excluded).map(([k, n]) => `${n} ${k}`).join(', ') || 'no turns';
    throw new ConfigError('E_CALIBRATE', `${path.join(dir, 'turns.jsonl')}: no turn to fit (${why}); calibration needs completed turns with audio and a speech_stopped or committed stamp`);
  }
  const byModel = new Map<string, TurnSample[]>();
  for (const s of samples) byModel.set(s.model, [...(byModel.get(s.model) ?? []), s]);
  const models = [...byModel].sort((a, b) => b[1].length - a[1].length).map(([m, ss]) => calibrateModel(m, ss, base));
  const trace = await readTrace(dir);
  const traceCheck = trace ? traceCrossCheck(samples, trace) : null;
  const now = opts.now ?? new Date();
  const summary = run.summary;
  const perEffort = Object.fromEntries(models.map((m) => [m.model, Object.fromEntries(m.efforts.filter((e) => e.fit).map((e) => [e.effort, e.fit!.n]))]));
  const provenance: Record<string, unknown> = {
    tool: 'rth calibrate',
    calibrated_at: now.toISOString(),
    run_dir: path.resolve(dir),
    scenario: summary?.scenario.name ?? run.run?.scenario?.name ?? null,
    target: summary?.target ?? run.run?.target ?? null,
    run_started_at: summary?.started_at ?? run.runFileTime?.toISOString() ?? null,
    run_git_commit: summary?.provenance?.git_commit ?? null,
    samples_per_model_and_effort: perEffort,
    excluded_turns: excluded,
    ks_distance: Object.fromEntries(models.map((m) => [m.model, Object.fromEntries(m.efforts.filter((e) => e.fit).map((e) => [e.effort, round3(e.fit!.ks)]))])),
    harness_vs_mock_trace: traceCheck,
  };
  const primary = models[0]!;
  const fitted = models.map((m) => `${m.model}: ${m.efforts.map((e) => `${e.effort} ${e.source}${e.fit ? ` (n ${e.fit.n}, KS ${e.fit.ks.toFixed(3)})` : ''}`).join(', ')}; laterTurnFactor ${m.laterTurnFactor.source}; audio ${m.audio.source}`);
  const profileJson: Record<string, unknown> = {
    $provenance: provenance,
    name: `calibrated-${String(provenance.scenario ?? path.basename(path.resolve(dir)))}`,
    sources: [
      `Fitted by rth calibrate on ${provenance.calibrated_at} from ${provenance.run_dir} (scenario ${String(provenance.scenario)}, target ${String(provenance.target)}, run started ${String(provenance.run_started_at)}, commit ${String(provenance.run_git_commit)}).`,
      'Delays are measured from the server\'s end-of-turn decision as the client received it (speech_stopped for VAD turns, committed for manual turns) to response.created and the first audio delta; log-normal: median = the sample median, p95 = median × e^(1.645 σ), σ = interquartile range of ln(delay) / 1.349. Later turns are divided by the fitted laterTurnFactor before the effort fits.',
      ...fitted,
      'Not measurable from turns.jsonl, kept from the base profile: commentaryProbability, textDeltaIntervalMs. Filled efforts follow the base profile\'s ratios between efforts.',
    ],
    ...timingFields(primary),
    commentaryProbability: { ...base.commentaryProbability },
    textDeltaIntervalMs: base.textDeltaIntervalMs,
    models: Object.fromEntries(models.map((m) => [m.model, timingFields(m)])),
  };
  const profile = parseLatencyProfile(profileJson, opts.outFile ?? 'calibrated.json');
  return { profileJson, profile, models, excluded, skippedLines: run.skipped.length, traceCheck, provenance };
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The console text of a calibration: per model and effort, n, median, p95, KS distance. */
export function formatCalibration(c: Calibration): string {
  const lines: string[] = [];
  for (const m of c.models) {
    lines.push(`Model ${m.model}: ${m.samples} turns`);
    if (m.responseCreated) lines.push(`  response.created   n ${m.responseCreated.n}  median ${ms(m.responseCreated.medianMs)} ms  p95 ${ms(m.responseCreated.p95Ms)} ms  KS ${m.responseCreated.ks.toFixed(3)} (5% ref ${m.responseCreated.ksCritical5.toFixed(3)})`);
    for (const e of m.efforts) {
      const f = e.fit;
      const fitText = f ? `n ${f.n}  KS ${f.ks.toFixed(3)} (5% ref ${f.ksCritical5.toFixed(3)})${f.ks > f.ksCritical5 ? ' POOR FIT' : ''}${f.n < 20 ? ' (few samples)' : ''}` : 'not in the run: filled from the base profile\'s ratios';
      lines.push(`  first audio ${e.effort.padEnd(7)} median ${ms(e.delay.medianMs)} ms  p95 ${ms(e.delay.p95Ms)} ms  ${e.source === 'repaired' ? '[repaired to keep efforts increasing] ' : ''}${fitText}`);
    }
    const l = m.laterTurnFactor;
    lines.push(`  laterTurnFactor    ${l.value}${l.source === 'fitted' ? ` (turn 1: ${l.nFirst}, later turns: ${l.nLater})` : ' (base profile: the run has no effort with both first and later turns)'}`);
    lines.push(`  audio              ${m.audio.deltaMs} ms per delta, ${m.audio.realtimeFactor}× real time${m.audio.source === 'fitted' ? ` (${m.audio.turns} turns)` : ' (base profile)'}`);
  }
  const ex = Object.entries(c.excluded);
  if (ex.length > 0) lines.push(`Turns left out: ${ex.map(([k, n]) => `${n} ${k}`).join(', ')}`);
  if (c.skippedLines > 0) lines.push(`Unreadable lines skipped: ${c.skippedLines}`);
  const t = c.traceCheck;
  if (t) lines.push(t.matched > 0 ? `Harness vs mock trace (first-audio delay): median |error| ${ms(t.medianAbsErrorMs!)} ms, max ${ms(t.maxAbsErrorMs!)} ms over ${t.matched} responses` : 'Harness vs mock trace: no response matched');
  lines.push('KS: Kolmogorov–Smirnov distance between the fitted log-normal and the data; the 5% reference 1.36/√n is conservative because the fit used the same data.');
  return lines.join('\n');
}
