/** TEST DOUBLE of `k6/metrics`: Counter, Gauge, Rate and Trend record every added value. */
import { requireInit, state, type MetricSample } from './runtime.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

class Metric {
  readonly name: string;
  readonly isTime: boolean;
  constructor(
    name: string,
    private readonly type: MetricSample['type'],
    isTime = false,
  ) {
    requireInit(`new ${type}('${name}')`);
    if (!NAME.test(name)) throw new Error(`invalid metric name '${name}' (k6 allows letters, digits and _)`);
    const known = state.metricTypes.get(name);
    if (known && known !== type) throw new Error(`metric '${name}' already declared as a ${known}`);
    state.metricTypes.set(name, type);
    this.name = name;
    this.isTime = isTime;
  }

  add(value: number | boolean, tags?: Record<string, string>): boolean {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (!Number.isFinite(v)) throw new Error(`${this.name}.add: expected a finite number, got ${String(value)}`);
    for (const [k, t] of Object.entries(tags ?? {})) if (typeof t !== 'string') throw new Error(`${this.name}.add: tag ${k} must be a string`);
    state.samples.push({ metric: this.name, type: this.type, value: this.type === 'rate' ? (v !== 0 ? 1 : 0) : v, tags: { ...(tags ?? {}) } });
    return true;
  }
}

export class Counter extends Metric {
  constructor(name: string, isTime?: boolean) {
    super(name, 'counter', isTime);
  }
}
export class Gauge extends Metric {
  constructor(name: string, isTime?: boolean) {
    super(name, 'gauge', isTime);
  }
}
export class Rate extends Metric {
  constructor(name: string, isTime?: boolean) {
    super(name, 'rate', isTime);
  }
}
export class Trend extends Metric {
  constructor(name: string, isTime?: boolean) {
    super(name, 'trend', isTime);
  }
}
