import { defineConfig } from 'vitest/config'

// defineConfig, not defineProject: fileParallelism is a run-level option.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real inference on 2 CPU cores: allow it time, one file at a time.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
})
