/**
 * Memory of a fresh checker: every `rth run` session gets one, so its id windows must be allocated
 * as they fill, not up front (a few KiB per session, not hundreds).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createConformanceChecker } from './checker.ts';
import { classifyServerFrame } from './replay.ts';
import type { ConformanceChecker } from './types.ts';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

function heapBytes(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

describe('conformance checker memory', () => {
  it('a checker that has seen session.created holds well under 16 KiB', () => {
    const n = 400;
    const keep: ConformanceChecker[] = [];
    const before = heapBytes();
    for (let i = 0; i < n; i++) {
      const c = createConformanceChecker({ sessionKind: 'realtime', sessionId: `s${i}` });
      const raw = JSON.stringify({ type: 'session.created', event_id: `event_${i}`, session: { id: `sess_${i}`, type: 'realtime' } });
      c.onServerEvent(classifyServerFrame(raw, 0, 0));
      c.onClientEvent({ type: 'session.update', event: { type: 'session.update', event_id: `evt_c${i}` }, sentUs: 0 });
      keep.push(c);
    }
    const perCheckerBytes = (heapBytes() - before) / n;
    expect(keep).toHaveLength(n);
    // Preallocated windows cost ~360 KiB a checker; the lazy rings a few KiB (the findings sink,
    // trackers, a handful of slots and the retained session.update excerpt).
    expect(perCheckerBytes).toBeLessThan(16 * 1024);
  });
});
