import { describe, expect, it } from 'vitest';
import type { StopWhen } from '../scenario/types.ts';
import { capacityOf, judgeStep } from '../runner/capacity.ts';
import { capacitySectionHtml } from './capacity.ts';

const STOP: StopWhen = { ttfaP95Ms: 900, errorRate: 0.1, rateLimited: true };
const step = (index: number, concurrency: number) => ({ index, concurrency, startMs: index * 1000, endMs: (index + 1) * 1000 });
const values = (n: number, top: number): number[] => Array.from({ length: n }, (_, i) => ((i + 1) * top) / n);

describe('report: capacity section', () => {
  const block = capacityOf(
    [
      judgeStep(step(0, 10), { ttfaMs: values(80, 600), turns: 80, turnsFailed: 0, sessionsFailed: 0, handshake429: 0, inSession: 0 }, STOP, true),
      judgeStep(step(1, 20), { ttfaMs: values(30, 700), turns: 30, turnsFailed: 0, sessionsFailed: 0, handshake429: 0, inSession: 0 }, STOP, true),
      judgeStep(step(2, 30), { ttfaMs: values(90, 800), turns: 92, turnsFailed: 0, sessionsFailed: 2, handshake429: 2, inSession: 1 }, STOP, true),
    ],
    30,
    STOP,
  );

  it('states the result and plots TTFA, error rate and rate limits against concurrency', () => {
    const html = capacitySectionHtml(block);
    expect(html).toContain('Capacity: <b>20</b> concurrent sessions, the last step that held; the step at 30 broke: <b>handshake 429</b>.');
    for (const id of ['capacity-ttfa', 'capacity-errors', 'capacity-rate-limits']) expect(html).toContain(`data-chart="${id}"`);
    // The p95 line has points only at the steps that support it (10 and 30), with its limit drawn.
    expect(html).toContain('30 sessions: TTFA p95 764 ms [720, 800] (n=90)');
    expect(html).not.toContain('20 sessions: TTFA p95');
    expect(html).toContain('stop: p95 &gt; 900 ms');
    expect(html).toContain('p95 not supported at this step (n=30, needs 72 at 95%)');
    expect(html).toContain('30 sessions: handshake 429 ×2');
  });

  it('no block, no section', () => {
    expect(capacitySectionHtml(undefined)).toBe('');
  });
});
