/**
 * TEST DOUBLE of `k6/data`: `SharedArray` built once per name per run (k6: once per instance) from
 * a callback run in the init context; elements must survive JSON, as k6 requires.
 */
import { requireInit, state } from './runtime.ts';

export class SharedArray {
  constructor(name: string, callback: () => unknown[]) {
    requireInit(`new SharedArray('${name}')`);
    let data = state.sharedArrays.get(name);
    if (!data) {
      const built = callback();
      if (!Array.isArray(built)) throw new Error(`SharedArray '${name}': the callback must return an array`);
      data = Object.freeze(JSON.parse(JSON.stringify(built)) as unknown[]);
      state.sharedArrays.set(name, data);
    }
    return data as unknown as SharedArray;
  }
}
