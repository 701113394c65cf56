/**
 * Summarises V8 `.cpuprofile` files (from `node --cpu-prof`): self time per function and per file,
 * highest first, as a share of the profile's sampled time (idle and GC listed as such).
 *
 *   node --import tsx bench/cpuprofile-top.ts PROFILE.cpuprofile [--top 30] [--files]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

/** `file:line` relative to the project, or the node: / internal name. */
function where(url: string, line: number): string {
  if (url === '') return '';
  const p = url.startsWith('file://') ? url.slice('file://'.length) : url;
  const rel = p.includes('/node_modules/') ? `node_modules/${p.split('/node_modules/').at(-1)}` : path.relative(process.cwd(), p);
  return `${rel}:${line + 1}`;
}

function summarise(file: string, top: number, byFile: boolean): void {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  const fileUs = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample: charge it to this sample's node.
    const dt = prof.timeDeltas[i] ?? 0;
    const node = byId.get(prof.samples[i]!);
    if (!node) continue;
    totalUs += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || '(anonymous)';
    const key = url ? `${name}  ${where(url, lineNumber)}` : name;
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
    const f = url ? where(url, 0).replace(/:1$/, '') : name;
    fileUs.set(f, (fileUs.get(f) ?? 0) + dt);
  }
  const idle = selfUs.get('(idle)') ?? 0;
  const busy = totalUs - idle;
  console.log(`${path.basename(file)}: ${(totalUs / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / totalUs).toFixed(1)} %)`);
  const rows = (m: Map<string, number>): void => {
    for (const [k, us] of [...m].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * us) / busy).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
    }
  };
  console.log('self time, % of busy:');
  rows(selfUs);
  if (byFile) {
    console.log('by file, % of busy:');
    rows(fileUs);
  }
}

const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--top'));
if (files.length === 0) {
  console.error('usage: bench/cpuprofile-top.ts PROFILE.cpuprofile [--top 30] [--files]');
  process.exitCode = 2;
}
for (const f of files) summarise(f, arg('top', 30), process.argv.includes('--files'));
