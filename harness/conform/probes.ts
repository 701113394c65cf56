/**
 * The probe catalogue, in report order, and `--probes` selection.
 */
import { ConfigError } from '../../common/errors.ts';
import { activeResponseProbe, cancelIdleProbe, commitEmptyProbe, unknownEventProbe, unknownParameterProbe, voiceAfterAudioProbe } from './probes-errors.ts';
import { bargeInProbe, cancelActiveProbe, itemDeleteRetrieveProbe, truncateErrorsProbe } from './probes-responses.ts';
import { badKeyProbe, sessionExpiryProbe, transcriptionProbe, translationProbe } from './probes-sessions.ts';
import type { ProbeDef } from './types.ts';

/** Every probe, in the order they are reported. */
export const PROBES: readonly ProbeDef[] = [
  activeResponseProbe,
  commitEmptyProbe,
  cancelIdleProbe,
  unknownEventProbe,
  unknownParameterProbe,
  voiceAfterAudioProbe,
  cancelActiveProbe,
  bargeInProbe,
  truncateErrorsProbe,
  itemDeleteRetrieveProbe,
  transcriptionProbe,
  translationProbe,
  sessionExpiryProbe,
  badKeyProbe,
];

/** The short name of a probe: its id without `PROBE-`, lower case (`PROBE-CANCEL-IDLE` → `cancel-idle`). */
export function shortProbeName(id: string): string {
  return id.replace(/^PROBE-/, '').toLowerCase();
}

/**
 * The probes named in a `--probes` list (ids or short names, any case, comma-separated), in
 * catalogue order; every probe when `list` is undefined.
 * @throws ConfigError `E_FLAG` naming each unknown name and listing the known ones
 */
export function selectProbes(list: string | readonly string[] | undefined, catalogue: readonly ProbeDef[] = PROBES): ProbeDef[] {
  if (list === undefined) return [...catalogue];
  const names = (typeof list === 'string' ? list.split(',') : list).map((n) => n.trim()).filter((n) => n.length > 0);
  const wanted = new Set<string>();
  const problems: string[] = [];
  for (const name of names) {
    const key = shortProbeName(name.toUpperCase());
    const probe = catalogue.find((p) => shortProbeName(p.id) === key);
    if (probe) wanted.add(probe.id);
    else problems.push(`--probes: unknown probe ${JSON.stringify(name)}; known: ${catalogue.map((p) => shortProbeName(p.id)).join(', ')}`);
  }
  if (names.length === 0) problems.push('--probes: expected a comma-separated list of probe names');
  if (problems.length > 0) throw new ConfigError('E_FLAG', problems);
  return catalogue.filter((p) => wanted.has(p.id));
}
