import { describe, expect, it } from 'vitest';
import { applyLatencyGcFlags, LATENCY_GC_FLAGS } from './gc-tuning.ts';

describe('applyLatencyGcFlags', () => {
  it('sets nothing when RTH_DEFAULT_GC=1, then every flag exactly once', () => {
    const set: string[] = [];
    expect(applyLatencyGcFlags({ RTH_DEFAULT_GC: '1' }, (f) => set.push(f))).toBe(false);
    expect(set).toEqual([]);
    expect(applyLatencyGcFlags({}, (f) => set.push(f))).toBe(true);
    expect(applyLatencyGcFlags({}, (f) => set.push(f))).toBe(false);
    expect(set).toEqual([...LATENCY_GC_FLAGS]);
  });

  it('passes flags V8 knows (an unknown one would be ignored silently)', async () => {
    // `node --v8-options` lists every flag this V8 accepts; a renamed flag would make the tuning a no-op.
    const { execFileSync } = await import('node:child_process');
    const known = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    for (const flag of LATENCY_GC_FLAGS) {
      const name = flag.replace(/^--(no-)?/, '').replace(/=.*$/, '');
      expect(known, name).toContain(`--${name} `);
    }
  });
});
