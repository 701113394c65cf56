/**
 * Memory of another process, for hardening tests and benchmarks that run the mock or the harness
 * as a child: resident set from `/proc/PID/status` (Linux). Null where /proc is missing, so callers
 * can skip a memory assertion instead of failing on another platform.
 */
import { readFileSync } from 'node:fs';

/** Resident set size of `pid`, bytes, or null (no /proc, or the process is gone). */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Whether a process with this pid exists (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Bytes → MiB with one decimal. */
export function mib(bytes: number | null): number | null {
  return bytes === null ? null : Math.round((bytes / 1048576) * 10) / 10;
}
