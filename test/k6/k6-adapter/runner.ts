/**
 * TEST DOUBLE runner: loads a generated k6 script under Node and runs `vus` VUs × `iterations`
 * each. The script's `import … from 'k6/…'` specifiers are rewritten, in one copy of the script
 * per VU, to this folder's modules (each copy is its own module instance, as each k6 VU has its
 * own runtime); module evaluation is the VU's init context. It ignores `options.scenarios`: the
 * caller picks VUs and iterations. This is not k6.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { installGlobals, resetState, runInVu, state, type MetricSample, type VuContext } from './runtime.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** k6 modules the double provides, by specifier. */
export const PROVIDED_MODULES: Readonly<Record<string, string>> = {
  k6: 'k6.ts',
  'k6/websockets': 'websockets.ts',
  'k6/timers': 'timers.ts',
  'k6/metrics': 'metrics.ts',
  'k6/encoding': 'encoding.ts',
  'k6/data': 'data.ts',
  'k6/execution': 'execution.ts',
};

/** Options of {@link runK6Script}. */
export interface DoubleRunOptions {
  /** The generated `script.js` (its directory is the base of `open()` paths). */
  script: string;
  /** Where the per-VU copies are written. */
  workDir: string;
  vus: number;
  /** Iterations per VU (run one after the other in each VU, VUs concurrently). */
  iterations: number;
  env?: Record<string, string>;
  /** An iteration still busy after this long is failed and its sockets left to close. Default 60000. */
  iterationTimeoutMs?: number;
}

/** What a double run recorded. */
export interface DoubleRun {
  samples: MetricSample[];
  options: Record<string, unknown>;
  exceptions: unknown[];
  /** Iterations that hit the timeout. */
  timedOut: number;
  /** Bytes returned by `open()`, per VU. */
  openedBytesByVu: Map<number, number>;
  durationMs: number;
}

/** Rewrites `from 'k6…'` specifiers to the double's modules; throws on a module it does not provide. */
export function rewriteImports(source: string): string {
  return source.replace(/(\bfrom\s+|\bimport\s+)(['"])(k6(?:\/[A-Za-z0-9_/-]+)?)\2/g, (_m, lead: string, q: string, spec: string) => {
    const file = PROVIDED_MODULES[spec];
    if (!file) throw new Error(`the k6 test double does not provide '${spec}'`);
    return `${lead}${q}${pathToFileURL(join(HERE, file)).href}${q}`;
  });
}

/** Runs the script; see the module comment. */
export async function runK6Script(opts: DoubleRunOptions): Promise<DoubleRun> {
  installGlobals();
  resetState(opts.env ?? {});
  const source = rewriteImports(await readFile(opts.script, 'utf8'));
  await mkdir(opts.workDir, { recursive: true });
  const modules: { default: () => void; options?: Record<string, unknown> }[] = [];
  for (let vu = 1; vu <= opts.vus; vu++) {
    const copy = join(opts.workDir, `vu-${vu}.mjs`);
    await writeFile(copy, source);
    state.init = { vu, baseDir: dirname(opts.script) };
    try {
      modules.push((await import(pathToFileURL(copy).href)) as (typeof modules)[number]);
    } finally {
      state.init = null;
    }
  }
  const started = Date.now();
  state.scenarioStartTime = started;
  const exceptions: unknown[] = [];
  let timedOut = 0;
  let iterationInTest = 0;
  const runVu = async (vu: number, mod: (typeof modules)[number]): Promise<void> => {
    for (let iteration = 0; iteration < opts.iterations; iteration++) {
      await new Promise<void>((resolveIteration) => {
        let settled = false;
        const finish = (): void => {
          if (settled) return;
          settled = true;
          clearTimeout(guard);
          exceptions.push(...ctx.exceptions);
          resolveIteration();
        };
        const ctx: VuContext = {
          vu,
          iteration,
          iterationInTest: iterationInTest++,
          pending: new Set(),
          exceptions: [],
          // Deferred: a callback may schedule more work right after the last pending item ended.
          checkIdle: () => setImmediate(() => ctx.pending.size === 0 && finish()),
        };
        const guard = setTimeout(() => {
          timedOut++;
          finish();
        }, opts.iterationTimeoutMs ?? 60_000);
        runInVu(ctx, () => mod.default());
      });
    }
  };
  await Promise.all(modules.map((m, i) => runVu(i + 1, m)));
  const openedBytesByVu = new Map<number, number>();
  for (const o of state.opened) openedBytesByVu.set(o.vu, (openedBytesByVu.get(o.vu) ?? 0) + o.bytes);
  return {
    samples: state.samples,
    options: (modules[0]?.options ?? {}) as Record<string, unknown>,
    exceptions,
    timedOut,
    openedBytesByVu,
    durationMs: Date.now() - started,
  };
}
