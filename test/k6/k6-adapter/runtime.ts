/**
 * TEST DOUBLE of the k6 runtime (not k6): the per-VU context, the metric sample registry and the
 * init-context globals (`open`, `__ENV`, `__VU`, `__ITER`) that the generated script uses. All VUs
 * share one Node thread; `AsyncLocalStorage` tells whose timer or socket callback is running, so
 * `__VU`, `k6/execution` and the iteration's pending work are per VU as in k6.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** One VU iteration in progress. */
export interface VuContext {
  readonly vu: number;
  /** `__ITER`: 0-based iteration of this VU. */
  readonly iteration: number;
  /** `exec.scenario.iterationInTest`. */
  readonly iterationInTest: number;
  /** Timers and sockets keeping the iteration alive (k6 ends an iteration when its event loop is empty). */
  readonly pending: Set<unknown>;
  /** Exceptions thrown by the script's callbacks (k6 would log them and end the iteration). */
  readonly exceptions: unknown[];
  /** Called when `pending` may have become empty. */
  checkIdle(): void;
}

/** A metric value as the script added it. */
export interface MetricSample {
  metric: string;
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  value: number;
  tags: Record<string, string>;
}

/** Shared state of one double run. */
export interface DoubleState {
  samples: MetricSample[];
  /** Metric name → type, as declared in init contexts. */
  metricTypes: Map<string, MetricSample['type']>;
  /** `SharedArray` contents by name (built once per run, like once per k6 instance). */
  sharedArrays: Map<string, readonly unknown[]>;
  env: Record<string, string>;
  /** Set while a VU's module evaluates (k6's init context). */
  init: { vu: number; baseDir: string } | null;
  /** `exec.scenario.startTime`, ms since the epoch. */
  scenarioStartTime: number;
  /** `open()` calls: path → bytes (the per-VU copies k6 would hold). */
  opened: { path: string; bytes: number; vu: number }[];
}

export const vuStore = new AsyncLocalStorage<VuContext>();

export const state: DoubleState = {
  samples: [],
  metricTypes: new Map(),
  sharedArrays: new Map(),
  env: {},
  init: null,
  scenarioStartTime: 0,
  opened: [],
};

/** Clears everything recorded (one run at a time). */
export function resetState(env: Record<string, string>): void {
  state.samples = [];
  state.metricTypes = new Map();
  state.sharedArrays = new Map();
  state.env = { ...env };
  state.init = null;
  state.scenarioStartTime = Date.now();
  state.opened = [];
}

/** Throws unless the caller runs in an init context (as k6 does for `open`, metrics, SharedArray). */
export function requireInit(what: string): { vu: number; baseDir: string } {
  if (!state.init || vuStore.getStore()) throw new Error(`${what}: only available in the init context (k6 rule, enforced by the test double)`);
  return state.init;
}

/** k6's `open(path, mode)`: relative to the script; `'b'` → ArrayBuffer, else text. */
function k6Open(path: string, mode?: 'b'): string | ArrayBuffer {
  const init = requireInit('open()');
  const file = resolve(init.baseDir, path);
  const bytes = readFileSync(file);
  state.opened.push({ path, bytes: bytes.length, vu: init.vu });
  if (mode === 'b') return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return bytes.toString('utf8');
}

let installed = false;

/** Defines `open`, `__ENV`, `__VU` and `__ITER` on globalThis (idempotent). */
export function installGlobals(): void {
  if (installed) return;
  installed = true;
  Object.defineProperties(globalThis, {
    open: { value: k6Open, configurable: true, writable: true },
    __ENV: { get: () => state.env, configurable: true },
    __VU: { get: () => vuStore.getStore()?.vu ?? 0, configurable: true },
    __ITER: { get: () => vuStore.getStore()?.iteration ?? 0, configurable: true },
  });
}

/** Runs a callback of the script in `ctx`, keeping exceptions as data, then checks for idleness. */
export function runInVu(ctx: VuContext, fn: () => void): void {
  vuStore.run(ctx, () => {
    try {
      fn();
    } catch (err) {
      ctx.exceptions.push(err);
    }
  });
  ctx.checkIdle();
}

/** The running VU context; throws outside one (VU-only APIs). */
export function currentVu(what: string): VuContext {
  const ctx = vuStore.getStore();
  if (!ctx) throw new Error(`${what}: only available in VU code (k6 rule, enforced by the test double)`);
  return ctx;
}
