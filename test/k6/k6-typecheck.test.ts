/**
 * The generated scripts type-check against @types/k6: one `tsc` run (allowJs + checkJs, strict, no
 * DOM or Node types, only the k6 ones) over scripts exported from every fixture scenario kind and
 * both audio modes, plus a copy with a planted misuse of a k6 API, which must be the only failure.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { exportK6, type K6AudioMode } from '../../harness/k6/index.ts';
import { loadScenario } from '../../harness/scenario/index.ts';
import { projectRoot } from '../../harness/version.ts';
import { FIXTURES_DIR, removeTemp, shortCorpus, tempUnderProject } from './helpers.ts';

const dirs: string[] = [];
let corpusDir = '';
afterAll(() => {
  removeTemp(dirs);
  if (corpusDir) rmSync(corpusDir, { recursive: true, force: true });
});

const CASES: [string, K6AudioMode][] = [
  ['k6-vad', 'shared'],
  ['k6-tools', 'per-vu'],
  ['k6-barge', 'shared'],
  ['k6-transcription', 'shared'],
  ['k6-translation', 'per-vu'],
];

it('generated scripts type-check against @types/k6, and a planted API misuse does not', { timeout: 120_000 }, async () => {
  corpusDir = await shortCorpus();
  const root = tempUnderProject('k6-typecheck-');
  dirs.push(root);
  const files: string[] = [];
  for (const [name, audioMode] of CASES) {
    const out = join(root, name);
    await exportK6(await loadScenario(join(FIXTURES_DIR, `${name}.yaml`)), { outDir: out, corpusDir, target: 'wss://relay.example/v1/realtime', audioMode });
    files.push(join(out, 'script.js'));
  }
  const broken = join(root, 'broken.js');
  // exec.scenario.iterationInTest is a number in @types/k6: calling a string method on it is an error.
  writeFileSync(broken, readFileSync(files[0]!, 'utf8') + '\nexport function planted() { return exec.scenario.iterationInTest.toUpperCase(); }\n');
  files.push(broken);
  const tsconfig = join(root, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: { allowJs: true, checkJs: true, noEmit: true, strict: true, target: 'ES2020', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2020'], types: ['k6'] },
      files,
    }),
  );
  const tsc = join(projectRoot, 'node_modules/typescript/bin/tsc');
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: root }).then(
    () => ({ code: 0, stdout: '' }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  const errors = result.stdout.split('\n').filter((l) => / error TS\d+:/.test(l));
  expect(result.code).not.toBe(0);
  expect(errors.length).toBeGreaterThan(0);
  // Every error is the planted one: the generated scripts themselves are clean.
  expect(errors.filter((l) => !l.startsWith('broken.js'))).toEqual([]);
  expect(errors.join('\n')).toContain("Property 'toUpperCase' does not exist on type 'number'");
});
