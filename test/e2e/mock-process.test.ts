import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_NICENESS, startMockProcess, type MockProcess } from '../../harness/runner/mock-process.ts';

describe('embedded mock process', () => {
  let mock: MockProcess | null = null;
  afterEach(async () => {
    await mock?.stop();
    mock = null;
  });

  it('runs below the harness priority by default, so its wake-ups do not preempt the harness', async () => {
    mock = await startMockProcess({ seed: 1 });
    expect(getPriority(mock.pid)).toBe(Math.min(19, getPriority() + DEFAULT_MOCK_NICENESS));
  });

  it('leaves the priority alone with niceness 0', async () => {
    mock = await startMockProcess({ seed: 1, niceness: 0 });
    expect(getPriority(mock.pid)).toBe(getPriority());
  });
});
