/**
 * `rth conform --replay FILE|DIR`: judges recorded streams offline with the passive conformance
 * rules (the checker every live session runs). Each file (a recording of `rth record`, or any
 * capture in the stream format of common/protocol/stream-record.ts) is fed to a fresh checker;
 * redacted audio is put back as silence of the recorded length, so length and base64 rules judge it
 * as they would the original. Non-JSON client frames (`clientRaw`) are not judged (no rule reads them).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { parseStreamRecording, restoreRedactedAudio, type StreamRecording } from '../../common/protocol/stream-record.ts';
import { buildConformanceReport, type ConformanceReport } from '../conformance/report.ts';
import { checkRecordedStream, type RecordedStream, type StreamLine } from '../conformance/replay.ts';
import type { Finding, SessionKind } from '../conformance/types.ts';

/** One judged file. */
export interface ReplayVerdict {
  file: string;
  findings: Finding[];
}

/** All files judged, and the merged report. */
export interface ReplayJudgement {
  files: ReplayVerdict[];
  report: ConformanceReport;
  /** True when no finding has severity `error`. */
  passed: boolean;
}

/** The checker's input from a parsed recording. */
export function toCheckerStream(rec: StreamRecording): RecordedStream {
  const lines: StreamLine[] = [];
  for (const l of rec.lines) {
    if ('server' in l) lines.push({ server: restoreRedactedAudio(l.server, l.redacted) });
    else if ('client' in l) lines.push({ client: restoreRedactedAudio(l.client, l.redacted) });
    else if ('serverRaw' in l) lines.push({ serverRaw: l.serverRaw });
    else if ('close' in l) lines.push({ close: { code: l.close.code, ...(l.close.reason !== undefined ? { reason: l.close.reason } : {}) } });
  }
  const meta: { sessionKind?: SessionKind; outputFormat?: RecordedStream['meta']['outputFormat'] } = {};
  if (rec.meta.sessionKind) meta.sessionKind = rec.meta.sessionKind;
  if (rec.meta.outputFormat) meta.outputFormat = rec.meta.outputFormat as RecordedStream['meta']['outputFormat'];
  return { meta, lines };
}

/** The files a `--replay` path names: the file itself, or every `*.jsonl` of a folder, sorted. */
async function replayFiles(p: string): Promise<string[]> {
  let s;
  try {
    s = await stat(p);
  } catch (err) {
    throw new ConfigError('E_STREAM', `--replay ${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!s.isDirectory()) return [p];
  const files = (await readdir(p)).filter((f) => f.endsWith('.jsonl')).sort().map((f) => path.join(p, f));
  if (files.length === 0) throw new ConfigError('E_STREAM', `--replay ${p}: no *.jsonl recordings in this folder`);
  return files;
}

/**
 * Judges recordings.
 * @throws ConfigError `E_STREAM` when a path cannot be read or a line is not in the stream format
 */
export async function judgeRecordings(target: string): Promise<ReplayJudgement> {
  const out: ReplayVerdict[] = [];
  for (const file of await replayFiles(target)) {
    const rec = parseStreamRecording(await readFile(file, 'utf8'), file);
    out.push({ file, findings: checkRecordedStream(toCheckerStream(rec), { sessionId: path.basename(file) }) });
  }
  const all = out.flatMap((v) => v.findings);
  return { files: out, report: buildConformanceReport(all), passed: !all.some((f) => f.severity === 'error') };
}

/** At most this many findings are listed one by one in the text (all are in the JSON). */
const LISTED = 50;

/** The text printed: verdict first, then per file, the rules that fired, and the findings. */
export function formatReplayJudgement(j: ReplayJudgement, written: readonly string[]): string {
  const s = j.report.counts.bySeverity;
  const lines = [`rth conform --replay: ${j.passed ? 'PASSED' : 'FAILED'} — ${j.files.length} recording(s); findings ${s.error} error, ${s.warning} warning, ${s.info} info`];
  for (const f of j.files) lines.push(`  ${f.file}: ${f.findings.length === 0 ? 'no findings' : `${f.findings.length} finding(s)`}`);
  const fired = j.report.rules.filter((r) => r.count > 0);
  if (fired.length > 0) {
    lines.push('', 'Rules that fired:');
    for (const r of fired) lines.push(`  ${r.status === 'failed' ? 'FAIL' : r.severity === 'warning' ? 'WARN' : 'INFO'} ${r.id} ×${r.count}: ${r.description}`);
    lines.push('', 'Findings:');
    const all = j.files.flatMap((v) => v.findings.map((f) => ({ file: path.basename(v.file), f })));
    for (const { file, f } of all.slice(0, LISTED)) lines.push(`  ${f.severity.toUpperCase()} ${f.ruleId} ${file}${f.eventIndex >= 0 ? ` server event #${f.eventIndex}` : ''}${f.eventType ? ` (${f.eventType})` : ''}: ${f.message}`);
    if (all.length > LISTED) lines.push(`  … ${all.length - LISTED} more in the JSON`);
  }
  if (written.length > 0) lines.push('', `Wrote ${written.join(', ')}`);
  return lines.join('\n');
}
