/**
 * Recovery, scored: per fault kind, how many faults sessions met, how many the driver recovered
 * from, the recovery time distribution and the turns lost — all from `SessionResult.recoveries`
 * (harness/contract.ts). Pure, so the HTML report can show the same table from `sessions.jsonl`.
 */
import type { FaultKind, SessionResult } from '../contract.ts';

/** Report order of fault kinds. */
export const FAULT_KINDS: readonly FaultKind[] = ['rate_limit_exceeded', 'server_error', 'session_expired', 'going_away', 'abnormal_close', 'turn_timeout'];

/** Recovery time distribution of the recovered faults of one kind, ms (nearest-rank percentiles). */
export interface RecoveryTimeStats {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

/** One fault kind's row. */
export interface RecoveryScore {
  readonly fault: FaultKind;
  /** Faults of this kind met (recovery records). */
  readonly occurrences: number;
  /** Of which the recovery action succeeded. */
  readonly recovered: number;
  /** `recovered / occurrences` (0–1). */
  readonly recoveryRate: number;
  /** Time from the fault to recovery, over recovered faults only; null when none recovered. */
  readonly recoveryMs: RecoveryTimeStats | null;
  /** Planned turns that never completed because of these faults. */
  readonly turnsLost: number;
  /** Retries or reconnect attempts made. */
  readonly attempts: number;
}

/** Nearest-rank percentile of ascending `sorted` (p in 0–100); `sorted` must be non-empty. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Time stats of `values` (ms), or null when empty. Values are rounded to 0.1 ms. */
export function recoveryTimeStats(values: readonly number[]): RecoveryTimeStats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const r = (v: number): number => Math.round(v * 10) / 10;
  return { count: sorted.length, p50Ms: r(nearestRank(sorted, 50)), p95Ms: r(nearestRank(sorted, 95)), maxMs: r(sorted[sorted.length - 1]!) };
}

/**
 * Scores the recoveries of `sessions`: one row per fault kind that occurred, in {@link FAULT_KINDS}
 * order (kinds never met are omitted; sessions without `recoveries` contribute nothing).
 */
export function scoreRecoveries(sessions: readonly SessionResult[]): RecoveryScore[] {
  const byKind = new Map<FaultKind, { occurrences: number; recovered: number; times: number[]; turnsLost: number; attempts: number }>();
  for (const s of sessions) {
    for (const r of s.recoveries ?? []) {
      let row = byKind.get(r.fault);
      if (!row) byKind.set(r.fault, (row = { occurrences: 0, recovered: 0, times: [], turnsLost: 0, attempts: 0 }));
      row.occurrences += 1;
      if (r.recovered) {
        row.recovered += 1;
        row.times.push(r.recoveryMs);
      }
      row.turnsLost += r.turnsLost;
      row.attempts += r.attempts;
    }
  }
  const known = FAULT_KINDS.filter((k) => byKind.has(k));
  const other = [...byKind.keys()].filter((k) => !FAULT_KINDS.includes(k)).sort();
  return [...known, ...other].map((fault) => {
    const row = byKind.get(fault)!;
    return {
      fault,
      occurrences: row.occurrences,
      recovered: row.recovered,
      recoveryRate: row.occurrences === 0 ? 0 : row.recovered / row.occurrences,
      recoveryMs: recoveryTimeStats(row.times),
      turnsLost: row.turnsLost,
      attempts: row.attempts,
    };
  });
}

/** One table row: a label (e.g. the injected fault spec) and a score. */
export interface RecoveryTableRow {
  readonly label: string;
  readonly score: RecoveryScore;
}

/** A fixed-width text table of scores (what `rth conform --recovery` prints). */
export function formatRecoveryTable(rows: readonly RecoveryTableRow[]): string {
  const header = ['injected', 'fault met', 'occurred', 'recovered', 'p50 ms', 'p95 ms', 'max ms', 'turns lost'];
  const ms = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(0));
  const body = rows.map(({ label, score: s }) => [
    label,
    s.fault,
    String(s.occurrences),
    `${s.recovered} (${Math.round(s.recoveryRate * 100)}%)`,
    ms(s.recoveryMs?.p50Ms),
    ms(s.recoveryMs?.p95Ms),
    ms(s.recoveryMs?.maxMs),
    String(s.turnsLost),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
