/**
 * Errors that are the user's mistake (bad flag, scenario field, WAV, price card). They are thrown
 * before any socket opens and list every problem found, each naming where it is.
 * Protocol violations by a target are never thrown: they are findings (data).
 */
export class ConfigError extends Error {
  /** Stable code for scripts, e.g. `E_SCENARIO`, `E_WAV`, `E_FLAG`, `E_PRICE_CARD`, `E_MANIFEST`. */
  readonly code: string;
  /** Every problem, each already naming its file/field and what was expected. */
  readonly problems: readonly string[];

  constructor(code: string, problems: readonly string[] | string) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.length === 1 ? list[0]! : `${list.length} problems:\n  - ${list.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.code = code;
    this.problems = list;
  }
}
