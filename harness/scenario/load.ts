/**
 * Finding and reading scenario files: a bare name (`smoke`) is a shipped scenario
 * (`scenarios/smoke.yaml`), anything else a path. YAML or JSON.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../common/errors.ts';
import { projectRoot } from '../version.ts';
import { resolveScenario } from './resolve.ts';
import type { ResolvedScenario, ScenarioOverrides } from './types.ts';

/** The scenario `rth run` uses when none is named. */
export const DEFAULT_SCENARIO = 'smoke';

/** Where shipped scenarios live: `<project>/scenarios`. */
export const SHIPPED_SCENARIOS_DIR = path.join(projectRoot, 'scenarios');

/** Options of {@link loadScenario} (tests point them elsewhere). */
export interface LoadScenarioOptions {
  /** Base of relative paths and `--out`. Default `process.cwd()`. */
  cwd?: string;
  /** Where bare names are looked up. Default {@link SHIPPED_SCENARIOS_DIR}. */
  scenariosDir?: string;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Names of the scenarios in `dir` (file names without extension), sorted. */
export function listScenarios(dir: string = SHIPPED_SCENARIOS_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => EXTENSIONS.includes(path.extname(f).toLowerCase()))
      .map((f) => f.slice(0, -path.extname(f).length))
      .sort();
  } catch {
    return [];
  }
}

function isBareName(s: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(s) && !EXTENSIONS.includes(path.extname(s).toLowerCase());
}

function labelFor(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

async function readFirst(candidates: readonly string[]): Promise<{ file: string; text: string } | null> {
  for (const file of candidates) {
    try {
      return { file, text: await readFile(file, 'utf8') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new ConfigError('E_SCENARIO', `${file}: cannot read: ${(e as Error).message}`);
    }
  }
  return null;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: offset - lastNewline };
}

/** Parses the text of a scenario file (JSON by extension, else YAML); problems carry line:column. */
export function parseScenarioText(text: string, label: string, isJson: boolean): unknown {
  if (isJson) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ConfigError('E_SCENARIO', `${label}: invalid JSON: ${(e as Error).message}`);
    }
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      'E_SCENARIO',
      doc.errors.map((err) => {
        const where = err.linePos?.[0] ?? lineColumn(text, err.pos[0]);
        return `${label}:${where.line}:${where.col}: invalid YAML: ${err.message.split('\n')[0]}`;
      }),
    );
  }
  return doc.toJS();
}

/**
 * Loads, defaults and validates a scenario, with CLI overrides applied by the same resolver.
 * @param pathOrName a bare name (`smoke` → `scenarios/smoke.yaml`, `.yml`, `.json`) or a file path
 *   (relative to `cwd`; a bare file name not found there is also looked up among the shipped ones)
 * @param overrides CLI flags (`--target`, `--sessions`, `--duration`, `--efforts`, `--seed`,
 *   `--chunk-ms`, `--workers`, `--out`, `--header`)
 * @throws ConfigError `E_SCENARIO` naming the file (or flag), the field path and what was expected
 */
export async function loadScenario(pathOrName: string, overrides: ScenarioOverrides = {}, opts: LoadScenarioOptions = {}): Promise<ResolvedScenario> {
  const cwd = opts.cwd ?? process.cwd();
  const dir = opts.scenariosDir ?? SHIPPED_SCENARIOS_DIR;
  const candidates = isBareName(pathOrName)
    ? EXTENSIONS.map((ext) => path.join(dir, pathOrName + ext))
    : // `smoke.yaml` with no folder: the working directory first, then the shipped scenarios.
      [path.resolve(cwd, pathOrName), ...(path.basename(pathOrName) === pathOrName ? [path.join(dir, pathOrName)] : [])];
  const found = await readFirst(candidates);
  if (!found) {
    const looked = candidates.map((c) => labelFor(c, cwd)).join(', ');
    const shipped = listScenarios(dir);
    throw new ConfigError(
      'E_SCENARIO',
      `scenario '${pathOrName}': no such file (looked for ${looked})${shipped.length ? `; shipped scenarios: ${shipped.join(', ')}` : ''}`,
    );
  }
  const label = labelFor(found.file, cwd);
  const raw = parseScenarioText(found.text, label, path.extname(found.file).toLowerCase() === '.json');
  return resolveScenario(raw, { label, path: found.file, dir: path.dirname(found.file), cwd }, overrides);
}
