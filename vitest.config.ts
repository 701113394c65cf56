import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['common/**/*.test.ts', 'harness/**/*.test.ts', 'mock-server/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Socket tests start their own servers on port 0; two workers match the 2-core machines.
    pool: 'forks',
    maxWorkers: 2,
  },
});
