import { ConfigError } from '../../common/errors.ts';
import { seededRandom } from './seeded.ts';
import type { ClipSelection, ResolvedScenario } from './types.ts';

/**
 * Problems with the scenario's clip ids against the corpus (the hook the runner calls once the
 * manifest is loaded), each naming the file and field: `scenarios/x.yaml: clips[2]: unknown clip id 'foo'`.
 */
export function clipIdProblems(scenario: Pick<ResolvedScenario, 'clips' | 'sourceLabel'>, knownIds: readonly string[]): string[] {
  const known = new Set(knownIds);
  const problems: string[] = [];
  if (knownIds.length === 0) problems.push(`${scenario.sourceLabel}: clips: the corpus has no clips`);
  if (scenario.clips.type === 'list') {
    scenario.clips.ids.forEach((id, i) => {
      if (!known.has(id)) {
        const sample = knownIds.slice(0, 8).join(', ') + (knownIds.length > 8 ? ', …' : '');
        problems.push(`${scenario.sourceLabel}: clips[${i}]: unknown clip id '${id}' (expected a manifest id: ${sample})`);
      }
    });
  }
  return problems;
}

/** Throws `ConfigError('E_SCENARIO')` listing every {@link clipIdProblems}. */
export function validateClipIds(scenario: Pick<ResolvedScenario, 'clips' | 'sourceLabel'>, knownIds: readonly string[]): void {
  const problems = clipIdProblems(scenario, knownIds);
  if (problems.length > 0) throw new ConfigError('E_SCENARIO', problems);
}

/**
 * The clip a session speaks in a turn. A list cycles in order, each session starting one further
 * along (so concurrent sessions do not speak the same clip at once); `random` picks uniformly,
 * seeded by (seed, session, turn) so the choice does not depend on the order turns happen in.
 * @param sessionIndex 0-based
 * @param turnIndex 1-based
 * @param corpusIds every id of the corpus (used by `random`)
 */
export function clipIdForTurn(selection: ClipSelection, corpusIds: readonly string[], sessionIndex: number, turnIndex: number): string {
  if (selection.type === 'list') return selection.ids[(sessionIndex + turnIndex - 1) % selection.ids.length]!;
  if (corpusIds.length === 0) throw new RangeError('clipIdForTurn: empty corpus');
  const random = seededRandom(selection.seed, sessionIndex * 100_003 + turnIndex);
  return corpusIds[Math.floor(random() * corpusIds.length)]!;
}
