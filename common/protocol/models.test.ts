import { describe, expect, it } from 'vitest';
import { baseModelName, isKnownNonReasoningModel, isReasoningModel, KNOWN_REALTIME_MODELS, NON_REASONING_REALTIME_MODELS, REASONING_REALTIME_MODELS } from './models.ts';

describe('realtime model catalogue', () => {
  it('reasoning: the gpt-realtime-2 line, its snapshots and point releases', () => {
    for (const m of ['gpt-realtime-2', 'gpt-realtime-2.1', 'gpt-realtime-2.1-mini', 'gpt-realtime-2.1-2026-12-01', 'gpt-realtime-2.1-mini-2026-12-01', 'gpt-realtime-2.2']) {
      expect(isReasoningModel(m), m).toBe(true);
      expect(isKnownNonReasoningModel(m), m).toBe(false);
    }
  });

  it('no reasoning: the older lines, including gpt-realtime-2025-08-28 (a snapshot of gpt-realtime, not of gpt-realtime-2)', () => {
    for (const m of NON_REASONING_REALTIME_MODELS) {
      expect(isReasoningModel(m), m).toBe(false);
      expect(isKnownNonReasoningModel(m), m).toBe(true);
    }
    expect(isKnownNonReasoningModel('gpt-realtime-1.5-2026-02-01')).toBe(true);
  });

  it('unknown names (deployments, future models) are neither, so callers do not reject them', () => {
    for (const m of ['my-deploy', 'gpt-realtime-20', 'gpt-realtime-3']) {
      expect(isReasoningModel(m), m).toBe(false);
      expect(isKnownNonReasoningModel(m), m).toBe(false);
    }
  });

  it('baseModelName strips only a trailing snapshot date', () => {
    expect(baseModelName('gpt-realtime-2.1-mini-2026-12-01')).toBe('gpt-realtime-2.1-mini');
    expect(baseModelName('gpt-realtime-2025-08-28')).toBe('gpt-realtime');
    expect(baseModelName('gpt-realtime-2.1')).toBe('gpt-realtime-2.1');
    expect(baseModelName('x-2026-12')).toBe('x-2026-12');
  });

  it('lists each model once', () => {
    expect(new Set(KNOWN_REALTIME_MODELS).size).toBe(KNOWN_REALTIME_MODELS.length);
    expect(KNOWN_REALTIME_MODELS.slice(0, REASONING_REALTIME_MODELS.length)).toEqual([...REASONING_REALTIME_MODELS]);
  });
});
