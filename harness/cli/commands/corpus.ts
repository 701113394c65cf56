/**
 * `rth corpus check | annotate | convert`: a thin layer over `harness/corpus` and `harness/audio`.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { Option } from 'commander';
import { ConfigError } from '../../../common/errors.ts';
import type { CliIo } from '../io.ts';
import type { RegisterCommand } from './index.ts';
import { rawExtension, toWireAudio, wireToWav, WIRE_FORMATS } from '../../audio/convert.ts';
import { decodeWav, durationMsOf, type SourceFormat } from '../../audio/wav-decode.ts';
import { sampleRateHz } from '../../../common/audio/formats.ts';
import { annotateFile, writeEntries, type AnnotatedFile } from '../../corpus/annotate-files.ts';
import { checkCorpus, type ClipCheck } from '../../corpus/check.ts';
import { BUNDLED_CORPUS_DIR, readClipFile, readManifest } from '../../corpus/load-corpus.ts';
import { LANGUAGE_TAG_PATTERN, type ClipEntry, type Manifest } from '../../corpus/manifest.ts';

/** Registers `rth corpus` and its subcommands. */
export const registerCorpus: RegisterCommand = (program, io, setExitCode) => {
  const corpus = program.command('corpus').description('Check, annotate and convert WAV corpora (audio-corpus/ and your own recordings)');

  corpus
    .command('check')
    .description('Validate a corpus: manifest, sha256 of every file, decodable formats, durations and VAD speech boundaries')
    .option('--dir <dir>', 'corpus directory containing manifest.json', BUNDLED_CORPUS_DIR)
    .action(async (opts: { dir: string }) => {
      if (!(await runCheck(resolve(opts.dir), io))) setExitCode(1);
    });

  corpus
    .command('annotate')
    .description("Find speech boundaries (server_vad defaults) in WAVs and print manifest entries for them")
    .argument('<wav...>', 'WAV files')
    .option('--write-manifest <file>', 'add the entries to this manifest (created if missing; entries with the same id are updated)')
    .option('--language <tag>', 'language of new entries (BCP 47)', 'und')
    .action(async (wavs: string[], opts: { writeManifest?: string; language: string }) => {
      await runAnnotate(wavs, opts, io);
    });

  corpus
    .command('convert')
    .description('Convert WAVs or corpus clips to what a session sends: 24 kHz PCM16 mono, or 8 kHz G.711 (WAV or raw)')
    .argument('<input...>', 'WAV files or clip ids of the corpus in --dir')
    .requiredOption('--out <dir>', 'output directory (created if missing)')
    .addOption(new Option('--format <format>', 'output format').choices(['pcm16', 'pcmu', 'pcma']).default('pcm16'))
    .option('--raw', 'write headerless wire bytes (.pcm / .ulaw / .alaw) instead of WAV', false)
    .option('--dir <dir>', 'corpus directory for clip ids', BUNDLED_CORPUS_DIR)
    .action(async (inputs: string[], opts: { out: string; format: keyof typeof WIRE_FORMATS; raw: boolean; dir: string }) => {
      await runConvert(inputs, opts, io);
    });
};

function formatLabel(f: SourceFormat): string {
  return `${f.sample_rate_hz} Hz ${f.channels} ch ${f.encoding} ${f.bit_depth}-bit${f.wave_format === 'EXTENSIBLE' ? ' ext' : ''}`;
}

async function runCheck(dir: string, io: CliIo): Promise<boolean> {
  const result = await checkCorpus(dir);
  if (result.manifestProblems.length) {
    for (const p of result.manifestProblems) io.out(`FAIL  ${p}`);
    io.out(`corpus check failed: ${result.manifestFile} is invalid (${result.manifestProblems.length} problem(s))`);
    return false;
  }
  const idWidth = Math.max(...result.clips.map((c) => c.id.length), 2);
  for (const c of result.clips) io.out(checkLine(c, idWidth));
  const failed = result.clips.filter((c) => c.problems.length > 0).length;
  const warned = result.clips.filter((c) => c.warnings.length > 0).length;
  io.out(
    `${result.clips.length} clip(s): ${result.clips.length - failed} ok, ${failed} failed${warned ? `, ${warned} with warnings` : ''} (${result.manifestFile})`,
  );
  return result.ok;
}

function checkLine(c: ClipCheck, idWidth: number): string {
  const e = c.entry;
  const head = `${c.problems.length ? 'FAIL' : 'ok  '}  ${c.id.padEnd(idWidth)}  ${e.language.padEnd(3)} ${formatLabel(e.source_format as SourceFormat).padEnd(30)} ${String(e.duration_ms).padStart(6)} ms  speech ${e.speech_start_ms}–${e.speech_end_ms} ms`;
  const extra = [...c.problems.map((p) => `      problem: ${p}`), ...c.warnings.map((w) => `      warning: ${w}`)];
  return [head, ...extra].join('\n');
}

async function runAnnotate(wavs: string[], opts: { writeManifest?: string; language: string }, io: CliIo): Promise<void> {
  if (!LANGUAGE_TAG_PATTERN.test(opts.language)) {
    throw new ConfigError('E_FLAG', `--language: expected a BCP 47 language tag such as "en", "uk" or "und", got ${JSON.stringify(opts.language)}`);
  }
  const manifestFile = opts.writeManifest === undefined ? undefined : resolve(opts.writeManifest);
  const results: AnnotatedFile[] = [];
  const problems: string[] = [];
  for (const wav of wavs) {
    try {
      results.push(await annotateFile(wav, { language: opts.language, ...(manifestFile ? { relativeTo: dirname(manifestFile) } : {}) }));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length) throw new ConfigError('E_CORPUS', problems);
  for (const r of results) for (const w of r.warnings) io.err(`warning: ${r.entry.file}: ${w}`);
  const entries = results.map((r) => r.entry);
  io.out(JSON.stringify(entries, null, 2));
  if (manifestFile) {
    const written = await writeEntries(manifestFile, entries);
    io.err(`wrote ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} to ${manifestFile} (${written.clips.length} clip(s) in total); fill in the transcripts`);
  }
}

interface ConvertInput {
  /** Output base name. */
  name: string;
  /** Path for messages. */
  path: string;
  bytes: Buffer;
}

async function resolveInputs(inputs: string[], corpusDir: string): Promise<ConvertInput[]> {
  let manifest: Manifest | null = null;
  const out: ConvertInput[] = [];
  const problems: string[] = [];
  for (const input of inputs) {
    const isFile = await stat(input).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile) {
      out.push({ name: basename(input, extname(input)), path: input, bytes: await readFile(input) });
      continue;
    }
    manifest ??= (await readManifest(corpusDir)).manifest;
    const clip: ClipEntry | undefined = manifest.clips.find((c) => c.id === input);
    if (!clip) {
      problems.push(`${input}: no such file, and no clip with that id in ${join(corpusDir, 'manifest.json')}`);
      continue;
    }
    const read = await readClipFile(corpusDir, clip);
    if ('problem' in read) problems.push(read.problem);
    else out.push({ name: clip.id, path: join(corpusDir, clip.file), bytes: read.bytes });
  }
  const seen = new Set<string>();
  for (const i of out) {
    if (seen.has(i.name)) problems.push(`${i.path}: another input also converts to ${i.name}.*; rename one`);
    seen.add(i.name);
  }
  if (problems.length) throw new ConfigError('E_CORPUS', problems);
  return out;
}

async function runConvert(
  inputs: string[],
  opts: { out: string; format: keyof typeof WIRE_FORMATS; raw: boolean; dir: string },
  io: CliIo,
): Promise<void> {
  const format = WIRE_FORMATS[opts.format];
  const resolved = await resolveInputs(inputs, resolve(opts.dir));
  // Decode everything before writing anything, so a bad file leaves no partial output.
  const decoded = await Promise.all(resolved.map((i) => decodeWav(i.bytes, i.path)));
  await mkdir(opts.out, { recursive: true });
  for (const [k, input] of resolved.entries()) {
    const audio = decoded[k]!;
    const wire = await toWireAudio(audio, format);
    const file = join(opts.out, `${input.name}${opts.raw ? rawExtension(format) : '.wav'}`);
    const bytes = opts.raw ? wire : wireToWav(format, wire);
    await writeFile(file, bytes);
    io.out(
      `wrote ${file} (${opts.format}, ${sampleRateHz(format)} Hz mono, ${Math.round(durationMsOf(audio))} ms, ${bytes.length} bytes) from ${input.path} (${formatLabel(audio.sourceFormat)})`,
    );
  }
}
