/**
 * Renders `script.js` from the template `k6-templates/session-script.js`: the configuration and
 * the options replace the template's two marked placeholders, as JSON (a valid JavaScript
 * expression), and the scenario name goes into the header comment.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { K6ScriptConfig } from './types.ts';

/** The template, a plain k6 script with `/*@rth:config*\/ ({})` and `/*@rth:options*\/ ({})` placeholders. */
export const SCRIPT_TEMPLATE_PATH = fileURLToPath(new URL('./k6-templates/session-script.js', import.meta.url));

const CONFIG_MARK = '/*@rth:config*/ ({})';
const OPTIONS_MARK = '/*@rth:options*/ ({})';

/** The generated script text. @throws Error if the template lost a placeholder (a packaging bug). */
export function renderScript(config: K6ScriptConfig, options: Record<string, unknown>, template = readFileSync(SCRIPT_TEMPLATE_PATH, 'utf8')): string {
  for (const mark of [CONFIG_MARK, OPTIONS_MARK]) {
    if (template.split(mark).length !== 2) throw new Error(`k6 script template: expected exactly one ${mark}`);
  }
  // Compact config (k6 keeps a copy per VU); readable options (users tune executors by hand).
  return template
    .replace('@rth:name', config.scenario.replace(/[^A-Za-z0-9._-]/g, '_'))
    .replace(CONFIG_MARK, () => `(${JSON.stringify(config)})`)
    .replace(OPTIONS_MARK, () => `(${JSON.stringify(options, null, 2)})`);
}
