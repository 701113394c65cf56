/** TEST DOUBLE of the `k6` module: `check` (recorded as the `checks` rate), `group`, `fail`; `sleep` is refused. */
import { state } from './runtime.ts';

export function check<T>(value: T, sets: Record<string, (v: T) => boolean>, tags?: Record<string, string>): boolean {
  let all = true;
  for (const [name, fn] of Object.entries(sets)) {
    const ok = Boolean(fn(value));
    all &&= ok;
    state.samples.push({ metric: 'checks', type: 'rate', value: ok ? 1 : 0, tags: { ...(tags ?? {}), check: name } });
  }
  return all;
}

export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

export function fail(message?: string): never {
  throw new Error(message ?? 'fail()');
}

export function sleep(): never {
  // k6's sleep blocks the VU; one Node thread hosts every VU of the double, so it cannot.
  throw new Error('sleep(): not provided by the test double (the generated script must use timers)');
}
