// Entry of a `--workers N` thread. Worker threads do not inherit the main thread's loader hooks,
// so, like bin/rth.mjs, this registers tsx's loader and then imports the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
