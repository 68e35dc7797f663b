import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // integration tests share two OpenStack sites; run files one at a time so
    // quota and timing stay predictable on a two-core machine
    fileParallelism: false,
  },
});
